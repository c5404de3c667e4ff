"""/api/investors: the organization's investor directory (投资人库), and inviting someone
from it to a session (roster entry and personal invite, as for an expert). Staff only;
another organization's investor is "not found"."""

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from rooms import investors as directory
from rooms.disciplines import discipline_code
from rooms.investors import Investor, InvestorFilters, InvestorKind, Stage
from rooms.roles import Role
from server.api.experts import query_param
from server.api.routes import ApiRoutes, json_response, read_body
from server.api.schema import Body, Str, StrList, response_schema
from server.api.views import listed, utc_text
from server.appkeys import SETTINGS, STORE
from server.auth import require_account
from server.investors import invite_investor

routes = ApiRoutes()
TAG = "investors"
FIELDS = {
    "name": Str(min_length=1, max_length=directory.MAX_NAME, example="赵敏"),
    "kind": Str(required=False, choices=tuple(InvestorKind), example="investor"),
    "organization": Str(required=False, max_length=directory.MAX_ORGANIZATION, example="示范创投"),
    "title": Str(required=False, max_length=directory.MAX_TITLE, example="合伙人"),
    "email": Str(max_length=directory.MAX_EMAIL, format="email", example="zhao@fund.example.com"),
    "disciplines": StrList(required=False, max_items=10, item_max_length=100, example=["0805"]),
    "industries": StrList(
        required=False,
        max_items=directory.MAX_INDUSTRIES,
        item_max_length=directory.MAX_INDUSTRY,
        example=["新能源"],
    ),
    "stages": StrList(
        required=False,
        max_items=5,
        item_max_length=20,
        item_pattern="|".join(Stage),
        example=["angel", "series_a"],
    ),  # fmt: skip
    "notes": Str(required=False, max_length=directory.MAX_NOTES, example=""),
}
NEW = Body(FIELDS)
CHANGES = Body(FIELDS, partial=True)
INVITE = Body(
    {
        "session_id": Str(min_length=1, max_length=64, example="0123456789abcdef"),
        "role": Str(choices=(Role.ATTENDEE, Role.OBSERVER, Role.REVIEWER), example="attendee"),
    }
)
_TEXT: dict[str, Any] = {"type": "string"}
_TEXTS = {"type": "array", "items": _TEXT}
_INSTANT = {"type": "string", "format": "date-time"}
INVESTOR = response_schema(
    "Investor",
    {
        "investor_id": _TEXT, "name": _TEXT, "kind": {"enum": list(InvestorKind)},
        "organization": _TEXT, "title": _TEXT, "email": {"type": "string", "format": "email"},
        "disciplines": _TEXTS, "industries": _TEXTS,
        "stages": {"type": "array", "items": {"enum": list(Stage)}}, "notes": _TEXT,
        "created_at": _INSTANT, "updated_at": _INSTANT,
    },
)  # fmt: skip
INVITED = response_schema(
    "InvestorInvite", {"session_id": _TEXT, "invite_id": _TEXT, "mailed": _TEXT}
)


def investor_json(investor: Investor) -> dict[str, Any]:
    plain = {name: getattr(investor, name) for name in ("investor_id", "name", "organization",
                                                       "title", "email", "notes")}  # fmt: skip
    return plain | {
        "kind": investor.kind.value,
        "disciplines": list(investor.disciplines),
        "industries": list(investor.industries),
        "stages": [s.value for s in investor.stages],
        "created_at": utc_text(investor.created_at),
        "updated_at": utc_text(investor.updated_at),
    }


@routes.route(
    "GET",
    "/api/investors",
    summary="My organization's investors and enterprises by name; filters: "
    "?q=words&discipline=code&industry=&stage=&kind=",
    tag=TAG,
    returns=listed(INVESTOR),
)
async def list_investors(request: web.Request) -> web.Response:
    account = await require_account(request)
    discipline, stage, kind = (query_param(request, n) for n in ("discipline", "stage", "kind"))
    filters = InvestorFilters(
        text=query_param(request, "q"),
        discipline=discipline_code(discipline) if discipline else "",
        industry=query_param(request, "industry"),
        stage=directory.clean_stages(stage)[0].value if stage else "",
        kind=directory.clean_kind(kind).value if kind else "",
    )
    found = await request.app[STORE].investors.search(account.org_id, filters)
    return json_response([investor_json(i) for i in found])


@routes.route(
    "POST",
    "/api/investors",
    summary="Add an investor or enterprise to the directory",
    tag=TAG,
    body=NEW,
    responses={"201": "Created"},
    returns=INVESTOR,
)
async def create_investor(request: web.Request) -> web.Response:
    account = await require_account(request)
    fields = await read_body(request, NEW)
    made = await request.app[STORE].investors.create(
        org_id=account.org_id, fields=fields, now=datetime.now(UTC)
    )
    return json_response(investor_json(made), status=201)


@routes.route(
    "GET", "/api/investors/{investor_id}", summary="One investor", tag=TAG, returns=INVESTOR
)
async def get_investor(request: web.Request) -> web.Response:
    account = await require_account(request)
    found = await request.app[STORE].investors.of_org(
        account.org_id, request.match_info["investor_id"]
    )
    return json_response(investor_json(found))


@routes.route(
    "PATCH",
    "/api/investors/{investor_id}",
    summary="Change some of an investor's fields",
    tag=TAG,
    body=CHANGES,
    returns=INVESTOR,
)
async def update_investor(request: web.Request) -> web.Response:
    account = await require_account(request)
    fields = await read_body(request, CHANGES)
    changed = await request.app[STORE].investors.update(
        account.org_id, request.match_info["investor_id"], fields=fields, now=datetime.now(UTC)
    )
    return json_response(investor_json(changed))


@routes.route(
    "DELETE",
    "/api/investors/{investor_id}",
    summary="Remove an investor from the directory",
    tag=TAG,
    responses={"204": "Deleted"},
)
async def delete_investor(request: web.Request) -> web.Response:
    account = await require_account(request)
    await request.app[STORE].investors.delete(account.org_id, request.match_info["investor_id"])
    return web.Response(status=204)


@routes.route(
    "POST",
    "/api/investors/{investor_id}/invite",
    summary="Put an investor on a session's roster (a guest by e-mail) and make their "
    "personal invite, e-mailed when e-mail is on",
    tag=TAG,
    body=INVITE,
    responses={"201": "Invited"},
    returns=INVITED,
)
async def invite_to_session(request: web.Request) -> web.Response:
    account = await require_account(request)
    fields = await read_body(request, INVITE)
    invited = await invite_investor(
        request.app[STORE], request.app[SETTINGS], org_id=account.org_id,
        investor_id=request.match_info["investor_id"], session_id=fields["session_id"],
        role=Role(fields["role"]), by=account.account_id, now=datetime.now(UTC),
    )  # fmt: skip
    body = {"session_id": invited.session.session_id, "invite_id": invited.invite.invite_id}
    return json_response(body | {"mailed": invited.mailed}, status=201)
