"""The config loader: defaults for everything, and errors that name the file and the key."""

import dataclasses
import re
from pathlib import Path

import pytest

from nodewatch import config

REPO = Path(__file__).resolve().parents[2]


def problems_of(text: str, path: Path) -> list[str]:
    with pytest.raises(config.ConfigError) as caught:
        config.parse(text, path)
    assert all(line.startswith(f"{path}: ") for line in str(caught.value).splitlines())
    return caught.value.problems


def test_load_absent_default_file_gives_defaults(monkeypatch, tmp_path):
    monkeypatch.setattr(config, "DEFAULT_PATH", tmp_path / "missing.toml")
    loaded = config.load()
    assert loaded == config.Config()
    assert loaded.zfs.timeout_seconds == 20.0
    assert loaded.path is None


def test_load_absent_explicit_file_is_an_error(tmp_path):
    with pytest.raises(config.ConfigError, match="no such file"):
        config.load(tmp_path / "nope.toml")


def test_load_reads_the_file_and_remembers_it(tmp_path):
    path = tmp_path / "node.toml"
    path.write_text('[alerts]\nurls = ["ntfy://nodewatch", "mailto://me@example.org"]\n')
    loaded = config.load(path)
    assert loaded.alerts.urls == ("ntfy://nodewatch", "mailto://me@example.org")
    assert loaded.path == path


def test_parse_accepts_ints_where_numbers_are_expected(tmp_path):
    loaded = config.parse("[zfs]\ntimeout_seconds = 5\n", tmp_path / "c.toml")
    assert loaded.zfs.timeout_seconds == 5.0
    assert isinstance(loaded.zfs.timeout_seconds, float)
    assert loaded.smart.enabled is True  # untouched sections keep defaults
    assert loaded.zfs.zpool_command == "zpool"  # untouched keys of a given section too


def test_defaults_of_the_service_sections_are_the_agreed_ones():
    defaults = config.defaults()
    assert (defaults.service.collect_interval_seconds, defaults.service.kstat_interval_seconds) == (60, 5)
    assert defaults.service.smart_interval_hours == 6
    assert defaults.service.state_directory == "/var/lib/nodewatch"
    assert (defaults.alerts.urls, defaults.alerts.urls_file) == ((), "")
    assert (defaults.alerts.min_severity, defaults.alerts.renotify_hours) == ("warning", 24)
    assert defaults.alerts.keep_apprise_loaded is False
    assert defaults.web.listen == "127.0.0.1:8427"
    assert (defaults.web.basic_auth_user, defaults.web.basic_auth_password_hash_file) == ("", "")


def test_a_loaded_config_cannot_change():
    loaded = config.defaults()
    with pytest.raises(dataclasses.FrozenInstanceError):
        loaded.zfs.timeout_seconds = 1  # type: ignore[misc]
    assert isinstance(loaded.alerts.urls, tuple)


def test_parse_names_file_and_key_of_every_problem(tmp_path):
    path = tmp_path / "node.toml"
    text = '[zfs]\ntimeout_seconds = "soon"\nzpool = "x"\n[smart]\nenabled = 1\n[webui]\nport = 1\n'
    problems = problems_of(text, path)
    assert problems == [
        "zfs.timeout_seconds must be a number, got a string 'soon'",
        "unknown key zfs.zpool (known: zpool_command, timeout_seconds, expected_pools, cache_file)",
        "smart.enabled must be true or false, got an integer 1",
        "unknown section [webui] (known: zfs, smart, btrfs, diagnose, service, alerts, web)",
    ]


def test_parse_rejects_invalid_toml_with_the_file_name(tmp_path):
    with pytest.raises(config.ConfigError, match=r"c\.toml: not valid TOML"):
        config.parse("[zfs\n", tmp_path / "c.toml")


def test_parse_rejects_a_section_that_is_not_a_table(tmp_path):
    assert problems_of("zfs = 3\n", tmp_path / "c.toml") == ["zfs: must be a table [zfs]"]


def test_parse_rejects_values_below_minimum_and_crossed_thresholds(tmp_path):
    text = "[zfs]\ntimeout_seconds = 0\n[diagnose]\ncapacity_warning_percent = 95\n"
    assert problems_of(text, tmp_path / "c.toml") == [
        "zfs.timeout_seconds must be at least 1, got 0.0",
        "diagnose.capacity_warning_percent must not exceed diagnose.capacity_critical_percent",
    ]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("timeout_seconds = nan", "zfs.timeout_seconds must be a finite number, got nan"),
        ("timeout_seconds = inf", "zfs.timeout_seconds must be a finite number, got inf"),
        ("timeout_seconds = -inf", "zfs.timeout_seconds must be a finite number, got -inf"),
        ("timeout_seconds = 1e308", "zfs.timeout_seconds must be at most 3600, got 1e+308"),
        ("timeout_seconds = 9223372036854775807", "zfs.timeout_seconds must be at most 3600"),
        ('zpool_command = ""', "zfs.zpool_command must not be empty"),
        ('zpool_command = "zpool\\u0000"', "zfs.zpool_command must not hold control characters"),
        ("zpool_command = []", "zfs.zpool_command must be a string, got a list []"),
    ],
)
def test_parse_rejects_numbers_and_strings_a_program_cannot_use(tmp_path, line, problem):
    (found,) = problems_of(f"[zfs]\n{line}\n", tmp_path / "c.toml")
    assert found.startswith(problem)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "[diagnose]\nscrub_overdue_days = 2.5",
            "diagnose.scrub_overdue_days must be an integer, got a number 2.5",
        ),
        (
            "[diagnose]\ncapacity_critical_percent = 101",
            "diagnose.capacity_critical_percent must be at most 100",
        ),
        ('[alerts]\nurls = "ntfy://x"', "alerts.urls must be a list of strings, got a string 'ntfy://x'"),
        ('[alerts]\nurls = ["ntfy://x", 3]', "alerts.urls must be a list of strings"),
        ('[alerts]\nurls = ["example.org"]', "alerts.urls: must be an apprise URL"),
        ('[alerts]\nmin_severity = "loud"', "alerts.min_severity must be one of info, warning, critical"),
        ('[alerts]\nurls_file = "urls.txt"', "alerts.urls_file must be an absolute path"),
        (
            '[alerts]\nkeep_apprise_loaded = "yes"',
            "alerts.keep_apprise_loaded must be true or false, got a string",
        ),
        (
            "[alerts]\nkeep_apprise_loaded = 1",
            "alerts.keep_apprise_loaded must be true or false, got an integer 1",
        ),
        ('[service]\nstate_directory = "state"', "service.state_directory must be an absolute path"),
        ("[service]\ncollect_interval_seconds = 0.1", "service.collect_interval_seconds must be at least 5"),
        ('[web]\nlisten = "8427"', "web.listen must be HOST:PORT"),
        ('[web]\nlisten = "0.0.0.0:http"', "web.listen must end in a port 1 to 65535"),
        ('[web]\nlisten = "[::1]:70000"', "web.listen must end in a port 1 to 65535"),
        (
            '[web]\nbasic_auth_user = "me"',
            "web.basic_auth_user and web.basic_auth_password_hash_file go together",
        ),
    ],
)
def test_parse_checks_every_section(tmp_path, text, problem):
    (found,) = problems_of(text + "\n", tmp_path / "c.toml")
    assert found.startswith(problem)


def test_parse_accepts_a_full_service_config(tmp_path):
    text = """
[service]
collect_interval_seconds = 30
state_directory = "/srv/nodewatch"
[alerts]
urls = []
urls_file = "/etc/nodewatch/apprise-urls"
min_severity = "critical"
keep_apprise_loaded = true
[web]
listen = "[::]:8427"
basic_auth_user = "admin"
basic_auth_password_hash_file = "/etc/nodewatch/web-password"
"""
    loaded = config.parse(text, tmp_path / "c.toml")
    assert loaded.service == config.ServiceSettings(
        collect_interval_seconds=30.0, state_directory="/srv/nodewatch"
    )
    assert loaded.alerts.min_severity == "critical" and loaded.alerts.keep_apprise_loaded is True
    assert loaded.web.listen == "[::]:8427"


def test_load_a_binary_file_is_a_config_error_not_a_traceback(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00\xff\xfe")
    with pytest.raises(config.ConfigError, match=r"config\.toml: not UTF-8 text \(byte 10\)"):
        config.load(path)
    path.write_bytes(b"[zfs]\x00\x00")
    with pytest.raises(config.ConfigError, match=r"config\.toml: not a text file"):
        config.load(path)


def test_load_a_directory_is_a_config_error(tmp_path):
    with pytest.raises(config.ConfigError, match="cannot read: Is a directory"):
        config.load(tmp_path)


def test_committed_example_config_is_generated_from_the_schema():
    assert (REPO / "config.example.toml").read_text() == config.example_toml()


def test_example_config_uncommented_is_valid_and_equals_defaults(tmp_path):
    setting_line = re.compile(r"^# [a-z_]+ = ")
    uncommented = "\n".join(
        line[2:] if setting_line.match(line) else line for line in config.example_toml().splitlines()
    )
    loaded = config.parse(uncommented, tmp_path / "c.toml")
    assert dataclasses.replace(loaded, path=None) == config.defaults()
