"""The whole /api/ held to its OpenAPI document and to the error contract.

1. Every /api/ route is documented with its method, and every documented operation exists.
2. Malformed input thrown at every documented POST/PATCH/PUT is a 4xx JSON error naming what
   is wrong, never a 500.
3. The document has the shape OpenAPI 3.1 asks for.
"""

import ast
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData

from server.api import _all_modules
from server.api.openapi import openapi_document
from server.api.schema import Body, Int, Obj, Str, Zone
from server.errors import ApiError
from server.i18n import load_catalogs
from tests.fixtures_files import make_pdf
from tests.server.fixtures_login import Staff, csrf_token, sign_in_staff

DOCUMENT = openapi_document([route for module in _all_modules() for route in module.routes])
OPERATIONS = [
    (method.upper(), path, operation)
    for path, operations in DOCUMENT["paths"].items()
    for method, operation in operations.items()
]
WRITES = [(m, p, op) for m, p, op in OPERATIONS if m in {"POST", "PATCH", "PUT"}]
JSON = {"Content-Type": "application/json"}
FORUM = {
    "title_zh": "智能制造论坛",
    "zone": "Asia/Shanghai",
    "start_date": "2027-05-01",
    "end_date": "2027-05-02",
}
OPENING = {
    "kind": "meeting",
    "title": "Opening",
    "start": "2027-05-01T09:30",
    "end": "2027-05-01T10:30",
}


def _ids(operations: list[tuple[str, str, dict[str, Any]]]) -> list[str]:
    return [f"{method} {path}" for method, path, _ in operations]


@pytest.fixture
async def staff(client, store) -> Staff:
    return await sign_in_staff(client, store, email="host@example.org")


async def _created(staff: Staff, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await staff.call("POST", path, json=body)
    assert response.status == 201, await response.text()
    return await response.json()


@pytest.fixture
async def world(staff, store) -> dict[str, str]:
    """Real values for every path parameter of the API, owned by staff's organization. The
    session is a review, with an item, a rubric and a rubric template."""
    event = await _created(staff, "/api/events", FORUM)
    review = {**OPENING, "kind": "review"}
    session = await _created(staff, f"/api/events/{event['event_id']}/sessions", review)
    session_path = f"/api/sessions/{session['session_id']}"
    guest = {"person": {"type": "guest", "email": "li@example.org"}, "role": "observer"}
    entry = await _created(staff, f"{session_path}/roster", guest)
    item = await _created(staff, f"{session_path}/items", {"title_en": "Chip"})
    rubric = {"criteria": [{"name_en": "Novelty", "weight": 1, "scale_min": 1, "scale_max": 5}]}
    for path in (f"{session_path}/rubric", "/api/rubric-templates/Basic"):
        assert (await staff.call("PUT", path, json=rubric)).status == 200
    upload = FormData()
    upload.add_field("file", make_pdf(1), filename="a.pdf", content_type="application/pdf")
    material = await staff.call(
        "POST", f"{session_path}/items/{item['item_id']}/materials", data=upload
    )
    assert material.status == 201, await material.text()
    invite = await _created(staff, f"{session_path}/invites", {"role": "host", "name": "Li"})
    expert = await store.experts.create(
        org_id=staff.org.org_id,
        fields={"name": "Zhang San", "email": "zhang@uni.example.edu"},
        now=datetime.now(UTC),
    )
    demand = await _created(staff, "/api/demands", {"title": "需求", "description": "电池回收"})
    achievement = await _created(
        staff,
        "/api/achievements",
        {"title": "成果", "description": "电池再生", "trl": 5, "transfer_modes": ["license"]},
    )
    investor = await _created(
        staff, "/api/investors", {"name": "Zhao", "email": "zhao@fund.example.com"}
    )
    return {
        "investor_id": investor["investor_id"],
        "demand_id": demand["id"],
        "achievement_id": achievement["id"],
        "event_id": event["event_id"],
        "session_id": session["session_id"],
        "person_key": entry["person_key"],
        "invite_id": invite["invite_id"],
        "expert_id": expert.expert_id,
        "item_id": item["item_id"],
        "template_name": "Basic",
        "file_id": (await material.json())["file_id"],
        "draft_id": "d0001",  # a poll bank's draft (a review has none: 404)
        "follow_up_id": "f0001",  # a follow-up request (none: 404)
        "recording_id": "r0001",  # a recording (none: 404)
    }


def filled(path: str, world: dict[str, str]) -> str:
    return re.sub(r"{(\w+)}", lambda match: world[match.group(1)], path)


async def assert_error(response, status: int | None = None, case: Any = "") -> dict[str, str]:
    """The response is a JSON error (of this status, or any 4xx); its error object."""
    text = await response.text()
    if status is None:
        assert 400 <= response.status < 500, (case, response.status, text[:300])
    else:
        assert response.status == status, (case, response.status, text[:300])
    assert response.content_type == "application/json", (case, text[:300])
    error = json.loads(text)["error"]
    assert {"code", "message"} <= set(error), (case, error)  # details may come beside them
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    return error


# 1. routes and document agree


def _routed(app) -> set[tuple[str, str]]:
    routed = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or ""
        wanted = route.method not in {"HEAD", "*"}  # "*": server.methods.other_method
        if path.startswith("/api/") and path != "/api/openapi.json" and wanted:
            routed.add((route.method, re.sub(r"{(\w+):[^}]*}", r"{\1}", path)))
    return routed


async def test_every_api_route_is_documented_and_every_operation_routed(client) -> None:
    document = await (await client.get("/api/openapi.json")).json()

    documented = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }

    assert _routed(client.app) == documented


async def test_openapi_document_is_served_as_built(client) -> None:
    response = await client.get("/api/openapi.json")

    assert response.status == 200
    assert await response.json() == json.loads(json.dumps(DOCUMENT))


def _resolved(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    return DOCUMENT["components"]["schemas"][ref.split("/")[-1]] if ref else schema


def _shape_errors(value: Any, schema: dict[str, Any], where: str) -> list[str]:
    """Where value's object keys differ from the (closed) schema's properties, recursively."""
    schema = _resolved(schema)
    if schema.get("type") == "array" and isinstance(value, list):
        return [e for i, v in enumerate(value) for e in _shape_errors(v, schema["items"], where)]
    if schema.get("additionalProperties") is not False or not isinstance(value, dict):
        return []
    errors = [] if set(value) == set(schema["properties"]) else [f"{where}: {sorted(value)}"]
    for name, item in value.items():
        errors += _shape_errors(item, schema["properties"].get(name, {}), f"{where}.{name}")
    return errors


GETS = [(m, p, op) for m, p, op in OPERATIONS if m == "GET"]


async def test_every_get_answers_the_documented_shape(staff, world) -> None:
    errors = []

    for _, path, operation in GETS:
        response = await staff.call("GET", filled(path, world))
        assert response.status == 200, (path, await response.text())
        content = operation["responses"]["200"].get("content", {})
        if "application/json" in content:
            schema = content["application/json"]["schema"]
            errors += _shape_errors(await response.json(), schema, path)

    assert errors == []


# 2. malformed input is a 4xx JSON error


def _deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


CORPUS: list[tuple[str, dict[str, Any], int]] = [
    ("not JSON", {"data": b"{title: 'x'", "headers": JSON}, 400),
    ("JSON array", {"data": b"[]", "headers": JSON}, 400),
    ("JSON string", {"data": b'"title"', "headers": JSON}, 400),
    ("JSON null", {"data": b"null", "headers": JSON}, 400),
    ("JSON number", {"data": b"12", "headers": JSON}, 400),
    ("unknown field", {"json": {"surely_not_a_field": 1}}, 400),
    ("nested junk", {"json": {"$where": {"a": [1, {"b": None}], "c": {"d": {}}}}}, 400),
    ("deep nesting", {"data": _deep(100_000), "headers": JSON}, 400),
    ("5000-digit number", {"data": b'{"n": ' + b"9" * 5000 + b"}", "headers": JSON}, 400),
    ("NaN", {"data": b'{"n": NaN}', "headers": JSON}, 400),
    ("bad UTF-8", {"data": b'{"t": "\xff\xfe"}', "headers": JSON}, 400),
    ("text/plain", {"data": b"{}", "headers": {"Content-Type": "text/plain"}}, 415),
    ("300 KiB", {"json": {"title": "x" * 300 * 1024}}, 413),
]


def _json_schema(operation: dict[str, Any]) -> dict[str, Any] | None:
    content = operation.get("requestBody", {}).get("content", {})
    return content.get("application/json", {}).get("schema")


def _example(schema: dict[str, Any]) -> Any:
    schema = _resolved(schema)
    if "examples" in schema:
        return schema["examples"][0]
    if "enum" in schema:
        return schema["enum"][0]
    if schema["type"] == "object":
        return _example_body(schema)
    generic = {"string": "x", "integer": schema.get("minimum", 1), "boolean": True, "array": []}
    generic["number"] = 1
    return generic[schema["type"]]


def _example_body(schema: dict[str, Any]) -> dict[str, Any]:
    """A body the schema accepts: every required field, and optional ones with examples."""
    required = schema.get("required", [])
    properties = schema["properties"].items()
    return {n: _example(p) for n, p in properties if n in required or "examples" in p}


def _wrong_values(schema: dict[str, Any]) -> list[Any]:
    """Values of the wrong type (or size) for a field of this schema."""
    schema = _resolved(schema)
    junk = {"$gt": "", "nested": [1, {"a": None}]}
    wrong: dict[str, list[Any]] = {
        "string": [42, True, ["x"], junk, "x" * (schema.get("maxLength", 0) + 1)],
        "integer": ["7", 1.5, True, junk, schema.get("maximum", 0) + 1, 10**30],
        "number": ["7", True, junk, [1]],
        "boolean": ["true", 1, junk],
        "array": ["x", 1, junk, [1, {"a": 1}]],
        "object": ["x", 1, [], {"surely_not_a_field": 1}],
    }
    return [None, *wrong[schema["type"]]]


def _field_cases(schema: dict[str, Any], prefix: str = "") -> list[tuple[list[str], Any]]:
    """(path of field names, wrong value) for every field, nested objects included."""
    cases = []
    for name, spec in schema["properties"].items():
        spec = _resolved(spec)
        cases += [([name], value) for value in _wrong_values(spec)]
        if spec.get("type") == "object":
            cases += [([name, *path], value) for path, value in _field_cases(spec)]
    return cases


def _with(body: dict[str, Any], path: list[str], value: Any) -> dict[str, Any]:
    head, *rest = path
    inner = value if not rest else _with(dict(body.get(head) or {}), rest, value)
    return {**body, head: inner}


@pytest.mark.parametrize(("method", "path", "operation"), WRITES, ids=_ids(WRITES))
async def test_malformed_bodies_are_4xx_json_errors(staff, world, method, path, operation) -> None:
    url = filled(path, world)
    expects_json = _json_schema(operation) is not None

    for name, request, status in CORPUS:
        response = await staff.call(method, url, **request)

        await assert_error(response, status if expects_json else None, case=name)


@pytest.mark.parametrize(("method", "path", "operation"), WRITES, ids=_ids(WRITES))
async def test_too_large_bodies_are_413_in_their_media_type(staff, world, method, path, operation):
    documented = list(operation.get("requestBody", {}).get("content", {}))
    url = filled(path, world)

    for media_type in documented or ["text/plain"]:
        headers = {"Content-Type": media_type}
        response = await staff.call(method, url, data=b"x" * 300 * 1024, headers=headers)

        capped = documented and media_type != "multipart/form-data"  # uploads go to 50 MiB
        await assert_error(response, 413 if capped else None, case=media_type)


@pytest.mark.parametrize(("method", "path", "operation"), WRITES, ids=_ids(WRITES))
async def test_an_empty_object_is_refused_only_when_fields_are_required(
    staff, world, method, path, operation
) -> None:
    response = await staff.call(method, filled(path, world), json={})

    if operation.get("requestBody", {}).get("required"):
        await assert_error(response)
    else:
        assert response.status < 500, await response.text()


JSON_WRITES = [(m, p, op) for m, p, op in WRITES if _json_schema(op) is not None]


@pytest.mark.parametrize(("method", "path", "operation"), JSON_WRITES, ids=_ids(JSON_WRITES))
async def test_wrong_types_in_each_field_are_400_naming_the_field(
    staff, world, method, path, operation
) -> None:
    schema = _json_schema(operation)
    assert schema is not None
    base, url = _example_body(schema), filled(path, world)

    for field_path, value in _field_cases(schema):
        response = await staff.call(method, url, json=_with(base, field_path, value))

        error = await assert_error(response, 400, case=(field_path, value))
        assert ".".join(field_path) in error["message"], (field_path, value, error)


async def test_anonymous_requests_to_staff_operations_are_unauthorized(
    aiohttp_client, client, world
) -> None:
    anonymous = await aiohttp_client(client.server)
    headers = {"X-CSRF-Token": await csrf_token(anonymous)}
    refused = []

    for method, path, _ in OPERATIONS:
        response = await anonymous.request(method, filled(path, world), headers=headers)
        assert response.status < 500, (method, path, response.status)
        if response.status == 401:
            refused.append((method, path))

    assert refused == [(m, p) for m, p, op in OPERATIONS if op["security"] == [{"session": []}]]


async def test_unknown_api_route_is_404_json(client) -> None:
    error = await assert_error(await client.get("/api/no/such/thing"), 404)

    assert error["code"] == "not_found"


async def test_wrong_method_is_405_json(staff) -> None:
    error = await assert_error(await staff.call("PUT", "/api/events"), 405)

    assert error["code"] == "method_not_allowed"


def _documented_methods() -> dict[str, set[str]]:
    methods: dict[str, set[str]] = {}
    for method, path, _ in OPERATIONS:
        methods.setdefault(path, set()).add(method)
    return methods


async def test_options_lists_exactly_the_methods_of_every_api_path(client, world) -> None:
    answers, expected = {}, {}

    for path, methods in _documented_methods().items():
        response = await client.options(filled(path, world))
        answers[path] = (response.status, response.headers.get("Allow"))
        expected[path] = (204, ",".join(sorted(methods | {"OPTIONS"})))

    assert answers == expected
    assert answers["/api/experts/import"] == (204, "OPTIONS,POST")


async def test_every_other_method_is_405_json_before_the_csrf_check(
    aiohttp_client, client, world
) -> None:
    anonymous = await aiohttp_client(client.server)  # no session, no CSRF token
    answers, expected = [], []

    for path, methods in _documented_methods().items():
        allow = ",".join(sorted(methods | {"OPTIONS"}))
        for method in sorted({"GET", "POST", "PUT", "PATCH", "DELETE"} - methods):
            response = await anonymous.request(method, filled(path, world))
            error = await assert_error(response, 405, case=(method, path))
            answers.append((method, path, error["code"], response.headers["Allow"]))
            expected.append((method, path, "method_not_allowed", allow))

    assert answers == expected


async def test_too_large_body_is_413_json_in_the_callers_language(staff, world) -> None:
    url = f"/api/events/{world['event_id']}"
    body = {"description": "长" * 100_000}  # 300 000 bytes of UTF-8

    response = await staff.call("PATCH", url, json=body, headers={"Accept-Language": "zh-CN"})

    assert await assert_error(response, 413) == {
        "code": "body_too_large",
        "message": "请求体超过了 262144 字节的上限。",
    }


async def test_no_body_counts_as_an_empty_object(staff) -> None:
    response = await staff.call("POST", "/api/events")

    assert await assert_error(response, 400) == {
        "code": "missing_field",
        "message": "Field zone is required.",
    }


# the checks themselves


PERSON_BODY = Body(
    {
        "person": Obj(fields={"type": Str(choices=("guest",)), "email": Str(required=False)}),
        "seats": Int(required=False, minimum=1, maximum=9),
    }
)


@pytest.mark.parametrize(
    ("data", "code", "message"),
    [
        ({"person": 3}, "invalid_type", "Field person must be an object."),
        ({"person": {"type": 3}}, "invalid_type", "Field person.type must be a string."),
        ({"person": {}}, "missing_field", "Field person.type is required."),
        ({"person": {"type": "guest", "x": 1}}, "unknown_field", "Unknown field: person.x."),
        (
            {"person": {"type": "guest"}, "seats": 10},
            "out_of_range",
            "Field seats must be between 1 and 9.",
        ),
        ({}, "missing_field", "Field person is required."),
    ],
)
def test_nested_objects_name_their_fields_in_errors(data, code, message) -> None:
    with pytest.raises(ApiError) as raised:
        PERSON_BODY.check(data)

    assert (raised.value.code, raised.value.message) == (code, message)


def test_a_zone_field_names_itself_when_the_zone_is_unknown() -> None:
    with pytest.raises(ApiError) as raised:
        Body({"zone": Zone()}).check({"zone": "Mars/Base"})

    assert (raised.value.code, raised.value.message) == (
        "invalid_zone",
        "Field zone must be an IANA time zone name, e.g. Asia/Shanghai.",
    )


def test_nested_objects_are_checked_clean() -> None:
    data = {"person": {"type": " guest ", "email": "a@b.org"}, "seats": 2}

    assert PERSON_BODY.check(data) == {"person": {"type": "guest", "email": "a@b.org"}, "seats": 2}


def test_nested_objects_render_as_closed_json_schemas() -> None:
    assert PERSON_BODY.openapi()["properties"]["person"] == {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "type": {"type": "string", "enum": ["guest"]},
            "email": {"type": "string", "maxLength": 1000},
        },
        "required": ["type"],
    }


# 3. the document's shape


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if "$ref" in node else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_document_is_openapi_3_1_with_info_and_components() -> None:
    assert DOCUMENT["openapi"] == "3.1.0"
    assert DOCUMENT["info"] == {"title": "Yunhui API", "version": "1"}
    assert "Error" in DOCUMENT["components"]["schemas"]
    assert list(DOCUMENT["components"]["securitySchemes"]) == ["session"]


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=_ids(OPERATIONS))
def test_every_operation_is_complete(method, path, operation) -> None:
    declared = sorted(p["name"] for p in operation.get("parameters", []) if p["in"] == "path")
    successes = [code for code in operation["responses"] if code.startswith("2")]

    assert path.startswith("/api/")
    assert declared == sorted(re.findall(r"{(\w+)}", path))
    assert all(p["required"] is True for p in operation.get("parameters", []))
    assert operation["summary"]
    assert len(successes) >= 1
    assert all(r["description"] for r in operation["responses"].values())
    assert "4XX" in operation["responses"]
    assert operation["security"] in ([], [{"session": []}])
    assert set(operation["tags"]) <= {tag["name"] for tag in DOCUMENT["tags"]}


def test_operation_ids_are_unique() -> None:
    ids = [operation["operationId"] for _, _, operation in OPERATIONS]

    assert sorted(ids) == sorted(set(ids))


def test_every_reference_resolves() -> None:
    schemas = DOCUMENT["components"]["schemas"]

    unresolved = [
        ref
        for ref in _refs(DOCUMENT)
        if not ref.startswith("#/components/schemas/") or ref.split("/")[-1] not in schemas
    ]

    assert unresolved == []


def test_the_parametrized_checks_have_operations_to_check() -> None:
    assert ("POST", "/api/sessions/{session_id}/roster") in [(m, p) for m, p, _ in JSON_WRITES]
    assert ("PATCH", "/api/events/{event_id}") in [(m, p) for m, p, _ in JSON_WRITES]


# 4. the document's enums and patterns say what the API accepts


def _body_property(method: str, path: str, name: str) -> dict[str, Any]:
    schema = _json_schema(DOCUMENT["paths"][path][method.lower()])
    assert schema is not None
    return _resolved(_resolved(schema)["properties"][name])


def _documented(schema: dict[str, Any], value: str) -> bool:
    """Whether a string value is valid by the schema's enum or pattern."""
    if "enum" in schema:
        return value in schema["enum"]
    return re.search(schema["pattern"], value) is not None


ZONES = [
    "Asia/Shanghai",
    "America/Argentina/Buenos_Aires",
    "UTC",
    "Etc/GMT-8",
    "localtime",
    "posixrules",
    "asia/shanghai",
    "Mars/Base",
    "../etc/passwd",
]


async def test_the_documented_time_zones_are_the_ones_the_api_takes(staff) -> None:
    schema = _body_property("POST", "/api/events", "zone")
    documented, taken = [], []

    for zone in ZONES:
        response = await staff.call("POST", "/api/events", json={**FORUM, "zone": zone})
        documented.append((zone, _documented(schema, zone)))
        taken.append((zone, response.status == 201))

    assert documented == taken
    assert DOCUMENT["components"]["schemas"]["Session"]["properties"]["zone"] == {
        "$ref": "#/components/schemas/TimeZone"
    }


LOCAL_TIMES = [
    "2027-05-01T09:30",
    "2027-05-01 09:30",
    "2027-05-01T09:30:15",
    "2027-05-01",
    "2027-05-01T09",
    "20270501T0930",
    "2027-W18-6T09:30",
    "2027-05-01T09:30+08:00",
    "09:30",
]


async def test_the_documented_local_times_are_the_ones_the_api_takes(staff, world) -> None:
    path = "/api/events/{event_id}/sessions"
    schema = _body_property("POST", path, "start")
    documented, taken = [], []

    for start in LOCAL_TIMES:
        response = await staff.call("POST", filled(path, world), json={**OPENING, "start": start})
        documented.append((start, _documented(schema, start)))
        taken.append((start, response.status == 201))

    assert documented == taken


async def test_the_documented_roles_per_kind_are_the_ones_the_api_takes(staff, world) -> None:
    roster_role = _body_property("POST", "/api/sessions/{session_id}/roster", "role")
    invite_role = _body_property("POST", "/api/sessions/{session_id}/invites", "role")
    by_kind = roster_role["x-roles-by-kind"]
    documented, taken = [], []

    for kind in by_kind:
        body = {**OPENING, "kind": kind}
        session = await _created(staff, f"/api/events/{world['event_id']}/sessions", body)
        session_path = f"/api/sessions/{session['session_id']}"
        for role in roster_role["enum"]:
            guest = {"type": "guest", "email": f"{kind}.{role}@example.org"}
            entry = await staff.call("POST", f"{session_path}/roster", json={
                "person": guest, "role": role
            })  # fmt: skip
            invite = await staff.call("POST", f"{session_path}/invites", json={
                "role": role, "name": "Li"
            })  # fmt: skip
            documented.append((kind, role, role in by_kind[kind]))
            taken.append((kind, role, (entry.status, invite.status) == (201, 201)))

    assert documented == taken
    assert (invite_role["x-roles-by-kind"], invite_role["enum"]) == (by_kind, roster_role["enum"])


CONFLICTS = ["org:Fudan University", "project:Chip 2027", "friend:x", "org:", "expert:a b"]


async def test_the_documented_conflicts_are_the_ones_the_api_takes(staff, world) -> None:
    items = _body_property("POST", "/api/experts", "conflicts")["items"]
    samples = [*CONFLICTS, f"expert:{world['expert_id']}"]
    documented, taken = [], []

    for n, conflict in enumerate(samples):
        body = {"name": "Li", "email": f"li{n}@example.org", "conflicts": [conflict]}
        response = await staff.call("POST", "/api/experts", json=body)
        documented.append((conflict, _documented(items, conflict)))
        taken.append((conflict, response.status == 201))

    assert documented == taken
    expert = DOCUMENT["components"]["schemas"]["Expert"]["properties"]["conflicts"]
    assert expert["items"]["pattern"] == items["pattern"]


# the errors are translated


API_MODULES = [
    "__init__", "schema", "events", "sessions", "views", "openapi", "reviews", "review_conflicts",
    "results",
    "review_materials",
]  # fmt: skip
ERRORS = {"ApiError", "DomainError", "NotFound", "Conflict", "Forbidden", "_wrong"}


def _error_templates(source: str) -> list[str]:
    """The message templates of the errors raised in a module's source."""
    calls = [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)]
    names = [(call, getattr(call.func, "id", getattr(call.func, "attr", ""))) for call in calls]
    return [
        arg.value
        for call, name in names
        if name in ERRORS
        for arg in call.args
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and " " in arg.value
    ]


@pytest.mark.parametrize("module", API_MODULES)
def test_every_error_of_the_api_has_a_chinese_translation(module) -> None:
    source = (Path(__file__).parents[2] / "server" / "api" / f"{module}.py").read_text()
    chinese = load_catalogs()["zh_CN"]

    untranslated = [t for t in _error_templates(source) if chinese.gettext(t) == t]

    assert untranslated == []
