"""The calendar feeds over HTTP: an event's agenda, one session, and a person's own feed
behind a secret token, as ICS (built by server/calendar.py).
"""

from collections.abc import Iterable
from datetime import UTC, datetime

from aiohttp import web

from rooms.agenda import Session
from server import i18n
from server.agenda import load_event, load_session
from server.appkeys import SETTINGS, STORE
from server.calendar import calendar_of, person_feed_uid
from server.pages.timetable import event_title


def _ics(request: web.Request, sessions: Iterable[Session], *, name: str, uid: str) -> web.Response:
    body = calendar_of(
        sessions,
        name=name,
        uid=uid,
        settings=request.app[SETTINGS],
        join_label=i18n.gettext(request, "Join online"),
        now=datetime.now(UTC),
    )
    return web.Response(body=body, content_type="text/calendar", charset="utf-8")


async def event_calendar(request: web.Request) -> web.Response:
    """GET /events/{event_id}/calendar.ics: the event's agenda."""
    store = request.app[STORE]
    event = await load_event(store, request.match_info["event_id"])
    sessions = await store.agenda.agenda_of(event.event_id)
    name = event_title(event, i18n.language(request))
    return _ics(request, sessions, name=name, uid=f"event-{event.event_id}@yunhui")


async def session_calendar(request: web.Request) -> web.Response:
    """GET /sessions/{session_id}/calendar.ics: one session."""
    session = await load_session(request.app[STORE], request.match_info["session_id"])
    uid = f"session-{session.session_id}@yunhui"
    return _ics(request, [session], name=session.title, uid=uid)


async def person_feed(request: web.Request) -> web.Response:
    """GET /feeds/{feed_token}.ics: the sessions of the person the secret token belongs to."""
    store = request.app[STORE]
    person_key = await store.invites.feed_owner(request.match_info["feed_token"])
    if person_key is None:
        raise web.HTTPNotFound()
    sessions = await store.agenda.sessions_of_person(person_key)
    name = i18n.gettext(request, "My Yunhui sessions")
    return _ics(request, sessions, name=name, uid=person_feed_uid(person_key))


def setup_feeds(app: web.Application) -> None:
    app.router.add_get("/events/{event_id}/calendar.ics", event_calendar, name="event_calendar")
    app.router.add_get(
        "/sessions/{session_id}/calendar.ics", session_calendar, name="session_calendar"
    )
    app.router.add_get("/feeds/{feed_token}.ics", person_feed, name="person_feed")
