"""The console's expert pool (专家库): search and filter, add, edit, delete, CSV import and
export. Staff only, scoped to the account's organization. Forms post and, on success,
redirect (303); a refused form is shown again with its message and its input.

In the form, conflicts are three lists, one item a line: other experts (by email or expert
id), organizations and projects. They become the typed conflicts of rooms.experts.
"""

import re
from datetime import UTC, datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiDictProxy

from rooms import disciplines
from rooms import experts as pool
from rooms.errors import Conflict, DomainError
from rooms.expert_csv import MAX_CSV_BYTES, CsvError
from rooms.experts import Expert
from server.appkeys import STORE
from server.auth import require_account
from server.errors import user_message
from server.flash import flash
from server.store import Store

LIST_LIMIT = 200  # experts shown on one page; the search narrows the rest
MAX_INPUT = 20_000
_LINES = re.compile(r"[\r\n;；]+")
Posted = MultiDictProxy[str | bytes | web.FileField]


def _text(posted: Posted, name: str) -> str:
    value = posted.get(name, "")
    return value[:MAX_INPUT] if isinstance(value, str) else ""


def _lines(text: str) -> list[str]:
    return [line.strip() for line in _LINES.split(text) if line.strip()]


def form_of(expert: Expert, emails: dict[str, str]) -> dict[str, Any]:
    """What the form shows for an expert; emails: expert_id -> email of conflicting ones."""
    by_type: dict[str, list[str]] = {kind: [] for kind in pool.CONFLICT_TYPES}
    for conflict in expert.conflicts:
        kind, _, value = conflict.partition(":")
        by_type[kind].append(emails.get(value, value) if kind == "expert" else value)
    return {
        "name": expert.name,
        "title": expert.title,
        "affiliation": expert.affiliation,
        "disciplines": list(expert.disciplines),
        "tags": "; ".join(expert.tags),
        "email": expert.email,
        "conflict_experts": "\n".join(by_type["expert"]),
        "conflict_orgs": "\n".join(by_type["org"]),
        "conflict_projects": "\n".join(by_type["project"]),
    }


def posted_form(posted: Posted) -> dict[str, Any]:
    form: dict[str, Any] = {name: _text(posted, name) for name in _FORM_TEXTS}
    form["disciplines"] = [v for v in posted.getall("disciplines", []) if isinstance(v, str)]
    return form


_FORM_TEXTS = (
    "name", "title", "affiliation", "tags", "email",
    "conflict_experts", "conflict_orgs", "conflict_projects",
)  # fmt: skip


async def _expert_id(store: Store, org_id: str, text: str) -> str:
    if "@" not in text:
        return text
    expert = await store.experts.by_email(org_id, text)
    if expert is None:
        raise DomainError(
            "No expert with the email {email} is in the pool.", code="unknown_expert", email=text
        )
    return expert.expert_id


async def fields_of_form(store: Store, org_id: str, form: dict[str, Any]) -> dict[str, object]:
    """The expert fields a form gives (conflicting experts looked up by email)."""
    experts = [await _expert_id(store, org_id, t) for t in _lines(form["conflict_experts"])]
    conflicts = [f"expert:{expert_id}" for expert_id in experts]
    conflicts += [f"org:{name}" for name in _lines(form["conflict_orgs"])]
    conflicts += [f"project:{name}" for name in _lines(form["conflict_projects"])]
    fields = {name: form[name] for name in ("name", "title", "affiliation", "tags", "email")}
    return fields | {"disciplines": form["disciplines"], "conflicts": conflicts}


def _page(
    request: web.Request, template: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    return aiohttp_jinja2.render_template(f"experts/{template}", request, context, status=status)


def _refused(request: web.Request, context: dict[str, Any], error: DomainError) -> web.Response:
    status = 409 if isinstance(error, Conflict) else 400
    return _page(request, "form.html", context | {"error": user_message(request, error)}, status)


def _filters(request: web.Request) -> dict[str, str]:
    query = request.query
    discipline = query.get("discipline", "").strip()
    return {
        "q": query.get("q", "").strip()[:200],
        "discipline": discipline if discipline in {d.code for d in disciplines.DISCIPLINES} else "",
        "affiliation": query.get("affiliation", "").strip()[:200],
    }


def _imported(request: web.Request) -> dict[str, int]:
    """The counts of the import that redirected here, if any."""
    counts = {k: request.query.get(k, "") for k in ("created", "updated")}
    if not all(v.isdigit() and len(v) < 7 for v in counts.values()):
        return {}
    return {k: int(v) for k, v in counts.items()}


async def list_page(request: web.Request) -> web.Response:
    account = await require_account(request)
    store, filters = request.app[STORE], _filters(request)
    found = await store.experts.search(
        account.org_id,
        text=filters["q"],
        discipline=filters["discipline"],
        affiliation=filters["affiliation"],
    )
    context = {
        "experts": found[:LIST_LIMIT],
        "found": len(found),
        "total": await store.experts.count(account.org_id),
        "filters": filters,
        "affiliations": await store.experts.affiliations(account.org_id),
        "imported": _imported(request),
    }
    return _page(request, "index.html", context)


async def new_page(request: web.Request) -> web.Response:
    await require_account(request)
    form = {name: "" for name in _FORM_TEXTS} | {"disciplines": []}
    return _page(request, "form.html", {"form": form, "expert": None, "error": ""})


async def create(request: web.Request) -> web.Response:
    account = await require_account(request)
    store, form = request.app[STORE], posted_form(await request.post())
    try:
        fields = await fields_of_form(store, account.org_id, form)
        await store.experts.create(org_id=account.org_id, fields=fields, now=datetime.now(UTC))
    except DomainError as error:
        return _refused(request, {"form": form, "expert": None}, error)
    await flash(request, "The expert was added to the pool.")
    raise web.HTTPSeeOther("/console/experts")


async def _conflict_emails(store: Store, expert: Expert) -> dict[str, str]:
    ids = [c.partition(":")[2] for c in expert.conflicts if c.startswith("expert:")]
    return {other.expert_id: other.email for other in await store.experts.many(ids)}


async def edit_page(request: web.Request) -> web.Response:
    account = await require_account(request)
    store = request.app[STORE]
    expert = await store.experts.of_org(account.org_id, request.match_info["expert_id"])
    form = form_of(expert, await _conflict_emails(store, expert))
    return _page(request, "form.html", {"form": form, "expert": expert, "error": ""})


async def update(request: web.Request) -> web.Response:
    account = await require_account(request)
    store, form = request.app[STORE], posted_form(await request.post())
    expert = await store.experts.of_org(account.org_id, request.match_info["expert_id"])
    try:
        fields = await fields_of_form(store, account.org_id, form)
        await store.experts.update(
            account.org_id, expert.expert_id, fields=fields, now=datetime.now(UTC)
        )
    except DomainError as error:
        return _refused(request, {"form": form, "expert": expert}, error)
    await flash(request, "The expert's profile was saved.")
    raise web.HTTPSeeOther("/console/experts")


async def delete(request: web.Request) -> web.Response:
    account = await require_account(request)
    if _text(await request.post(), "confirm") != "yes":
        raise DomainError("Tick the box to confirm the deletion.", code="not_confirmed")
    await request.app[STORE].experts.delete(account.org_id, request.match_info["expert_id"])
    await flash(request, "The expert was removed from the pool.")
    raise web.HTTPSeeOther("/console/experts")


def _import_page(request: web.Request, **context: Any) -> web.Response:
    status = 400 if context.get("error") else 200
    limit = min(MAX_CSV_BYTES, request.client_max_size) // 1024
    return _page(
        request, "import.html", {"error": "", "rows": [], "limit_kib": limit} | context, status
    )


async def import_page(request: web.Request) -> web.Response:
    await require_account(request)
    return _import_page(request)


def _uploaded(posted: Posted) -> bytes:
    upload = posted.get("file")
    if not isinstance(upload, web.FileField):
        raise DomainError("Choose a CSV file to import.", code="no_file")
    data = upload.file.read(MAX_CSV_BYTES + 1)
    assert isinstance(data, bytes)
    return data


async def import_upload(request: web.Request) -> web.Response:
    account = await require_account(request)
    try:
        data = _uploaded(await request.post())
        summary = await request.app[STORE].experts.import_csv(
            account.org_id, data, now=datetime.now(UTC)
        )
    except CsvError as error:
        rows = [(row.line, user_message(request, row.error, columns=True)) for row in error.rows]
        return _import_page(request, error=user_message(request, error), rows=rows)
    except DomainError as error:
        return _import_page(request, error=user_message(request, error))
    raise web.HTTPSeeOther(f"/console/experts?created={summary.created}&updated={summary.updated}")


def discipline_groups() -> list[tuple[disciplines.Discipline, list[disciplines.Discipline]]]:
    """The disciplines under their 学科门类, in code order."""
    return [
        (group, [d for d in disciplines.DISCIPLINES if d.group == code])
        for code, group in disciplines.GROUPS.items()
        if any(d.group == code for d in disciplines.DISCIPLINES)
    ]


def discipline_label(code: str, lang: str) -> str:
    """A discipline's name in the language; the code itself if it is no longer listed."""
    try:
        return disciplines.discipline(code).label(lang)
    except DomainError:
        return code


def setup_expert_pages(app: web.Application) -> None:
    aiohttp_jinja2.get_env(app).globals.update(
        discipline_groups=discipline_groups(), discipline_label=discipline_label
    )
    app.router.add_get("/console/experts", list_page)
    app.router.add_get("/console/experts/new", new_page)
    app.router.add_post("/console/experts/new", create)
    app.router.add_get("/console/experts/import", import_page)
    app.router.add_post("/console/experts/import", import_upload)
    app.router.add_get("/console/experts/{expert_id}", edit_page)
    app.router.add_post("/console/experts/{expert_id}", update)
    app.router.add_post("/console/experts/{expert_id}/delete", delete)
