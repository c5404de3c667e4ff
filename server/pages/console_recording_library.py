"""The console's recordings library and the organization's settings.

- ``/console/events/{event_id}/recordings`` (``?session=<id>``: one session's): the event's
  recordings, newest first, with their status, a player link, and the staff's forms:
  rename, publish or unpublish as a public replay, delete. Each form posts and redirects
  (303) back with a flash message; a refused one shows the page again with its message.
- ``/console/organization``: the organization's settings: how many days it keeps its
  recordings (its administrators change it) and the log of deleted recordings.

For the staff of the event's organization; another organization's event or recording is
not found.
"""

from datetime import UTC, datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from recordings.library import RETENTION_DAYS_MAX
from rooms.accounts import Account
from rooms.agenda import Event
from rooms.errors import DomainError
from server import agenda, recording_library
from server.appkeys import SETTINGS, STORE
from server.auth import require_account
from server.flash import flash
from server.pages import forms
from server.pages.console import own_event, refused
from server.recording_library import Listed

LIBRARY = "recordings/console.html"
ORGANIZATION = "recordings/organization.html"
DAYS_TEMPLATE = "Keep recordings for a whole number of days: {text} is not one."


def library_url(event_id: str, session_id: str | None = None) -> str:
    url = f"/console/events/{event_id}/recordings"
    return f"{url}?session={session_id}" if session_id else url


async def _library(request: web.Request, event: Event, *, session_id: str | None) -> dict[str, Any]:
    store = request.app[STORE]
    sessions = await store.agenda.agenda_of(event.event_id)
    chosen = next((s for s in sessions if s.session_id == session_id), None)
    items = await recording_library.of_event(
        store, event, session_id=chosen.session_id if chosen else None
    )
    return {"event": event, "session": chosen, "items": items, "error": None}


async def library_page(request: web.Request) -> web.Response:
    account = await require_account(request)
    event = await own_event(request, account)
    context = await _library(request, event, session_id=request.query.get("session"))
    return aiohttp_jinja2.render_template(LIBRARY, request, context)


async def _target(request: web.Request, account: Account) -> tuple[Listed, str | None]:
    """The recording a library form is for, and the session whose page sent it (None: the
    event's page)."""
    item = await recording_library.own_recording(
        request.app[STORE], request.match_info["recording_id"], org_id=account.org_id
    )
    form = await forms.read_form(request)
    sent_from = item.session.session_id if form["session"] == item.session.session_id else None
    return item, sent_from


def _back(item: Listed, sent_from: str | None) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(library_url(item.session.event_id, sent_from))


async def _refused(
    request: web.Request, item: Listed, sent_from: str | None, error: DomainError
) -> web.Response:
    event = await agenda.load_event(request.app[STORE], item.session.event_id)
    context = await _library(request, event, session_id=sent_from)
    return refused(request, LIBRARY, context, error)


async def rename(request: web.Request) -> web.Response:
    """POST /console/recordings/{recording_id}/title"""
    account = await require_account(request)
    item, sent_from = await _target(request, account)
    form = await forms.read_form(request)
    try:
        await recording_library.edit(
            request.app[STORE], item.recording.recording_id, org_id=account.org_id,
            now=datetime.now(UTC), title=form["title"],
        )  # fmt: skip
    except DomainError as error:
        return await _refused(request, item, sent_from, error)
    await flash(request, "The recording was renamed.")
    raise _back(item, sent_from)


async def publish(request: web.Request) -> web.Response:
    """POST /console/recordings/{recording_id}/publish: ``public`` 1 or 0."""
    account = await require_account(request)
    item, sent_from = await _target(request, account)
    public = forms.checked(await forms.read_form(request), "public")
    try:
        await recording_library.edit(
            request.app[STORE], item.recording.recording_id, org_id=account.org_id,
            now=datetime.now(UTC), public=public,
        )  # fmt: skip
    except DomainError as error:
        return await _refused(request, item, sent_from, error)
    if public:
        await flash(request, "The recording is a public replay now.")
    else:
        await flash(request, "The recording is no longer public.")
    raise _back(item, sent_from)


async def delete(request: web.Request) -> web.Response:
    """POST /console/recordings/{recording_id}/delete"""
    account = await require_account(request)
    item, sent_from = await _target(request, account)
    app = request.app
    try:
        await recording_library.delete(
            app[STORE], app[SETTINGS].data_dir, item.recording.recording_id, account=account,
            now=datetime.now(UTC),
        )  # fmt: skip
    except DomainError as error:
        return await _refused(request, item, sent_from, error)
    await flash(request, "The recording and its files were deleted.")
    raise _back(item, sent_from)


# the organization's settings


async def _organization(request: web.Request, account: Account) -> dict[str, Any]:
    store = request.app[STORE]
    days = await store.recording_library.retention(account.org_id)
    return {
        "organization": await store.accounts.get_org(account.org_id),
        "form": forms.Form(days=str(days or "")),
        "days_max": RETENTION_DAYS_MAX,
        "deletions": await store.recording_library.deletions(account.org_id),
        "error": None,
    }


async def organization_page(request: web.Request) -> web.Response:
    account = await require_account(request)
    context = await _organization(request, account)
    return aiohttp_jinja2.render_template(ORGANIZATION, request, context)


async def set_retention(request: web.Request) -> web.Response:
    """POST /console/organization/retention: ``days``, empty to keep recordings."""
    account = await require_account(request)
    form = await forms.read_form(request)
    try:
        days = forms.whole_number(form, "days", DAYS_TEMPLATE) if form["days"].strip() else None
        await recording_library.set_retention(request.app[STORE], account=account, days=days)
    except DomainError as error:
        context = await _organization(request, account) | {"form": form}
        return refused(request, ORGANIZATION, context, error)
    await flash(request, "The organization's settings were saved.")
    raise web.HTTPSeeOther("/console/organization")


def setup_recording_library_console(app: web.Application) -> None:
    app.router.add_get(
        "/console/events/{event_id}/recordings", library_page, name="console_recording_library"
    )
    one = "/console/recordings/{recording_id}"
    app.router.add_post(f"{one}/title", rename)
    app.router.add_post(f"{one}/publish", publish)
    app.router.add_post(f"{one}/delete", delete)
    app.router.add_get("/console/organization", organization_page, name="console_organization")
    app.router.add_post("/console/organization/retention", set_retention)
