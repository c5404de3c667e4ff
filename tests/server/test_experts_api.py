import io
from datetime import UTC, datetime

import pytest

from server.store import Store
from tests.server.fixtures_login import Staff, sign_in_staff


@pytest.fixture
async def staff(client, store: Store) -> Staff:
    return await sign_in_staff(client, store, email="staff@example.org")


def import_csv(staff: Staff, data, **headers: str):  # type: ignore[no-untyped-def]
    headers = {"Content-Type": "text/csv", **headers}
    return staff.call("POST", "/api/experts/import", data=data, headers=headers)


async def add(staff: Staff, name: str, email: str, **fields: object) -> dict:
    response = await staff.call(
        "POST", "/api/experts", json={"name": name, "email": email, **fields}
    )
    assert response.status == 201
    return await response.json()


async def test_experts_api_needs_a_signed_in_account(client) -> None:
    response = await client.get("/api/experts")

    assert response.status == 401
    assert (await response.json())["error"]["code"] == "unauthorized"


async def test_create_expert_returns_it_normalized(client, staff: Staff) -> None:
    response = await staff.call(
        "POST",
        "/api/experts",
        json={
            "name": " Wang  Li ",
            "email": "Wang@Example.org",
            "disciplines": ["计算机科学与技术", "0701"],
            "tags": ["AI"],
            "conflicts": ["org: Fudan"],
        },
    )

    body = await response.json()
    assert response.status == 201
    assert {k: body[k] for k in ("name", "email", "disciplines", "tags", "conflicts")} == {
        "name": "Wang Li",
        "email": "wang@example.org",
        "disciplines": ["0812", "0701"],
        "tags": ["AI"],
        "conflicts": ["org:Fudan"],
    }
    assert body["created_at"].endswith("Z")


async def test_create_expert_without_csrf_token_is_refused(client, staff: Staff) -> None:
    response = await client.post("/api/experts", json={"name": "A", "email": "a@example.org"})

    assert response.status == 403


async def test_get_list_and_filter_experts(client, staff: Staff) -> None:
    wang = await add(staff, "Wang Li", "wang@example.org", disciplines=["0812"], affiliation="PKU")
    await add(staff, "Chen Jie", "chen@example.org", disciplines=["0701"], affiliation="PKU")

    one = await (await client.get(f"/api/experts/{wang['expert_id']}")).json()
    everyone = await (await client.get("/api/experts")).json()
    computing = await (await client.get("/api/experts?discipline=0812")).json()
    at_pku = await (
        await client.get("/api/experts", params={"affiliation": "pku", "q": "chen"})
    ).json()

    assert one == wang
    assert [e["name"] for e in everyone] == ["Chen Jie", "Wang Li"]
    assert computing == [wang]
    assert [e["name"] for e in at_pku] == ["Chen Jie"]


async def test_list_with_an_unknown_discipline_is_a_bad_request(client, staff: Staff) -> None:
    response = await client.get("/api/experts?discipline=alchemy")

    assert response.status == 400
    assert (await response.json())["error"]["code"] == "unknown_discipline"


async def test_another_organizations_expert_is_not_found(
    client, staff: Staff, store: Store
) -> None:
    theirs = await store.experts.create(
        org_id="other-org", fields={"name": "X", "email": "x@example.org"}, now=datetime.now(UTC)
    )
    path = f"/api/experts/{theirs.expert_id}"

    statuses = [
        (await client.get(path)).status,
        (await staff.call("PATCH", path, json={"name": "Mine now"})).status,
        (await staff.call("DELETE", path)).status,
    ]

    assert statuses == [404, 404, 404]
    assert await store.experts.get(theirs.expert_id) == theirs


async def test_patch_changes_only_the_given_fields(client, staff: Staff) -> None:
    wang = await add(staff, "Wang Li", "wang@example.org", title="Professor", tags=["AI"])

    response = await staff.call(
        "PATCH", f"/api/experts/{wang['expert_id']}", json={"title": "Fellow"}
    )

    body = await response.json()
    assert response.status == 200
    assert (body["name"], body["title"], body["tags"]) == ("Wang Li", "Fellow", ["AI"])


async def test_delete_removes_the_expert(client, staff: Staff) -> None:
    wang = await add(staff, "Wang Li", "wang@example.org")

    response = await staff.call("DELETE", f"/api/experts/{wang['expert_id']}")

    assert response.status == 204
    assert (await client.get(f"/api/experts/{wang['expert_id']}")).status == 404


async def test_duplicate_email_is_a_conflict(client, staff: Staff) -> None:
    await add(staff, "Wang Li", "wang@example.org")

    response = await staff.call(
        "POST", "/api/experts", json={"name": "W", "email": "WANG@example.org"}
    )

    assert response.status == 409
    assert (await response.json())["error"]["code"] == "email_taken"


async def test_bad_bodies_are_refused_with_400(client, staff: Staff) -> None:
    bodies = [
        {"name": "A", "email": "a@example.org", "phone": "1"},
        {"name": "A", "email": "a@example.org", "tags": "AI"},
        {"name": 5, "email": "a@example.org"},
        {"name": "A"},
        {"name": "A", "email": "not an email"},
        {"name": "A", "email": "a@example.org", "disciplines": ["alchemy"]},
        {"name": "A", "email": "a@example.org", "conflicts": ["friend:x"]},
        {"name": "A", "email": "a@example.org", "conflicts": ["expert:missing"]},
        [],
    ]

    codes = []
    for body in bodies:
        response = await staff.call("POST", "/api/experts", json=body)
        codes.append((response.status, (await response.json())["error"]["code"]))

    assert codes == [
        (400, "unknown_field"),
        (400, "invalid_type"),
        (400, "invalid_type"),
        (400, "missing_field"),
        (400, "invalid_email"),
        (400, "unknown_discipline"),
        (400, "invalid_conflict"),
        (400, "unknown_expert"),
        (400, "invalid_body"),
    ]


async def test_disciplines_lists_codes_with_both_labels(client, staff: Staff) -> None:
    disciplines = await (await client.get("/api/disciplines")).json()

    assert {"code": "0812", "zh": "计算机科学与技术", "en": "Computer Science and Technology",
            "group": "08"} in disciplines  # fmt: skip
    assert len(disciplines) == len({d["code"] for d in disciplines})


async def test_export_is_csv_with_a_bom_and_defused_formulas(client, staff: Staff) -> None:
    await add(staff, "=SUM(A1)", "a@example.org", disciplines=["0701"])

    response = await client.get("/api/experts.csv")

    assert response.status == 200
    assert response.content_type == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="experts.csv"'
    assert (await response.read()).decode("utf-8") == (
        "\ufeffname,title,affiliation,disciplines,tags,email,conflicts\r\n"
        "'=SUM(A1),,,0701,,a@example.org,\r\n"
    )


async def test_import_adds_and_updates_then_reports_counts(client, staff: Staff) -> None:
    await add(staff, "Wang Li", "wang@example.org")
    data = (
        "name,email,title\r\nWang Li,wang@example.org,Professor\r\n张伟,zhang@example.cn,教授\r\n"
    )

    response = await import_csv(staff, data.encode())

    assert (response.status, await response.json()) == (200, {"created": 1, "updated": 1})
    listed = await (await client.get("/api/experts")).json()
    assert [(e["name"], e["title"]) for e in listed] == [("Wang Li", "Professor"), ("张伟", "教授")]


async def test_import_with_bad_rows_lists_them_and_imports_nothing(client, staff: Staff) -> None:
    data = "name,email\r\nGood,good@example.org\r\n,nameless@example.org\r\nBad,bad\r\n"

    response = await import_csv(staff, data.encode())

    assert response.status == 400
    assert await response.json() == {
        "error": {
            "code": "invalid_rows",
            "message": "Errors in the file: 2. Nothing was imported.",
            "rows": [
                {"line": 3, "code": "missing_field", "message": "Field name is required."},
                {
                    "line": 4,
                    "code": "invalid_email",
                    "message": "bad is not a valid email address.",
                },
            ],
        }
    }
    assert await (await client.get("/api/experts")).json() == []


async def test_import_row_errors_are_translated(client, staff: Staff) -> None:
    response = await import_csv(
        staff, b"name,email\r\n,a@example.org\r\n", **{"Accept-Language": "zh-CN"}
    )

    error = (await response.json())["error"]
    assert (error["message"], error["rows"][0]["message"]) == (
        "文件中有 1 处错误，未导入任何内容。",
        "字段 name 为必填项。",
    )


async def test_import_refuses_other_media_types(client, staff: Staff) -> None:
    response = await staff.call("POST", "/api/experts/import", json={"name": "A"})

    assert response.status == 415


async def test_import_refuses_files_over_the_size_cap(client, staff: Staff) -> None:
    too_big = b"name,email\r\n" + b"x" * (2 * 1024 * 1024)

    async def chunks():  # type: ignore[no-untyped-def]
        for start in range(0, len(too_big), 256 * 1024):
            yield too_big[start : start + 256 * 1024]

    declared = await import_csv(staff, io.BytesIO(too_big))
    streamed = await import_csv(staff, chunks())

    assert (declared.status, streamed.status) == (413, 413)
    assert (await streamed.json())["error"]["code"] == "body_too_large"


async def test_openapi_documents_every_expert_route(client) -> None:
    document = await (await client.get("/api/openapi.json")).json()

    documented = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if "experts" in operations[method]["tags"]
    }
    assert documented == {
        ("GET", "/api/experts"),
        ("POST", "/api/experts"),
        ("GET", "/api/experts.csv"),
        ("POST", "/api/experts/import"),
        ("GET", "/api/experts/{expert_id}"),
        ("PATCH", "/api/experts/{expert_id}"),
        ("DELETE", "/api/experts/{expert_id}"),
        ("GET", "/api/disciplines"),
    }
    assert document["components"]["schemas"]["Expert"]["required"][0] == "expert_id"
