"""The libraries' pages: public lists and entries (search, filters, escaping, who sees a
contact), and the console (forms with CSRF, status, import, matches), on a real Redis."""

from datetime import UTC, datetime

import aiohttp
import pytest
from yarl import URL

from rooms.listings import Demand
from server import libraries
from server.store import Store
from tests.server.fixtures_login import Staff, sign_in_staff

NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
async def staff(client, store: Store) -> Staff:
    return await sign_in_staff(client, store, email="staff@example.org")


async def add(store: Store, org_id: str, kind: str, **fields: object):  # type: ignore[no-untyped-def]
    base: dict[str, object] = {"description": "电池回收技术", "public": True}
    if kind == "achievement":
        base |= {"trl": 6, "transfer_modes": ["license"]}
    return await libraries.create(store, kind, org_id=org_id, fields=base | fields, now=NOW)


def form(staff: Staff, **fields: str | list[str]) -> aiohttp.FormData:
    data = aiohttp.FormData()
    data.add_field("csrf_token", staff.csrf_token)
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            data.add_field(name, item)
    return data


async def text_of(response: aiohttp.ClientResponse) -> str:
    return " ".join((await response.text()).split())


async def test_public_list_shows_public_entries_only_escaped(client, store: Store) -> None:
    await add(store, "org1", "demand", title=f"电池回收 {SCRIPT}")
    await add(store, "org1", "demand", title="Hidden need", public=False)

    page = await (await client.get("/demands")).text()

    assert "电池回收 &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert SCRIPT not in page and "Hidden need" not in page


async def test_public_search_ranks_and_filters_in_both_languages(client, store: Store) -> None:
    await add(store, "org1", "achievement", title="锂电池再生", trl=7, disciplines=["0805"])
    await add(store, "org1", "achievement", title="Retinal images", description="deep learning")

    chinese = await text_of(await client.get("/achievements?q=锂电池", cookies={"lang": "zh_CN"}))
    english = await text_of(await client.get("/achievements?q=images"))
    mature = await text_of(await client.get("/achievements?trl_min=7"))

    assert "锂电池再生" in chinese and "Retinal images" not in chinese and "找到 1 条" in chinese
    assert "Retinal images" in english and "锂电池再生" not in english
    assert "锂电池再生" in mature and "Retinal images" not in mature


async def test_an_empty_public_search_says_so_in_the_viewers_language(client, store: Store) -> None:
    await add(store, "org1", "demand", title="电池回收")

    response = await client.get("/demands?q=+", cookies={"lang": "zh_CN"})

    page = await text_of(response)
    assert response.status == 400
    assert '<p class="form-error" role="alert">请输入要搜索的词语' in page
    assert "电池回收" in page  # the list is still there


async def test_contact_shows_to_staff_and_to_the_public_only_when_switched_on(
    client, staff: Staff, store: Store, aiohttp_client
) -> None:
    hidden = await add(store, staff.org.org_id, "demand", title="A", contact="王工 138-1")
    shown = await add(store, staff.org.org_id, "demand", title="B", contact="李工 139-2",
                      contact_public=True)  # fmt: skip
    visitor = await aiohttp_client(client.server)

    as_visitor = [
        await text_of(await visitor.get(f"/demands/{d.demand_id}")) for d in (hidden, shown)
    ]
    as_staff = await text_of(await client.get(f"/demands/{hidden.demand_id}"))

    assert (
        "王工 138-1" not in as_visitor[0]
        and "Through the association&#39;s staff." in as_visitor[0]
    )
    assert "李工 139-2" in as_visitor[1]
    assert "王工 138-1" in as_staff


async def test_a_private_entry_is_not_found_for_visitors(client, store: Store) -> None:
    private = await add(store, "org1", "achievement", title="Secret", public=False)

    response = await client.get(f"/achievements/{private.achievement_id}")

    assert response.status == 404


async def test_console_pages_send_visitors_to_sign_in(client) -> None:
    for path in ("/console/demands", "/console/achievements/new", "/console/demands/import"):
        response = await client.get(path, allow_redirects=False)
        assert (response.status, URL(response.headers["Location"]).path) == (303, "/login")


async def test_add_a_demand_then_move_its_status(client, staff: Staff, store: Store) -> None:
    created = await client.post(
        "/console/demands/new",
        data=form(staff, title="风电叶片监测", description="光纤传感", disciplines=["0801"],
                  budget_min="100", deadline="2027-03-01", public="yes"),
        allow_redirects=False,
    )  # fmt: skip
    path = created.headers["Location"]
    matched = await client.post(f"{path}/status", data=form(staff, status="matched"))
    page = await text_of(matched)

    (demand,) = await store.demands.many(await store.demands.ids_of(staff.org.org_id))
    assert created.status == 303 and path == f"/console/demands/{demand.demand_id}"
    assert isinstance(demand, Demand) and demand.status.value == "matched"
    assert (demand.budget_min, demand.disciplines, demand.public) == (100, ("0801",), True)
    assert "Mark as matched" not in page and "Close" in page


async def test_a_refused_form_keeps_the_input_and_writes_nothing(
    client, staff: Staff, store: Store
) -> None:
    response = await client.post(
        "/console/achievements/new",
        data=form(staff, title=SCRIPT, description="x", trl="6"),
        cookies={"lang": "zh_CN"},
    )

    page = await text_of(response)
    assert response.status == 400
    assert "请至少选择一种转化方式。" in page
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in page
    assert await store.achievements.ids_of(staff.org.org_id) == []


async def test_forms_without_csrf_token_are_refused(client, staff: Staff, store: Store) -> None:
    made = await add(store, staff.org.org_id, "demand", title="A")
    path = f"/console/demands/{made.demand_id}"

    responses = [
        await client.post("/console/demands/new", data={"title": "B", "description": "x"}),
        await client.post(f"{path}/status", data={"status": "closed"}),
        await client.post(f"{path}/delete", data={"confirm": "yes"}),
    ]

    assert [r.status for r in responses] == [403, 403, 403]
    assert await store.demands.get(made.demand_id) == made


async def test_another_organizations_entry_is_not_found_in_the_console(
    client, staff: Staff, store: Store
) -> None:
    theirs = await add(store, "other-org", "demand", title="Theirs")

    responses = [
        await client.get(f"/console/demands/{theirs.demand_id}"),
        await client.get(f"/console/demands/{theirs.demand_id}/matches"),
        await client.post(
            f"/console/demands/{theirs.demand_id}/delete", data=form(staff, confirm="yes")
        ),
    ]

    assert [r.status for r in responses] == [404, 404, 404]


async def test_import_with_an_unknown_discipline_lists_the_row_and_adds_nothing(
    client, staff: Staff, store: Store
) -> None:
    content = "标题,描述,学科\n电池回收,需要技术,0805\n芯片散热,需要材料,不存在的学科\n".encode()
    data = form(staff)
    data.add_field("file", content, filename="demands.csv", content_type="text/csv")

    response = await client.post("/console/demands/import", data=data, cookies={"lang": "zh_CN"})

    page = await text_of(response)
    assert response.status == 400
    assert "第 3 行" in page and "未知学科 &#39;不存在的学科&#39;" in page
    assert await store.demands.ids_of(staff.org.org_id) == []


async def test_matches_page_shows_the_reasons(client, staff: Staff, store: Store) -> None:
    demand = await add(
        store, staff.org.org_id, "demand", title="动力电池回收", disciplines=["0805"]
    )
    await add(store, staff.org.org_id, "achievement", title="锂电池正极再生", disciplines=["0805"])

    page = await text_of(await client.get(f"/console/demands/{demand.demand_id}/matches"))

    assert "锂电池正极再生" in page
    assert (
        'Shared disciplines: <span class="badge discipline">Materials Science and Engineering'
        in page
    )
    assert "Shared terms:" in page and '<span class="tag">回收</span>' in page


async def test_an_edit_is_saved_and_said_so(client, staff: Staff, store: Store) -> None:
    made = await add(store, staff.org.org_id, "achievement", title="旧标题")
    path = f"/console/achievements/{made.achievement_id}"

    response = await client.post(
        path,
        data=form(staff, title="新标题", description="电池", trl="7", transfer_modes=["joint"]),
        cookies={"lang": "zh_CN"},
    )

    saved = await store.achievements.get(made.achievement_id)
    assert response.url.path_qs == f"{path}?saved=1"
    assert "修改已保存。" in await response.text()
    assert saved is not None and (saved.title, saved.trl, saved.public) == ("新标题", 7, False)
    assert '<aside class="panel pitch-card" aria-label="路演卡片">' in await response.text()
