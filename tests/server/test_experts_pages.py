import re
from datetime import UTC, datetime

import aiohttp
import pytest
from yarl import URL

from server.app import make_app
from server.pages.experts import setup_expert_pages
from server.settings import Settings
from server.store import Store
from tests.server.fixtures_login import Staff, sign_in_staff

NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
async def client(aiohttp_client, settings: Settings, store: Store):  # type: ignore[no-untyped-def]
    """The whole app; the expert pages are added if server/pages does not mount them yet."""
    app = make_app(settings)
    if not any(r.canonical == "/console/experts" for r in app.router.resources()):
        setup_expert_pages(app)
    return await aiohttp_client(app)


@pytest.fixture
async def staff(client, store: Store) -> Staff:
    return await sign_in_staff(client, store, email="staff@example.org")


def form(staff: Staff, **fields: str | list[str]) -> aiohttp.FormData:
    data = aiohttp.FormData()
    data.add_field("csrf_token", staff.csrf_token)
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            data.add_field(name, item)
    return data


def upload(staff: Staff, content: bytes) -> aiohttp.FormData:
    data = form(staff)
    data.add_field("file", content, filename="experts.csv", content_type="text/csv")
    return data


async def add(store: Store, org_id: str, name: str, email: str, **fields: object):
    return await store.experts.create(
        org_id=org_id, fields={"name": name, "email": email, **fields}, now=NOW
    )


async def text_of(response: aiohttp.ClientResponse) -> str:
    return " ".join((await response.text()).split())


async def test_expert_pages_send_visitors_to_sign_in(client) -> None:
    response = await client.get("/console/experts?q=x", allow_redirects=False)

    location = URL(response.headers["Location"])
    assert (response.status, location.path) == (303, "/login")
    assert location.query["next"] == "/console/experts?q=x"


async def test_list_shows_the_organizations_experts_with_discipline_labels(
    client, staff: Staff, store: Store
) -> None:
    await add(store, staff.org.org_id, "Wang Li", "wang@example.org", disciplines=["0812"])
    await add(store, "other-org", "Not Mine", "x@example.org")

    page = await text_of(await client.get("/console/experts"))
    page_zh = await text_of(await client.get("/console/experts", cookies={"lang": "zh_CN"}))

    assert "Wang Li" in page and "Not Mine" not in page
    assert '<span class="badge discipline">Computer Science and Technology</span>' in page
    assert '<span class="badge discipline">计算机科学与技术</span>' in page_zh


async def test_list_filters_by_discipline_affiliation_and_words(
    client, staff: Staff, store: Store
) -> None:
    org = staff.org.org_id
    await add(store, org, "Wang Li", "wang@example.org", disciplines=["0812"], affiliation="PKU")
    await add(store, org, "Chen Jie", "chen@example.org", disciplines=["0701"], affiliation="PKU")
    await add(store, org, "Zhao Yun", "zhao@example.org", disciplines=["0812"], affiliation="SJTU")

    async def names(query: str) -> list[str]:
        page = await (await client.get("/console/experts" + query)).text()
        return re.findall(r'<a href="/console/experts/\w+">([^<]+)</a>', page)

    assert await names("") == ["Chen Jie", "Wang Li", "Zhao Yun"]
    assert await names("?discipline=0812") == ["Wang Li", "Zhao Yun"]
    assert await names("?discipline=0812&affiliation=pku") == ["Wang Li"]
    assert await names("?q=zhao") == ["Zhao Yun"]


async def test_add_an_expert_through_the_form(client, staff: Staff, store: Store) -> None:
    other = await add(store, staff.org.org_id, "Chen Jie", "chen@example.org")

    response = await client.post(
        "/console/experts/new",
        data=form(
            staff,
            name="Wang Li",
            title="Professor",
            email="wang@example.org",
            disciplines=["0812", "0701"],
            tags="AI，chips",
            conflict_experts="chen@example.org",
            conflict_orgs="Fudan\nSJTU",
            conflict_projects="Moon Base",
        ),
        allow_redirects=False,
    )

    assert (response.status, response.headers["Location"]) == (303, "/console/experts")
    (wang,) = await store.experts.search(staff.org.org_id, text="wang")
    assert (wang.title, wang.disciplines, wang.tags) == (
        "Professor",
        ("0812", "0701"),
        ("AI", "chips"),
    )
    assert wang.conflicts == (
        f"expert:{other.expert_id}",
        "org:Fudan",
        "org:SJTU",
        "project:Moon Base",
    )


async def test_a_refused_form_keeps_the_input_and_shows_why(
    client, staff: Staff, store: Store
) -> None:

    response = await client.post(
        "/console/experts/new",
        data=form(staff, name="Wang Li", email="wang@example.org", conflict_experts="no@one.org"),
    )

    page = await text_of(response)
    assert response.status == 400
    assert "No expert with the email no@one.org is in the pool." in page
    assert 'value="Wang Li"' in page
    assert await store.experts.count(staff.org.org_id) == 0


async def test_edit_form_shows_conflicting_experts_by_email_and_saves(
    client, staff: Staff, store: Store
) -> None:
    chen = await add(store, staff.org.org_id, "Chen Jie", "chen@example.org")
    wang = await add(
        store,
        staff.org.org_id,
        "Wang Li",
        "wang@example.org",
        conflicts=[f"expert:{chen.expert_id}"],
    )
    path = f"/console/experts/{wang.expert_id}"

    page = await text_of(await client.get(path))
    response = await client.post(
        path, data=form(staff, name="Wang Li", email="wang@example.org", title="Fellow"),
        allow_redirects=False,
    )  # fmt: skip

    assert '<textarea name="conflict_experts" rows="2">chen@example.org</textarea>' in page
    assert response.status == 303
    saved = await store.experts.get(wang.expert_id)
    assert (saved.title, saved.conflicts) == ("Fellow", ())


async def test_another_organizations_expert_page_is_not_found(
    client, staff: Staff, store: Store
) -> None:
    theirs = await add(store, "other-org", "Not Mine", "x@example.org")

    shown = await client.get(f"/console/experts/{theirs.expert_id}")
    deleted = await client.post(
        f"/console/experts/{theirs.expert_id}/delete", data=form(staff, confirm="yes")
    )

    assert (shown.status, deleted.status) == (404, 404)
    assert await store.experts.get(theirs.expert_id) == theirs


async def test_delete_needs_the_confirmation_box(client, staff: Staff, store: Store) -> None:
    wang = await add(store, staff.org.org_id, "Wang Li", "wang@example.org")
    path = f"/console/experts/{wang.expert_id}/delete"

    unconfirmed = await client.post(path, data=form(staff))
    confirmed = await client.post(path, data=form(staff, confirm="yes"), allow_redirects=False)

    assert (unconfirmed.status, confirmed.status) == (400, 303)
    assert await store.experts.get(wang.expert_id) is None


async def test_delete_without_csrf_token_is_refused(client, staff: Staff, store: Store) -> None:
    wang = await add(store, staff.org.org_id, "Wang Li", "wang@example.org")

    response = await client.post(
        f"/console/experts/{wang.expert_id}/delete", data={"confirm": "yes"}
    )

    assert response.status == 403
    assert await store.experts.get(wang.expert_id) == wang


async def test_import_a_file_then_see_the_summary(client, staff: Staff, store: Store) -> None:
    content = "姓名,邮箱,学科\r\n张伟,zhang@example.cn,数学\r\n".encode("gb18030")

    response = await client.post("/console/experts/import", data=upload(staff, content))

    assert response.status == 200
    assert response.url.path_qs == "/console/experts?created=1&updated=0"
    assert "Import done: 1 added, 0 updated." in await text_of(response)
    assert [e.name for e in await store.experts.search(staff.org.org_id)] == ["张伟"]


async def test_import_lists_every_bad_row_and_imports_nothing(
    client, staff: Staff, store: Store
) -> None:
    content = b"name,email\r\nGood,good@example.org\r\n,a@example.org\r\nBad,bad\r\n"

    response = await client.post("/console/experts/import", data=upload(staff, content))

    page = await text_of(response)
    assert response.status == 400
    assert "Errors in the file: 2. Nothing was imported." in page
    assert '<span class="line">Line 3</span> Field name is required.' in page
    assert '<span class="line">Line 4</span> bad is not a valid email address.' in page
    assert await store.experts.count(staff.org.org_id) == 0


async def test_import_without_a_file_asks_for_one(client, staff: Staff, store: Store) -> None:

    response = await client.post("/console/experts/import", data=form(staff))

    assert response.status == 400
    assert "Choose a CSV file to import." in await text_of(response)


@pytest.mark.parametrize(
    "path", ["/console/experts", "/console/experts/new", "/console/experts/import"]
)
async def test_expert_pages_have_no_inline_script_or_style(
    client, staff: Staff, store: Store, path: str
) -> None:
    await add(store, staff.org.org_id, "Wang Li", "wang@example.org", tags=["AI"])

    page = await (await client.get(path)).text()

    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>|\sstyle=|\son\w+=", page) == []
    assert page.count('name="csrf_token"') >= 1


async def test_import_page_speaks_chinese_when_asked(client, staff: Staff) -> None:

    page = await text_of(await client.get("/console/experts/import", cookies={"lang": "zh_CN"}))

    assert "<h1>导入专家</h1>" in page
    assert "编码为 UTF-8（Excel 另存为“CSV UTF-8”）或 GB18030；最多 5000 行、" in page


async def test_list_shows_import_counts_only_when_they_are_numbers(client, staff: Staff) -> None:
    shown = await text_of(await client.get("/console/experts?created=2&updated=0"))
    forged = await text_of(await client.get("/console/experts?created=all&updated=0"))

    assert "Import done: 2 added, 0 updated." in shown
    assert "Import done" not in forged
