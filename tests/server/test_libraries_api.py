"""/api/demands and /api/achievements: the libraries through the REST API, on a real Redis."""

import pytest

from server.store import Store
from tests.server.fixtures_login import Staff, sign_in_staff

BATTERY_DEMAND = {
    "title": "退役动力电池回收", "description": "需要锂电池正极材料回收技术。",
    "disciplines": ["0805"], "industry": "新能源汽车", "budget_min": 50, "budget_max": 200,
    "deadline": "2027-06-30", "contact": "刘经理 138", "public": True,
}  # fmt: skip
BATTERY_ACHIEVEMENT = {
    "title": "锂电池正极材料直接再生", "description": "退役锂电池正极材料的回收与再生。",
    "disciplines": ["0805", "0817"], "trl": 6, "transfer_modes": ["license", "joint"],
    "patents": ["CN202210123456.7"], "public": True,
}  # fmt: skip
OTHER_ACHIEVEMENT = {
    "title": "Fundus image screening", "description": "Deep learning reads retinal images.",
    "disciplines": ["1002"], "trl": 6, "transfer_modes": ["license"],
}  # fmt: skip


@pytest.fixture
async def staff(client, store: Store) -> Staff:
    return await sign_in_staff(client, store, email="staff@example.org")


async def created(staff: Staff, kind: str, body: dict) -> dict:
    response = await staff.call("POST", f"/api/{kind}s", json=body)
    assert response.status == 201, await response.text()
    return await response.json()


async def test_libraries_api_needs_a_signed_in_account(client) -> None:
    for path in ("/api/demands", "/api/achievements", "/api/demands.csv"):
        response = await client.get(path)
        assert (response.status, (await response.json())["error"]["code"]) == (401, "unauthorized")


async def test_create_and_read_a_demand(staff: Staff) -> None:
    made = await created(staff, "demand", BATTERY_DEMAND)

    again = await (await staff.call("GET", f"/api/demands/{made['id']}")).json()

    assert again == made
    assert {k: made[k] for k in ("status", "budget_min", "deadline", "disciplines")} == {
        "status": "open", "budget_min": 50, "deadline": "2027-06-30", "disciplines": ["0805"],
    }  # fmt: skip


async def test_a_bad_field_is_a_translated_400_and_nothing_is_written(staff: Staff) -> None:
    body = {**BATTERY_DEMAND, "disciplines": ["9999"]}

    response = await staff.call(
        "POST", "/api/demands", json=body, headers={"Accept-Language": "zh-CN"}
    )
    listed = await (await staff.call("GET", "/api/demands")).json()

    error = (await response.json())["error"]
    assert (response.status, error["code"]) == (400, "unknown_discipline")
    assert "未知学科" in error["message"]
    assert listed == []


async def test_patch_status_and_delete(staff: Staff) -> None:
    made = await created(staff, "demand", BATTERY_DEMAND)
    path = f"/api/demands/{made['id']}"

    patched = await (await staff.call("PATCH", path, json={"industry": "储能"})).json()
    matched = await staff.call("POST", f"{path}/status", json={"status": "matched"})
    back = await staff.call("POST", f"{path}/status", json={"status": "open"})
    deleted = await staff.call("DELETE", path)
    gone = await staff.call("GET", path)

    assert (patched["industry"], patched["title"]) == ("储能", BATTERY_DEMAND["title"])
    assert (await matched.json())["status"] == "matched"
    assert (back.status, (await back.json())["error"]["code"]) == (400, "invalid_status_change")
    assert (deleted.status, gone.status) == (204, 404)


async def test_another_organizations_entry_is_not_found(
    client, staff: Staff, store: Store, aiohttp_client
) -> None:
    made = await created(staff, "achievement", BATTERY_ACHIEVEMENT)
    other = await sign_in_staff(await aiohttp_client(client.server), store, email="o@example.org")

    responses = [
        await other.call("GET", f"/api/achievements/{made['id']}"),
        await other.call("PATCH", f"/api/achievements/{made['id']}", json={"trl": 9}),
        await other.call("GET", f"/api/achievements/{made['id']}/pitch-card"),
    ]

    assert [r.status for r in responses] == [404, 404, 404]
    assert await (await other.call("GET", "/api/achievements")).json() == []


async def test_search_ranks_by_relevance_and_refuses_an_empty_query(staff: Staff) -> None:
    battery = await created(staff, "achievement", BATTERY_ACHIEVEMENT)
    await created(staff, "achievement", OTHER_ACHIEVEMENT)

    found = await (await staff.call("GET", "/api/achievements?q=电池回收")).json()
    english = await (await staff.call("GET", "/api/achievements?q=retinal+image")).json()
    filtered = await (await staff.call("GET", "/api/achievements?trl_min=7")).json()
    empty = await staff.call("GET", "/api/achievements?q=+", headers={"Accept-Language": "zh-CN"})

    assert [f["id"] for f in found] == [battery["id"]] and found[0]["score"] > 0
    assert [f["title"] for f in english] == ["Fundus image screening"]
    assert filtered == []
    error = (await empty.json())["error"]
    assert (empty.status, error["code"]) == (400, "empty_search")
    assert "请输入要搜索的词语" in error["message"]


async def test_matches_give_reasons_both_ways(staff: Staff, store: Store) -> None:
    demand = await created(staff, "demand", BATTERY_DEMAND)
    battery = await created(staff, "achievement", BATTERY_ACHIEVEMENT)
    await created(staff, "achievement", OTHER_ACHIEVEMENT)
    await store.experts.create(
        org_id=staff.org.org_id,
        fields={"name": "王芳", "email": "wang@example.org", "disciplines": ["0805"],
                "tags": ["电池材料"]},
        now=staff.account.created_at,
    )  # fmt: skip
    await store.investors.create(
        org_id=staff.org.org_id,
        fields={"name": "赵敏", "email": "zhao@fund.example.com", "disciplines": ["0805"],
                "industries": ["新能源汽车"]},
        now=staff.account.created_at,
    )  # fmt: skip

    for_demand = await (await staff.call("GET", f"/api/demands/{demand['id']}/matches")).json()
    for_achievement = await (
        await staff.call("GET", f"/api/achievements/{battery['id']}/matches")
    ).json()

    top = for_demand["listings"][0]
    assert [m["id"] for m in for_demand["listings"]] == [battery["id"]]
    assert top["shared_disciplines"] == ["0805"] and "回收" in top["shared_terms"]
    assert [e["name"] for e in for_demand["experts"]] == ["王芳"]
    assert for_demand["experts"][0]["shared_disciplines"] == ["0805"]
    assert [(i["name"], i["shared_terms"][:1]) for i in for_demand["investors"]] == [
        ("赵敏", ["新能源"]),
    ]  # fmt: skip
    assert [m["id"] for m in for_achievement["listings"]] == [demand["id"]]


async def test_pitch_card_sums_up_an_achievement(staff: Staff) -> None:
    made = await created(staff, "achievement", BATTERY_ACHIEVEMENT)

    card = await (await staff.call("GET", f"/api/achievements/{made['id']}/pitch-card")).json()

    assert card == {
        "achievement_id": made["id"], "title": "锂电池正极材料直接再生", "holder": "", "trl": 6,
        "disciplines": ["0805", "0817"], "transfer_modes": ["license", "joint"], "patents": 1,
        "summary": "退役锂电池正极材料的回收与再生。",
    }  # fmt: skip


CSV_OK = (
    "title,description,trl,transfer_modes,disciplines\n"
    "膜分离废水回用,纳滤膜分离,6,joint,0830\n"
    "=cmd|' /C calc'!A0,formula title,3,license,\n"
)


async def test_csv_import_and_export_round_trip(staff: Staff) -> None:
    imported = await staff.call(
        "POST",
        "/api/achievements/import",
        data=CSV_OK.encode(),
        headers={"Content-Type": "text/csv"},
    )
    export = await staff.call("GET", "/api/achievements.csv")
    text = await export.text()

    assert await imported.json() == {"created": 2, "updated": 0}
    assert text.startswith("\ufeffachievement_id,title,")
    assert ",'=cmd|" in text  # defused: a spreadsheet shows it, does not run it
    again = await staff.call(
        "POST", "/api/achievements/import", data=text.encode(), headers={"Content-Type": "text/csv"}
    )
    titles = sorted(a["title"] for a in await (await staff.call("GET", "/api/achievements")).json())
    assert await again.json() == {"created": 0, "updated": 2}
    assert titles == ["=cmd|' /C calc'!A0", "膜分离废水回用"]


async def test_a_csv_with_a_bad_row_imports_nothing_and_names_the_row(staff: Staff) -> None:
    data = CSV_OK + "Unknown field,x,5,license,9999\n"

    response = await staff.call(
        "POST", "/api/achievements/import", data=data.encode(),
        headers={"Content-Type": "text/csv", "Accept-Language": "zh-CN"},
    )  # fmt: skip
    listed = await (await staff.call("GET", "/api/achievements")).json()

    error = (await response.json())["error"]
    assert (response.status, error["code"]) == (400, "invalid_rows")
    assert [(r["line"], r["code"]) for r in error["rows"]] == [(4, "unknown_discipline")]
    assert "未知学科" in error["rows"][0]["message"]
    assert listed == []


async def test_a_csv_row_with_another_organizations_id_is_refused(staff: Staff) -> None:
    data = "demand_id,title,description\nnot-mine,a,b\n"

    response = await staff.call(
        "POST", "/api/demands/import", data=data.encode(), headers={"Content-Type": "text/csv"}
    )

    error = (await response.json())["error"]
    assert [(r["line"], r["code"]) for r in error["rows"]] == [(2, "unknown_id")]
