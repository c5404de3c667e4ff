"""Request bodies checked against small declarative schemas that also render as OpenAPI.

A schema is a mapping of field name -> Field. ``Body.check(data)`` returns a clean dict or
raises ApiError (400) naming the field: unknown fields, wrong types, missing required
fields, out-of-range values. ``Obj`` nests an object inside a body; its fields are named
with a dotted path (``person.email``) in errors. The same objects produce the OpenAPI
schema, so the document cannot drift from what the handler accepts; each field's
``example`` goes into the document and makes a valid body for the contract tests.
"""

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rooms.accounts import EMAIL_PATTERN, normalize_email
from rooms.errors import DomainError
from rooms.limits import EMAIL_MAX
from rooms.roles import Kind, Role, roles_for
from rooms.timing import LOCAL_TIME, TimeError, parse_local, parse_zone, zone_names
from server.errors import ApiError


@dataclass(frozen=True)
class Field(ABC):
    required: bool = True
    description: str = ""
    example: Any = None
    extensions: Mapping[str, Any] = field(default_factory=dict)  # "x-..." keys of the document

    @abstractmethod
    def check(self, name: str, value: Any) -> Any:
        """The clean value, or ApiError naming the field."""

    @abstractmethod
    def openapi(self) -> dict[str, Any]:
        """This field's JSON Schema."""

    def _wrong(self, name: str, template: str) -> ApiError:
        return ApiError(400, "invalid_type", template, name=name)

    def _doc(self, schema: dict[str, Any]) -> dict[str, Any]:
        if self.description:
            schema["description"] = self.description
        if self.example is not None:
            schema["examples"] = [self.example]
        return {**schema, **self.extensions}


@dataclass(frozen=True)
class Str(Field):
    min_length: int = 0
    max_length: int = 1000
    choices: tuple[str, ...] = ()
    format: str = ""
    pattern: str = ""  # the whole (stripped) value must match

    def check(self, name: str, value: Any) -> str:
        if not isinstance(value, str):
            raise self._wrong(name, "Field {name} must be a string.")
        value = value.strip()
        if not self.min_length <= len(value) <= self.max_length:
            raise ApiError(
                400,
                "invalid_length",
                "Field {name} must have between {low} and {high} characters.",
                name=name,
                low=self.min_length,
                high=self.max_length,
            )
        if self.choices and value not in self.choices:
            raise ApiError(
                400,
                "invalid_choice",
                "Field {name} must be one of: {choices}.",
                name=name,
                choices=", ".join(self.choices),
            )
        if self.pattern and value and not re.fullmatch(self.pattern, value):
            raise ApiError(400, "invalid_format", "Field {name} is not well formed.", name=name)
        return value

    def openapi(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string"}
        if self.choices:
            schema["enum"] = list(self.choices)
        else:
            schema["maxLength"] = self.max_length
        if self.min_length:
            schema["minLength"] = self.min_length
        if self.format:
            schema["format"] = self.format
        if self.pattern:
            schema["pattern"] = f"^(?:{self.pattern})$"
        return self._doc(schema)


@dataclass(frozen=True)
class Email(Field):
    """An e-mail address by the site's one rule (``rooms.accounts.normalize_email``), given
    back in its one spelling; refused as the console refuses it (``invalid_email``), naming
    the field. Left out or blank, an optional address is ""."""

    def check(self, name: str, value: Any) -> str:
        if not isinstance(value, str):
            raise self._wrong(name, "Field {name} must be a string.")
        if not value.strip() and not self.required:
            return ""
        try:
            return normalize_email(value)
        except DomainError as refused:
            template = "Field {name} is not a valid email address."
            raise ApiError(400, refused.code, template, name=name) from None

    def openapi(self) -> dict[str, Any]:
        pattern = f"^(?:{EMAIL_PATTERN})$"
        schema = {"type": "string", "format": "email", "maxLength": EMAIL_MAX, "pattern": pattern}
        return self._doc(schema)


def zone_schema() -> dict[str, Any]:
    """The JSON Schema of a time zone: the names rooms.timing.parse_zone accepts."""
    return {
        "title": "TimeZone",
        "type": "string",
        "enum": list(zone_names()),
        "description": "An IANA time zone name",
        "examples": ["Asia/Shanghai"],
    }


@dataclass(frozen=True)
class LocalTime(Str):
    """A wall-clock time with no offset (``rooms.timing.LOCAL_TIME``), checked by
    rooms.timing.parse_local, whose refusal (invalid_time) says what one looks like."""

    max_length: int = 32

    def check(self, name: str, value: Any) -> str:
        value = super().check(name, value)
        parse_local(value)
        return value

    def openapi(self) -> dict[str, Any]:
        return {**super().openapi(), "pattern": f"^(?:{LOCAL_TIME})$"}


def role_field(*, description: str, example: str) -> Str:
    """A role: any role here; the session's kind then allows only its own (rooms.roles),
    which the document lists per kind (in words and as ``x-roles-by-kind``)."""
    by_kind = {str(kind): [str(role) for role in roles_for(kind)] for kind in Kind}
    per_kind = "; ".join(f"{kind}: {', '.join(roles)}" for kind, roles in by_kind.items())
    return Str(
        choices=tuple(str(role) for role in Role),
        description=f"{description} The session's kind decides which: {per_kind}.",
        example=example,
        extensions={"x-roles-by-kind": by_kind},
    )


@dataclass(frozen=True)
class Zone(Str):
    """An IANA time zone name, checked by rooms.timing.parse_zone."""

    max_length: int = 64

    def check(self, name: str, value: Any) -> str:
        value = super().check(name, value)
        try:
            parse_zone(value)
        except TimeError:
            raise ApiError(
                400,
                "invalid_zone",
                "Field {name} must be an IANA time zone name, e.g. Asia/Shanghai.",
                name=name,
            ) from None
        return value

    def openapi(self) -> dict[str, Any]:
        return zone_schema()  # one component, the same wherever a zone is


@dataclass(frozen=True)
class Int(Field):
    minimum: int = 0
    maximum: int = 2**31 - 1

    def check(self, name: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._wrong(name, "Field {name} must be an integer.")
        if not self.minimum <= value <= self.maximum:
            raise ApiError(
                400,
                "out_of_range",
                "Field {name} must be between {low} and {high}.",
                name=name,
                low=self.minimum,
                high=self.maximum,
            )
        return value

    def openapi(self) -> dict[str, Any]:
        return self._doc({"type": "integer", "minimum": self.minimum, "maximum": self.maximum})


@dataclass(frozen=True)
class Num(Field):
    """A number, whole or not (the domain says which values make sense)."""

    def check(self, name: str, value: Any) -> float | int:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._wrong(name, "Field {name} must be a number.")
        return value

    def openapi(self) -> dict[str, Any]:
        return self._doc({"type": "number"})


@dataclass(frozen=True)
class Bool(Field):
    def check(self, name: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self._wrong(name, "Field {name} must be true or false.")
        return value

    def openapi(self) -> dict[str, Any]:
        return self._doc({"type": "boolean"})


@dataclass(frozen=True)
class StrList(Field):
    item_max_length: int = 200
    max_items: int = 50
    item_pattern: str = ""  # documents the form items are kept in; the domain checks them

    def check(self, name: str, value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self._wrong(name, "Field {name} must be a list of strings.")
        if len(value) > self.max_items:
            raise ApiError(
                400,
                "too_many",
                "Field {name} takes at most {n} items.",
                name=name,
                n=self.max_items,
            )
        items = [v.strip() for v in value if v.strip()]
        if any(len(v) > self.item_max_length for v in items):
            raise ApiError(
                400,
                "invalid_length",
                "Items of {name} must have at most {n} characters.",
                name=name,
                n=self.item_max_length,
            )
        return items

    def openapi(self) -> dict[str, Any]:
        items: dict[str, Any] = {"type": "string", "maxLength": self.item_max_length}
        if self.item_pattern:
            items["pattern"] = f"^(?:{self.item_pattern})$"
        return self._doc({"type": "array", "items": items, "maxItems": self.max_items})


def check_object(
    fields: Mapping[str, Field], data: dict[str, Any], *, prefix: str = "", partial: bool = False
) -> dict[str, Any]:
    """The clean fields of data: unknown fields refused, required ones demanded."""
    unknown = sorted(prefix + str(name) for name in set(data) - set(fields))
    if unknown:
        raise ApiError(
            400, "unknown_field", "Unknown field: {names}.", names=", ".join(unknown)[:200]
        )
    clean: dict[str, Any] = {}
    for name, spec in fields.items():
        if name in data:
            clean[name] = spec.check(prefix + name, data[name])
        elif spec.required and not partial:
            raise ApiError(400, "missing_field", "Field {name} is required.", name=prefix + name)
    return clean


def object_schema(fields: Mapping[str, Field], *, partial: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {name: spec.openapi() for name, spec in fields.items()},
    }
    required = [n for n, s in fields.items() if s.required and not partial]
    if required:
        schema["required"] = required
    return schema


@dataclass(frozen=True)
class Obj(Field):
    """A nested object with exactly these fields."""

    fields: Mapping[str, Field] = field(default_factory=dict)

    def check(self, name: str, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self._wrong(name, "Field {name} must be an object.")
        return check_object(self.fields, value, prefix=name + ".")

    def openapi(self) -> dict[str, Any]:
        return self._doc(object_schema(self.fields))


@dataclass(frozen=True)
class ObjList(Field):
    """A list of objects with exactly these fields; an entry's fields are named with its
    index in errors (``criteria.0.weight``)."""

    fields: Mapping[str, Field] = field(default_factory=dict)
    max_items: int = 50

    def check(self, name: str, value: Any) -> list[dict[str, Any]]:
        if not isinstance(value, list):
            raise self._wrong(name, "Field {name} must be a list of objects.")
        if len(value) > self.max_items:
            raise ApiError(
                400,
                "too_many",
                "Field {name} takes at most {n} items.",
                name=name,
                n=self.max_items,
            )
        entry = Obj(fields=self.fields)
        return [entry.check(f"{name}.{n}", item) for n, item in enumerate(value)]

    def openapi(self) -> dict[str, Any]:
        schema = {"type": "array", "items": object_schema(self.fields), "maxItems": self.max_items}
        return self._doc(schema)


@dataclass(frozen=True)
class Body:
    """An object with exactly these fields (unknown fields are refused)."""

    fields: dict[str, Field] = field(default_factory=dict)
    partial: bool = False  # PATCH: every field optional

    @property
    def required(self) -> bool:
        """Whether a request must send a body at all."""
        return not self.partial and any(spec.required for spec in self.fields.values())

    def check(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise ApiError(400, "invalid_body", "The request body must be a JSON object.")
        return check_object(self.fields, data, partial=self.partial)

    def openapi(self) -> dict[str, Any]:
        return object_schema(self.fields, partial=self.partial)


def response_schema(title: str, properties: dict[str, Any]) -> dict[str, Any]:
    """The schema of an answer: an object with exactly these properties, all present."""
    return {
        "title": title,
        "type": "object",
        "additionalProperties": False,
        "required": list(properties),
        "properties": properties,
    }


def list_of(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}
