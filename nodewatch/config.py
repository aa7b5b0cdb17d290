"""The configuration: typed sections, one source of defaults, errors that name the key and the file.

Each section is a frozen dataclass; a field's default IS the default (nowhere
else), its metadata holds the description and limits. The same classes
validate the TOML file and write config.example.toml (`nodewatch
config-example`; a test checks the committed file is current).

List values (alerts.urls) are tuples, so a loaded Config cannot change under
the service that holds it.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import tomllib
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_PATH = Path("/etc/nodewatch/config.toml")
DEFAULT_WEB_PORT = 8427  # nodewatch's documented port

# What a value must satisfy besides its type; returns the problem, or None.
Check = Callable[[Any], "str | None"]


def setting(
    default: Any,
    description: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    choices: tuple[str, ...] = (),
    check: Check | None = None,
) -> Any:
    """A config key: its default, the sentence the example file shows, and its limits."""
    limits = {"minimum": minimum, "maximum": maximum, "choices": choices, "check": check}
    return field(default=default, metadata={"description": description, **limits})


def _command(value: str) -> str | None:
    return "must not be empty" if not value.strip() else None


def _absolute_path(value: str) -> str | None:
    return None if value.startswith("/") else "must be an absolute path (starting with /)"


def _optional_absolute_path(value: str) -> str | None:
    return None if value == "" else _absolute_path(value)


def _url(value: str) -> str | None:
    scheme, separator, rest = value.partition("://")
    if not separator or not scheme or not rest:
        return f"must be an apprise URL like mailto://… or ntfy://…, got {value!r}"
    return None


def _listen(value: str) -> str | None:
    host, separator, port = value.rpartition(":")
    if not separator or not host:
        return f"must be HOST:PORT (like 127.0.0.1:{DEFAULT_WEB_PORT}), got {value!r}"
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        return f"must end in a port 1 to 65535, got {value!r}"
    return None


def _pool_name(value: str) -> str | None:
    # zpool's own rule: a letter first, then letters, digits and _ - . : (no /, no spaces).
    if not value[:1].isalpha() or any(not (c.isalnum() or c in "_-.:") for c in value):
        return f"must be a pool name (a letter, then letters, digits, _ - . :), got {value!r}"
    return None


@dataclass(frozen=True, slots=True)
class ZfsSettings:
    zpool_command: str = setting(
        "zpool", "The zpool program: a name looked up in PATH, or a full path.", check=_command
    )
    timeout_seconds: float = setting(
        20.0,
        "How long one `zpool` call may take. A suspended pool can hang it;"
        " past this, the last good data is kept and marked stale.",
        minimum=1,
        maximum=3600,
    )
    expected_pools: tuple[str, ...] = setting(
        (),
        "Pools that should be imported on this node (besides those in the cache file"
        " /etc/zfs/zpool.cache): one that is not is reported, with the command that imports it.",
        check=_pool_name,
    )
    cache_file: str = setting(
        "/etc/zfs/zpool.cache",
        "The cache file the boot import reads; its pools should be imported here.",
        check=_absolute_path,
    )


@dataclass(frozen=True, slots=True)
class SmartSettings:
    enabled: bool = setting(True, "Read SMART data with smartctl (needs root or CAP_SYS_RAWIO).")
    smartctl_command: str = setting(
        "smartctl", "The smartctl program: a name in PATH or a full path.", check=_command
    )
    timeout_seconds: float = setting(
        30.0,
        "How long one smartctl call may take (some USB bridges stall for a minute).",
        minimum=1,
        maximum=3600,
    )


@dataclass(frozen=True, slots=True)
class BtrfsSettings:
    btrfs_command: str = setting(
        "btrfs", "The btrfs program (btrfs-progs): a name in PATH or a full path.", check=_command
    )
    timeout_seconds: float = setting(
        20.0,
        "How long one `btrfs` call may take (each mounted btrfs filesystem is read with four).",
        minimum=1,
        maximum=3600,
    )


@dataclass(frozen=True, slots=True)
class DiagnoseSettings:
    scrub_overdue_days: int = setting(
        35, "Warn when a pool's last scrub finished longer ago than this.", minimum=1, maximum=3650
    )
    capacity_warning_percent: int = setting(
        80, "Warn when a pool is at least this full.", minimum=1, maximum=100
    )
    capacity_critical_percent: int = setting(
        90, "Critical when a pool is at least this full.", minimum=1, maximum=100
    )
    filesystem_warning_percent: int = setting(
        85,
        "Warn when /, /boot or /nix (the node's own filesystems) is at least this full.",
        minimum=1,
        maximum=100,
    )
    filesystem_critical_percent: int = setting(
        95, "Critical when /, /boot or /nix is at least this full.", minimum=1, maximum=100
    )
    clear_margin_percent: int = setting(
        5,
        "`nodewatch serve`: a level raised at a percentage threshold (pool capacity, filesystem"
        " space) clears only once the value is this far below it, so a value hovering at the"
        " threshold alerts once.",
        minimum=0,
        maximum=50,
    )


@dataclass(frozen=True, slots=True)
class ServiceSettings:
    collect_interval_seconds: float = setting(
        60.0, "`nodewatch serve`: how often to look at the pools and disks.", minimum=5, maximum=86400
    )
    kstat_interval_seconds: float = setting(
        5.0,
        "How often to read the pools' kernel state (cheap; notices a suspended pool even when zpool hangs).",
        minimum=1,
        maximum=3600,
    )
    smart_interval_hours: float = setting(
        6.0, "How often to read SMART (a disk in standby is never woken).", minimum=0.25, maximum=720
    )
    state_directory: str = setting(
        "/var/lib/nodewatch", "Where the service keeps its history (SQLite).", check=_absolute_path
    )


@dataclass(frozen=True, slots=True)
class AlertsSettings:
    urls: tuple[str, ...] = setting(
        (), "Where alerts go: apprise URLs (https://github.com/caronc/apprise/wiki).", check=_url
    )
    urls_file: str = setting(
        "",
        "A file with more apprise URLs, one per line (keeps secrets out of this file).",
        check=_optional_absolute_path,
    )
    min_severity: str = setting(
        "warning", "Alert on findings at least this severe.", choices=("info", "warning", "critical")
    )
    renotify_hours: float = setting(
        24.0, "Remind of a problem that is still there after this long.", minimum=1, maximum=8760
    )
    keep_apprise_loaded: bool = setting(
        False,
        "`nodewatch serve`: keep a second process with apprise loaded at all times, so an alert"
        " leaves as soon as it is decided, not after apprise has loaded (seconds on a slow node)."
        " It costs that process's memory: about 27 MB more. Off: apprise is loaded when udev or"
        " ZED report a change, and let go a minute later.",
    )


@dataclass(frozen=True, slots=True)
class WebSettings:
    listen: str = setting(
        f"127.0.0.1:{DEFAULT_WEB_PORT}",
        "Address of the status page and /metrics: HOST:PORT. 0.0.0.0 exposes it to the network.",
        check=_listen,
    )
    basic_auth_user: str = setting("", "User name for HTTP basic auth; empty = no auth.")
    basic_auth_password_hash_file: str = setting(
        "",
        "File holding the password hash for basic_auth_user.",
        check=_optional_absolute_path,
    )


@dataclass(frozen=True, slots=True)
class Config:
    zfs: ZfsSettings = field(default_factory=ZfsSettings)
    smart: SmartSettings = field(default_factory=SmartSettings)
    btrfs: BtrfsSettings = field(default_factory=BtrfsSettings)
    diagnose: DiagnoseSettings = field(default_factory=DiagnoseSettings)
    service: ServiceSettings = field(default_factory=ServiceSettings)
    alerts: AlertsSettings = field(default_factory=AlertsSettings)
    web: WebSettings = field(default_factory=WebSettings)
    path: Path | None = None  # the file it came from; None = built-in defaults


@dataclass(frozen=True, slots=True)
class Key:
    """One key of the schema, as read from a section's dataclass."""

    name: str
    kind: Any  # str, int, float, bool, or tuple[str, ...]
    default: Any
    description: str
    minimum: float | None
    maximum: float | None
    choices: tuple[str, ...]
    check: Check | None


def _keys(section: type) -> dict[str, Key]:
    hints = typing.get_type_hints(section)
    return {f.name: Key(f.name, hints[f.name], f.default, **f.metadata) for f in dataclasses.fields(section)}


@functools.cache
def schema() -> dict[str, tuple[type, dict[str, Key]]]:
    """Each section's name, its dataclass and its keys; read from the classes on first use
    (not at import: `nodewatch --help` need not pay for reading type hints)."""
    sections = typing.get_type_hints(Config)
    return {
        f.name: (sections[f.name], _keys(sections[f.name]))
        for f in dataclasses.fields(Config)
        if f.name != "path"
    }


class ConfigError(Exception):
    """The config file is not usable; every problem names the file and the key."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        super().__init__("\n".join(f"{path}: {problem}" for problem in problems))
        self.path = path
        self.problems = problems


def defaults() -> Config:
    return Config()


def load(path: Path | None = None) -> Config:
    """Given a config path (None = the default path), return the validated config.

    An absent file at the default path means defaults; an absent file that was
    asked for explicitly is an error. Raise ConfigError listing every problem.
    """
    explicit = path is not None
    path = path or DEFAULT_PATH
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if explicit:
            raise ConfigError(path, ["no such file"]) from None
        return defaults()
    except OSError as err:
        raise ConfigError(path, [f"cannot read: {err.strerror}"]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(path, [f"not UTF-8 text (byte {err.start}); is this the config file?"]) from None
    return parse(text, path)


def parse(text: str, path: Path) -> Config:
    """Given TOML text and the file it came from, return the validated config."""
    if "\x00" in text:
        raise ConfigError(path, ["not a text file (it holds NUL bytes); is this the config file?"])
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(path, [f"not valid TOML: {err}"]) from None
    problems: list[str] = []
    sections: dict[str, Any] = {}
    known = schema()
    for name, table in document.items():
        if name not in known:
            problems.append(f"unknown section [{name}] (known: {', '.join(known)})")
        elif not isinstance(table, dict):
            problems.append(f"{name}: must be a table [{name}]")
        else:
            values = {}
            for key, value in table.items():
                checked, problem = _check(known[name][1], name, key, value)
                if problem:
                    problems.append(problem)
                else:
                    values[key] = checked
            sections[name] = known[name][0](**values)
    config = Config(**sections, path=path)
    problems.extend(_cross_checks(config))
    if problems:
        raise ConfigError(path, problems)
    return config


def _check(keys: dict[str, Key], section: str, name: str, value: Any) -> tuple[Any, str | None]:
    """Given a key's TOML value, return (the value to keep, None) or (None, the problem)."""
    where = f"{section}.{name}"
    if name not in keys:
        return None, f"unknown key {where} (known: {', '.join(keys)})"
    key = keys[name]
    if key.kind == tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            return None, f"{where} must be a list of strings, got {_describe(value)}"
        for item in value:
            if problem := _check_string(key, item):
                return None, f"{where}: {problem}"
        return tuple(value), None
    if not _is(value, key.kind):
        return None, f"{where} must be {_type_name(key.kind)}, got {_describe(value)}"
    if key.kind is float:
        value = float(value)
        if not math.isfinite(value):
            return None, f"{where} must be a finite number, got {value!r}"
    if key.minimum is not None and value < key.minimum:
        return None, f"{where} must be at least {key.minimum:g}, got {value!r}"
    if key.maximum is not None and value > key.maximum:
        return None, f"{where} must be at most {key.maximum:g}, got {value!r}"
    if isinstance(value, str) and (problem := _check_string(key, value)):
        return None, f"{where} {problem}"
    return value, None


def _check_string(key: Key, value: str) -> str | None:
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        return f"must not hold control characters, got {value!r}"
    if key.choices and value not in key.choices:
        return f"must be one of {', '.join(key.choices)}, got {value!r}"
    return key.check(value) if key.check else None


def _is(value: Any, kind: type) -> bool:
    # bool is an int in Python; TOML integers are fine where numbers are expected.
    if isinstance(value, bool):
        return kind is bool
    if kind is float:
        return isinstance(value, int | float)
    return isinstance(value, kind)


def _cross_checks(config: Config) -> list[str]:
    problems = []
    if config.diagnose.capacity_warning_percent > config.diagnose.capacity_critical_percent:
        problems.append(
            "diagnose.capacity_warning_percent must not exceed diagnose.capacity_critical_percent"
        )
    if config.diagnose.filesystem_warning_percent > config.diagnose.filesystem_critical_percent:
        problems.append(
            "diagnose.filesystem_warning_percent must not exceed diagnose.filesystem_critical_percent"
        )
    if bool(config.web.basic_auth_user) != bool(config.web.basic_auth_password_hash_file):
        problems.append(
            "web.basic_auth_user and web.basic_auth_password_hash_file go together: set both or neither"
        )
    return problems


def _type_name(kind: type) -> str:
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}.get(kind, str(kind))


def _describe(value: Any) -> str:
    names = {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "a boolean",
        list: "a list",
        dict: "a table",
    }
    return f"{names.get(type(value), type(value).__name__)} {value!r}"


def example_toml() -> str:
    """Return config.example.toml: every setting, commented, at its default."""
    lines = [
        "# nodewatch configuration. Every setting is optional; shown here at its default.",
        f"# Default location: {DEFAULT_PATH} (absent file = these defaults).",
    ]
    for section, (_section_class, keys) in schema().items():
        lines += ["", f"[{section}]"]
        for key in keys.values():
            lines.append(f"# {key.description}")
            lines.append(f"# {key.name} = {_toml_value(key.default)}")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return repr(value)
