"""JSON renderings of events, sessions and roster entries, with their JSON Schemas.

Instants are UTC ISO 8601 with a ``Z``; a session also shows its times on the wall clock
of its event's zone (ISO 8601 with the offset). Links are absolute, on ``base_url``.
"""

from datetime import UTC, datetime
from typing import Any

from rooms.agenda import Event, RosterEntry, Session, split_person_key
from rooms.lifecycle import State
from rooms.roles import Kind, Role
from rooms.timing import parse_zone, utc_to_local
from server.api.schema import response_schema, zone_schema

_TEXT = {"type": "string"}
_INT = {"type": "integer"}
_BOOL = {"type": "boolean"}
_INSTANT = {"type": "string", "format": "date-time", "description": "UTC: 2027-05-01T01:30:00Z"}
_LOCAL = {"type": "string", "format": "date-time", "description": "event's zone, with offset"}
_DATE = {"type": "string", "format": "date"}
_URI = {"type": "string", "format": "uri"}


def _enum(values: type[Any]) -> dict[str, Any]:
    return {"type": "string", "enum": [str(v) for v in values]}


def utc_text(instant: datetime) -> str:
    """An aware datetime as UTC ISO 8601 with a Z: 2027-05-01T01:30:00Z."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


EVENT = response_schema(
    "Event",
    {
        "event_id": _TEXT,
        "title_zh": _TEXT,
        "title_en": _TEXT,
        "description": _TEXT,
        "zone": zone_schema(),
        "start_date": _DATE,
        "end_date": _DATE,
        "visibility": {"type": "string", "enum": ["public", "unlisted"]},
        "sequence": _INT,
        "created_at": _INSTANT,
        "updated_at": _INSTANT,
        "url": _URI,
        "ics_url": _URI,
    },
)


def event_json(event: Event, *, base_url: str) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "title_zh": event.title_zh,
        "title_en": event.title_en,
        "description": event.description,
        "zone": event.zone,
        "start_date": event.start_date.isoformat(),
        "end_date": event.end_date.isoformat(),
        "visibility": str(event.visibility),
        "sequence": event.sequence,
        "created_at": utc_text(event.created_at),
        "updated_at": utc_text(event.updated_at),
        "url": f"{base_url}/events/{event.event_id}",
        "ics_url": f"{base_url}/events/{event.event_id}/calendar.ics",
    }


SESSION = response_schema(
    "Session",
    {
        "session_id": _TEXT,
        "event_id": _TEXT,
        "kind": _enum(Kind),
        "title": _TEXT,
        "description": _TEXT,
        "start": _INSTANT,
        "end": _INSTANT,
        "start_local": _LOCAL,
        "end_local": _LOCAL,
        "zone": zone_schema(),
        "capacity": _INT,
        "lobby": _BOOL,
        "lobby_minutes": _INT,
        "recording_allowed": _BOOL,
        "state": _enum(State),
        "sequence": _INT,
        "url": _URI,
        "ics_url": _URI,
    },
)


def session_json(session: Session, *, base_url: str) -> dict[str, Any]:
    zone = parse_zone(session.zone)
    return {
        "session_id": session.session_id,
        "event_id": session.event_id,
        "kind": str(session.kind),
        "title": session.title,
        "description": session.description,
        "start": utc_text(session.start),
        "end": utc_text(session.end),
        "start_local": utc_to_local(session.start, zone).isoformat(),
        "end_local": utc_to_local(session.end, zone).isoformat(),
        "zone": session.zone,
        "capacity": session.capacity,
        "lobby": session.lobby,
        "lobby_minutes": session.lobby_minutes,
        "recording_allowed": session.recording_allowed,
        "state": str(session.state),
        "sequence": session.sequence,
        "url": f"{base_url}/sessions/{session.session_id}",
        "ics_url": f"{base_url}/sessions/{session.session_id}/calendar.ics",
    }


EVENT_DETAIL = response_schema(
    "EventDetail",
    {**EVENT["properties"], "agenda": {"type": "array", "items": SESSION}},
)


def event_detail_json(event: Event, agenda: list[Session], *, base_url: str) -> dict[str, Any]:
    """An event with its agenda, sessions by start."""
    sessions = [session_json(session, base_url=base_url) for session in agenda]
    return {**event_json(event, base_url=base_url), "agenda": sessions}


ROSTER_ENTRY = response_schema(
    "RosterEntry",
    {
        "person_key": {**_TEXT, "description": "account:<id>, expert:<id> or guest:<email>"},
        "person_type": {"type": "string", "enum": ["account", "expert", "guest"]},
        "role": _enum(Role),
        "name": _TEXT,
        "email": _TEXT,
    },
)


def roster_entry_json(entry: RosterEntry) -> dict[str, Any]:
    person_type, _ = split_person_key(entry.person_key)
    return {
        "person_key": entry.person_key,
        "person_type": str(person_type),
        "role": str(entry.role),
        "name": entry.name,
        "email": entry.email,
    }


def listed(item: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of a list of item."""
    return {"type": "array", "items": item}
