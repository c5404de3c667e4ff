"""rooms.panel: a review room's items, phases, conflicted reviewers held out, sealed scores."""

from dataclasses import replace
from datetime import timedelta

import pytest

from rooms.conflicts import Standing
from rooms.items import Item, ReviewSettings
from rooms.outbox import Group, Keep, Mark, Move, Person, Post, RoomFlags, Send
from rooms.panel import Panel
from rooms.review_book import AuditEntry, ItemRun, Phase, ReviewBook
from rooms.roles import Kind, Role
from rooms.room import ChatLimit, Room
from rooms.rubric import new_rubric
from rooms.scores import Scorecard
from tests.rooms.test_room import NOW, OWNER, SESSION, codes, events

RUBRIC = new_rubric(
    {
        "criteria": [
            {"name_en": "Novelty", "weight": 2, "scale_min": 1, "scale_max": 5},
            {"name_en": "Feasibility", "weight": 1, "scale_min": 0, "scale_max": 10},
        ]
    }
)
REV_A = Person("expert:a", "p-a", "Reviewer A", Role.REVIEWER)
REV_B = Person("expert:b", "p-b", "Reviewer B", Role.REVIEWER)
APPLICANT = Person("guest:zhang@lab.cn", "p-zhang", "Zhang Wei", Role.PRESENTER)
OBSERVER = Person("guest:obs@x.org", "p-obs", "Observer", Role.OBSERVER)


def item(item_id: str, email: str = "") -> Item:
    return Item(
        item_id=item_id, session_id="s1", title_zh="", title_en=f"Project {item_id}",
        applicant_name="Zhang Wei", applicant_org="Lab", applicant_email=email,
        disciplines=(), present_minutes=10, qa_minutes=5, created_at=NOW, updated_at=NOW,
    )  # fmt: skip


BOOK = ReviewBook(
    items=(item("i1", "zhang@lab.cn"), item("i2")),
    rubric=RUBRIC,
    settings=ReviewSettings(blind=True),
    reviewers=("expert:a", "expert:b"),
    table={"i1": {"expert:b": Standing(("org:Lab",))}, "i2": {}},
)
GOOD = {"c1": 4, "c2": 7}


def review_room(book: ReviewBook = BOOK) -> Room:
    room = Room(
        session=replace(SESSION, kind=Kind.REVIEW),
        flags=RoomFlags(),
        chat_limit=ChatLimit(),
    )
    room.part(Panel).load(book, runs={}, scored={})
    room.join("s-owner", OWNER, now=NOW)
    room.join("s-a", REV_A, now=NOW)
    room.join("s-b", REV_B, now=NOW)
    return room


@pytest.fixture
def room() -> Room:
    return review_room()


def panel(room: Room) -> Panel:
    return room.part(Panel)


def to_scoring(room: Room, item_id: str = "i1") -> None:
    panel(room).start_item("s-owner", item_id, now=NOW)
    for _ in range(3):
        panel(room).next_phase("s-owner", item_id, now=NOW)


def test_a_conflicted_reviewer_is_moved_out_when_their_item_starts(room: Room) -> None:
    effects = panel(room).start_item("s-owner", "i1", now=NOW)

    b = room.people.get("expert:b")
    assert b is not None and (b.admitted, b.held) == (False, True)
    assert Move(("s-b",), leave=(Group.ROOM, Group.HOSTS, Group.ROSTER, Group.LOBBY)) in effects
    assert [s.payload["reason"] for s in events(effects, "stepped_out")] == ["conflict"]
    assert Mark("item:i1", out=True) in effects
    assert not room.may_hear("p-b", "p-a") and not room.may_hear("p-a", "p-b")


def test_a_conflicted_reviewer_stays_out_across_reconnects_and_second_tabs(room: Room) -> None:
    panel(room).start_item("s-owner", "i1", now=NOW)
    room.leave("s-b", now=NOW)

    again = room.join("s-b2", REV_B, now=NOW)
    second = room.join("s-b3", REV_B, now=NOW)

    assert [e.event for e in again if isinstance(e, Send)] == ["stepped_out"]
    assert [e.event for e in second if isinstance(e, Send)] == ["stepped_out"]
    assert not any(isinstance(e, Move) for e in again + second)


def test_a_held_reviewer_is_not_in_the_lobby_queue_and_cannot_be_admitted(room: Room) -> None:
    panel(room).start_item("s-owner", "i1", now=NOW)

    assert room.people.waiting() == []
    assert codes(lambda: room.lobby.admit("s-owner", "p-b", now=NOW)) == "held_out"


def test_the_conflicted_reviewer_comes_back_when_the_item_closes(room: Room) -> None:
    to_scoring(room)

    effects = panel(room).next_phase("s-owner", "i1", now=NOW)

    b = room.people.get("expert:b")
    assert b is not None and (b.admitted, b.held) == (True, False)
    assert events(effects, "joined")[0].sids == ("s-b",)
    assert Mark("item:i1", out=False) in effects


def test_chat_of_a_conflicted_item_is_not_in_that_reviewers_history(room: Room) -> None:
    b = room.people.get("expert:b")
    assert b is not None

    assert panel(room).absences(b) == frozenset({"item:i1"})


def test_the_applicant_is_admitted_at_start_and_moved_out_for_deliberation(room: Room) -> None:
    room.join("s-zhang", APPLICANT, now=NOW)
    assert room.people.waiting()[0].key == APPLICANT.person_key

    panel(room).start_item("s-owner", "i1", now=NOW)
    zhang = room.people.get(APPLICANT.person_key)
    assert zhang is not None and zhang.admitted

    panel(room).next_phase("s-owner", "i1", now=NOW)  # Q&A
    effects = panel(room).next_phase("s-owner", "i1", now=NOW)  # deliberation

    assert (zhang.admitted, zhang.held) == (False, True)
    assert [s.payload["reason"] for s in events(effects, "stepped_out")] == ["done"]
    assert Mark("panel:i1", out=True) in effects


def test_an_applicant_whose_item_is_over_stays_out(room: Room) -> None:
    room.join("s-zhang", APPLICANT, now=NOW)
    to_scoring(room)
    panel(room).next_phase("s-owner", "i1", now=NOW)  # closed
    room.leave("s-zhang", now=NOW)

    effects = room.join("s-zhang2", APPLICANT, now=NOW)

    assert [s.payload["reason"] for s in events(effects, "stepped_out")] == ["done"]


def test_scores_are_kept_durably_and_only_the_count_reaches_the_chair(room: Room) -> None:
    to_scoring(room, "i2")

    revision, effects = panel(room).submit_score(
        "s-a", "i2", values=GOOD, recommendation="fund", comment="ok", now=NOW
    )

    assert revision == 1
    card = Scorecard("i2", "expert:a", {"c1": 4.0, "c2": 7.0}, "fund", "ok", NOW, 1)
    assert effects[0] == Keep(card, durable=True)
    assert isinstance(effects[1], Keep) and isinstance(effects[1].record, AuditEntry)
    assert effects[1].record.detail == {}
    assert effects[2] == Send(
        "score_progress", {"item_id": "i2", "submitted": 1, "expected": 2}, sids=("s-owner",)
    )


def test_a_revision_counts_up_and_scoring_ends_at_close(room: Room) -> None:
    to_scoring(room, "i2")
    score = panel(room).submit_score
    score("s-a", "i2", values=GOOD, recommendation="fund", comment="", now=NOW)

    revision, _ = score("s-a", "i2", values=GOOD, recommendation="revise", comment="", now=NOW)
    panel(room).next_phase("s-owner", "i2", now=NOW)

    assert revision == 2
    late = lambda: score("s-a", "i2", values=GOOD, recommendation="fund", comment="", now=NOW)  # noqa: E731
    assert codes(late) == "scoring_closed"


@pytest.mark.parametrize(
    ("who", "values", "code"),
    [
        ("s-b", GOOD, "conflicted"),
        ("s-owner", GOOD, "forbidden"),
        ("s-a", {"c1": 6, "c2": 7}, "off_scale"),
        ("s-a", {"c1": 4}, "missing_score"),
    ],
)
def test_bad_scores_are_refused_and_nothing_is_kept(
    room: Room, who: str, values: dict[str, int], code: str
) -> None:
    to_scoring(room)
    b = room.people.get("expert:b")
    assert b is not None
    if who == "s-b":  # the chair waives nothing: B is held out; let B in by hand to try
        b.held, b.admitted = False, True

    call = lambda: panel(room).submit_score(  # noqa: E731
        who, "i1", values=values, recommendation="fund", comment="", now=NOW
    )

    assert codes(call) == code
    assert panel(room).scored == {}


def test_scoring_is_not_open_before_deliberation(room: Room) -> None:
    panel(room).start_item("s-owner", "i2", now=NOW)

    call = lambda: panel(room).submit_score(  # noqa: E731
        "s-a", "i2", values=GOOD, recommendation="fund", comment="", now=NOW
    )

    assert codes(call) == "scoring_not_open"


def test_results_are_sealed_until_close_and_reach_the_panel_on_release(room: Room) -> None:
    to_scoring(room, "i2")
    assert not panel(room).may_read_results("s-owner", "i2")

    panel(room).next_phase("s-owner", "i2", now=NOW)
    chair_reads = panel(room).may_read_results("s-owner", "i2")
    before = panel(room).may_read_results("s-a", "i2")
    panel(room).release_results("s-owner", "i2", now=NOW)

    assert (chair_reads, before, panel(room).may_read_results("s-a", "i2")) == (True, False, True)


def test_an_observer_never_reads_results_and_is_out_during_deliberation(room: Room) -> None:
    room.join("s-obs", OBSERVER, now=NOW)
    room.lobby.admit("s-owner", "p-obs", now=NOW)
    to_scoring(room, "i2")
    panel(room).next_phase("s-owner", "i2", now=NOW)
    panel(room).release_results("s-owner", "i2", now=NOW)

    assert not panel(room).may_read_results("s-obs", "i2")


def test_a_waiver_brings_the_reviewer_back_at_once(room: Room) -> None:
    panel(room).start_item("s-owner", "i1", now=NOW)

    effects = panel(room).set_conflict(
        "s-owner", "i1", "p-b", waive=True, reason="Left Lab in 2019", now=NOW
    )

    b = room.people.get("expert:b")
    assert b is not None and b.admitted
    assert [e.event for e in events(effects, "joined")] == ["joined"]


def test_a_blind_review_hides_applicants_from_reviewers_not_from_the_chair(room: Room) -> None:
    a, owner = room.people.get("expert:a"), room.people.get(OWNER.person_key)
    assert a is not None and owner is not None

    mine = panel(room).snapshot(a, now=NOW)["review"]["items"]  # type: ignore[index]
    chairs = panel(room).snapshot(owner, now=NOW)["review"]["items"]  # type: ignore[index]

    assert "applicant_name" not in mine[1] and chairs[1]["applicant_name"] == "Zhang Wei"


def test_a_conflicted_reviewer_sees_no_details_of_their_item(room: Room) -> None:
    b = room.people.get("expert:b")
    assert b is not None

    items = panel(room).snapshot(b, now=NOW)["review"]["items"]  # type: ignore[index]

    assert items[0] == {
        "item_id": "i1", "position": 1, "label": "#1", "conflict": True, "phase": "waiting",
        "since": None, "ends_at": None, "released": False,
    }  # fmt: skip


def test_only_one_item_runs_at_a_time_and_only_waiting_items_start(room: Room) -> None:
    panel(room).start_item("s-owner", "i1", now=NOW)

    assert codes(lambda: panel(room).start_item("s-owner", "i2", now=NOW)) == "item_running"


def test_extending_moves_the_countdown_and_is_logged(room: Room) -> None:
    panel(room).start_item("s-owner", "i2", now=NOW)

    effects = panel(room).extend_item("s-owner", "i2", 3, now=NOW)

    run = panel(room).runs["i2"]
    assert run == ItemRun("i2", Phase.PRESENTING, NOW, NOW + timedelta(minutes=13))
    audit = [e.record for e in effects if isinstance(e, Keep) and isinstance(e.record, AuditEntry)]
    assert [(a.action, a.detail) for a in audit] == [("extended", {"reason": "+3 min"})]


def test_reordering_names_every_waiting_item_once(room: Room) -> None:
    panel(room).reorder_items("s-owner", ["i2", "i1"], now=NOW)

    assert [i.item_id for i in panel(room).book.items] == ["i2", "i1"]
    assert codes(lambda: panel(room).reorder_items("s-owner", ["i2"], now=NOW)) == "items_changed"


def test_a_reviewer_cannot_drive_the_panel(room: Room) -> None:
    assert codes(lambda: panel(room).start_item("s-a", "i1", now=NOW)) == "forbidden"


def test_the_panel_chat_is_for_the_chair_and_reviewers(room: Room) -> None:
    room.join("s-zhang", APPLICANT, now=NOW)
    room.lobby.admit("s-owner", "p-zhang", now=NOW)

    effects = room.chat.post("s-a", text="between us", client_id="c1", to="panel", now=NOW)
    refused = codes(
        lambda: room.chat.post("s-zhang", text="me too", client_id="c2", to="panel", now=NOW)
    )

    [post] = effects
    assert isinstance(post, Post) and [s.sids for s in post.sends] == [("s-owner", "s-a", "s-b")]
    assert refused == "not_panel"


def test_a_held_reviewer_can_do_nothing_in_the_room_meanwhile(room: Room) -> None:
    panel(room).start_item("s-owner", "i1", now=NOW)

    refused = codes(lambda: room.chat.post("s-b", text="hi", client_id="c", to="room", now=NOW))

    assert refused == "held_out"
