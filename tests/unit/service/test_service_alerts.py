"""Delivery through apprise (in its child process) to a real HTTP receiver on loopback."""

import logging
import os
import time
from pathlib import Path

import pytest

from nodewatch.config import AlertsSettings
from nodewatch.service import alerts
from nodewatch.service.alerts import Notifier, Target, load_targets, redact, scrub, send
from tests.support.receiver import Receiver


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_send_delivers_title_and_body(receiver):
    [outcome] = send([Target(receiver.url)], "pi1: CRITICAL tank", "zpool online tank 123")
    assert outcome.ok and outcome.error is None
    [body] = receiver.wait_for(1)
    assert body["title"] == "pi1: CRITICAL tank" and body["message"] == "zpool online tank 123"


def test_each_url_gets_its_own_outcome_with_a_reason(receiver):
    dead = "json://127.0.0.1:9/token-abcdef/"  # discard port: nothing listens
    good, bad, nonsense = send([Target(receiver.url), Target(dead), Target("nonsense-url")], "t", "b")
    assert good.ok
    assert not bad.ok and bad.error and "token-abcdef" not in bad.error
    assert not nonsense.ok and nonsense.error == "not a URL apprise understands"


def test_a_failed_delivery_is_retried_and_every_attempt_recorded(receiver, caplog):
    caplog.set_level(logging.INFO, logger="nodewatch")  # an earlier CLI run in-process left WARNING
    receiver.refuse_next = 2
    attempts = []
    notifier = Notifier([Target(receiver.url)], record=attempts.append, backoff=(0.2, 0.2, 0.2))
    notifier.submit("new", "member-missing|tank|1|", "title", "body")
    [body] = receiver.wait_for(1)
    assert body["message"] == "body"
    deadline = time.monotonic() + 5
    while len(attempts) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [(a.attempt, a.ok) for a in attempts] == [(1, False), (2, False), (3, True)]
    assert receiver.refused == 2
    assert all(a.target == redact(receiver.url) for a in attempts)
    assert str(receiver.port) not in caplog.text  # the URL never reaches the log
    notifier.close()


def test_submit_never_blocks_on_a_hung_notifier():
    notifier = Notifier([Target("json://127.0.0.1:9/")], backoff=())
    started = time.monotonic()
    for _ in range(10):
        notifier.submit("new", None, "t", "b")
    assert time.monotonic() - started < 0.1
    notifier.close(timeout=0.1)


def test_gives_up_after_the_backoff_and_says_so(caplog):
    caplog.set_level(logging.WARNING, logger="nodewatch")
    attempts = []
    notifier = Notifier([Target("json://127.0.0.1:9/")], record=attempts.append, backoff=(0.1,))
    notifier.submit("new", None, "t", "b")
    deadline = time.monotonic() + 20
    while len(attempts) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    assert [(a.attempt, a.ok) for a in attempts] == [(1, False), (2, False)]
    assert "giving up" in caplog.text
    notifier.close()


def test_redaction_keeps_the_scheme_and_hides_the_token():
    url = "tgram://123456:AAbbCCddEEff/987654321"
    assert redact(url).startswith("tgram://…#") and "AAbb" not in redact(url)
    assert "AAbbCCddEEff" not in scrub(f"failed to reach {url} (token AAbbCCddEEff)", [url])


def test_urls_file_adds_urls_and_warns_when_others_can_read_it(tmp_path):
    path = tmp_path / "urls"
    path.write_text("# comment\njson://127.0.0.1:1/\n\njson://127.0.0.1:2/\n")
    os.chmod(path, 0o644)
    targets, warnings = load_targets(AlertsSettings(urls=("json://127.0.0.1:1/",), urls_file=str(path)))
    assert [t.url for t in targets] == ["json://127.0.0.1:1/", "json://127.0.0.1:2/"]
    assert len(warnings) == 1 and "readable by everyone" in warnings[0] and "chmod 600" in warnings[0]
    os.chmod(path, 0o600)
    assert load_targets(AlertsSettings(urls_file=str(path)))[1] == []


def test_a_missing_urls_file_names_the_key(tmp_path):
    with pytest.raises(alerts.AlertConfigError, match=r"alerts\.urls_file"):
        load_targets(AlertsSettings(urls_file=str(tmp_path / "absent")))


def test_a_child_started_ahead_carries_the_next_alert(receiver, monkeypatch):
    monkeypatch.setattr(alerts, "WARM_SECONDS", 30.0)
    notifier = Notifier([Target(receiver.url)], backoff=())
    notifier.prepare()
    warm = notifier._warm
    assert warm is not None and warm.poll() is None  # loading apprise, waiting for a request
    notifier.submit("new", None, "title", "body")
    assert receiver.wait_for(1)[0]["message"] == "body"
    assert warm.wait(timeout=20) == 0  # it was the one that sent it
    assert notifier._warm is None
    notifier.close()


def test_an_unused_child_is_let_go(receiver, monkeypatch):
    monkeypatch.setattr(alerts, "WARM_SECONDS", 0.2)
    notifier = Notifier([Target(receiver.url)], backoff=())
    notifier.prepare()
    warm = notifier._warm
    assert warm is not None
    assert warm.wait(timeout=20) == 0  # told nothing: exits by itself
    assert receiver.received == []
    notifier.close()


def test_the_plugins_serving_the_urls_are_learned_once_and_a_child_loads_only_those(receiver):
    # apprise loads all its plugin modules at the first URL; a child told which serve the
    # configured URLs loads only those (half the time an alert waits for apprise).
    dead = "json://127.0.0.1:9/"
    assert alerts.plugins_for([Target(receiver.url), Target(dead), Target("nonsense-url")]) == ["custom_json"]
    [outcome] = send([Target(receiver.url)], "t", "only json", plugins=["custom_json"])
    assert outcome.ok and outcome.plugin == "custom_json"
    # Plugins that do not serve a URL (here XML's): the child loads the rest and still delivers.
    [outcome] = send([Target(receiver.url)], "t", "all", plugins=["custom_xml"])
    assert outcome.ok and outcome.plugin == "custom_json"
    assert [body["message"] for body in receiver.wait_for(2)] == ["only json", "all"]
    notifier = Notifier([Target(receiver.url)])
    assert notifier._learned.wait(60) and notifier._plugins == ("custom_json",)
    notifier.close()


# ── [alerts] keep_apprise_loaded: one delivery child kept loaded at all times ─────────────


def _until(what, seconds=60.0):
    """Wait (polling) until what() is true; return its value, or fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := what():
            return value
        time.sleep(0.02)
    raise AssertionError(f"not within {seconds} s")


def _kept(notifier, other=None):
    """The notifier's kept child once one is there, alive, and not `other`."""

    def alive():
        with notifier._wake:
            child = notifier._warm
        return child if child is not None and child is not other and child.poll() is None else None

    return _until(alive)


def _wait_loaded(child, grace=20.0):
    """Until the child blocks reading its stdin (deliver.py has loaded apprise and waits for
    its request), as the kernel's wait channel says; where that is hidden, `grace` seconds."""
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and "pipe_read" not in Path(f"/proc/{child.pid}/wchan").read_text():
        time.sleep(0.02)


def _wake(notifier):
    with notifier._wake:
        notifier._wake.notify()


def _timing(caplog, pid):
    """(apprise loaded, asked) as the child with this pid logged them (deliver.py's timing line)."""
    line = _until(
        lambda: next(
            (r.getMessage() for r in caplog.records if f"process {pid} timing:" in r.getMessage()), None
        )
    )
    loaded, asked = (float(part.split()[-1]) for part in line.split("timing: ", 1)[1].split(", ")[:2])
    return loaded, asked


def test_a_kept_child_is_loaded_before_the_alert_and_replaced_after_each_use(receiver, caplog):
    caplog.set_level(logging.DEBUG, logger="nodewatch.service.alerts")
    notifier = Notifier([Target(receiver.url)], backoff=(), keep_loaded=True)
    first = _kept(notifier)
    assert first.args[-1] == "--plugins=custom_json"  # started once the plugins were learned
    _wait_loaded(first)
    time.sleep(1)  # no alert for a while: nothing lets it go, nothing replaces it
    assert notifier._warm is first and first.poll() is None
    submitted = time.time()
    notifier.submit("new", None, "title", "first")
    assert receiver.wait_for(1)[0]["message"] == "first"
    assert first.wait(timeout=20) == 0  # it was the one that sent it …
    loaded, asked = _timing(caplog, first.pid)
    assert loaded < submitted < asked + 0.001  # … loaded before the alert was submitted (ms printed)
    second = _kept(notifier, other=first)  # a fresh one waits for the next alert
    notifier.submit("new", None, "title", "second")
    assert [body["message"] for body in receiver.wait_for(2)] == ["first", "second"]
    assert second.wait(timeout=20) == 0
    third = _kept(notifier, other=second)
    notifier.close()
    assert third.wait(timeout=20) == 0  # close() lets the kept one go: told nothing, it exits


def test_a_kept_child_that_died_is_replaced_at_most_once_a_minute_and_the_alert_still_goes(receiver, caplog):
    caplog.set_level(logging.WARNING, logger="nodewatch.service.alerts")
    now = [1000.0]
    notifier = Notifier([Target(receiver.url)], backoff=(), clock=lambda: now[0], keep_loaded=True)
    first = _kept(notifier)
    first.kill()
    first.wait()
    notifier.submit("new", None, "title", "after a kill")
    assert receiver.wait_for(1)[0]["message"] == "after a kill"  # a child started for it sent it
    _until(lambda: "ended unexpectedly (exit -9)" in caplog.text)
    notifier.prepare()  # something changed: the worker looks at once …
    time.sleep(1)
    assert notifier._warm is None  # … but started one less than a minute ago: it waits
    assert "starting another in 60 s" in caplog.text
    now[0] += alerts.KEPT_RESTART_SECONDS
    notifier.prepare()
    second = _kept(notifier, other=first)
    second.kill()  # dying again at once: no tight loop
    second.wait()
    notifier.prepare()
    time.sleep(1)
    assert notifier._warm is None
    now[0] += alerts.KEPT_RESTART_SECONDS
    _wake(notifier)
    third = _kept(notifier, other=second)
    assert caplog.text.count("ended unexpectedly") == 2
    notifier.close()
    assert third.wait(timeout=20) == 0


@pytest.mark.parametrize("keep_loaded", [False, True])
def test_a_child_outlives_warm_seconds_only_when_kept_loaded(receiver, keep_loaded):
    now = [1000.0]
    notifier = Notifier([Target(receiver.url)], backoff=(), clock=lambda: now[0], keep_loaded=keep_loaded)
    assert notifier._learned.wait(60)
    notifier.prepare()  # udev/ZED saw a change
    child = _kept(notifier)
    now[0] += alerts.WARM_SECONDS + 1
    _wake(notifier)
    if keep_loaded:
        time.sleep(1)
        assert notifier._warm is child and child.poll() is None
    else:
        assert child.wait(timeout=20) == 0  # let go: told nothing, it exits
        assert notifier._warm is None
    notifier.close()
    assert child.wait(timeout=20) == 0
    assert receiver.received == []
