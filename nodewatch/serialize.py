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
from collections.abc import Callable
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

    def within(self, part: str) -> DecodeError:
        """The same error seen from one level up: `part` (a field, a key or `[3]`) comes first."""
        if not self.path:
            return DecodeError(part, self.reason)
        joiner = "" if self.path.startswith("[") else "."
        return DecodeError(f"{part}{joiner}{self.path}", self.reason)


# Each model class gets its encoder and decoder built once, from its type hints,
# and cached: replaying a snapshot then costs a few times its json.loads, not
# a reading of the hints for every value (bench/bench_replay_json.py).
Encoder = Callable[[Any], Any]
Decoder = Callable[[Any], Any]


def to_data(value: Any) -> Any:
    """Given a model value, return plain JSON-ready data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _dataclass_encoder(type(value))(value)
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
    try:
        return typing.cast(T, _decoder(typing.cast(Any, cls))(data))
    except DecodeError as err:
        raise err.within(path) if path else err from None


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, vars(model))


def _is_union(hint: Any) -> bool:
    return typing.get_origin(hint) in (typing.Union, types.UnionType)


# --- encoding ---------------------------------------------------------------


@cache
def _dataclass_encoder(cls: type) -> Encoder:
    # Built on first use, not here: a Vdev holds Vdevs, so its encoder asks for itself.
    fields: tuple[tuple[str, Encoder], ...] = ()

    def encode(value: Any) -> dict[str, Any]:
        nonlocal fields
        if not fields:
            hints = _hints(cls)
            fields = tuple((f.name, _field_encoder(hints[f.name])) for f in dataclasses.fields(cls))
        return {name: encode_field(getattr(value, name)) for name, encode_field in fields}

    return encode


def _field_encoder(hint: Any) -> Encoder:
    # GUIDs become decimal strings where a field holds one (JavaScript loses precision past 2**53).
    if hint is model.Guid or (_is_union(hint) and model.Guid in typing.get_args(hint)):
        return lambda value: None if value is None else str(value)
    return _encoder(hint)


@cache
def _encoder(hint: Any) -> Encoder:
    if hint in (str, int, float, bool, type(None)):
        return _same
    if _is_union(hint):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(options) == 1:
            encode_option = _encoder(options[0])
            return lambda value: None if value is None else encode_option(value)
        return to_data
    origin = typing.get_origin(hint)
    if origin is tuple:
        encode_item = _encoder(typing.get_args(hint)[0])
        return lambda value: [encode_item(item) for item in value]
    if origin is dict:
        encode_value = _encoder(typing.get_args(hint)[1])
        return lambda value: {str(key): encode_value(item) for key, item in value.items()}
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass_encoder(hint)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        # A plain value where a StrEnum is declared passes as it is, as to_data always let it.
        return lambda value: value.value if isinstance(value, enum.Enum) else value
    if hint is datetime:
        return lambda value: value.isoformat()
    return to_data  # anything else: by the value's own type


def _same(value: Any) -> Any:
    return value


# --- decoding ---------------------------------------------------------------
# A decoder raises DecodeError with the path below it; each level adds its own
# part on the way out, so no path is built for data that fits.


@cache
def _decoder(hint: Any) -> Decoder:
    if hint is Any:
        return _same
    if _is_union(hint):
        return _union_decoder(hint)
    if hint is model.Guid:
        return _decode_guid
    origin = typing.get_origin(hint)
    if origin is tuple:
        return _tuple_decoder(_decoder(typing.get_args(hint)[0]))
    if origin is dict:
        return _dict_decoder(_decoder(typing.get_args(hint)[1]))
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass_decoder(hint)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return _enum_decoder(hint)
    if hint is datetime:
        return _decode_datetime
    if hint is float:
        return _decode_float
    if hint in (str, int, bool):
        return _scalar_decoder(hint)
    raise TypeError(f"serialize cannot decode into {hint!r}")


def _union_decoder(hint: Any) -> Decoder:
    options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
    decode_option = _decoder(options[0])
    if len(options) == len(typing.get_args(hint)):  # no None among them

        def decode_required(data: Any) -> Any:
            if data is None:
                raise DecodeError("", "must not be null")
            return decode_option(data)

        return decode_required
    return lambda data: None if data is None else decode_option(data)


def _tuple_decoder(decode_item: Decoder) -> Decoder:
    def decode(data: Any) -> tuple[Any, ...]:
        if type(data) is not list:
            raise DecodeError("", f"expected a list, got {type(data).__name__}")
        try:
            return tuple([decode_item(item) for item in data])
        except DecodeError as err:
            raise err.within(f"[{_failed_at(decode_item, data)}]") from None

    return decode


def _failed_at(decode_item: Decoder, data: list[Any]) -> int:
    """The index of the first item that does not decode (only asked after one failed)."""
    for index, item in enumerate(data):
        try:
            decode_item(item)
        except DecodeError:
            return index
    return len(data)


def _dict_decoder(decode_value: Decoder) -> Decoder:
    def decode(data: Any) -> dict[str, Any]:
        if type(data) is not dict:
            raise DecodeError("", f"expected an object, got {type(data).__name__}")
        result = {}
        for key, item in data.items():
            try:
                result[key] = decode_value(item)
            except DecodeError as err:
                raise err.within(key) from None
        return result

    return decode


# A class decoded this many times in a process gets its decoder written out as code (below);
# before that, the closure reads its fields in a loop. Compiling costs about a millisecond a
# class, which a CLI replaying the demo once would pay for nothing (bench/README.md).
COMPILE_AFTER = 200


def _dataclass_decoder(cls: type) -> Decoder:
    # Fields read on first use, not here: a Vdev holds Vdevs, so its decoder asks for itself.
    fields: tuple[_Field, ...] = ()
    known = frozenset(f.name for f in dataclasses.fields(cls))
    compiled: Decoder | None = None
    decoded = 0

    def decode(data: Any) -> Any:
        nonlocal fields, compiled, decoded
        if compiled is not None:
            return compiled(data)
        decoded += 1
        if decoded > COMPILE_AFTER:
            compiled = _compiled_decoder(cls)
            return compiled(data)
        if not fields:
            fields = _fields(cls)
        if type(data) is not dict:
            raise _wrong_type("an object", data)
        if not known.issuperset(data):
            raise DecodeError("", f"unknown field(s) {', '.join(sorted(set(data) - known))}")
        kwargs = {}
        for name, decode_field, required, plain in fields:
            value = data.get(name, _ABSENT)
            if value is _ABSENT:
                if required:
                    raise DecodeError("", f"missing field {name}")
            elif type(value) is plain:
                kwargs[name] = value  # a str, int or bool where one is declared: the common case
            else:
                try:
                    kwargs[name] = decode_field(value)
                except DecodeError as err:
                    raise err.within(name) from None
        return cls(**kwargs)

    return decode


# A field: its name, its decoder, whether a document must hold it, and the plain type
# (str, int or bool) a value of which is taken as it is, if any.
_Field = tuple[str, Decoder, bool, type | None]


def _fields(cls: type) -> tuple[_Field, ...]:
    hints = _hints(cls)
    return tuple(
        (f.name, _decoder(hints[f.name]), _required(f), _plain(hints[f.name]))
        for f in dataclasses.fields(cls)
    )


def _compiled_decoder(cls: type) -> Decoder:
    """The same decoder written out as straight-line code (as dataclasses writes __init__): one
    block per field, the common case (a str, int or bool where one is declared, a null where
    None is allowed) taken with no call and no loop, for the classes a big node holds by the
    thousand (Vdev, ByIdLink, Partition)."""
    hints = _hints(cls)
    known = frozenset(f.name for f in dataclasses.fields(cls))
    scope: dict[str, Any] = {
        "cls": cls,
        "known": known,
        "ABSENT": _ABSENT,
        "DecodeError": DecodeError,
        "wrong_type": _wrong_type,
    }
    lines = [
        "def decode(data):",
        "    if type(data) is not dict:",
        "        raise wrong_type('an object', data)",
        "    if not known.issuperset(data):",
        "        raise DecodeError('', f\"unknown field(s) {', '.join(sorted(set(data) - known))}\")",
        "    get = data.get",
    ]
    arguments = []
    for index, f in enumerate(dataclasses.fields(cls)):
        hint = hints[f.name]
        value, decoder = f"v{index}", f"decode{index}"
        scope[decoder] = _decoder(hint)
        lines.append(f"    {value} = get({f.name!r}, ABSENT)")
        if _required(f):
            lines += [
                f"    if {value} is ABSENT:",
                f"        raise DecodeError('', 'missing field {f.name}')",
            ]
        elif f.default_factory is not dataclasses.MISSING:
            scope[f"factory{index}"] = f.default_factory
            lines += [f"    if {value} is ABSENT:", f"        {value} = factory{index}()"]
        else:
            scope[f"default{index}"] = f.default
            lines += [f"    if {value} is ABSENT:", f"        {value} = default{index}"]
        plain = _plain(hint)
        nullable = _is_union(hint) and type(None) in typing.get_args(hint)
        tests = ([f"type({value}) is {plain.__name__}"] if plain else []) + (
            [f"{value} is None"] if nullable else []
        )
        lines.append(f"    elif {' or '.join(tests)}:" if tests else "    elif False:")
        lines += [
            "        pass",
            "    else:",
            "        try:",
            f"            {value} = {decoder}({value})",
            "        except DecodeError as err:",
            f"            raise err.within({f.name!r}) from None",
        ]
        arguments.append(value)
    lines.append(f"    return cls({', '.join(arguments)})")
    exec("\n".join(lines), scope)  # noqa: S102 (code written here from the class's own fields)
    return typing.cast(Decoder, scope["decode"])


_ABSENT = object()


def _plain(hint: Any) -> type | None:
    """str, int or bool when the hint is one of them (or it or None): a value of exactly
    that type is taken as it is."""
    options = [arg for arg in typing.get_args(hint) if arg is not type(None)] if _is_union(hint) else [hint]
    return options[0] if len(options) == 1 and options[0] in (str, int, bool) else None


def _required(f: dataclasses.Field[Any]) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


def _wrong_type(expected: str, data: Any) -> DecodeError:
    return DecodeError("", f"expected {expected}, got {type(data).__name__}")


def _enum_decoder(cls: type[enum.Enum]) -> Decoder:
    members = {member.value: member for member in cls}

    def decode(data: Any) -> enum.Enum:
        try:
            return members[data]
        except (KeyError, TypeError):
            pass
        try:
            return cls(data)  # the enum's own _missing_: names that older snapshots wrote
        except (ValueError, TypeError):
            raise DecodeError("", f"unknown {cls.__name__} {data!r}") from None

    return decode


def _scalar_decoder(kind: type) -> Decoder:
    def decode(data: Any) -> Any:
        if type(data) is not kind:
            raise DecodeError("", f"expected {kind.__name__}, got {type(data).__name__}")
        return data

    return decode


def _decode_float(data: Any) -> float:
    if type(data) is float:
        return data
    if type(data) is int:
        return float(data)
    raise DecodeError("", f"expected float, got {type(data).__name__}")


def _decode_guid(data: Any) -> model.Guid:
    try:
        return model.Guid(int(data))
    except (TypeError, ValueError):
        raise DecodeError("", f"not a guid: {data!r}") from None


def _decode_datetime(data: Any) -> datetime:
    try:
        return datetime.fromisoformat(data)
    except (TypeError, ValueError):
        raise DecodeError("", f"not an ISO 8601 time: {data!r}") from None
