"""Dataclasses of the domain to JSON and back, by their field types (dataclasses nested in
fields, such as a rubric's criteria, too)."""

import dataclasses
import json
import types
import typing
from datetime import date, datetime
from enum import Enum
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list | frozenset | set):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def dump(obj: Any) -> str:
    """One dataclass instance as a JSON string."""
    return json.dumps(
        _plain(obj),
        ensure_ascii=False,
        separators=(",", ":"),
    )


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _typed(kind: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(kind) if a is not type(None)]
        return _typed(inner[0], value)
    if origin in (tuple, list, frozenset):
        (item, *_) = typing.get_args(kind) or (Any,)
        return origin(_typed(item, v) for v in value)
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(value)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        return _record(kind, value)
    return value


def _record(cls: type[T], data: dict[str, Any]) -> T:
    hints = _hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: _typed(hints[k], v) for k, v in data.items() if k in names})


def load(cls: type[T], text: str | bytes) -> T:
    """A dataclass instance from the JSON that dump() wrote; unknown keys are ignored."""
    return _record(cls, json.loads(text))
