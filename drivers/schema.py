"""Settings as plain frozen dataclasses: made at once from values of the right types, and
checked in full by pydantic only when asked.

    @settings
    class PrinterSettings:
        host: str = "127.0.0.1"
        port: Annotated[int, Check(ge=1, le=65535)] = 9100   # TCP port of the printer

    made(PrinterSettings, {"port": 9100})   # no pydantic; raises Untrusted on a wrong type
    checked(PrinterSettings, {"port": 0})   # every constraint; raises pydantic.ValidationError

Why two ways: importing pydantic and building the schemas of the config and the adapters' settings
took `huduma-kiosk run` some 60 ms before its first frame (benchmarks/startup.py). At start the
kiosk makes its settings with :func:`made`, which only takes values of the types the fields
declare (and turns an int into a float and a text into a path, as pydantic would), and checks
them in full with :func:`checked` on a worker once the first frame is shown, before any device,
file or network is touched. Every other command checks them in full at once. Both give the same
objects for the same input (tests/drivers/test_schema.py).
"""
from __future__ import annotations

import dataclasses
import threading
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar, Union

T = TypeVar("T")

CONFIG = {"extra": "forbid"}
"""pydantic's config for every settings class: an unknown key is refused, naming it."""


class Untrusted(ValueError):
    """A value :func:`made` does not take as it is (a wrong type, an unknown key): the caller
    checks the whole input in full instead, which names the problem."""


class Check:
    """Constraints of one field, in ``Annotated[type, Check(...)]``: pydantic's ``Field``
    bounds (``gt``, ``ge``, ``lt``, ``le``, ``min_length``, ``max_length``, ``pattern``) and
    ``after``, a function run on the value once it has its type (raises ValueError, or
    returns the value). Used only by :func:`checked`: nothing is imported to declare it."""

    __slots__ = ("after", "bounds")

    def __init__(self, *, after: Callable[[Any], Any] | None = None, **bounds: Any) -> None:
        self.after = after
        self.bounds = bounds

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic import Field
        from pydantic_core import core_schema

        schema = handler.generate_schema(typing.Annotated[source, Field(**self.bounds)]
                                         if self.bounds else source)
        if self.after is not None:
            schema = core_schema.no_info_after_validator_function(self.after, schema)
        return schema

    def __repr__(self) -> str:
        parts = [f"{name}={value!r}" for name, value in self.bounds.items()]
        if self.after is not None:
            parts.append(f"after={getattr(self.after, '__name__', self.after)}")
        return f"Check({', '.join(parts)})"


def settings(cls: type[T]) -> type[T]:
    """A frozen dataclass whose unknown keys are refused when checked."""
    cls.__pydantic_config__ = CONFIG  # type: ignore[attr-defined]
    return dataclasses.dataclass(frozen=True)(cls)


# --- in full, with pydantic ------------------------------------------------------------------

_adapters: dict[type, Any] = {}
_adapters_lock = threading.Lock()


def checked(cls: type[T], raw: Mapping[str, Any] | T) -> T:
    """``raw`` checked in full against ``cls`` (every type and constraint); raises pydantic's
    ``ValidationError``. The first call for a class imports pydantic and builds its schema."""
    with _adapters_lock:
        adapter = _adapters.get(cls)
        if adapter is None:
            from pydantic import TypeAdapter

            adapter = _adapters[cls] = TypeAdapter(cls)
    if isinstance(raw, cls):
        raw = as_dict(raw)
    elif isinstance(raw, Mapping):
        raw = dict(raw)
    # Anything else (a list, a number) goes as it is, for pydantic to refuse by name.
    return adapter.validate_python(raw)  # type: ignore[no-any-return]


def as_dict(value: Any) -> dict[str, Any]:
    """A settings object as a table of plain values (nested settings as tables), as read."""
    return {f.name: (as_dict(v) if dataclasses.is_dataclass(v) else v)
            for f in dataclasses.fields(value) if f.init
            for v in [getattr(value, f.name)]}


# --- at once, without pydantic ---------------------------------------------------------------

_hints: dict[type, dict[str, Any]] = {}


def _fields(cls: type) -> dict[str, Any]:
    hints = _hints.get(cls)
    if hints is None:
        resolved = typing.get_type_hints(cls)
        hints = _hints[cls] = {f.name: resolved[f.name] for f in dataclasses.fields(cls) if f.init}
    return hints


def made(cls: type[T], raw: Mapping[str, Any]) -> T:
    """``cls`` made from ``raw`` without checking its constraints: each value must already have
    its field's type (an int for a float, a text for a path, a table for nested settings).
    Raises :class:`Untrusted` otherwise, and for an unknown key."""
    if not isinstance(raw, Mapping):
        raise Untrusted(f"{cls.__name__}: a table was expected")
    fields = _fields(cls)
    values = {}
    for key, value in raw.items():
        if key not in fields:
            raise Untrusted(f"{cls.__name__}: unknown key {key!r}")
        values[key] = _value(fields[key], value, f"{cls.__name__}.{key}")
    try:
        return cls(**values)
    except (TypeError, ValueError) as err:
        raise Untrusted(f"{cls.__name__}: {err}") from None


def _value(hint: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        for option in typing.get_args(hint):
            try:
                return _value(option, value, where)
            except Untrusted:
                continue
        raise Untrusted(f"{where}: {value!r}")
    if origin is Literal:
        if any(value == v and type(value) is type(v) for v in typing.get_args(hint)):
            return value
        raise Untrusted(f"{where}: {value!r}")
    if origin is list:
        (item,) = typing.get_args(hint) or (Any,)
        if isinstance(value, list):
            return [_value(item, v, where) for v in value]
        raise Untrusted(f"{where}: {value!r}")
    if origin is dict:
        key_hint, item = typing.get_args(hint) or (Any, Any)
        if isinstance(value, dict):
            return {_value(key_hint, k, where): _value(item, v, where) for k, v in value.items()}
        raise Untrusted(f"{where}: {value!r}")
    if origin is not None:
        raise Untrusted(f"{where}: {hint!r} is not made without pydantic")
    if hint is Any:
        return value
    if hint is type(None):
        if value is None:
            return value
    elif hint is bool or hint is str:
        if type(value) is hint:
            return value
    elif hint is int:
        if type(value) is int:
            return value
    elif hint is float:
        if type(value) in (int, float):
            return float(value)
    elif hint is Path:
        if isinstance(value, (str, Path)) and str(value):
            return Path(value)
    elif dataclasses.is_dataclass(hint) and isinstance(hint, type):
        if isinstance(value, hint):
            return value
        return made(hint, value)
    else:
        raise Untrusted(f"{where}: {hint!r} is not made without pydantic")
    raise Untrusted(f"{where}: {value!r}")
