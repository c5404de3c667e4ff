"""/api/ demands and achievements: the organization's demand library (需求库) and
achievement library (成果库), their search, CSV import and export, matching, and an
achievement's pitch card.

Staff only; everything is scoped to the signed-in account's organization, and another
organization's entry is "not found". ``?q=`` ranks by relevance (BM25, Chinese through
jieba); a blank ``q`` is refused (``empty_search``). An import is all or nothing, as the
expert pool's.
"""

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from rooms import listings as lib
from rooms.disciplines import discipline_code
from rooms.expert_csv import CsvError
from rooms.limits import DESCRIPTION_MAX, TITLE_MAX
from rooms.listings import Demand, Filters, Listing, PitchCard, TransferMode
from rooms.matching import Match
from server import libraries
from server.api.experts import csv_refusal, expert_json, query_param, read_csv
from server.api.routes import ApiRoutes, Handler, json_response, read_body
from server.api.schema import Body, Bool, Int, Str, StrList, response_schema
from server.api.views import listed, utc_text
from server.appkeys import STORE
from server.auth import require_account
from server.errors import ApiError

routes = ApiRoutes()
TAG = "libraries"
DATE = r"\d{4}-\d{2}-\d{2}"
_DISCIPLINES = StrList(
    required=False,
    max_items=10,
    item_max_length=100,
    description="codes (or names) from GET /api/disciplines",
    example=["0805"],
)
_COMMON = {
    "title": Str(min_length=1, max_length=TITLE_MAX, example="退役动力电池回收"),
    "description": Str(min_length=1, max_length=DESCRIPTION_MAX, example="面向新能源汽车…"),
    "disciplines": _DISCIPLINES,
    "contact": Str(required=False, max_length=lib.MAX_CONTACT, example="张经理 138-0000-0000"),
    "contact_public": Bool(required=False, description="show the contact on the public pages"),
    "public": Bool(required=False, description="list the entry on the public pages"),
}
DEMAND_FIELDS = {
    **_COMMON,
    "enterprise": Str(required=False, max_length=lib.MAX_PARTY, example="华东新能源有限公司"),
    "industry": Str(required=False, max_length=lib.MAX_INDUSTRY, example="新能源汽车"),
    "budget_min": Int(required=False, maximum=lib.MAX_BUDGET, description="万元", example=50),
    "budget_max": Int(required=False, maximum=lib.MAX_BUDGET, description="万元", example=200),
    "deadline": Str(required=False, max_length=10, pattern=DATE, example="2027-06-30"),
    "contact_shared": StrList(
        required=False,
        max_items=lib.MAX_SHARED,
        item_max_length=254,
        description="e-mail addresses of the people the enterprise lets see the contact "
        "(signed in) on the public pages",
        example=["buyer@partner.example.com"],
    ),
}
ACHIEVEMENT_FIELDS = {
    **_COMMON,
    "holder": Str(required=False, max_length=lib.MAX_PARTY, example="示范大学"),
    "trl": Int(minimum=lib.TRL_MIN, maximum=lib.TRL_MAX, example=6),
    "patents": StrList(
        required=False, max_items=lib.MAX_PATENTS, item_max_length=lib.MAX_PATENT, example=[]
    ),
    "transfer_modes": StrList(
        max_items=3,
        item_max_length=20,
        item_pattern="|".join(m.value for m in TransferMode),
        example=["license"],
    ),
}
BODIES = {
    "demand": (Body(DEMAND_FIELDS), Body(DEMAND_FIELDS, partial=True)),
    "achievement": (Body(ACHIEVEMENT_FIELDS), Body(ACHIEVEMENT_FIELDS, partial=True)),
}
STATUS_CHANGE = Body({"status": Str(choices=tuple(lib.DemandStatus), example="matched")})

_TEXT: dict[str, Any] = {"type": "string"}
_TEXTS = {"type": "array", "items": _TEXT}
_INSTANT = {"type": "string", "format": "date-time"}
_FLAG = {"type": "boolean"}
_MAYBE_INT = {"type": ["integer", "null"]}
_SCORE = {"type": "number", "description": "relevance to ?q= (0 without a query)"}
_SHARED = {
    "id": _TEXT, "title": _TEXT, "description": _TEXT, "disciplines": _TEXTS,
    "contact": _TEXT, "contact_public": _FLAG, "public": _FLAG,
    "created_at": _INSTANT, "updated_at": _INSTANT,
}  # fmt: skip
DEMAND_PROPERTIES = {
    **_SHARED,
    "enterprise": _TEXT,
    "industry": _TEXT,
    "budget_min": _MAYBE_INT,
    "budget_max": _MAYBE_INT,
    "deadline": {"type": ["string", "null"], "format": "date"},
    "status": {"type": "string", "enum": list(lib.DemandStatus)},
    "contact_shared": _TEXTS,
}
ACHIEVEMENT_PROPERTIES = {
    **_SHARED,
    "holder": _TEXT,
    "trl": {"type": "integer", "minimum": 1, "maximum": 9},
    "patents": _TEXTS,
    "transfer_modes": {"type": "array", "items": {"enum": list(TransferMode)}},
}
DEMAND = response_schema("Demand", DEMAND_PROPERTIES)
ACHIEVEMENT = response_schema("Achievement", ACHIEVEMENT_PROPERTIES)
SCHEMAS = {"demand": DEMAND, "achievement": ACHIEVEMENT}
FOUND = {
    "demand": response_schema("DemandFound", DEMAND_PROPERTIES | {"score": _SCORE}),
    "achievement": response_schema("AchievementFound", ACHIEVEMENT_PROPERTIES | {"score": _SCORE}),
}
REASONS = {
    "score": {"type": "number"},
    "similarity": {"type": "number"},
    "shared_disciplines": _TEXTS,
    "shared_groups": _TEXTS,
    "shared_terms": _TEXTS,
}
_EXPERT_MATCH = response_schema(
    "ExpertMatch", {"expert_id": _TEXT, "name": _TEXT, "affiliation": _TEXT, **REASONS}
)
_LISTING_MATCH = response_schema("ListingMatch", {"id": _TEXT, "title": _TEXT, **REASONS})
_INVESTOR_MATCH = response_schema(
    "InvestorMatch", {"investor_id": _TEXT, "name": _TEXT, "organization": _TEXT, **REASONS}
)
MATCHES = response_schema(
    "Matches",
    {
        "listings": listed(_LISTING_MATCH),
        "experts": listed(_EXPERT_MATCH),
        "investors": listed(_INVESTOR_MATCH),
    },
)
PITCH_CARD = response_schema(
    "PitchCard",
    {
        "achievement_id": _TEXT, "title": _TEXT, "holder": _TEXT,
        "trl": {"type": "integer"}, "disciplines": _TEXTS,
        "transfer_modes": _TEXTS, "patents": {"type": "integer"}, "summary": _TEXT,
    },
)  # fmt: skip
IMPORTED = response_schema(
    "ListingImport", {"created": {"type": "integer"}, "updated": {"type": "integer"}}
)


def listing_json(listing: Listing) -> dict[str, Any]:
    plain = {
        "id": lib.listing_id(listing),
        "title": listing.title,
        "description": listing.description,
        "disciplines": list(listing.disciplines),
        "contact": listing.contact,
        "contact_public": listing.contact_public,
        "public": listing.public,
        "created_at": utc_text(listing.created_at),
        "updated_at": utc_text(listing.updated_at),
    }
    if isinstance(listing, Demand):
        deadline = listing.deadline.isoformat() if listing.deadline else None
        return plain | {
            "enterprise": listing.enterprise,
            "industry": listing.industry,
            "budget_min": listing.budget_min,
            "budget_max": listing.budget_max,
            "deadline": deadline,
            "status": listing.status.value,
            "contact_shared": list(listing.contact_shared),
        }
    return plain | {
        "holder": listing.holder,
        "trl": listing.trl,
        "patents": list(listing.patents),
        "transfer_modes": [m.value for m in listing.transfer_modes],
    }


def reasons_json(match: Match) -> dict[str, Any]:
    return {
        "score": round(match.score, 4),
        "similarity": round(match.similarity, 4),
        "shared_disciplines": list(match.disciplines),
        "shared_groups": list(match.groups),
        "shared_terms": list(match.terms),
    }


def pitch_card_json(card: PitchCard) -> dict[str, Any]:
    return {
        "achievement_id": card.achievement_id,
        "title": card.title,
        "holder": card.holder,
        "trl": card.trl,
        "disciplines": list(card.disciplines),
        "transfer_modes": [m.value for m in card.transfer_modes],
        "patents": card.patents,
        "summary": card.summary,
    }


def filters_of(request: web.Request) -> Filters:
    discipline = query_param(request, "discipline")
    trl = query_param(request, "trl_min")
    if trl and not (trl.isdigit() and 1 <= int(trl) <= 9):
        raise ApiError(400, "out_of_range", "Parameter {name} must be 1 to 9.", name="trl_min")
    status, mode = query_param(request, "status"), query_param(request, "transfer_mode")
    if status:
        lib.clean_status(status)
    if mode:
        lib.clean_transfer_modes(mode)
    return Filters(
        discipline=discipline_code(discipline) if discipline else "",
        industry=query_param(request, "industry"),
        status=status.lower(),
        trl_min=int(trl or 0),
        transfer_mode=mode.lower(),
    )


def _body_fields(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    if kind == "achievement" and "transfer_modes" in fields:
        fields["transfer_modes"] = list(fields["transfer_modes"])
    return fields


def _kind_routes(kind: str) -> None:  # noqa: C901 - one closure per route of the kind
    base, param = f"/api/{kind}s", f"{kind}_id"
    schema, (new_body, changes) = SCHEMAS[kind], BODIES[kind]

    async def list_all(request: web.Request) -> web.Response:
        account = await require_account(request)
        query = request.query.get("q")
        found = await libraries.search(
            request.app[STORE],
            kind,
            org_id=account.org_id,
            query=None if query is None else query_param(request, "q"),
            filters=filters_of(request),
        )
        return json_response([listing_json(f.listing) | {"score": f.score} for f in found])

    async def create(request: web.Request) -> web.Response:
        account = await require_account(request)
        fields = _body_fields(kind, await read_body(request, new_body))
        made = await libraries.create(
            request.app[STORE], kind, org_id=account.org_id, fields=fields, now=datetime.now(UTC)
        )
        return json_response(listing_json(made), status=201)

    async def export(request: web.Request) -> web.Response:
        account = await require_account(request)
        text = await libraries.export_csv(request.app[STORE], kind, account.org_id)
        disposition = {"Content-Disposition": f'attachment; filename="{kind}s.csv"'}
        return web.Response(
            text=text, content_type="text/csv", charset="utf-8", headers=disposition
        )

    async def import_file(request: web.Request) -> web.Response:
        account = await require_account(request)
        data = await read_csv(request)
        try:
            summary = await libraries.import_csv(
                request.app[STORE], kind, account.org_id, data, now=datetime.now(UTC)
            )
        except CsvError as error:
            return csv_refusal(request, error)
        return json_response({"created": summary.created, "updated": summary.updated})

    async def get_one(request: web.Request) -> web.Response:
        account = await require_account(request)
        shelf = libraries.library(request.app[STORE], kind)
        return json_response(
            listing_json(await shelf.of_org(account.org_id, request.match_info[param]))
        )

    async def patch(request: web.Request) -> web.Response:
        account = await require_account(request)
        fields = _body_fields(kind, await read_body(request, changes))
        changed = await libraries.update(
            request.app[STORE], kind, account.org_id, request.match_info[param],
            fields=fields, now=datetime.now(UTC),
        )  # fmt: skip
        return json_response(listing_json(changed))

    async def delete(request: web.Request) -> web.Response:
        account = await require_account(request)
        shelf = libraries.library(request.app[STORE], kind)
        await shelf.delete(account.org_id, request.match_info[param])
        return web.Response(status=204)

    async def matches(request: web.Request) -> web.Response:
        account = await require_account(request)
        found = await libraries.matches_of(
            request.app[STORE], kind, account.org_id, request.match_info[param]
        )
        return json_response(
            {
                "listings": [_listing_match(m.candidate, m.match) for m in found.listings],
                "experts": [_expert_match(m.candidate, m.match) for m in found.experts],
                "investors": [_investor_match(m.candidate, m.match) for m in found.investors],
            }
        )

    label = "demand" if kind == "demand" else "achievement"
    filters = (
        "discipline=code&industry=&status="
        if kind == "demand"
        else "discipline=code&trl_min=&transfer_mode="
    )
    routes.route(
        "GET",
        base,
        summary=f"My organization's {label}s: newest first, or by relevance to ?q=words; "
        f"filters: ?{filters}",
        tag=TAG,
        returns=listed(FOUND[kind]),
    )(_named(list_all, f"list_{kind}s"))
    routes.route(
        "POST",
        base,
        summary=f"Add a {label}",
        tag=TAG,
        body=new_body,
        responses={"201": "Created"},
        returns=schema,
    )(_named(create, f"create_{kind}"))
    routes.route(
        "GET",
        f"{base}.csv",
        summary=f"Export my organization's {label}s as CSV (UTF-8 with BOM)",
        tag=TAG,
        responses={"200": "text/csv"},
    )(_named(export, f"export_{kind}s"))
    routes.route(
        "POST",
        f"{base}/import",
        summary=f"Import {label}s from CSV (text/csv; the export's columns; a known id "
        "updates). All rows or none: 400 lists every bad row",
        tag=TAG,
        returns=IMPORTED,
    )(_named(import_file, f"import_{kind}s"))
    routes.route(
        "GET",
        f"{base}/{{{param}}}",
        summary=f"One {label} of my organization",
        tag=TAG,
        returns=schema,
    )(_named(get_one, f"get_{kind}"))
    routes.route(
        "PATCH",
        f"{base}/{{{param}}}",
        summary=f"Change some of a {label}'s fields",
        tag=TAG,
        body=changes,
        returns=schema,
    )(_named(patch, f"update_{kind}"))
    routes.route(
        "DELETE",
        f"{base}/{{{param}}}",
        summary=f"Remove a {label}",
        tag=TAG,
        responses={"204": "Deleted"},
    )(_named(delete, f"delete_{kind}"))
    routes.route(
        "GET",
        f"{base}/{{{param}}}/matches",
        summary=f"Achievements or demands, and experts, that fit this {label}, best first, "
        "with the reasons",
        tag=TAG,
        returns=MATCHES,
    )(_named(matches, f"{kind}_matches"))


def _named(handler: Handler, name: str) -> Handler:
    """The handler under its own name: the OpenAPI document's operationId."""
    handler.__name__ = handler.__qualname__ = name
    return handler


def _listing_match(listing: Any, match: Match) -> dict[str, Any]:
    return {"id": lib.listing_id(listing), "title": listing.title} | reasons_json(match)


def _investor_match(investor: Any, match: Match) -> dict[str, Any]:
    plain = {k: getattr(investor, k) for k in ("investor_id", "name", "organization")}
    return plain | reasons_json(match)


def _expert_match(expert: Any, match: Match) -> dict[str, Any]:
    plain = expert_json(expert)
    return {k: plain[k] for k in ("expert_id", "name", "affiliation")} | reasons_json(match)


_kind_routes("demand")
_kind_routes("achievement")


@routes.route(
    "POST",
    "/api/demands/{demand_id}/status",
    summary="Move a demand on: open → matched → closed (or open → closed)",
    tag=TAG,
    body=STATUS_CHANGE,
    returns=DEMAND,
)
async def change_status(request: web.Request) -> web.Response:
    account = await require_account(request)
    fields = await read_body(request, STATUS_CHANGE)
    demand = await libraries.set_status(
        request.app[STORE],
        account.org_id,
        request.match_info["demand_id"],
        fields["status"],
        now=datetime.now(UTC),
    )
    return json_response(listing_json(demand))


@routes.route(
    "GET",
    "/api/achievements/{achievement_id}/pitch-card",
    summary="An achievement's pitch card, as a roadshow slot shows it",
    tag=TAG,
    returns=PITCH_CARD,
)
async def get_pitch_card(request: web.Request) -> web.Response:
    account = await require_account(request)
    card = await libraries.achievement_pitch_card(
        request.app[STORE], request.match_info["achievement_id"], org_id=account.org_id
    )
    return json_response(pitch_card_json(card))
