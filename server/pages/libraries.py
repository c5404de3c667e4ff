"""The demand library (需求库) and the achievement library (成果库) in the console: search and
filter, add, edit, delete, a demand's status, CSV import and export, and each entry's
matches with their reasons. Staff only, scoped to the account's organization; forms post
and redirect (303), a refused form is shown again with its message and its input.

The public pages (/demands, /achievements) are ``server.pages.library_public``; both read
the list's filters and the labels from here.
"""

from datetime import UTC, datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from rooms import listings as lib
from rooms.disciplines import DISCIPLINES, GROUPS
from rooms.errors import DomainError
from rooms.expert_csv import MAX_CSV_BYTES, CsvError
from rooms.listings import Achievement, Demand, Filters, Listing
from server import libraries
from server.appkeys import STORE
from server.auth import require_account
from server.errors import user_message
from server.flash import flash
from server.pages.experts import _uploaded
from server.pages.forms import Form, read_form

LIST_LIMIT = 100
STATUS_LABELS = {"open": "Open", "matched": "Matched", "closed": "Closed"}
TRANSFER_LABELS = {"license": "License", "transfer": "Transfer", "joint": "Joint development"}
LIBRARY_TITLES = {"demand": "Demand library", "achievement": "Achievement library"}
_TEXTS = {
    "demand": ("title", "enterprise", "description", "industry", "budget_min", "budget_max",
               "deadline", "contact", "contact_shared"),
    "achievement": ("title", "holder", "description", "trl", "patents", "contact"),
}  # fmt: skip
_CODES = {d.code for d in DISCIPLINES}


def page(
    request: web.Request, template: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    return aiohttp_jinja2.render_template(f"libraries/{template}", request, context, status=status)


def list_filters(request: web.Request, kind: str) -> tuple[Filters, dict[str, str]]:
    """The list's filters from the query (unknown values left off), and their text."""
    query = request.query
    text = {
        name: query.get(name, "").strip()[:100]
        for name in ("discipline", "industry", "status", "trl_min", "transfer_mode")
    }
    trl = text["trl_min"]
    filters = Filters(
        discipline=text["discipline"] if text["discipline"] in _CODES else "",
        industry=text["industry"] if kind == "demand" else "",
        status=text["status"] if kind == "demand" and text["status"] in STATUS_LABELS else "",
        trl_min=int(trl) if kind == "achievement" and trl in tuple("123456789") else 0,
        transfer_mode=text["transfer_mode"] if text["transfer_mode"] in TRANSFER_LABELS else "",
    )
    return filters, text


async def searched(request: web.Request, kind: str, org_id: str | None) -> dict[str, Any]:
    """The list page's context: the entries found (by relevance when ?q= is given), or a
    translated error for an empty search, with every entry passing the filters."""
    filters, text = list_filters(request, kind)
    query = request.query.get("q")
    store, error = request.app[STORE], ""
    try:
        found = await libraries.search(store, kind, org_id=org_id, query=query, filters=filters)
    except DomainError as refused:
        error = user_message(request, refused)
        found = await libraries.search(store, kind, org_id=org_id, query=None, filters=filters)
    return {
        "kind": kind,
        "found": found[:LIST_LIMIT],
        "more": max(len(found) - LIST_LIMIT, 0),
        "q": (query or "")[:200],
        "filters": text,
        "error": error,
    }


# console


def _blank(kind: str) -> Form:
    return Form(trl="4") if kind == "achievement" else Form()


def form_of(listing: Listing) -> dict[str, Any]:
    """What the form shows of an entry."""
    form: dict[str, Any] = {}
    for name, value in lib.fields_of(listing).items():
        if isinstance(value, bool):
            form[name] = "yes" if value else ""
        elif isinstance(value, tuple):
            form[name] = (
                [str(v) for v in value]
                if name in ("disciplines", "transfer_modes")
                else "\n".join(value)
            )
        else:
            form[name] = "" if value is None else str(value)
    return form


async def posted(request: web.Request, kind: str) -> tuple[dict[str, Any], dict[str, object]]:
    """The posted form as typed, and the fields it gives."""
    raw = await request.post()
    typed: dict[str, Any] = Form(await read_form(request))
    typed["disciplines"] = [v for v in raw.getall("disciplines", []) if isinstance(v, str)]
    fields: dict[str, object] = {name: typed[name] for name in _TEXTS[kind]}
    fields |= {"disciplines": typed["disciplines"]}
    fields |= {flag: typed[flag] == "yes" for flag in ("public", "contact_public")}
    if kind == "achievement":
        typed["transfer_modes"] = [
            v for v in raw.getall("transfer_modes", []) if isinstance(v, str)
        ]
        fields["transfer_modes"] = typed["transfer_modes"]
    return typed, fields


async def console_list(request: web.Request) -> web.Response:
    account = await require_account(request)
    kind = request.match_info["kind"]
    context = await searched(request, kind, account.org_id)
    context |= {"total": await libraries.library(request.app[STORE], kind).count(account.org_id)}
    context |= {"imported": _imported(request)}
    return page(request, "console_list.html", context, 400 if context["error"] else 200)


def _imported(request: web.Request) -> dict[str, int]:
    counts = {k: request.query.get(k, "") for k in ("created", "updated")}
    if not all(v.isdigit() and len(v) < 7 for v in counts.values()):
        return {}
    return {k: int(v) for k, v in counts.items()}


def _form_page(
    request: web.Request,
    kind: str,
    form: Any,
    listing: Listing | None,
    error: str = "",
    status: int = 200,
) -> web.Response:
    card = lib.pitch_card(listing) if isinstance(listing, Achievement) else None
    context = {"kind": kind, "form": form, "listing": listing, "error": error, "card": card}
    return page(request, f"{kind}_form.html", context, status)


async def new_page(request: web.Request) -> web.Response:
    await require_account(request)
    kind = request.match_info["kind"]
    return _form_page(request, kind, _blank(kind), None)


async def create(request: web.Request) -> web.Response:
    account = await require_account(request)
    kind = request.match_info["kind"]
    typed, fields = await posted(request, kind)
    try:
        made = await libraries.create(
            request.app[STORE], kind, org_id=account.org_id, fields=fields, now=datetime.now(UTC)
        )
    except DomainError as error:
        return _form_page(request, kind, typed, None, user_message(request, error), 400)
    await flash(request, "The entry was added to the library.")
    raise web.HTTPSeeOther(f"/console/{kind}s/{lib.listing_id(made)}")


async def _own(request: web.Request) -> tuple[str, str, Listing]:
    account = await require_account(request)
    kind = request.match_info["kind"]
    shelf = libraries.library(request.app[STORE], kind)
    return (
        kind,
        account.org_id,
        await shelf.of_org(account.org_id, request.match_info["listing_id"]),
    )


async def edit_page(request: web.Request) -> web.Response:
    kind, _, listing = await _own(request)
    return _form_page(request, kind, form_of(listing), listing)


async def update(request: web.Request) -> web.Response:
    kind, org_id, listing = await _own(request)
    typed, fields = await posted(request, kind)
    try:
        await libraries.update(
            request.app[STORE],
            kind,
            org_id,
            lib.listing_id(listing),
            fields=fields,
            now=datetime.now(UTC),
        )
    except DomainError as error:
        return _form_page(request, kind, typed, listing, user_message(request, error), 400)
    raise web.HTTPSeeOther(f"/console/{kind}s/{lib.listing_id(listing)}?saved=1")


async def delete(request: web.Request) -> web.Response:
    kind, org_id, listing = await _own(request)
    if (await read_form(request))["confirm"] != "yes":
        raise DomainError("Tick the box to confirm the deletion.", code="not_confirmed")
    await libraries.library(request.app[STORE], kind).delete(org_id, lib.listing_id(listing))
    await flash(request, "The entry was deleted from the library.")
    raise web.HTTPSeeOther(f"/console/{kind}s")


async def change_status(request: web.Request) -> web.Response:
    kind, org_id, listing = await _own(request)
    assert isinstance(listing, Demand) and kind == "demand"
    status = (await read_form(request))["status"]
    await libraries.set_status(
        request.app[STORE], org_id, listing.demand_id, status, now=datetime.now(UTC)
    )
    raise web.HTTPSeeOther(f"/console/demands/{listing.demand_id}")


async def matches_page(request: web.Request) -> web.Response:
    kind, org_id, listing = await _own(request)
    found = await libraries.matches_of(request.app[STORE], kind, org_id, lib.listing_id(listing))
    context = {"kind": kind, "listing": listing, "matches": found}
    return page(request, "matches.html", context)


def _import_page(request: web.Request, kind: str, **context: Any) -> web.Response:
    status = 400 if context.get("error") else 200
    limit = min(MAX_CSV_BYTES, request.client_max_size) // 1024
    context = {"kind": kind, "error": "", "rows": [], "limit_kib": limit} | context
    return page(request, "import.html", context, status)


async def import_page(request: web.Request) -> web.Response:
    await require_account(request)
    return _import_page(request, request.match_info["kind"])


async def import_upload(request: web.Request) -> web.Response:
    account = await require_account(request)
    kind = request.match_info["kind"]
    try:
        data = _uploaded(await request.post())
        summary = await libraries.import_csv(
            request.app[STORE], kind, account.org_id, data, now=datetime.now(UTC)
        )
    except CsvError as error:
        rows = [(row.line, user_message(request, row.error, columns=True)) for row in error.rows]
        return _import_page(request, kind, error=user_message(request, error), rows=rows)
    except DomainError as error:
        return _import_page(request, kind, error=user_message(request, error))
    raise web.HTTPSeeOther(f"/console/{kind}s?created={summary.created}&updated={summary.updated}")


def setup_library_pages(app: web.Application) -> None:
    aiohttp_jinja2.get_env(app).globals.update(
        status_labels=STATUS_LABELS,
        discipline_groups_by_code=GROUPS,
        transfer_labels=TRANSFER_LABELS,
        library_titles=LIBRARY_TITLES,
        next_statuses={s.value: [n.value for n in lib.NEXT_STATUS[s]] for s in lib.DemandStatus},
    )
    kinds = "{kind:demand|achievement}"
    app.router.add_get(f"/console/{kinds}s", console_list)
    app.router.add_get(f"/console/{kinds}s/new", new_page)
    app.router.add_post(f"/console/{kinds}s/new", create)
    app.router.add_get(f"/console/{kinds}s/import", import_page)
    app.router.add_post(f"/console/{kinds}s/import", import_upload)
    app.router.add_get(f"/console/{kinds}s/{{listing_id}}", edit_page)
    app.router.add_post(f"/console/{kinds}s/{{listing_id}}", update)
    app.router.add_post(f"/console/{kinds}s/{{listing_id}}/delete", delete)
    app.router.add_get(f"/console/{kinds}s/{{listing_id}}/matches", matches_page)
    app.router.add_post("/console/{kind:demand}s/{listing_id}/status", change_status)
