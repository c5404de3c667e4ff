"""Plain field values, from JSON or from a form: text, a choice, a whole number, a number,
a flag. Each refuses a wrong value with a translated message naming the field."""

import math
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from rooms.errors import DomainError

Choice = TypeVar("Choice", bound=StrEnum)
_WHOLE = re.compile(r"\s*-?\d{1,9}\s*")
_NUMBER = re.compile(r"\s*-?\d{1,9}(\.\d{1,6})?\s*")
_TRUE = frozenset({"1", "true", "on", "yes"})
_FALSE = frozenset({"0", "false", "off", "no", ""})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text_field(
    fields: Mapping[str, object], name: str, *, max_length: int, required: bool = False
) -> str:
    value = fields.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise DomainError("{field} must be text.", code="invalid_field", field=name)
    value = value.strip()
    if _CONTROL.search(value):
        raise DomainError("{field} holds control characters.", code="invalid_field", field=name)
    if required and not value:
        raise DomainError("{field} is required.", code="missing_field", field=name)
    if len(value) > max_length:
        raise DomainError(
            "{field} must have at most {most} characters.",
            code="invalid_length",
            field=name,
            most=max_length,
        )
    return value


def choice_field(choices: type[Choice], value: object, name: str) -> Choice:
    for choice in choices:
        if value == choice.value:
            return choice
    raise DomainError(
        "{field} must be one of: {allowed}.",
        code=f"invalid_{name}",
        field=name,
        allowed=", ".join(choices),
    )


def whole_field(fields: Mapping[str, object], name: str) -> int:
    value = fields.get(name)
    if isinstance(value, str) and _WHOLE.fullmatch(value):
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError("{field} must be a whole number.", code="invalid_field", field=name)
    return value


def number_field(fields: Mapping[str, object], name: str) -> float:
    """A finite number (an integer or a decimal; text as typed in a form)."""
    value = fields.get(name)
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        return float(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DomainError("{field} must be a number.", code="invalid_field", field=name)
    return float(value)


def flag_field(fields: Mapping[str, object], name: str) -> bool:
    value = fields.get(name)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise DomainError("{field} must be true or false.", code="invalid_field", field=name)
