"""The config loader: defaults for everything, and errors that name the file and the key."""

import re
from pathlib import Path

import pytest

from nodewatch import config

REPO = Path(__file__).resolve().parents[2]


def test_load_absent_default_file_gives_defaults(monkeypatch, tmp_path):
    monkeypatch.setattr(config, "DEFAULT_PATH", tmp_path / "missing.toml")
    loaded = config.load()
    assert loaded["zfs"]["timeout_seconds"] == 20.0
    assert loaded.path is None


def test_load_absent_explicit_file_is_an_error(tmp_path):
    with pytest.raises(config.ConfigError, match="no such file"):
        config.load(tmp_path / "nope.toml")


def test_parse_accepts_ints_where_numbers_are_expected(tmp_path):
    loaded = config.parse("[zfs]\ntimeout_seconds = 5\n", tmp_path / "c.toml")
    assert loaded["zfs"]["timeout_seconds"] == 5.0
    assert loaded["smart"]["enabled"] is True  # untouched sections keep defaults


def test_parse_names_file_and_key_of_every_problem(tmp_path):
    path = tmp_path / "node.toml"
    text = '[zfs]\ntimeout_seconds = "soon"\nzpool = "x"\n[smart]\nenabled = 1\n[web]\nport = 1\n'
    with pytest.raises(config.ConfigError) as caught:
        config.parse(text, path)
    message = str(caught.value)
    assert f"{path}: zfs.timeout_seconds must be a number, got a string 'soon'" in message
    assert f"{path}: unknown key zfs.zpool" in message
    assert f"{path}: smart.enabled must be true or false, got an integer 1" in message
    assert f"{path}: unknown section [web]" in message
    assert len(caught.value.problems) == 4


def test_parse_rejects_invalid_toml_with_the_file_name(tmp_path):
    with pytest.raises(config.ConfigError, match=r"c\.toml: not valid TOML"):
        config.parse("[zfs\n", tmp_path / "c.toml")


def test_parse_rejects_values_below_minimum_and_crossed_thresholds(tmp_path):
    text = "[zfs]\ntimeout_seconds = 0\n[diagnose]\ncapacity_warning_percent = 95\n"
    with pytest.raises(config.ConfigError) as caught:
        config.parse(text, tmp_path / "c.toml")
    assert "zfs.timeout_seconds must be at least 1" in str(caught.value)
    assert "capacity_warning_percent must not exceed" in str(caught.value)


def test_committed_example_config_is_generated_from_the_schema():
    assert (REPO / "config.example.toml").read_text() == config.example_toml()


def test_example_config_uncommented_is_valid_and_equals_defaults(tmp_path):
    setting_line = re.compile(r"^# [a-z_]+ = ")
    uncommented = "\n".join(
        line[2:] if setting_line.match(line) else line for line in config.example_toml().splitlines()
    )
    assert config.parse(uncommented, tmp_path / "c.toml").values == config.defaults().values
