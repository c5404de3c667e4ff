"""The console's investor directory (投资人库), beside the expert pool: search and filter,
add, edit, delete, and invite someone to a session as an expert is invited (roster entry
and personal invite). Staff only, scoped to the account's organization."""

from datetime import UTC, datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from rooms.errors import Conflict, DomainError
from rooms.investors import Investor, InvestorFilters
from rooms.roles import Role
from server.appkeys import SETTINGS, STORE
from server.auth import require_account
from server.errors import user_message
from server.flash import flash
from server.investors import invite_investor, upcoming_sessions
from server.pages.forms import Form, read_form

STAGE_LABELS = {"seed": "Seed", "angel": "Angel", "series_a": "Series A",
                "series_b": "Series B", "growth": "Growth and later"}  # fmt: skip
INVESTOR_KIND_LABELS = {"investor": "Investor", "enterprise": "Enterprise"}
INVITE_ROLES = (Role.ATTENDEE, Role.OBSERVER, Role.REVIEWER)
_TEXTS = ("name", "kind", "organization", "title", "email", "industries", "notes")


def _page(
    request: web.Request, template: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    return aiohttp_jinja2.render_template(f"investors/{template}", request, context, status=status)


def _filters(request: web.Request) -> InvestorFilters:
    query = request.query
    stage, kind = query.get("stage", ""), query.get("kind", "")
    return InvestorFilters(
        text=query.get("q", "").strip()[:200],
        discipline=query.get("discipline", "").strip()[:10],
        industry=query.get("industry", "").strip()[:100],
        stage=stage if stage in STAGE_LABELS else "",
        kind=kind if kind in INVESTOR_KIND_LABELS else "",
    )


async def list_page(request: web.Request) -> web.Response:
    account = await require_account(request)
    filters = _filters(request)
    store = request.app[STORE]
    context = {
        "investors": await store.investors.search(account.org_id, filters),
        "total": len(await store.investors.search(account.org_id)),
        "filters": filters,
    }
    return _page(request, "index.html", context)


def form_of(investor: Investor) -> dict[str, Any]:
    plain = {name: getattr(investor, name) for name in ("name", "organization", "title", "email")}
    return plain | {
        "kind": investor.kind.value,
        "industries": "; ".join(investor.industries),
        "notes": investor.notes,
        "disciplines": list(investor.disciplines),
        "stages": [s.value for s in investor.stages],
    }


async def _posted(request: web.Request) -> tuple[dict[str, Any], dict[str, object]]:
    raw = await request.post()
    typed: dict[str, Any] = Form(await read_form(request))
    for name in ("disciplines", "stages"):
        typed[name] = [v for v in raw.getall(name, []) if isinstance(v, str)]
    fields: dict[str, object] = {name: typed[name] for name in _TEXTS}
    return typed, fields | {"disciplines": typed["disciplines"], "stages": typed["stages"]}


async def _form_page(
    request: web.Request, form: Any, investor: Investor | None, error: str = "", status: int = 200
) -> web.Response:
    sessions = []
    if investor is not None:
        sessions = await upcoming_sessions(
            request.app[STORE], investor.org_id, now=datetime.now(UTC)
        )
    context = {"form": form, "investor": investor, "error": error}
    context |= {"sessions": sessions, "invite_roles": INVITE_ROLES}
    return _page(request, "form.html", context, status)


async def new_page(request: web.Request) -> web.Response:
    await require_account(request)
    return await _form_page(request, Form(kind="investor"), None)


async def create(request: web.Request) -> web.Response:
    account = await require_account(request)
    typed, fields = await _posted(request)
    try:
        made = await request.app[STORE].investors.create(
            org_id=account.org_id, fields=fields, now=datetime.now(UTC)
        )
    except DomainError as error:
        status = 409 if isinstance(error, Conflict) else 400
        return await _form_page(request, typed, None, user_message(request, error), status)
    await flash(request, "The investor was added.")
    raise web.HTTPSeeOther(f"/console/investors/{made.investor_id}")


async def _own(request: web.Request) -> tuple[str, Investor]:
    account = await require_account(request)
    investor = await request.app[STORE].investors.of_org(
        account.org_id, request.match_info["investor_id"]
    )
    return account.account_id, investor


async def edit_page(request: web.Request) -> web.Response:
    _, investor = await _own(request)
    return await _form_page(request, form_of(investor), investor)


async def update(request: web.Request) -> web.Response:
    _, investor = await _own(request)
    typed, fields = await _posted(request)
    try:
        await request.app[STORE].investors.update(
            investor.org_id, investor.investor_id, fields=fields, now=datetime.now(UTC)
        )
    except DomainError as error:
        status = 409 if isinstance(error, Conflict) else 400
        return await _form_page(request, typed, investor, user_message(request, error), status)
    await flash(request, "The investor was saved.")
    raise web.HTTPSeeOther(f"/console/investors/{investor.investor_id}")


async def delete(request: web.Request) -> web.Response:
    _, investor = await _own(request)
    if (await read_form(request))["confirm"] != "yes":
        raise DomainError("Tick the box to confirm the deletion.", code="not_confirmed")
    await request.app[STORE].investors.delete(investor.org_id, investor.investor_id)
    await flash(request, "The investor was deleted.")
    raise web.HTTPSeeOther("/console/investors")


async def invite(request: web.Request) -> web.Response:
    account_id, investor = await _own(request)
    form = await read_form(request)
    try:
        role = (
            Role(form["role"]) if form["role"] in {r.value for r in INVITE_ROLES} else Role.ATTENDEE
        )
        invited = await invite_investor(
            request.app[STORE], request.app[SETTINGS], org_id=investor.org_id,
            investor_id=investor.investor_id, session_id=form["session_id"], role=role,
            by=account_id, now=datetime.now(UTC),
        )  # fmt: skip
    except DomainError as error:
        status = 409 if isinstance(error, Conflict) else 400
        return await _form_page(
            request, form_of(investor), investor, user_message(request, error), status
        )
    session = invited.session.session_id
    await flash(request, "The invite was created: its link is below.")
    raise web.HTTPSeeOther(
        f"/console/sessions/{session}?invite={invited.invite.invite_id}#invite-{invited.invite.invite_id}"
    )


def setup_investor_pages(app: web.Application) -> None:
    aiohttp_jinja2.get_env(app).globals.update(
        stage_labels=STAGE_LABELS, investor_kind_labels=INVESTOR_KIND_LABELS
    )
    app.router.add_get("/console/investors", list_page)
    app.router.add_get("/console/investors/new", new_page)
    app.router.add_post("/console/investors/new", create)
    app.router.add_get("/console/investors/{investor_id}", edit_page)
    app.router.add_post("/console/investors/{investor_id}", update)
    app.router.add_post("/console/investors/{investor_id}/delete", delete)
    app.router.add_post("/console/investors/{investor_id}/invite", invite)
