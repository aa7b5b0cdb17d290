"""The configuration: one schema, defaults for everything, errors that name the key and the file.

The schema below is the single source of truth: it validates the TOML file,
and it writes config.example.toml (`nodewatch config-example`; a test checks
the committed file is current).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_PATH = Path("/etc/nodewatch/config.toml")


@dataclass(frozen=True, slots=True)
class Setting:
    type: type
    default: Any
    description: str
    minimum: float | None = None


SCHEMA: dict[str, dict[str, Setting]] = {
    "zfs": {
        "zpool_command": Setting(
            str, "zpool", "The zpool program: a name looked up in PATH, or a full path."
        ),
        "timeout_seconds": Setting(
            float,
            20.0,
            "How long one `zpool` call may take. A suspended pool can hang it;"
            " past this, the last good data is kept and marked stale.",
            minimum=1,
        ),
    },
    "smart": {
        "enabled": Setting(bool, True, "Read SMART data with smartctl (needs root or CAP_SYS_RAWIO)."),
        "smartctl_command": Setting(str, "smartctl", "The smartctl program: a name in PATH or a full path."),
        "timeout_seconds": Setting(
            float,
            30.0,
            "How long one smartctl call may take (some USB bridges stall for a minute).",
            minimum=1,
        ),
    },
    "diagnose": {
        "scrub_overdue_days": Setting(
            int, 35, "Warn when a pool's last scrub finished longer ago than this.", minimum=1
        ),
        "capacity_warning_percent": Setting(int, 80, "Warn when a pool is at least this full.", minimum=1),
        "capacity_critical_percent": Setting(
            int, 90, "Critical when a pool is at least this full.", minimum=1
        ),
    },
}


class ConfigError(Exception):
    """The config file is not usable; every problem names the file and the key."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        super().__init__("\n".join(f"{path}: {problem}" for problem in problems))
        self.path = path
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Config:
    values: dict[str, dict[str, Any]]
    path: Path | None = None  # the file it came from; None = built-in defaults

    def __getitem__(self, section: str) -> dict[str, Any]:
        return self.values[section]


def defaults() -> Config:
    return Config({section: {key: s.default for key, s in keys.items()} for section, keys in SCHEMA.items()})


def load(path: Path | None = None) -> Config:
    """Given a config path (None = the default path), return the validated config.

    An absent file at the default path means defaults; an absent file that was
    asked for explicitly is an error. Raise ConfigError listing every problem.
    """
    explicit = path is not None
    path = path or DEFAULT_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if explicit:
            raise ConfigError(path, ["no such file"]) from None
        return defaults()
    except OSError as err:
        raise ConfigError(path, [f"cannot read: {err.strerror}"]) from None
    return parse(text, path)


def parse(text: str, path: Path) -> Config:
    """Given TOML text and the file it came from, return the validated config."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(path, [f"not valid TOML: {err}"]) from None
    problems: list[str] = []
    values = defaults().values
    for section, table in document.items():
        if section not in SCHEMA:
            problems.append(f"unknown section [{section}] (known: {', '.join(SCHEMA)})")
            continue
        if not isinstance(table, dict):
            problems.append(f"{section}: must be a table [{section}]")
            continue
        for key, value in table.items():
            problem = _check(SCHEMA[section], section, key, value)
            if problem:
                problems.append(problem)
            else:
                setting = SCHEMA[section][key]
                values[section][key] = float(value) if setting.type is float else value
    problems.extend(_cross_checks(values))
    if problems:
        raise ConfigError(path, problems)
    return Config(values, path)


def _check(settings: dict[str, Setting], section: str, key: str, value: Any) -> str | None:
    name = f"{section}.{key}"
    if key not in settings:
        return f"unknown key {name} (known: {', '.join(settings)})"
    setting = settings[key]
    # bool is an int in Python, and TOML ints are fine where floats are expected.
    ok = isinstance(value, setting.type) and not (setting.type is not bool and isinstance(value, bool))
    if setting.type is float and isinstance(value, int) and not isinstance(value, bool):
        ok = True
    if not ok:
        return f"{name} must be {_type_name(setting.type)}, got {_type_name(type(value))} {value!r}"
    if setting.minimum is not None and value < setting.minimum:
        return f"{name} must be at least {setting.minimum:g}, got {value!r}"
    return None


def _cross_checks(values: dict[str, dict[str, Any]]) -> list[str]:
    diagnose = values["diagnose"]
    if diagnose["capacity_warning_percent"] > diagnose["capacity_critical_percent"]:
        return ["diagnose.capacity_warning_percent must not exceed diagnose.capacity_critical_percent"]
    return []


def _type_name(kind: type) -> str:
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}.get(
        kind, kind.__name__
    )


def example_toml() -> str:
    """Return config.example.toml: every setting, commented, at its default."""
    lines = [
        "# nodewatch configuration. Every setting is optional; shown here at its default.",
        f"# Default location: {DEFAULT_PATH} (absent file = these defaults).",
    ]
    for section, settings in SCHEMA.items():
        lines += ["", f"[{section}]"]
        for key, setting in settings.items():
            lines.append(f"# {setting.description}")
            lines.append(f"# {key} = {_toml_value(setting.default)}")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)
