"""server.reviews against a real Redis: the book a review room loads, candidates' conflicts
shown before they join, conflicts added, waived and declared, and an expert's panels."""

from datetime import UTC, datetime, timedelta

import pytest

from rooms.agenda import PersonType, RosterEntry, person_key
from rooms.conflicts import NoteKind, Standing
from rooms.errors import Conflict, DomainError, NotFound
from rooms.items import ReviewSettings
from rooms.roles import Role
from server import agenda, reviews
from tests.server.pages_world import make_event, make_session, staff_of_new_org

NOW = datetime(2030, 4, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
async def world(store):  # type: ignore[no-untyped-def]
    host = await staff_of_new_org(store, email="host@example.org")
    event = await make_event(store, host)
    session = await make_session(
        store, event, title="Panel", start="2030-05-01T09:00", end="2030-05-01T12:00", kind="review"
    )
    fudan = await store.experts.create(
        org_id=host.org_id,
        fields={"name": "Wang", "email": "wang@fudan.example.edu", "affiliation": "复旦大学"},
        now=NOW,
    )
    free = await store.experts.create(
        org_id=host.org_id,
        fields={"name": "Zhao", "email": "zhao@pku.example.edu", "affiliation": "北京大学"},
        now=NOW,
    )
    chip = await reviews.add_item(
        store,
        session=session,
        fields={"title_en": "Chip", "applicant_name": "Li", "applicant_org": "复旦大学"},
        now=NOW,
    )
    drug = await reviews.add_item(
        store, session=session, fields={"title_en": "Drug", "applicant_org": "浙江大学"}, now=NOW
    )
    return {
        "host": host,
        "session": session,
        "fudan": fudan,
        "free": free,
        "chip": chip,
        "drug": drug,
    }


def key_of(expert) -> str:  # type: ignore[no-untyped-def]
    return person_key(PersonType.EXPERT, expert.expert_id)


async def seat(store, session, expert, role: Role = Role.REVIEWER) -> None:  # type: ignore[no-untyped-def]
    entry = RosterEntry(person_key=key_of(expert), role=role, name=expert.name, email=expert.email)
    await agenda.add_to_roster(store, session=session, entry=entry, now=NOW)


async def test_the_book_holds_items_reviewers_and_their_standing(store, world) -> None:
    session, fudan, free = world["session"], world["fudan"], world["free"]
    await seat(store, session, fudan)
    await seat(store, session, free)

    book = await reviews.load_book(store, session)

    chip, drug = world["chip"].item_id, world["drug"].item_id
    assert [i.item_id for i in book.items] == [chip, drug]
    assert book.reviewers == (key_of(fudan), key_of(free))
    assert book.settings == ReviewSettings()
    assert book.rubric is None
    assert book.table == {
        chip: {key_of(fudan): Standing(("org:复旦大学",)), key_of(free): Standing(())},
        drug: {key_of(fudan): Standing(()), key_of(free): Standing(())},
    }


async def test_only_reviewers_of_the_roster_are_in_the_book(store, world) -> None:
    await seat(store, world["session"], world["fudan"], Role.OBSERVER)

    book = await reviews.load_book(store, world["session"])

    assert book.reviewers == ()


async def test_candidates_show_their_conflicts_before_they_are_added(store, world) -> None:
    found = await reviews.candidates(
        store, session=world["session"], experts=[world["fudan"], world["free"]]
    )

    assert [(c.expert.name, dict(c.conflicts)) for c in found] == [
        ("Wang", {world["chip"].item_id: Standing(("org:复旦大学",))}),
        ("Zhao", {}),
    ]


async def test_staff_add_and_waive_conflicts_with_a_reason(store, world) -> None:
    session, free, drug = world["session"], world["free"], world["drug"].item_id
    await seat(store, session, free)
    host = person_key(PersonType.ACCOUNT, world["host"].account_id)

    added = await reviews.record_conflict(
        store, session=session, item_id=drug, reviewer=key_of(free),
        kind=NoteKind.ADDED, reason="co-author", by=host, now=NOW,
    )  # fmt: skip
    waived = await reviews.record_conflict(
        store, session=session, item_id=drug, reviewer=key_of(free),
        kind=NoteKind.WAIVED, reason="paper from 2009", by=host, now=NOW,
    )  # fmt: skip

    book = await reviews.load_book(store, session)
    assert (added.kind, added.by, waived.kind) == (NoteKind.ADDED, host, NoteKind.WAIVED)
    assert book.table[drug][key_of(free)] == Standing(("added:co-author",), waived=True)
    assert book.notes == (added, waived)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"reason": ""}, "missing_field"),
        ({"kind": NoteKind.WAIVED}, "no_conflict"),
        ({"kind": NoteKind.DECLARED}, "invalid_kind"),
        ({"reviewer": "expert:nobody"}, "not_reviewer"),
        ({"item_id": "nope"}, "unknown_item"),
    ],
)
async def test_a_conflict_note_that_makes_no_sense_is_refused(store, world, change, code) -> None:
    session, free = world["session"], world["free"]
    await seat(store, session, free)
    request = {
        "item_id": world["drug"].item_id,
        "reviewer": key_of(free),
        "kind": NoteKind.ADDED,
        "reason": "co-author",
        "by": "account:x",
    } | change

    with pytest.raises(DomainError) as refused:
        await reviews.record_conflict(store, session=session, now=NOW, **request)

    assert refused.value.code == code
    assert await store.review.notes(session.session_id) == []


async def test_a_reviewer_declares_a_conflict_before_the_session(store, world) -> None:
    session, free, chip = world["session"], world["free"], world["chip"].item_id
    await seat(store, session, free)

    note = await reviews.declare_conflict(
        store, session=session, item_id=chip, reviewer=key_of(free), reason="my student", now=NOW
    )

    assert (note.kind, note.by, note.reason) == (NoteKind.DECLARED, key_of(free), "my student")
    book = await reviews.load_book(store, session)
    assert book.table[chip][key_of(free)].conflicted is True


async def test_declaring_after_the_start_is_refused(store, world) -> None:
    session, free = world["session"], world["free"]
    await seat(store, session, free)

    with pytest.raises(Conflict) as refused:
        await reviews.declare_conflict(
            store, session=session, item_id=world["chip"].item_id, reviewer=key_of(free),
            reason="x", now=session.start + timedelta(minutes=1),
        )  # fmt: skip

    assert refused.value.code == "session_started"


async def test_an_expert_sees_their_panels_blind_and_without_their_conflicted_items(
    store, world
) -> None:
    session, fudan = world["session"], world["fudan"]
    await seat(store, session, fudan)
    await reviews.set_settings(store, session=session, fields={"blind": True})

    panels = await reviews.panels_of(store, reviewer=key_of(fudan), now=NOW)

    assert [p.session.session_id for p in panels] == [session.session_id]
    assert panels[0].items == (
        {"item_id": world["chip"].item_id, "position": 1, "label": "#1", "conflicted": True},
        {
            "item_id": world["drug"].item_id,
            "position": 2,
            "label": "#2",
            "title_zh": "",
            "title_en": "Drug",
            "disciplines": [],
            "present_minutes": 10,
            "qa_minutes": 5,
            "conflicted": False,
        },
    )


async def test_past_and_other_role_panels_are_not_listed(store, world) -> None:
    session, fudan = world["session"], world["fudan"]
    await seat(store, session, fudan, Role.OBSERVER)

    assert await reviews.panels_of(store, reviewer=key_of(fudan), now=NOW) == []
    await seat(store, session, fudan)
    assert await reviews.panels_of(store, reviewer=key_of(fudan), now=session.end) == []


async def test_moving_an_item_down_reorders_from_the_order_now(store, world) -> None:
    session = world["session"]

    items = await reviews.move_item(store, session=session, item_id=world["chip"].item_id, by=1)

    assert [i.title_en for i in items] == ["Drug", "Chip"]
    with pytest.raises(NotFound):
        await reviews.move_item(store, session=session, item_id="nope", by=1)


async def test_preparing_a_meeting_as_a_review_is_refused(store, world) -> None:
    event = await agenda.load_event(store, world["session"].event_id)
    meeting = await make_session(
        store, event, title="Talk", start="2030-05-01T13:00", end="2030-05-01T14:00"
    )

    with pytest.raises(Conflict) as refused:
        await reviews.add_item(store, session=meeting, fields={"title_en": "X"}, now=NOW)

    assert refused.value.code == "not_a_review"
    assert await store.review.items(meeting.session_id) == []
