"""server.store.review against a real Redis: items in their order, reorders that never lose
an item when two staff change the list at once, a rubric frozen by the first score, append-
only conflict notes, materials lists and the organization's rubric templates."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from rooms.conflicts import ConflictNote, NoteKind
from rooms.errors import Conflict, DomainError, NotFound
from rooms.items import ITEMS_MAX, Item, ReviewSettings, new_item
from rooms.rubric import Rubric, new_rubric
from server.store import Store, connect, keys
from server.store.codec import dump, load
from server.store.review import score_field

NOW = datetime(2030, 4, 1, 8, 0, tzinfo=UTC)
SID = "s1"
RUBRIC = {
    "criteria": [
        {
            "name_zh": "创新性",
            "name_en": "Novelty",
            "weight": 2,
            "scale_min": 1,
            "scale_max": 5,
            "anchors": [{"value": 1, "label": "差"}, {"value": 5, "label": "杰出"}],
        },
        {"name_en": "Team", "weight": 1.5, "scale_min": 0, "scale_max": 10},
    ],
    "comment_required": True,
}


def an_item(item_id: str, title: str = "", **fields: object) -> Item:
    values = {"title_en": title or f"Project {item_id}", **fields}
    return new_item(values, item_id=item_id, session_id=SID, now=NOW)


@pytest.fixture
async def other(redis_url: str, store: Store) -> AsyncIterator[Store]:
    """A second client of the same Redis: another staff member's request."""
    second = Store(connect(redis_url))
    yield second
    await second.close()


async def test_items_come_back_in_order(store) -> None:
    for item_id in ("a", "b", "c"):
        await store.review.add_item(an_item(item_id))

    assert [i.item_id for i in await store.review.items(SID)] == ["a", "b", "c"]
    assert await store.review.item(SID, "b") == an_item("b")
    assert await store.review.item(SID, "zz") is None


async def test_an_item_round_trips_through_json(store) -> None:
    item = an_item("a", applicant_org="复旦大学", disciplines=["0812"], qa_minutes=7)

    await store.review.add_item(item)

    assert await store.review.items(SID) == [item]


async def test_adding_past_the_most_items_is_refused(store) -> None:
    await store.redis.rpush(keys.review_order(SID), *[f"x{n}" for n in range(ITEMS_MAX)])

    with pytest.raises(DomainError) as refused:
        await store.review.add_item(an_item("a"))

    assert refused.value.code == "too_many_items"
    assert await store.review.item(SID, "a") is None


async def test_editing_an_item_keeps_the_other_fields(store) -> None:
    await store.review.add_item(an_item("a", applicant_name="Li"))
    later = NOW + timedelta(hours=1)

    item = await store.review.edit_item(SID, "a", fields={"qa_minutes": "9"}, now=later)

    assert (item.applicant_name, item.qa_minutes, item.updated_at) == ("Li", 9, later)
    assert await store.review.item(SID, "a") == item


async def test_editing_a_missing_item_is_not_found(store) -> None:
    with pytest.raises(NotFound):
        await store.review.edit_item(SID, "nope", fields={"qa_minutes": 3}, now=NOW)


async def test_deleting_an_item_takes_it_out_of_the_order_and_its_materials(store) -> None:
    for item_id in ("a", "b", "c"):
        await store.review.add_item(an_item(item_id))
    await store.review.add_material(SID, "b", "f1")

    await store.review.delete_item(SID, "b")

    assert await store.review.order(SID) == ["a", "c"]
    assert await store.review.item(SID, "b") is None
    assert await store.review.materials(SID, "b") == []


async def test_an_item_with_scores_cannot_be_deleted(store) -> None:
    await store.review.add_item(an_item("a", "Chip"))
    await store.redis.hset(keys.review_scores(SID), score_field("a", "expert:e1"), "{}")

    with pytest.raises(Conflict) as refused:
        await store.review.delete_item(SID, "a")

    assert (refused.value.code, refused.value.message) == (
        "item_scored",
        "Item “Chip” has scores; it cannot be removed.",
    )
    assert await store.review.order(SID) == ["a"]


async def test_reorder_takes_a_new_order_of_the_same_items(store) -> None:
    for item_id in ("a", "b", "c"):
        await store.review.add_item(an_item(item_id))

    await store.review.reorder(SID, ["c", "a", "b"])

    assert [i.item_id for i in await store.review.items(SID)] == ["c", "a", "b"]


@pytest.mark.parametrize(
    "wanted", [["a"], ["a", "b", "x"], ["a", "a", "b"], ["b", "a", "b"], []], ids=str
)
async def test_reorder_naming_other_items_is_refused(store, wanted) -> None:
    for item_id in ("a", "b"):
        await store.review.add_item(an_item(item_id))

    with pytest.raises(Conflict) as refused:
        await store.review.reorder(SID, wanted)

    assert refused.value.code == "items_changed"
    assert await store.review.order(SID) == ["a", "b"]


async def test_a_reorder_from_before_an_item_was_added_is_refused(store, other) -> None:
    for item_id in ("a", "b"):
        await store.review.add_item(an_item(item_id))
    seen = await store.review.order(SID)  # staff A reads the list...

    await other.review.add_item(an_item("c"))  # ...staff B adds an item...
    with pytest.raises(Conflict) as refused:  # ...then A drops "b" above "a"
        await store.review.reorder(SID, list(reversed(seen)))

    assert refused.value.code == "items_changed"
    assert await store.review.order(SID) == ["a", "b", "c"]


async def test_concurrent_reorders_and_adds_never_lose_an_item(store, other) -> None:
    for item_id in ("a", "b"):
        await store.review.add_item(an_item(item_id))
    outcomes = []

    async def reorder(client: Store) -> None:
        try:
            await client.review.reorder(SID, ["b", "a"])
            outcomes.append("reordered")
        except Conflict as refused:
            outcomes.append(refused.code)

    for n in range(30):
        adds = [other.review.add_item(an_item(f"n{n}"))]
        await asyncio.gather(reorder(store), *adds, reorder(other))

    order = await store.review.order(SID)
    assert sorted(order) == sorted(["a", "b", *[f"n{n}" for n in range(30)]])
    assert len(order) == len(set(order))
    assert set(outcomes) <= {"reordered", "items_changed"}
    assert "items_changed" in outcomes


async def test_the_rubric_round_trips_with_its_criteria_and_anchors(store) -> None:
    rubric = new_rubric(RUBRIC)

    await store.review.set_rubric(SID, rubric)

    assert await store.review.rubric(SID) == rubric
    assert load(Rubric, dump(rubric)) == rubric


async def test_no_rubric_is_none(store) -> None:
    assert await store.review.rubric(SID) is None


async def test_the_rubric_is_frozen_once_an_item_has_a_score(store) -> None:
    await store.review.add_item(an_item("a", "Chip"))
    await store.review.set_rubric(SID, new_rubric(RUBRIC))
    await store.redis.hset(keys.review_scores(SID), score_field("a", "expert:e1"), "{}")
    changed = new_rubric({**RUBRIC, "comment_required": False})

    with pytest.raises(Conflict) as refused:
        await store.review.set_rubric(SID, changed)

    assert (refused.value.code, refused.value.message) == (
        "rubric_frozen",
        "The rubric is frozen: item “Chip” has scores.",
    )
    assert await store.review.rubric(SID) == new_rubric(RUBRIC)
    assert await store.review.is_frozen(SID) is True


async def test_settings_default_to_open_review(store) -> None:
    assert await store.review.settings(SID) == ReviewSettings()

    await store.review.set_settings(SID, ReviewSettings(blind=True, downloads_allowed=True))

    assert await store.review.settings(SID) == ReviewSettings(blind=True, downloads_allowed=True)


async def test_notes_are_kept_in_the_order_written(store) -> None:
    first = ConflictNote("a", "expert:e1", NoteKind.DECLARED, "my student", "expert:e1", NOW)
    second = ConflictNote("a", "expert:e1", NoteKind.WAIVED, "left in 2019", "account:h", NOW)

    await store.review.add_note(SID, first)
    await store.review.add_note(SID, second)

    assert await store.review.notes(SID) == [first, second]


async def test_materials_are_linked_to_an_existing_item_only(store) -> None:
    await store.review.add_item(an_item("a"))

    await store.review.add_material(SID, "a", "f1")
    await store.review.add_material(SID, "a", "f2")
    with pytest.raises(NotFound):
        await store.review.add_material(SID, "zz", "f3")
    removed = await store.review.remove_material(SID, "a", "f1")

    assert removed is True
    assert await store.review.materials(SID, "a") == ["f2"]
    assert await store.review.materials(SID, "zz") == []


async def test_templates_are_kept_per_organization(store) -> None:
    rubric = new_rubric(RUBRIC)

    await store.review.save_template("org1", "国家基金", rubric)
    basic = new_rubric({"criteria": RUBRIC["criteria"][:1]})
    await store.review.save_template("org1", "Basic", basic)

    assert list(await store.review.templates("org1")) == ["Basic", "国家基金"]
    assert await store.review.template("org1", "国家基金") == rubric
    assert await store.review.template("org2", "国家基金") is None
    assert await store.review.templates("org2") == {}
    assert await store.review.delete_template("org1", "Basic") is True
    assert list(await store.review.templates("org1")) == ["国家基金"]


async def test_every_key_of_a_review_shares_the_sessions_hash_tag() -> None:
    made = [
        keys.review_items(SID),
        keys.review_order(SID),
        keys.review_rubric(SID),
        keys.review_settings(SID),
        keys.review_notes(SID),
        keys.review_materials(SID, "a"),
        keys.review_scores(SID),
        keys.review_runs(SID),
        keys.review_audit(SID),
    ]

    assert [key.startswith(f"session:{{{SID}}}:review:") for key in made] == [True] * len(made)


async def test_an_item_run_in_the_room_cannot_be_removed(store) -> None:
    from rooms.review_book import ItemRun, Phase

    session_id = "s-run"
    item = new_item({"title_en": "Run"}, item_id="i-run", session_id=session_id, now=NOW)
    await store.review.add_item(item)
    async with store.redis.pipeline(transaction=True) as pipe:
        store.panel.queue(pipe, session_id, ItemRun("i-run", Phase.PRESENTING, NOW))
        await pipe.execute()

    with pytest.raises(Conflict) as refused:
        await store.review.delete_item(session_id, "i-run")

    assert refused.value.code == "item_started"
    assert [i.item_id for i in await store.review.items(session_id)] == ["i-run"]
