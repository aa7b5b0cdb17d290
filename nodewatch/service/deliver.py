"""Send one notification through apprise, in a short-lived child process.

`python3 -m nodewatch.service.deliver` reads {"urls": [...], "title": ..., "body": ...} as JSON
on stdin and writes one {"ok": bool, "error": str | null} per URL as a JSON list on stdout.
The service never imports apprise itself: its ~20 MB stay out of the long-running process and
are paid only while a notification is due. Each URL is sent on its own so one failure names
its URL and does not hide the others' success.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any


def deliver(urls: list[str], title: str, body: str) -> list[dict[str, Any]]:
    import apprise

    results: list[dict[str, Any]] = []
    for url in urls:
        sender = apprise.Apprise()
        if not sender.add(url):
            results.append({"ok": False, "error": "not a URL apprise understands"})
            continue
        with apprise.LogCapture(level=logging.WARNING) as captured:  # type: ignore[no-untyped-call]
            ok = bool(sender.notify(body=body, title=title))
            said = captured.getvalue().strip()
        results.append({"ok": ok, "error": None if ok else _reason(said)})
    return results


def _reason(said: str) -> str:
    # apprise's own warning lines, e.g. "Failed to send JSON notification: Internal Server Error - 500";
    # they may quote the URL, which the service redacts before logging or storing.
    lines = [line.strip() for line in said.splitlines() if line.strip()]
    return "; ".join(lines[-3:]) or "apprise reported a failure without a reason"


def main() -> int:
    # apprise is loaded before the request is read: the service starts this child as soon as
    # something changes, so the loading is done by the time an alert is due (or the child is
    # told nothing, by an empty stdin, and exits). Loading means its plugins too: apprise
    # imports all of them (~700 modules) the first time a URL is looked up, which is most of
    # its cost (0.4 s of CPU on x86-64, half a minute in the lab's emulated guest).
    import time

    import apprise

    apprise.Apprise().add("json://localhost/")  # looks a URL up: loads the plugins, sends nothing
    loaded = time.time()

    text = sys.stdin.read()
    if not text.strip():
        return 0
    asked = time.time()
    request = json.loads(text)
    json.dump(deliver(list(request["urls"]), str(request["title"]), str(request["body"])), sys.stdout)
    sys.stdout.write("\n")
    # When each part happened (the clock's seconds), for the service's debug log: where an
    # alert's time goes between "queued" and "delivered".
    answered = time.time()
    sys.stderr.write(f"timing: apprise loaded {loaded:.3f}, asked {asked:.3f}, answered {answered:.3f}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
