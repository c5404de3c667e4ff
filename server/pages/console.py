"""The host console: the organization's events, my sessions, my notifications and my
calendar feed; creating and editing an event and adding sessions to its agenda. Every form
posts, and on success redirects (303) to the page it came from; a refused form is shown
again with its message and its input.

Every page also gets ``notification_count``, the signed-in account's number of
notifications, which the header's badge shows (``_pages.html``, ``notifications_badge``).
"""

from datetime import UTC, datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from rooms.accounts import Account
from rooms.agenda import Event, PersonType, person_key
from rooms.errors import Conflict, DomainError
from server import agenda
from server.appkeys import SETTINGS, STORE
from server.auth import ACCOUNT, require_account
from server.calendar import feed_url_for, rotate_feed_url
from server.errors import user_message
from server.flash import flash
from server.pages import forms
from server.pages.public import events_of
from server.pages.visibility import is_upcoming
from server.templating import add_context

NOTIFICATIONS_SHOWN = 20


def refused(
    request: web.Request,
    template: str,
    context: dict[str, Any],
    error: DomainError,
    *,
    slot: str = "error",
) -> web.Response:
    """The form page again, with the error's message (translated) in context[slot] and the
    input kept; 409 for a conflict (a double booking), else 400."""
    status = 409 if isinstance(error, Conflict) else 400
    context = context | {slot: user_message(request, error)}
    return aiohttp_jinja2.render_template(template, request, context, status=status)


async def own_event(request: web.Request, account: Account) -> Event:
    """The event named in the URL, if it is the account's organization's; else NotFound."""
    event_id = request.match_info["event_id"]
    return await agenda.own_event(request.app[STORE], event_id, org_id=account.org_id)


def account_key(account: Account) -> str:
    return person_key(PersonType.ACCOUNT, account.account_id)


async def console_home(request: web.Request) -> web.Response:
    account = await require_account(request)
    store, now = request.app[STORE], datetime.now(UTC)
    me = account_key(account)
    mine = [s for s in await store.agenda.sessions_of_person(me) if is_upcoming(s, now)]
    notifications = await store.notifications.of_person(me, limit=NOTIFICATIONS_SHOWN)
    context = {
        "events": await store.agenda.events_of_org(account.org_id),
        "my_sessions": mine,
        "events_by_id": await events_of(store, mine),
        "notifications": notifications,
        "notification_zones": await agenda.zones_of(store, (n.session_id for n in notifications)),
        "feed_url": await feed_url_for(store, request.app[SETTINGS], me),
    }
    return aiohttp_jinja2.render_template("console/index.html", request, context)


async def new_feed_url(request: web.Request) -> web.Response:
    """POST /console/feed: a new secret URL for my calendar feed; the old one stops working."""
    account = await require_account(request)
    await rotate_feed_url(request.app[STORE], request.app[SETTINGS], account_key(account))
    await flash(request, "Your calendar feed has a new address; the old one no longer works.")
    raise web.HTTPSeeOther("/console#feed")


async def notification_count(request: web.Request) -> dict[str, Any]:
    """``notification_count`` for every page: the signed-in account's, else 0.

    Runs after server.auth's page context, which has looked the account up already.
    """
    account = request.get(ACCOUNT)
    if account is None:
        return {"notification_count": 0}
    return {
        "notification_count": await request.app[STORE].notifications.count(account_key(account))
    }


async def new_event_page(request: web.Request) -> web.Response:
    await require_account(request)
    context = {"form": forms.new_event_form(), "error": None}
    return aiohttp_jinja2.render_template("console/event_new.html", request, context)


async def create_event(request: web.Request) -> web.Response:
    account = await require_account(request)
    form = await forms.read_form(request)
    try:
        event = await agenda.create_event(
            request.app[STORE],
            org_id=account.org_id,
            organizer=account.account_id,
            fields=forms.event_fields(form),
            now=datetime.now(UTC),
        )
    except DomainError as error:
        return refused(request, "console/event_new.html", {"form": form}, error)
    await flash(request, "The event was created.")
    raise web.HTTPSeeOther(f"/console/events/{event.event_id}")


async def event_context(
    request: web.Request,
    event: Event,
    *,
    event_form: forms.Form | None = None,
    session_form: forms.Form | None = None,
) -> dict[str, Any]:
    """What console/event.html shows: the event's form, its agenda, the new-session form."""
    return {
        "event": event,
        "form": event_form or forms.event_form_of(event),
        "session_form": session_form or forms.new_session_form(event),
        "sessions": await request.app[STORE].agenda.agenda_of(event.event_id),
        "error": None,
        "session_error": None,
    }


async def event_console(request: web.Request) -> web.Response:
    account = await require_account(request)
    event = await own_event(request, account)
    context = await event_context(request, event)
    return aiohttp_jinja2.render_template("console/event.html", request, context)


async def update_event(request: web.Request) -> web.Response:
    account = await require_account(request)
    event = await own_event(request, account)
    form = await forms.read_form(request)
    try:
        await agenda.update_event(
            request.app[STORE], event=event, fields=forms.event_fields(form), now=datetime.now(UTC)
        )
    except DomainError as error:
        context = await event_context(request, event, event_form=form)
        return refused(request, "console/event.html", context, error)
    await flash(request, "The event was saved.")
    raise web.HTTPSeeOther(f"/console/events/{event.event_id}")


async def add_session(request: web.Request) -> web.Response:
    account = await require_account(request)
    event = await own_event(request, account)
    form = await forms.read_form(request)
    try:
        session = await agenda.create_session(
            request.app[STORE],
            event=event,
            fields=forms.session_fields(form, with_kind=True),
            now=datetime.now(UTC),
        )
    except DomainError as error:
        context = await event_context(request, event, session_form=form)
        return refused(request, "console/event.html", context, error, slot="session_error")
    await flash(request, "The session was added to the agenda.")
    raise web.HTTPSeeOther(f"/console/events/{event.event_id}#session-{session.session_id}")


def setup_console_pages(app: web.Application) -> None:
    add_context(app, notification_count)
    app.router.add_get("/console", console_home, name="console")
    app.router.add_post("/console/feed", new_feed_url, name="console_feed")
    app.router.add_get("/console/events/new", new_event_page, name="console_new_event")
    app.router.add_post("/console/events/new", create_event)
    app.router.add_get("/console/events/{event_id}", event_console, name="console_event")
    app.router.add_post("/console/events/{event_id}", update_event)
    app.router.add_post("/console/events/{event_id}/sessions", add_session)
