"""The public pages: home (upcoming public events and sessions), an event with its agenda by
day, and a session with the part of its roster the viewer may see.
"""

from datetime import UTC, datetime

import aiohttp_jinja2
from aiohttp import web

from rooms.agenda import Event, Session
from server import agenda, i18n, recording_library
from server.appkeys import STORE
from server.auth import current_account
from server.pages.timetable import days_of, event_today
from server.pages.visibility import door_of, is_staff_of, visible_roster
from server.store import Store

UPCOMING_SESSIONS = 20


async def events_of(store: Store, sessions: list[Session]) -> dict[str, Event]:
    """The events these sessions belong to, by event_id (each loaded once)."""
    events: dict[str, Event] = {}
    for session in sessions:
        if session.event_id not in events:
            events[session.event_id] = await agenda.load_event(store, session.event_id)
    return events


async def home(request: web.Request) -> web.Response:
    store, now = request.app[STORE], datetime.now(UTC)
    events = [e for e in await store.agenda.public_events() if e.end_date >= event_today(e, now)]
    sessions = await store.agenda.upcoming_public(now, UPCOMING_SESSIONS)
    context = {
        "events": events,
        "sessions": sessions,
        "events_by_id": await events_of(store, sessions),
    }
    return aiohttp_jinja2.render_template("home.html", request, context)


async def event_page(request: web.Request) -> web.Response:
    store = request.app[STORE]
    event = await agenda.load_event(store, request.match_info["event_id"])
    account = await current_account(request)
    days = days_of(await store.agenda.agenda_of(event.event_id), event.zone)
    context = {"event": event, "days": days, "staff": is_staff_of(account, event.org_id)}
    context["replays"] = await recording_library.public_replays(store, event)
    return aiohttp_jinja2.render_template("event.html", request, context)


async def session_page(request: web.Request) -> web.Response:
    store = request.app[STORE]
    session = await agenda.load_session(store, request.match_info["session_id"])
    i18n.about_kind(request, session.kind)
    event = await agenda.load_event(store, session.event_id)
    staff = is_staff_of(await current_account(request), session.org_id)
    roster = await store.agenda.roster_of(session.session_id)
    context = {
        "session": session,
        "event": event,
        "staff": staff,
        "roster": visible_roster(roster, session=session, staff=staff),
        "door": str(door_of(session)),
    }
    return aiohttp_jinja2.render_template("session.html", request, context)


def setup_public_pages(app: web.Application) -> None:
    app.router.add_get("/", home, name="home")
    app.router.add_get("/events/{event_id}", event_page, name="event_page")
    app.router.add_get("/sessions/{session_id}", session_page, name="session_page")
