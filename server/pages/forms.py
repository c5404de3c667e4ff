"""The console's HTML forms: what a form shows (strings, as typed) and the fields the agenda
service takes. A form that fails is shown again with the same strings, so no input is lost.
"""

from aiohttp import web

from rooms.agenda import Event, Session
from rooms.errors import DomainError
from server.pages.labels import COMMON_ZONES
from server.pages.timetable import wall_clock


class Form(dict[str, str]):
    """A form's fields as typed; a field the browser did not send (an unticked box) is ""."""

    def __missing__(self, name: str) -> str:
        return ""


OTHER_ZONE = "other"
MAX_INPUT = 10_000


async def read_form(request: web.Request) -> Form:
    """The posted form's text fields (first value of each), without the CSRF token."""
    posted = await request.post()
    form = Form()
    for name, value in posted.items():
        if isinstance(value, str) and name != "csrf_token" and name not in form:
            form[name] = value[:MAX_INPUT]
    return form


def checked(form: Form, name: str) -> bool:
    return form[name] not in ("", "off")


def whole_number(form: Form, name: str, template: str) -> int:
    text = form[name].strip()
    try:
        return int(text)
    except ValueError:
        raise DomainError(template, code="invalid_number", text=text[:20]) from None


# events


def new_event_form() -> Form:
    return Form(zone=COMMON_ZONES[0], visibility="public")


def event_form_of(event: Event) -> Form:
    common = event.zone in COMMON_ZONES
    return Form(
        {
            "title_zh": event.title_zh,
            "title_en": event.title_en,
            "description": event.description,
            "zone": event.zone if common else OTHER_ZONE,
            "zone_other": "" if common else event.zone,
            "start_date": event.start_date.isoformat(),
            "end_date": event.end_date.isoformat(),
            "visibility": str(event.visibility),
        }
    )


def chosen_zone(form: Form) -> str:
    """The zone picked in the list, or the one typed in when 'other' is picked."""
    typed = form["zone_other"].strip()
    if form["zone"] == OTHER_ZONE or (typed and not form["zone"]):
        return typed
    return form["zone"].strip()


def event_fields(form: Form) -> dict[str, object]:
    fields: dict[str, object] = {
        name: form[name].strip()
        for name in ("title_zh", "title_en", "start_date", "end_date", "visibility")
    }
    return fields | {"description": form["description"], "zone": chosen_zone(form)}


# sessions


def new_session_form(event: Event) -> Form:
    day = event.start_date.isoformat()
    return Form(
        kind="meeting",
        start=f"{day}T09:00",
        end=f"{day}T10:00",
        capacity="100",
        lobby="on",
        lobby_minutes="15",
    )


def session_form_of(session: Session, zone: str) -> Form:
    return Form(
        {
            "kind": str(session.kind),
            "title": session.title,
            "description": session.description,
            "start": wall_clock(session.start, zone),
            "end": wall_clock(session.end, zone),
            "capacity": str(session.capacity),
            "lobby": "on" if session.lobby else "",
            "lobby_minutes": str(session.lobby_minutes),
            "recording_allowed": "on" if session.recording_allowed else "",
        }
    )


def session_fields(form: Form, *, with_kind: bool) -> dict[str, object]:
    """The fields of create_session (with_kind) or update_session (the kind stays)."""
    fields: dict[str, object] = {
        "title": form["title"].strip(),
        "description": form["description"],
        "start": form["start"].strip(),
        "end": form["end"].strip(),
        "capacity": whole_number(form, "capacity", "Capacity must be a whole number."),
        "lobby": checked(form, "lobby"),
        "lobby_minutes": whole_number(
            form, "lobby_minutes", "Lobby minutes must be a whole number."
        ),
        "recording_allowed": checked(form, "recording_allowed"),
    }
    if with_kind:
        fields["kind"] = form["kind"].strip()
    return fields
