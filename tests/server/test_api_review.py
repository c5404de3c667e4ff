"""The REST API of preparing a review: items and their order, the rubric and its templates,
review settings, reviewers' conflicts and candidate reviewers — staff of the session's
organization only, bad input refused with a translated message and nothing written."""

from datetime import UTC, datetime
from typing import Any

import pytest

from server.store import keys
from server.store.review import score_field
from tests.server.fixtures_login import Staff, sign_in_staff

FORUM = {
    "title_zh": "基金评审会",
    "zone": "Asia/Shanghai",
    "start_date": "2030-05-01",
    "end_date": "2030-05-02",
}
PANEL = {"kind": "review", "title": "Panel", "start": "2030-05-01T09:00", "end": "2030-05-01T12:00"}
NOVELTY = {"name_zh": "创新性", "name_en": "Novelty", "weight": 2, "scale_min": 1, "scale_max": 5}
TEAM = {"name_en": "Team", "weight": 1, "scale_min": 0, "scale_max": 10}
RUBRIC = {"criteria": [NOVELTY, TEAM], "comment_required": True}
ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
async def staff(client, store) -> Staff:
    return await sign_in_staff(client, store, email="host@example.org", name="Hu Host")


@pytest.fixture
async def outsider(aiohttp_client, client, store) -> Staff:
    """Staff of another organization, in a browser of their own."""
    browser = await aiohttp_client(client.server)
    return await sign_in_staff(browser, store, email="other@example.org")


async def created(staff: Staff, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await staff.call("POST", path, json=body)
    assert response.status == 201, await response.text()
    return await response.json()  # type: ignore[no-any-return]


async def new_review(staff: Staff, kind: str = "review") -> str:
    event = await created(staff, "/api/events", FORUM)
    session = await created(
        staff, f"/api/events/{event['event_id']}/sessions", {**PANEL, "kind": kind}
    )
    return f"/api/sessions/{session['session_id']}"


async def error_of(response) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    body = await response.json()
    return response.status, body["error"]["code"], body["error"]["message"]


async def titles(staff: Staff, review: str) -> list[str]:
    items = await (await staff.call("GET", f"{review}/items")).json()
    return [item["title_en"] for item in items]


# items --------------------------------------------------------------------------------------


async def test_items_are_added_listed_changed_and_removed(staff) -> None:
    review = await new_review(staff)
    chip = await created(
        staff, f"{review}/items", {"title_en": "Chip", "applicant_org": "复旦大学"}
    )
    drug = await created(staff, f"{review}/items", {"title_zh": "新药", "qa_minutes": 8})

    changed = await staff.call("PATCH", f"{review}/items/{chip['item_id']}", json={"qa_minutes": 3})
    removed = await staff.call("DELETE", f"{review}/items/{drug['item_id']}")

    assert (chip["position"], drug["position"], drug["title_zh"]) == (1, 2, "新药")
    assert changed.status == 200
    assert {k: (await changed.json())[k] for k in ("qa_minutes", "applicant_org")} == {
        "qa_minutes": 3,
        "applicant_org": "复旦大学",
    }
    assert removed.status == 204
    assert await titles(staff, review) == ["Chip"]


async def test_an_item_without_a_title_is_refused_in_the_callers_language(staff, store) -> None:
    review = await new_review(staff)

    response = await staff.call("POST", f"{review}/items", json={"qa_minutes": 3}, headers=ZH)

    assert await error_of(response) == (400, "missing_field", "评审项目需要标题。")
    assert await titles(staff, review) == []


async def test_items_are_reordered_when_the_order_names_every_item(staff) -> None:
    review = await new_review(staff)
    ids = [(await created(staff, f"{review}/items", {"title_en": t}))["item_id"] for t in "ABC"]

    response = await staff.call("PUT", f"{review}/item-order", json={"item_ids": ids[::-1]})

    assert response.status == 200
    assert [item["title_en"] for item in await response.json()] == ["C", "B", "A"]


async def test_a_reorder_made_before_an_item_was_added_is_refused_and_loses_nothing(
    staff, aiohttp_client, client, store
) -> None:
    review = await new_review(staff)
    for title in "AB":
        await created(staff, f"{review}/items", {"title_en": title})
    seen = await (await staff.call("GET", f"{review}/items")).json()  # staff 1 opens the list
    colleague = await sign_in_staff(
        await aiohttp_client(client.server), store, email="co@example.org", org=staff.org
    )
    await created(colleague, f"{review}/items", {"title_en": "C"})  # staff 2 adds an item

    stale = [item["item_id"] for item in reversed(seen)]
    response = await staff.call("PUT", f"{review}/item-order", json={"item_ids": stale}, headers=ZH)

    assert await error_of(response) == (
        409,
        "items_changed",
        "评审项目已被他人修改（新增、删除或调整顺序），请刷新后重试。",
    )
    assert await titles(staff, review) == ["A", "B", "C"]


# rubric -------------------------------------------------------------------------------------


async def test_the_rubric_is_set_and_read_back_with_criterion_ids(staff) -> None:
    review = await new_review(staff)

    response = await staff.call("PUT", f"{review}/rubric", json=RUBRIC)
    read = await (await staff.call("GET", f"{review}/rubric")).json()

    assert response.status == 200
    assert read == await response.json()
    assert [(c["criterion_id"], c["weight"]) for c in read["criteria"]] == [
        ("c1", 2.0),
        ("c2", 1.0),
    ]
    assert [r["code"] for r in read["recommendations"]] == ["fund", "revise", "reject"]
    assert (read["comment_required"], read["frozen"]) == (True, False)


async def test_a_review_without_a_rubric_answers_404(staff) -> None:
    review = await new_review(staff)

    response = await staff.call("GET", f"{review}/rubric")

    assert (await error_of(response))[:2] == (404, "no_rubric")


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (
            [{**NOVELTY, "weight": -1}],
            (400, "invalid_weight", "权重不能为负数。"),
        ),
        (
            [{**NOVELTY, "weight": "heavy"}],
            (400, "invalid_type", "字段 criteria.0.weight 必须是数字。"),
        ),
        (
            [{**NOVELTY, "weight": 0}, {**TEAM, "weight": 0}],
            (400, "invalid_weight", "权重不能全为零。"),
        ),
        (
            [{**NOVELTY, "anchors": [{"value": 9, "label": "超出"}]}],
            (400, "invalid_anchor", "锚点分值 9 超出量表范围 1..5。"),
        ),
        (
            [{**NOVELTY, "scale_min": 5, "scale_max": 5}],
            (400, "invalid_scale", "量表须从较小整数到较大整数，且在 ±1000 以内。"),
        ),
        ([], (400, "missing_field", "评分细则至少需要一个指标。")),
    ],
    ids=["negative", "not a number", "zero sum", "anchor off scale", "empty scale", "none"],
)
async def test_a_rubric_that_cannot_be_scored_is_refused_and_nothing_written(
    staff, criteria, expected
) -> None:
    review = await new_review(staff)
    await staff.call("PUT", f"{review}/rubric", json=RUBRIC)

    response = await staff.call("PUT", f"{review}/rubric", json={"criteria": criteria}, headers=ZH)

    kept = await (await staff.call("GET", f"{review}/rubric")).json()
    assert await error_of(response) == expected
    assert [c["name_en"] for c in kept["criteria"]] == ["Novelty", "Team"]


async def test_the_rubric_is_frozen_once_an_item_has_a_score(staff, store) -> None:
    review = await new_review(staff)
    item = await created(staff, f"{review}/items", {"title_en": "Chip"})
    await staff.call("PUT", f"{review}/rubric", json=RUBRIC)
    session_id = review.rsplit("/", 1)[1]
    await store.redis.hset(
        keys.review_scores(session_id), score_field(item["item_id"], "expert:e1"), "{}"
    )

    response = await staff.call("PUT", f"{review}/rubric", json={"criteria": [TEAM]}, headers=ZH)
    read = await (await staff.call("GET", f"{review}/rubric")).json()

    assert await error_of(response) == (
        409,
        "rubric_frozen",
        "评分细则已锁定：项目“Chip”已有评分。",
    )
    assert (len(read["criteria"]), read["frozen"]) == (2, True)


async def test_rubric_templates_are_saved_listed_and_kept_per_organization(staff, outsider) -> None:
    saved = await staff.call("PUT", "/api/rubric-templates/国家基金", json=RUBRIC)

    mine = await (await staff.call("GET", "/api/rubric-templates")).json()
    theirs = await (await outsider.call("GET", "/api/rubric-templates")).json()
    one = await staff.call("GET", "/api/rubric-templates/国家基金")
    not_theirs = await outsider.call("GET", "/api/rubric-templates/国家基金")
    deleted = await staff.call("DELETE", "/api/rubric-templates/国家基金")

    assert saved.status == 200
    assert [t["name"] for t in mine] == ["国家基金"]
    assert mine[0]["rubric"]["criteria"][1]["name_en"] == "Team"
    assert theirs == []
    assert (one.status, not_theirs.status, deleted.status) == (200, 404, 204)
    assert await (await staff.call("GET", "/api/rubric-templates")).json() == []


# settings -----------------------------------------------------------------------------------


async def test_settings_start_open_and_double_blind_is_blind(staff) -> None:
    review = await new_review(staff)

    before = await (await staff.call("GET", f"{review}/review-settings")).json()
    response = await staff.call("PUT", f"{review}/review-settings", json={"double_blind": True})

    assert before == {"blind": False, "double_blind": False, "downloads_allowed": False}
    assert await response.json() == {
        "blind": True,
        "double_blind": True,
        "downloads_allowed": False,
    }


# conflicts and candidates -------------------------------------------------------------------


async def reviewer(staff: Staff, store, review: str, **fields: str) -> str:  # type: ignore[no-untyped-def]
    expert = await store.experts.create(
        org_id=staff.org.org_id, fields=fields, now=datetime.now(UTC)
    )
    body = {"person": {"type": "expert", "id": expert.expert_id}, "role": "reviewer"}
    entry = await created(staff, f"{review}/roster", body)
    return str(entry["person_key"])


async def test_the_conflict_table_shows_the_pools_conflicts_and_staff_waive_them(
    staff, store
) -> None:
    review = await new_review(staff)
    chip = await created(
        staff, f"{review}/items", {"title_en": "Chip", "applicant_org": "复旦大学"}
    )
    wang = await reviewer(
        staff, store, review, name="Wang", email="w@f.edu", affiliation="复旦大学"
    )

    before = await (await staff.call("GET", f"{review}/conflicts")).json()
    body = {"item_id": chip["item_id"], "person_key": wang, "action": "waived", "reason": "retired"}
    waived = await staff.call("POST", f"{review}/conflicts", json=body)
    after = await (await staff.call("GET", f"{review}/conflicts")).json()

    cell = {"item_id": chip["item_id"], "person_key": wang, "reasons": ["org:复旦大学"]}
    assert before["standings"] == [cell | {"waived": False, "conflicted": True}]
    assert before["reviewers"] == [{"person_key": wang, "name": "Wang"}]
    assert waived.status == 201
    note = await waived.json()
    assert (note["kind"], note["reason"], note["by"]) == (
        "waived",
        "retired",
        f"account:{staff.account.account_id}",
    )
    assert after["standings"] == [cell | {"waived": True, "conflicted": False}]
    assert after["notes"] == [note]


async def test_a_conflict_without_a_reason_or_for_no_reviewer_is_refused(staff, store) -> None:
    review = await new_review(staff)
    chip = await created(staff, f"{review}/items", {"title_en": "Chip"})
    wang = await reviewer(staff, store, review, name="Wang", email="w@f.edu")
    base = {"item_id": chip["item_id"], "person_key": wang, "action": "added", "reason": "x"}

    blank = await staff.call("POST", f"{review}/conflicts", json={**base, "reason": " "})
    nobody = await staff.call(
        "POST", f"{review}/conflicts", json={**base, "person_key": "guest:a@b.org"}
    )
    nothing_to_waive = await staff.call(
        "POST", f"{review}/conflicts", json={**base, "action": "waived"}, headers=ZH
    )

    assert (await error_of(blank))[:2] == (400, "invalid_length")
    assert (await error_of(nobody))[:2] == (400, "not_reviewer")
    assert await error_of(nothing_to_waive) == (400, "no_conflict", "没有可豁免的利益冲突。")
    assert (await (await staff.call("GET", f"{review}/conflicts")).json())["notes"] == []


async def test_candidates_show_their_conflicts_before_they_are_added(staff, store) -> None:
    review = await new_review(staff)
    chip = await created(
        staff, f"{review}/items", {"title_en": "Chip", "applicant_org": "复旦大学"}
    )
    now = datetime.now(UTC)
    for name, affiliation in (("Wang", "复旦大学"), ("Zhao", "北京大学")):
        fields = {"name": name, "email": f"{name}@x.edu", "affiliation": affiliation}
        await store.experts.create(org_id=staff.org.org_id, fields=fields, now=now)

    response = await staff.call("GET", f"{review}/candidates")
    narrowed = await staff.call("GET", f"{review}/candidates?q=zhao")

    found = [(c["expert"]["name"], c["conflicts"]) for c in await response.json()]
    assert found == [
        ("Wang", [{"item_id": chip["item_id"], "reasons": ["org:复旦大学"]}]),
        ("Zhao", []),
    ]
    assert [c["expert"]["name"] for c in await narrowed.json()] == ["Zhao"]


# who may ------------------------------------------------------------------------------------


async def test_another_organizations_review_is_not_found(staff, outsider) -> None:
    review = await new_review(staff)
    item = await created(staff, f"{review}/items", {"title_en": "Chip"})
    calls = [
        ("GET", "items", None),
        ("POST", "items", {"title_en": "Mine"}),
        ("GET", f"items/{item['item_id']}", None),
        ("PATCH", f"items/{item['item_id']}", {"qa_minutes": 1}),
        ("DELETE", f"items/{item['item_id']}", None),
        ("PUT", "item-order", {"item_ids": [item["item_id"]]}),
        ("GET", "rubric", None),
        ("PUT", "rubric", RUBRIC),
        ("GET", "review-settings", None),
        ("PUT", "review-settings", {"blind": True}),
        ("GET", "conflicts", None),
        ("GET", "candidates", None),
    ]

    answers = [
        (await outsider.call(method, f"{review}/{path}", json=body)).status
        for method, path, body in calls
    ]

    assert answers == [404] * len(calls)
    assert await titles(staff, review) == ["Chip"]


async def test_a_meeting_has_no_items(staff) -> None:
    meeting = await new_review(staff, kind="meeting")

    response = await staff.call("POST", f"{meeting}/items", json={"title_en": "X"})

    assert (await error_of(response))[:2] == (409, "not_a_review")
