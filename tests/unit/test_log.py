"""nodewatch/log.py: quiet CLI, verbose debug, journal priorities, no password in a line;
and `nodewatch -v` on a real run."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from nodewatch import log
from tests.support.programs import config_file, nodewatch, seed_zpool


@pytest.fixture(autouse=True)
def _restore_the_logger() -> Iterator[None]:
    logger = logging.getLogger(log.LOGGER)
    handlers, level = list(logger.handlers), logger.level
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)


def _emit(logger: logging.Logger) -> None:
    logging.getLogger("nodewatch.probe.run").debug("`zpool version` exited 0 after 0.010 s")
    logging.getLogger("nodewatch.probe.collect").info("probe smartctl: timed out")
    logging.getLogger("nodewatch.probe.collect").warning("probe udev still running past the deadline")


def test_the_cli_is_quiet_but_for_warnings() -> None:
    stream = io.StringIO()
    _emit(log.setup(stream=stream))
    assert stream.getvalue() == "nodewatch: WARNING: probe udev still running past the deadline\n"


def test_verbose_says_everything() -> None:
    stream = io.StringIO()
    _emit(log.setup(verbose=True, stream=stream))
    assert stream.getvalue().splitlines() == [
        "nodewatch: DEBUG: `zpool version` exited 0 after 0.010 s",
        "nodewatch: INFO: probe smartctl: timed out",
        "nodewatch: WARNING: probe udev still running past the deadline",
    ]


def test_the_service_logs_info_with_journal_priorities() -> None:
    stream = io.StringIO()
    _emit(log.setup(service=True, stream=stream))
    assert stream.getvalue().splitlines() == [
        "<6>nodewatch.probe.collect: probe smartctl: timed out",
        "<4>nodewatch.probe.collect: probe udev still running past the deadline",
    ]


def test_a_password_in_a_url_is_never_written() -> None:
    stream = io.StringIO()
    log.setup(stream=stream)
    logging.getLogger("nodewatch.service").warning(
        "delivery to %s failed", "mailtos://me:hunter2@example.org"
    )
    assert "hunter2" not in stream.getvalue()
    assert "mailtos://me:***@example.org" in stream.getvalue()


def test_a_second_setup_replaces_the_first() -> None:
    first, second = io.StringIO(), io.StringIO()
    log.setup(stream=first)
    log.setup(stream=second)
    logging.getLogger("nodewatch.x").warning("once")
    assert (first.getvalue(), second.getvalue()) == ("", "nodewatch: WARNING: once\n")


def test_nodewatch_v_logs_each_command_and_probe_and_plain_runs_say_nothing(tmp_path: Path) -> None:
    config = config_file(tmp_path, seed_zpool(tmp_path))
    quiet = nodewatch("diagnose", config=config)
    assert quiet.returncode == 2 and quiet.stderr == ""
    loud = nodewatch("-v", "diagnose", config=config)
    assert loud.returncode == 2
    assert f"DEBUG: `{tmp_path}/zpool version` exited 0 after" in loud.stderr
    assert "DEBUG: probe zpool: ok in" in loud.stderr
    assert "DEBUG: probe udev: " in loud.stderr
    assert "DEBUG: probe smartctl: no_data (absent: " in loud.stderr  # disabled, or no udev here
    assert '"name": "smartctl"' not in nodewatch("diagnose", "--json", config=config).stdout
