"""/api/ experts: the organization's expert pool (专家库), its CSV import and export, and
the controlled list of disciplines.

Staff only; everything is scoped to the signed-in account's organization, and another
organization's expert is "not found". An import is all or nothing: a file with a bad row
is refused with 400 and every bad row listed by line number.
"""

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from rooms import experts as pool
from rooms.disciplines import DISCIPLINES, discipline_code
from rooms.expert_csv import MAX_CSV_BYTES, CsvError
from rooms.experts import Expert
from server.api.routes import ApiRoutes, json_response, read_body
from server.api.schema import Body, Str, StrList, response_schema
from server.api.views import listed, utc_text
from server.appkeys import STORE
from server.auth import require_account
from server.errors import ApiError, user_message

routes = ApiRoutes()
TAG = "experts"
CSV_TYPES = ("text/csv", "text/plain")

EXPERT_FIELDS = {
    "name": Str(min_length=1, max_length=pool.MAX_NAME, example="王立"),
    "title": Str(required=False, max_length=pool.MAX_TITLE, example="教授"),
    "affiliation": Str(required=False, max_length=pool.MAX_AFFILIATION, example="清华大学"),
    "disciplines": StrList(
        required=False,
        max_items=pool.MAX_DISCIPLINES,
        item_max_length=100,
        description="codes (or names) from GET /api/disciplines; the first is the main one",
        example=["0812"],
    ),
    "tags": StrList(
        required=False, max_items=pool.MAX_TAGS, item_max_length=pool.MAX_TAG, example=["芯片"]
    ),
    "email": Str(max_length=pool.MAX_EMAIL, format="email", example="wang.li@example.org"),
    "conflicts": StrList(
        required=False,
        max_items=pool.MAX_CONFLICTS,
        item_max_length=pool.MAX_CONFLICT + 10,
        item_pattern=pool.CONFLICT,
        description="expert:<expert_id>, org:<name> or project:<name> (the type's case and "
        "extra spaces are tidied)",
        example=["org:Example University"],
    ),
}
NEW_EXPERT = Body(EXPERT_FIELDS)
EXPERT_CHANGES = Body(EXPERT_FIELDS, partial=True)

_TEXT = {"type": "string"}
_TEXTS = {"type": "array", "items": _TEXT}
_INSTANT = {"type": "string", "format": "date-time"}
_COUNT = {"type": "integer", "minimum": 0}


EXPERT = response_schema(
    "Expert",
    {
        "expert_id": _TEXT,
        "name": _TEXT,
        "title": _TEXT,
        "affiliation": _TEXT,
        "disciplines": {**_TEXTS, "description": "discipline codes"},
        "tags": _TEXTS,
        "email": {"type": "string", "format": "email"},
        "conflicts": {
            "type": "array",
            "items": {"type": "string", "pattern": f"^(?:{pool.CONFLICT})$"},
            "description": "expert:<id>, org:<name>, project:<name>",
        },
        "created_at": _INSTANT,
        "updated_at": _INSTANT,
    },
)
DISCIPLINE = response_schema(
    "Discipline", {"code": _TEXT, "zh": _TEXT, "en": _TEXT, "group": _TEXT}
)
IMPORTED = response_schema("ExpertImport", {"created": _COUNT, "updated": _COUNT})


def expert_json(expert: Expert) -> dict[str, Any]:
    return {
        "expert_id": expert.expert_id,
        "name": expert.name,
        "title": expert.title,
        "affiliation": expert.affiliation,
        "disciplines": list(expert.disciplines),
        "tags": list(expert.tags),
        "email": expert.email,
        "conflicts": list(expert.conflicts),
        "created_at": utc_text(expert.created_at),
        "updated_at": utc_text(expert.updated_at),
    }


def query_param(request: web.Request, name: str, limit: int = 200) -> str:
    value = request.query.get(name, "").strip()
    if len(value) > limit:
        raise ApiError(400, "invalid_length", "Parameter {name} is too long.", name=name)
    return value


async def read_csv(request: web.Request) -> bytes:
    """The request's CSV body, at most MAX_CSV_BYTES; 415 or 413 otherwise."""
    if request.content_type not in CSV_TYPES:
        raise ApiError(415, "unsupported_media_type", "Send the file as text/csv.")
    too_large = ApiError(
        413, "body_too_large", "The file is larger than {n} MiB.", n=MAX_CSV_BYTES // 2**20
    )
    if (request.content_length or 0) > MAX_CSV_BYTES:
        raise too_large
    data = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        data += chunk
        if len(data) > MAX_CSV_BYTES:
            raise too_large
    return bytes(data)


def csv_refusal(request: web.Request, error: CsvError) -> web.Response:
    """400 with the usual error object and every bad row: line, code, message."""
    rows = [
        {"line": row.line, "code": row.error.code, "message": user_message(request, row.error)}
        for row in error.rows
    ]
    message = user_message(request, error)
    return json_response({"error": {"code": error.code, "message": message, "rows": rows}}, 400)


@routes.route(
    "GET",
    "/api/experts",
    summary="My organization's experts by name; filters: ?q=words&discipline=code&affiliation=",
    tag=TAG,
    returns=listed(EXPERT),
)
async def list_experts(request: web.Request) -> web.Response:
    account = await require_account(request)
    discipline = query_param(request, "discipline")
    experts = await request.app[STORE].experts.search(
        account.org_id,
        text=query_param(request, "q"),
        discipline=discipline_code(discipline) if discipline else "",
        affiliation=query_param(request, "affiliation"),
    )
    return json_response([expert_json(expert) for expert in experts])


@routes.route(
    "POST",
    "/api/experts",
    summary="Add an expert to my organization's pool",
    tag=TAG,
    body=NEW_EXPERT,
    responses={"201": "Created"},
    returns=EXPERT,
)
async def create_expert(request: web.Request) -> web.Response:
    account = await require_account(request)
    fields = await read_body(request, NEW_EXPERT)
    expert = await request.app[STORE].experts.create(
        org_id=account.org_id, fields=fields, now=datetime.now(UTC)
    )
    return json_response(expert_json(expert), status=201)


@routes.route(
    "GET",
    "/api/experts.csv",
    summary="Export my organization's experts as CSV (UTF-8 with BOM)",
    tag=TAG,
    responses={"200": "text/csv: name,title,affiliation,disciplines,tags,email,conflicts"},
)
async def export_experts(request: web.Request) -> web.Response:
    account = await require_account(request)
    text = await request.app[STORE].experts.export_csv(account.org_id)
    disposition = {"Content-Disposition": 'attachment; filename="experts.csv"'}
    return web.Response(text=text, content_type="text/csv", charset="utf-8", headers=disposition)


@routes.route(
    "POST",
    "/api/experts/import",
    summary="Import a CSV file (text/csv body, the export's columns); a known email updates "
    "that expert. All rows or none: 400 lists every bad row",
    tag=TAG,
    returns=IMPORTED,
)
async def import_experts(request: web.Request) -> web.Response:
    account = await require_account(request)
    data = await read_csv(request)
    try:
        summary = await request.app[STORE].experts.import_csv(
            account.org_id, data, now=datetime.now(UTC)
        )
    except CsvError as error:
        return csv_refusal(request, error)
    return json_response({"created": summary.created, "updated": summary.updated})


@routes.route(
    "GET",
    "/api/experts/{expert_id}",
    summary="One expert of my organization",
    tag=TAG,
    returns=EXPERT,
)
async def get_expert(request: web.Request) -> web.Response:
    account = await require_account(request)
    expert_id = request.match_info["expert_id"]
    expert = await request.app[STORE].experts.of_org(account.org_id, expert_id)
    return json_response(expert_json(expert))


@routes.route(
    "PATCH",
    "/api/experts/{expert_id}",
    summary="Change some of an expert's fields",
    tag=TAG,
    body=EXPERT_CHANGES,
    returns=EXPERT,
)
async def update_expert(request: web.Request) -> web.Response:
    account = await require_account(request)
    fields = await read_body(request, EXPERT_CHANGES)
    expert = await request.app[STORE].experts.update(
        account.org_id, request.match_info["expert_id"], fields=fields, now=datetime.now(UTC)
    )
    return json_response(expert_json(expert))


@routes.route(
    "DELETE",
    "/api/experts/{expert_id}",
    summary="Remove an expert from the pool",
    tag=TAG,
    responses={"204": "Deleted"},
)
async def delete_expert(request: web.Request) -> web.Response:
    account = await require_account(request)
    await request.app[STORE].experts.delete(account.org_id, request.match_info["expert_id"])
    return web.Response(status=204)


@routes.route(
    "GET",
    "/api/disciplines",
    summary="The controlled list of disciplines (一级学科), with Chinese and English labels",
    tag=TAG,
    returns=listed(DISCIPLINE),
)
async def list_disciplines(request: web.Request) -> web.Response:
    await require_account(request)
    return json_response(
        [{"code": d.code, "zh": d.zh, "en": d.en, "group": d.group} for d in DISCIPLINES]
    )
