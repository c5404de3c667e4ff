"""Checking what a client sent before any handler sees it.

An event's arguments must be one JSON object (an event sent with no arguments at all counts
as ``{}``; PROTOCOL.md says so) of at most
``max_bytes`` bytes of JSON, holding exactly the fields ``rooms.protocol.FIELDS`` (or, for
media events, ``MEDIA_FIELDS``) lists for that event, each of the right shape. Anything
else raises a DomainError (``unknown_event``, ``invalid_payload``, ``payload_too_large``):
the client gets an ``error`` and nothing else happens.
"""

import json
import re
from collections.abc import Callable
from typing import Any

from recordings.streaming import KEY_MAX, URL_MAX
from rooms.agreement import SIGNATURE_CHARS_MAX
from rooms.errors import DomainError
from rooms.limits import CHAT_TEXT_MAX_BYTES, NAME_MAX, QUESTION_CHARS_MAX
from rooms.protocol import (
    ASSIGNMENTS_MAX,
    BREAKOUT_MODES,
    BROADCAST_CHARS_MAX,
    CANDIDATE_CHARS_MAX,
    CHOICES_MAX,
    COMMENT_CHARS_MAX,
    CONNECTIONS,
    FIELDS,
    GROUPS_MAX,
    ITEMS_MAX,
    MEDIA_FIELDS,
    MID_CHARS_MAX,
    MIDS_MAX,
    PAGES_MAX,
    POLL_KEYS,
    QUESTION_STATES,
    REACTIONS,
    REASON_CHARS_MAX,
    SCORES_MAX,
    SDP_CHARS_MAX,
    TO_GROUP,
    TO_HOSTS,
    TO_PANEL,
    Field,
    Shape,
)
from rooms.roles import Role

EVENT_NAME_MAX = 64
TEXT_CHARS_MAX = CHAT_TEXT_MAX_BYTES  # a first, cheap bound; rooms.chat counts the bytes
_CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_PARTICIPANT = re.compile(r"[A-Za-z0-9_-]{1,64}")
_MESSAGE_ID = re.compile(r"([0-9]{1,20})-([0-9]{1,20})")
_STREAM_PART_MAX = 2**64 - 1  # each half of a Redis stream id is an unsigned 64-bit number
_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
_CODE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_QUESTION_ID = re.compile(r"q[1-9][0-9]{0,8}")
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_ROLES = frozenset(str(role) for role in Role)
_ALL_FIELDS = {**FIELDS, **MEDIA_FIELDS}


def _fits(pattern: re.Pattern[str]) -> Callable[[object], bool]:
    return lambda value: isinstance(value, str) and pattern.fullmatch(value) is not None


def _message_id(value: object) -> bool:
    found = _MESSAGE_ID.fullmatch(value) if isinstance(value, str) else None
    return found is not None and all(int(part) <= _STREAM_PART_MAX for part in found.groups())


def _text_of(most: int, *, empty: bool = False) -> Callable[[object], bool]:
    return lambda v: isinstance(v, str) and (empty or v != "") and len(v) <= most


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and abs(value) < 1e9


def _scores(value: object) -> bool:
    return (
        isinstance(value, dict)
        and len(value) <= SCORES_MAX
        and all(_fits(_CODE)(k) and _number(v) for k, v in value.items())
    )


def _items(value: object) -> bool:
    return isinstance(value, list) and len(value) <= ITEMS_MAX and all(map(_fits(_CODE_ID), value))


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 100


def _choices(value: object) -> bool:
    return isinstance(value, list) and len(value) <= CHOICES_MAX and all(map(_whole, value))


def _poll(value: object) -> bool:
    return isinstance(value, dict) and set(value) <= POLL_KEYS


def _group(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= GROUPS_MAX


def _assignments(value: object) -> bool:
    return (
        isinstance(value, dict)
        and len(value) <= ASSIGNMENTS_MAX
        and all(_fits(_PARTICIPANT)(k) and _group(v) for k, v in value.items())
    )


def _mids(value: object) -> bool:
    mid = _text_of(MID_CHARS_MAX)
    return isinstance(value, list) and len(value) <= MIDS_MAX and all(mid(m) for m in value)


_CHECKS: dict[Shape, tuple[Callable[[object], bool], str]] = {
    Shape.TEXT: (
        lambda v: isinstance(v, str) and len(v) <= TEXT_CHARS_MAX,
        "{field} must be text of at most 4096 bytes.",
    ),
    Shape.CLIENT_ID: (_fits(_CLIENT_ID), "{field} must be 1 to 64 letters, digits, _ or -."),
    Shape.PARTICIPANT: (_fits(_PARTICIPANT), "{field} must be a participant id."),
    Shape.RECIPIENT: (
        lambda v: v in (TO_HOSTS, TO_PANEL, TO_GROUP) or _fits(_PARTICIPANT)(v),
        '{field} must be "hosts", "panel", "group" or a participant id.',
    ),
    Shape.MESSAGE_ID: (_message_id, "{field} must be a message id."),
    Shape.FLAG: (lambda v: isinstance(v, bool), "{field} must be true or false."),
    Shape.ROLE: (lambda v: isinstance(v, str) and v in _ROLES, "{field} must be a role."),
    Shape.EMOJI: (
        lambda v: isinstance(v, str) and v in REACTIONS,
        "{field} must be one of the room's reactions.",
    ),
    Shape.SDP: (_text_of(SDP_CHARS_MAX), "{field} must be a session description (text)."),
    Shape.CANDIDATE: (
        _text_of(CANDIDATE_CHARS_MAX, empty=True),
        "{field} must be an ICE candidate line (text).",
    ),
    Shape.CONNECTION: (
        lambda v: isinstance(v, str) and v in CONNECTIONS,
        '{field} must be "publish" or "subscribe".',
    ),
    Shape.MIDS: (_mids, "{field} must be a list of media ids."),
    Shape.MID: (_text_of(MID_CHARS_MAX), "{field} must be a media id."),
    Shape.ITEM: (_fits(_CODE_ID), "{field} must be an item id."),
    Shape.ITEMS: (_items, "{field} must be a list of item ids."),
    Shape.MINUTES: (
        lambda v: isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 60,
        "{field} must be a whole number of minutes from 1 to 60.",
    ),
    Shape.SCORES: (_scores, "{field} must be an object of criterion ids and numbers."),
    Shape.CODE: (_fits(_CODE), "{field} must be 1 to 32 letters, digits, _ or -."),
    Shape.COMMENT: (_text_of(COMMENT_CHARS_MAX, empty=True), "{field} must be text."),
    Shape.REASON: (_text_of(REASON_CHARS_MAX), "{field} must be text (1 to 500 characters)."),
    Shape.QUESTION: (
        _text_of(QUESTION_CHARS_MAX),
        "{field} must be text of 1 to 500 characters.",
    ),
    Shape.QUESTION_ID: (_fits(_QUESTION_ID), "{field} must be a question id."),
    Shape.QUESTION_STATE: (
        lambda v: isinstance(v, str) and v in QUESTION_STATES,
        '{field} must be "visible", "answering", "answered" or "dismissed".',
    ),
    Shape.POLL: (
        _poll,
        "{field} must be an object of question, kind, options, correct, anonymous, seconds.",
    ),
    Shape.CHOICES: (_choices, "{field} must be a list of option numbers."),
    Shape.REVISION: (
        lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 < v < 2**31,
        "{field} must be a positive whole number.",
    ),
    Shape.PAGE: (
        lambda v: isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= PAGES_MAX,
        "{field} must be a page number.",
    ),
    Shape.FRACTION: (
        lambda v: isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 1,
        "{field} must be a number from 0 to 1.",
    ),
    Shape.GROUP_COUNT: (
        lambda v: _group(v) and v != 1,
        "{field} must be a whole number of groups from 2 to 50.",
    ),
    Shape.BREAKOUT_MODE: (
        lambda v: isinstance(v, str) and v in BREAKOUT_MODES,
        '{field} must be "random", "manual" or "choose".',
    ),
    Shape.GROUP: (_group, "{field} must be a group number from 1 to 50."),
    Shape.GROUP_OR_MAIN: (
        lambda v: v is None or _group(v),
        "{field} must be a group number from 1 to 50, or null for the main room.",
    ),
    Shape.ASSIGNMENTS: (
        _assignments,
        "{field} must be an object of participant ids and group numbers.",
    ),
    Shape.BROADCAST: (
        _text_of(BROADCAST_CHARS_MAX),
        "{field} must be text of 1 to 500 characters.",
    ),
    Shape.NAME: (_text_of(NAME_MAX, empty=True), "{field} must be a name (text)."),
    Shape.SHA256: (_fits(_SHA256), "{field} must be a SHA-256 (64 hexadecimal digits)."),
    Shape.SIGNATURE: (_text_of(SIGNATURE_CHARS_MAX), "{field} must be a drawn signature (PNG)."),
    Shape.STREAM_URL: (_text_of(URL_MAX), "{field} must be an rtmp:// or rtmps:// address."),
    Shape.STREAM_KEY: (_text_of(KEY_MAX), "{field} must be a stream key."),
}


def invalid(template: str, **params: object) -> DomainError:
    return DomainError(template, code="invalid_payload", **params)


def event_label(event: object) -> str:
    """The event's name as an error may repeat it."""
    return event[:EVENT_NAME_MAX] if isinstance(event, str) else ""


def _one_object(args: tuple[Any, ...]) -> dict[str, Any]:
    if not args:
        return {}
    if len(args) > 1 or not isinstance(args[0], dict):
        raise invalid("Send one object of fields with this event ({{}} if it has none).")
    return args[0]


def _size(payload: dict[str, Any], max_bytes: int) -> None:
    try:
        size = len(json.dumps(payload, ensure_ascii=False).encode())
    except (TypeError, ValueError):
        raise invalid("A payload holds only JSON values (no binary data).") from None
    if size > max_bytes:
        raise DomainError(
            "This message is too large: at most {most} bytes.",
            code="payload_too_large",
            most=max_bytes,
        )


def _field(name: str, spec: Field, payload: dict[str, Any]) -> Any:
    if name not in payload:
        if spec.required:
            raise invalid("{field} is missing.", field=name)
        return False if spec.shape is Shape.FLAG else None
    value = payload[name]
    check, template = _CHECKS[spec.shape]
    if not check(value):
        raise invalid(template, field=name)
    return Role(value) if spec.shape is Shape.ROLE else value


def check_payload(event: object, args: tuple[Any, ...], *, max_bytes: int) -> dict[str, Any]:
    """The event's fields, checked (absent optional ones as None, or False for flags)."""
    fields = _ALL_FIELDS.get(event) if isinstance(event, str) else None
    if fields is None:
        raise DomainError(
            "There is no event {event}.", code="unknown_event", event=event_label(event)
        )
    payload = _one_object(args)
    _size(payload, max_bytes)
    unknown = sorted(set(payload) - set(fields))
    if unknown:
        raise invalid("Unknown field {field}.", field=str(unknown[0])[:64])
    return {name: _field(name, spec, payload) for name, spec in fields.items()}
