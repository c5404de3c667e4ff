"""The console's review preparation on a review session's page: items, rubric and its
templates, settings, reviewers' conflicts and the expert picker that shows a candidate's
conflicts before adding them. Every form carries the CSRF token, says what it did, and a
refused one keeps what was typed and writes nothing."""

import html
import re
from datetime import UTC, datetime

import pytest
from aiohttp import FormData

from rooms.agenda import PersonType, RosterEntry, person_key
from rooms.conflicts import NoteKind
from rooms.roles import Role
from server import agenda, reviews
from server.files import file_path, files_root
from server.store import keys
from server.store.review import score_field
from tests.fixtures_files import make_pdf
from tests.server.pages_world import csrf_of, make_event, make_session, sign_in, staff_of_new_org

NOW = datetime(2030, 4, 1, tzinfo=UTC)
ZH = {"Accept-Language": "zh-CN"}
ROW = {"criteria_rows": "2", "recommendation_rows": "0"}
NOVELTY = {
    "c1_name_zh": "创新性",
    "c1_name_en": "Novelty",
    "c1_weight": "2",
    "c1_min": "1",
    "c1_max": "5",
}


@pytest.fixture
async def world(client, store):  # type: ignore[no-untyped-def]
    host = await staff_of_new_org(store, email="host@example.org")
    event = await make_event(store, host)
    session = await make_session(
        store, event, title="Panel", start="2030-05-01T09:00", end="2030-05-01T12:00", kind="review"
    )
    await sign_in(client, host)
    return {"host": host, "session": session, "page": f"/console/sessions/{session.session_id}"}


async def post(client, page: str, path: str, form: dict[str, str], **kwargs):  # type: ignore[no-untyped-def]
    token = csrf_of(await (await client.get(page)).text())
    data = form | {"csrf_token": token}
    return await client.post(page + path, data=data, allow_redirects=False, **kwargs)


def error_of(page: str) -> str:
    found = re.search(r'<p class="form-error" role="alert">(.*?)</p>', page, re.S)
    assert found is not None, page
    return html.unescape(found.group(1))


def flash_of(page: str) -> str:
    found = re.search(r'<p class="flash success" role="status">(.*?)</p>', page, re.S)
    assert found is not None
    return html.unescape(found.group(1))


async def add_items(store, session, *titles: str, org: str = "") -> list[str]:  # type: ignore[no-untyped-def]
    made = []
    for title in titles:
        fields = {"title_en": title, "applicant_org": org}
        made.append(
            (await reviews.add_item(store, session=session, fields=fields, now=NOW)).item_id
        )
    return made


async def test_a_review_page_has_its_preparation_sections_in_both_languages(client, world) -> None:
    english = await (await client.get(world["page"])).text()
    chinese = await (await client.get(world["page"], headers=ZH)).text()

    for heading in ("Items", "Rubric", "Review settings", "Reviewers and conflicts"):
        assert f">{heading}</h2>" in english
    for heading in ("评审项目", "评分细则", "评审设置", "评审专家与利益冲突"):
        assert f">{heading}</h2>" in chinese


async def test_a_meeting_page_has_none_of_them(client, store, world) -> None:
    event = await agenda.load_event(store, world["session"].event_id)
    meeting = await make_session(
        store, event, title="Talk", start="2030-05-01T13:00", end="2030-05-01T14:00"
    )

    page = await (await client.get(f"/console/sessions/{meeting.session_id}")).text()

    assert 'id="items"' not in page
    assert 'id="rubric"' not in page


async def test_an_item_is_added_and_the_page_says_so(client, store, world) -> None:
    form = {
        "title_en": "Chip",
        "applicant_org": "复旦大学",
        "present_minutes": "12",
        "qa_minutes": "",
    }

    response = await post(client, world["page"], "/items", form)
    page = await (await client.get(response.headers["Location"], headers=ZH)).text()

    assert response.status == 303
    assert response.headers["Location"] == f"{world['page']}?done=item_added#items"
    items = await store.review.items(world["session"].session_id)
    assert [(i.title_en, i.applicant_org, i.present_minutes, i.qa_minutes) for i in items] == [
        ("Chip", "复旦大学", 12, 5)
    ]
    assert flash_of(page) == "评审项目已添加。"


async def test_an_item_without_a_title_is_refused_keeping_the_input(client, store, world) -> None:
    response = await post(client, world["page"], "/items", {"applicant_name": "李明"}, headers=ZH)
    page = await response.text()

    assert response.status == 400
    assert error_of(page) == "评审项目需要标题。"
    assert 'value="李明"' in page
    assert await store.review.items(world["session"].session_id) == []


async def test_items_are_edited_moved_and_removed(client, store, world) -> None:
    sid = world["session"].session_id
    chip, drug, soil = await add_items(store, world["session"], "Chip", "Drug", "Soil")

    edited = await post(
        client, world["page"], f"/items/{chip}", {"title_en": "Chip 2", "qa_minutes": "9"}
    )
    moved = await post(client, world["page"], f"/items/{soil}/move", {"direction": "up"})
    removed = await post(client, world["page"], f"/items/{drug}/delete", {})

    assert [r.status for r in (edited, moved, removed)] == [303, 303, 303]
    assert [(i.title_en, i.qa_minutes) for i in await store.review.items(sid)] == [
        ("Chip 2", 9),
        ("Soil", 5),
    ]


async def test_a_refused_edit_shows_its_item_form_open_with_the_message(
    client, store, world
) -> None:
    (chip,) = await add_items(store, world["session"], "Chip")

    response = await post(
        client, world["page"], f"/items/{chip}", {"title_en": "Chip", "qa_minutes": "999"}
    )
    page = await response.text()

    assert response.status == 400
    assert error_of(page) == "qa_minutes must be between 0 and 240 minutes."
    assert 'value="999"' in page
    assert "<details open>" in page


async def test_the_rubric_form_saves_rows_and_anchors(client, store, world) -> None:
    form = ROW | NOVELTY | {"c1_anchors": "1 = 差\n5 = 杰出", "comment_required": "on"}

    response = await post(client, world["page"], "/rubric", form)

    rubric = await store.review.rubric(world["session"].session_id)
    assert response.status == 303
    assert rubric is not None
    assert [(c.name_en, c.weight, c.scale_min, c.scale_max) for c in rubric.criteria] == [
        ("Novelty", 2.0, 1, 5)
    ]
    assert [(a.value, a.label) for a in rubric.criteria[0].anchors] == [(1, "差"), (5, "杰出")]
    assert [r.code for r in rubric.recommendations] == ["fund", "revise", "reject"]
    assert rubric.comment_required is True


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"c1_weight": "-1"}, "权重不能为负数。"),
        ({"c1_weight": "heavy"}, "weight 必须是数字。"),
        ({"c1_weight": "0"}, "权重不能全为零。"),
        ({"c1_anchors": "9 = 超出"}, "锚点分值 9 超出量表范围 1..5。"),
        ({"c1_anchors": "very good"}, "每个锚点单独一行，写成“分值 = 说明”，例如 5 = 杰出。"),
    ],
)
async def test_a_rubric_that_cannot_be_scored_is_refused_and_nothing_written(
    client, store, world, change, message
) -> None:
    response = await post(client, world["page"], "/rubric", ROW | NOVELTY | change, headers=ZH)

    assert response.status == 400
    assert error_of(await response.text()) == message
    assert await store.review.rubric(world["session"].session_id) is None


async def test_a_frozen_rubric_says_so_and_refuses_a_change(client, store, world) -> None:
    sid = world["session"].session_id
    (chip,) = await add_items(store, world["session"], "Chip")
    await post(client, world["page"], "/rubric", ROW | NOVELTY)
    await store.redis.hset(keys.review_scores(sid), score_field(chip, "expert:e1"), "{}")

    page = await (await client.get(world["page"])).text()
    response = await post(client, world["page"], "/rubric", ROW | NOVELTY | {"c1_weight": "3"})

    assert "The rubric is frozen: items have been scored." in page
    assert response.status == 409
    assert error_of(await response.text()) == "The rubric is frozen: item “Chip” has scores."
    rubric = await store.review.rubric(sid)
    assert rubric is not None and rubric.criteria[0].weight == 2.0


async def test_a_rubric_is_saved_as_a_template_and_loaded_into_another_review(
    client, store, world
) -> None:
    await post(client, world["page"], "/rubric", ROW | NOVELTY)
    event = await agenda.load_event(store, world["session"].event_id)
    other = await make_session(
        store,
        event,
        title="Panel 2",
        start="2030-05-02T09:00",
        end="2030-05-02T10:00",
        kind="review",
    )
    other_page = f"/console/sessions/{other.session_id}"

    saved = await post(
        client, world["page"], "/rubric/template", {"save_as": "国家基金", "save": "1"}
    )
    loaded = await post(
        client, other_page, "/rubric/template", {"template": "国家基金", "load": "1"}
    )

    assert (saved.status, loaded.status) == (303, 303)
    assert await store.review.rubric(other.session_id) == await store.review.rubric(
        world["session"].session_id
    )
    assert loaded.headers["Location"] == f"{other_page}?done=template_applied#rubric"


async def test_review_settings_are_saved(client, store, world) -> None:
    response = await post(client, world["page"], "/review-settings", {"double_blind": "on"})

    settings = await store.review.settings(world["session"].session_id)
    assert response.status == 303
    assert (settings.blind, settings.double_blind, settings.downloads_allowed) == (
        True,
        True,
        False,
    )


async def expert_reviewer(store, world, **fields: str) -> str:  # type: ignore[no-untyped-def]
    expert = await store.experts.create(org_id=world["host"].org_id, fields=fields, now=NOW)
    key = person_key(PersonType.EXPERT, expert.expert_id)
    entry = RosterEntry(person_key=key, role=Role.REVIEWER, name=expert.name, email=expert.email)
    await agenda.add_to_roster(store, session=world["session"], entry=entry, now=NOW)
    return key


async def test_the_conflict_grid_shows_a_conflict_and_staff_waive_it_with_a_reason(
    client, store, world
) -> None:
    (chip,) = await add_items(store, world["session"], "Chip", org="复旦大学")
    wang = await expert_reviewer(store, world, name="Wang", email="w@f.edu", affiliation="复旦大学")

    page = await (await client.get(world["page"])).text()
    blank = await post(
        client,
        world["page"],
        "/conflicts",
        {"item_id": chip, "person_key": wang, "action": "waived", "reason": ""},
    )
    waived = await post(
        client,
        world["page"],
        "/conflicts",
        {"item_id": chip, "person_key": wang, "action": "waived", "reason": "retired"},
    )

    assert '<td class="conflicted">' in page
    assert "Organization: 复旦大学" in page
    assert blank.status == 400
    assert error_of(await blank.text()) == "reason is required."
    assert waived.headers["Location"] == f"{world['page']}?done=conflict_waived#conflicts"
    notes = await store.review.notes(world["session"].session_id)
    host_key = person_key(PersonType.ACCOUNT, world["host"].account_id)
    assert [(n.kind, n.reason, n.by) for n in notes] == [(NoteKind.WAIVED, "retired", host_key)]
    after = await (await client.get(world["page"])).text()
    assert '<td class="waived">' in after


async def test_the_expert_picker_shows_a_candidates_conflicts_before_adding(
    client, store, world
) -> None:
    await add_items(store, world["session"], "Chip", org="复旦大学")
    for name, affiliation in (("Wang", "复旦大学"), ("Zhao", "北京大学")):
        fields = {"name": name, "email": f"{name}@x.edu", "affiliation": affiliation}
        await store.experts.create(org_id=world["host"].org_id, fields=fields, now=NOW)

    page = await (await client.get(world["page"])).text()

    rows = re.findall(
        r'<tr id="candidate-\w+"( class="conflicted")?>\s*<td>\s*<span class="name">(\w+)', page
    )
    assert rows == [(' class="conflicted"', "Wang"), ("", "Zhao")]
    assert "Item 1 Chip:" in page
    picker = page[page.index("candidates") :]
    assert '<option value="reviewer" selected>' in picker


async def test_the_role_picker_of_a_review_defaults_to_reviewer(client, world) -> None:
    page = await (await client.get(world["page"])).text()

    assert re.findall(r'<option value="(\w+)" selected>', page)[:1] == ["reviewer"]


async def test_another_organizations_review_is_not_found(
    aiohttp_client, client, store, world
) -> None:
    outsider = await staff_of_new_org(store, email="other@example.org")
    browser = await aiohttp_client(client.server)
    await sign_in(browser, outsider)
    token = csrf_of(await (await browser.get("/console")).text())

    seen = await browser.get(world["page"])
    posted = await browser.post(
        world["page"] + "/items", data={"title_en": "X", "csrf_token": token}
    )

    assert (seen.status, posted.status) == (404, 404)
    assert await store.review.items(world["session"].session_id) == []


async def test_a_form_without_the_csrf_token_is_refused(client, store, world) -> None:
    response = await client.post(
        world["page"] + "/items", data={"title_en": "X"}, allow_redirects=False
    )

    assert response.status == 403
    assert await store.review.items(world["session"].session_id) == []


async def test_an_items_materials_are_listed_viewed_and_removed(
    client, store, settings, world
) -> None:
    (chip,) = await add_items(store, world["session"], "Chip")
    me = await (await client.get("/api/me")).json()
    form = FormData()
    form.add_field("file", make_pdf(1), filename="proposal.pdf", content_type="application/pdf")
    api = f"/api/sessions/{world['session'].session_id}/items/{chip}/materials"
    file_id = (
        await (await client.post(api, data=form, headers={"X-CSRF-Token": me["csrf_token"]})).json()
    )["file_id"]

    page = await (await client.get(world["page"])).text()
    viewer = await client.get(f"{world['page']}/materials/{file_id}")
    removed = await post(client, world["page"], f"/items/{chip}/materials/{file_id}/delete", {})

    assert f'<a href="{world["page"]}/materials/{file_id}">proposal.pdf</a>' in page
    assert f'data-upload="{api}"' in page
    assert viewer.status == 200
    assert (
        f'data-file-url="/api/sessions/{world["session"].session_id}/materials/{file_id}"'
        in await viewer.text()
    )
    assert removed.headers["Location"] == f"{world['page']}?done=material_removed#item-{chip}"
    assert await store.review.materials(world["session"].session_id, chip) == []
    assert not file_path(files_root(settings), file_id).exists()
