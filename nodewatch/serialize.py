"""Dataclasses of model.py to JSON-ready dicts and back, driven by type hints.

One codec for snapshots, `--json` outputs and the web API, so they cannot
drift apart. GUIDs become decimal strings (JavaScript loses precision past
2**53); enums their values; datetimes ISO 8601; tuples lists.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from nodewatch import model

T = TypeVar("T")


class DecodeError(ValueError):
    """A document does not fit the model; `path` says where (e.g. pools[0].state)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path or '<root>'}: {reason}")
        self.path = path
        self.reason = reason


def to_data(value: Any) -> Any:
    """Given a model value, return plain JSON-ready data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        hints = _hints(type(value))
        return {
            f.name: _encode_field(getattr(value, f.name), hints[f.name]) for f in dataclasses.fields(value)
        }
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [to_data(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_data(item) for key, item in value.items()}
    return value


def from_data(cls: type[T], data: Any, path: str = "") -> T:
    """Given data produced by to_data, return an instance of cls.

    Raise DecodeError naming the path of the first field that does not fit.
    """
    return typing.cast(T, _decode(cls, data, path))


def _encode_field(value: Any, hint: Any) -> Any:
    if value is not None and _is_guid(hint):
        return str(value)
    return to_data(value)


def _is_guid(hint: Any) -> bool:
    if hint is model.Guid:
        return True
    return _is_union(hint) and model.Guid in typing.get_args(hint)


def _is_union(hint: Any) -> bool:
    return typing.get_origin(hint) in (typing.Union, types.UnionType)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, vars(model))


def _decode(hint: Any, data: Any, path: str) -> Any:
    if hint is Any:
        return data
    if _is_union(hint):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if data is None:
            if len(options) == len(typing.get_args(hint)):
                raise DecodeError(path, "must not be null")
            return None
        return _decode(options[0], data, path)
    if hint is model.Guid:
        try:
            return model.Guid(int(data))
        except (TypeError, ValueError):
            raise DecodeError(path, f"not a guid: {data!r}") from None
    origin = typing.get_origin(hint)
    if origin is tuple:
        if not isinstance(data, list):
            raise DecodeError(path, f"expected a list, got {type(data).__name__}")
        (item_hint, _ellipsis) = typing.get_args(hint)
        return tuple(_decode(item_hint, item, f"{path}[{i}]") for i, item in enumerate(data))
    if origin is dict:
        if not isinstance(data, dict):
            raise DecodeError(path, f"expected an object, got {type(data).__name__}")
        _key_hint, value_hint = typing.get_args(hint)
        return {key: _decode(value_hint, item, f"{path}.{key}") for key, item in data.items()}
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _decode_dataclass(hint, data, path)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        try:
            return hint(data)
        except ValueError:
            raise DecodeError(path, f"unknown {hint.__name__} {data!r}") from None
    if hint is datetime:
        try:
            return datetime.fromisoformat(data)
        except (TypeError, ValueError):
            raise DecodeError(path, f"not an ISO 8601 time: {data!r}") from None
    if hint is float and isinstance(data, int) and not isinstance(data, bool):
        return float(data)
    if hint in (str, int, float, bool):
        if type(data) is not hint:
            raise DecodeError(path, f"expected {hint.__name__}, got {type(data).__name__}")
        return data
    raise DecodeError(path, f"cannot decode into {hint!r}")


def _decode_dataclass(cls: type, data: Any, path: str) -> Any:
    if not isinstance(data, dict):
        raise DecodeError(path, f"expected an object, got {type(data).__name__}")
    hints = _hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise DecodeError(path, f"unknown field(s) {', '.join(unknown)}")
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            kwargs[f.name] = _decode(hints[f.name], data[f.name], f"{path}.{f.name}".lstrip("."))
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise DecodeError(path, f"missing field {f.name}")
    return cls(**kwargs)
