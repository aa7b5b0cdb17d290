"""Send one notification through apprise, in a short-lived child process.

`python3 -m nodewatch.service.deliver [--plugins NAME,…]` reads {"urls": [...], "title": ...,
"body": ...} as JSON on stdin and writes one {"ok": bool, "error": str | null, "plugin": str |
null} per URL as a JSON list on stdout. The service never imports apprise itself: its ~20 MB
stay out of the long-running process and are paid only while a notification is due. Each URL
is sent on its own so one failure names its URL and does not hide the others' success.

Loading apprise is what an alert waits for (the service starts this child at the first sign
of trouble, but a pulled disk is also the first sign): apprise imports every one of its ~190
plugin modules the first time a URL is looked up, most of its cost. Given --plugins (the
plugin modules that served the configured URLs before, which the service learns once at
start with --which), only those are loaded, through apprise's own plugin manager; a URL they
do not serve makes it load all of them, as without the option.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from typing import Any

_PLUGIN_NAME = re.compile(r"^[a-z0-9_]+$")  # a module of apprise/plugins/, as apprise names them
_PLUGINS_PACKAGE = "apprise.plugins."


def deliver(urls: list[str], title: str, body: str) -> list[dict[str, Any]]:
    import apprise

    results: list[dict[str, Any]] = []
    for url in urls:
        sender = _sender(url)
        if sender is None:
            results.append({"ok": False, "error": "not a URL apprise understands", "plugin": None})
            continue
        with apprise.LogCapture(level=logging.WARNING) as captured:  # type: ignore[no-untyped-call]
            ok = bool(sender.notify(body=body, title=title))
            said = captured.getvalue().strip()
        results.append({"ok": ok, "error": None if ok else _reason(said), "plugin": _plugin_of(sender)})
    return results


def plugins_for(urls: list[str]) -> list[str | None]:
    """The apprise plugin module serving each URL (None: apprise does not understand it)."""
    out: list[str | None] = []
    for url in urls:
        sender = _sender(url)
        out.append(_plugin_of(sender) if sender is not None else None)
    return out


def _sender(url: str) -> Any:
    """An Apprise holding the URL, or None; what is loaded lacks its plugin: load them all."""
    import apprise

    sender = apprise.Apprise()
    if sender.add(url):
        return sender
    if _load_all():
        sender = apprise.Apprise()
        if sender.add(url):
            return sender
    return None


def _plugin_of(sender: Any) -> str | None:
    module = type(sender[0]).__module__ if len(sender) else ""
    name = module.removeprefix(_PLUGINS_PACKAGE).split(".", 1)[0]
    return name if module.startswith(_PLUGINS_PACKAGE) and _PLUGIN_NAME.match(name) else None


_LOADED = {"subset only": False}  # only the --plugins subset is loaded (a URL outside it loads the rest)


def _load_only(names: list[str]) -> bool:
    """Load only these plugin modules into apprise's plugin manager; False if that cannot be
    done (then apprise loads them all at the first URL, as it does by itself)."""
    import os
    import tempfile
    from pathlib import Path

    import apprise
    from apprise.manager_plugins import NotificationManager

    source = Path(apprise.__file__).parent / "plugins"
    try:
        with tempfile.TemporaryDirectory(prefix="nodewatch-apprise-") as subset:
            # The manager loads what a directory lists, as modules of the package `name`:
            # a directory listing only these names loads only these (the real modules).
            for name in names:
                for found in (source / f"{name}.py", source / name):
                    if _PLUGIN_NAME.match(name) and found.exists():
                        os.symlink(found, Path(subset) / found.name)
            NotificationManager().load_modules(path=subset, name=_PLUGINS_PACKAGE.rstrip("."))  # type: ignore[no-untyped-call]
    except Exception:  # noqa: BLE001 - an apprise that works otherwise: load everything instead
        return False
    _LOADED["subset only"] = True
    return True


def _load_all() -> bool:
    """After a subset: load the rest of apprise's plugins; False if they all are already."""
    if not _LOADED["subset only"]:
        return False
    from apprise.manager_plugins import NotificationManager

    NotificationManager().load_modules()  # type: ignore[no-untyped-call]
    _LOADED["subset only"] = False
    return True


def _reason(said: str) -> str:
    # apprise's own warning lines, e.g. "Failed to send JSON notification: Internal Server Error - 500";
    # they may quote the URL, which the service redacts before logging or storing.
    lines = [line.strip() for line in said.splitlines() if line.strip()]
    return "; ".join(lines[-3:]) or "apprise reported a failure without a reason"


def main(argv: list[str] | None = None) -> int:
    # apprise is loaded before the request is read: the service starts this child as soon as
    # something changes, so the loading is done by the time an alert is due (or the child is
    # told nothing, by an empty stdin, and exits).
    import time

    import apprise

    args = sys.argv[1:] if argv is None else argv
    which = "--which" in args
    names = next((a.split("=", 1)[1].split(",") for a in args if a.startswith("--plugins=")), [])
    if which or not names or not _load_only(names):
        apprise.Apprise().add("json://localhost/")  # looks a URL up: loads every plugin, sends nothing
    loaded = time.time()

    text = sys.stdin.read()
    if not text.strip():
        return 0
    asked = time.time()
    request = json.loads(text)
    if which:
        json.dump(plugins_for(list(request["urls"])), sys.stdout)
        sys.stdout.write("\n")
        return 0
    json.dump(deliver(list(request["urls"]), str(request["title"]), str(request["body"])), sys.stdout)
    sys.stdout.write("\n")
    # When each part happened (the clock's seconds), for the service's debug log: where an
    # alert's time goes between "queued" and "delivered".
    answered = time.time()
    sys.stderr.write(f"timing: apprise loaded {loaded:.3f}, asked {asked:.3f}, answered {answered:.3f}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
