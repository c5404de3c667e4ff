"""rooms.judging: a roadshow's judges score started pitches, sealed until the chair closes
them; the chair's table and the ranking (ties shown)."""

from dataclasses import replace
from datetime import timedelta

import pytest

from rooms.judging import Judging, ranking_rows
from rooms.outbox import Keep, Person, RoomFlags, Send
from rooms.review_book import AuditEntry, ItemRun, Phase, ReviewBook
from rooms.roadshow import RunOfShow
from rooms.roles import Kind, Role
from rooms.room import ChatLimit, Room
from rooms.rubric import new_rubric
from rooms.scores import Scorecard, item_result
from tests.rooms.test_room import NOW, OWNER, SESSION, codes, events
from tests.rooms.test_run_of_show import ITEMS, SHOW, START, handed

RUBRIC = new_rubric(
    {
        "criteria": [
            {"name_en": "Market", "weight": 2, "scale_min": 1, "scale_max": 5},
            {"name_en": "Team", "weight": 1, "scale_min": 0, "scale_max": 10},
        ]
    }
)
JUDGE_A = Person("guest:a@vc.cn", "p-a", "Judge A", Role.REVIEWER)
JUDGE_B = Person("guest:b@vc.cn", "p-b", "Judge B", Role.REVIEWER)
INVESTOR = Person("guest:vc@fund.cn", "p-vc", "Investor", Role.ATTENDEE)
BOOK = ReviewBook(items=ITEMS, rubric=RUBRIC, reviewers=("guest:a@vc.cn", "guest:b@vc.cn"))
GOOD = {"c1": 4, "c2": 7}


@pytest.fixture
def room() -> Room:
    room = Room(
        session=replace(SESSION, kind=Kind.ROADSHOW, lobby=False),
        flags=RoomFlags(),
        chat_limit=ChatLimit(),
    )
    room.part(RunOfShow).load(handed(SHOW, START))  # pitch i1 is on
    room.part(Judging).load(BOOK, runs={}, scored={})
    for sid, person in (("s-owner", OWNER), ("s-a", JUDGE_A), ("s-b", JUDGE_B), ("s-vc", INVESTOR)):
        room.join(sid, person, now=NOW)
    return room


def judging(room: Room) -> Judging:
    return room.part(Judging)


def score(room: Room, sid: str, item_id: str = "i1", values: object = GOOD) -> tuple[int, list]:  # type: ignore[type-arg]
    return judging(room).score_pitch(
        sid, item_id, values=values, recommendation="fund", comment="", now=NOW
    )


def test_a_judge_scores_the_pitch_on_stage_durably_and_only_the_chair_hears_a_count(
    room: Room,
) -> None:
    revision, effects = score(room, "s-a")

    assert revision == 1
    kept = [e for e in effects if isinstance(e, Keep) and isinstance(e.record, Scorecard)]
    assert len(kept) == 1 and kept[0].durable and kept[0].record.values == {"c1": 4, "c2": 7}
    [progress] = events(effects, "pitch_score_progress")
    assert progress.sids == ("s-owner",)
    assert progress.payload == {"item_id": "i1", "submitted": 1, "expected": 2}
    for send in [e for e in effects if isinstance(e, Send)]:
        assert "c1" not in str(send.payload.get("pitches", "")) and "values" not in send.payload
        assert "s-vc" not in send.sids  # the audience gets nothing of the judging
    assert any(isinstance(e, Keep) and isinstance(e.record, AuditEntry) for e in effects)


def test_a_judge_revises_until_the_chair_closes_then_it_is_refused(room: Room) -> None:
    score(room, "s-a")
    revision, _ = score(room, "s-a", values={"c1": 5, "c2": 9})
    assert revision == 2

    effects = judging(room).close_pitch_scoring("s-owner", "i1", now=NOW)

    closed = [e.record for e in effects if isinstance(e, Keep) and isinstance(e.record, ItemRun)]
    assert closed == [ItemRun("i1", Phase.CLOSED, since=NOW)]
    assert codes(lambda: score(room, "s-a")) == "scoring_closed"
    assert codes(lambda: judging(room).close_pitch_scoring("s-owner", "i1", now=NOW)) == (
        "scoring_closed"
    )


def test_a_pitch_not_started_cannot_be_scored_or_closed(room: Room) -> None:
    assert codes(lambda: score(room, "s-a", "i2")) == "pitch_not_started"
    assert codes(lambda: judging(room).close_pitch_scoring("s-owner", "i2", now=NOW)) == (
        "pitch_not_started"
    )
    assert codes(lambda: score(room, "s-a", "nope")) == "not_found"

    later = handed(SHOW, START + timedelta(minutes=6))  # pitch i2 is on now
    room.part(RunOfShow).reload(later, now=START + timedelta(minutes=6))
    assert score(room, "s-a", "i2")[0] == 1


def test_only_judges_score_and_only_the_chair_closes_and_releases(room: Room) -> None:
    assert codes(lambda: score(room, "s-vc")) == "forbidden"
    assert codes(lambda: judging(room).close_pitch_scoring("s-a", "i1", now=NOW)) == "forbidden"
    assert codes(lambda: judging(room).release_pitch_results("s-owner", "i1", now=NOW)) == (
        "item_not_closed"
    )


def test_wrong_values_are_refused_and_nothing_is_counted(room: Room) -> None:
    assert codes(lambda: score(room, "s-a", values={"c1": 9, "c2": 1})) == "off_scale"
    assert codes(lambda: score(room, "s-a", values={"c1": 3})) == "missing_score"
    assert codes(lambda: score(room, "s-a", values=[1, 2])) == "invalid_scores"
    assert codes(lambda: score(room, "s-a", values={"c1": "4", "c2": 1})) == "invalid"
    assert judging(room).scored == {}


def test_tables_are_sealed_until_closed_for_the_chair_and_released_for_judges(
    room: Room,
) -> None:
    score(room, "s-a")
    part = judging(room)
    for sid in ("s-owner", "s-a", "s-vc"):
        assert codes(lambda sid=sid: part.get_pitch_results(sid, "i1")) == "sealed"
    assert part.get_ranking("s-owner") == [] and part.get_ranking("s-a") == []
    assert part.get_ranking("s-vc") == []

    part.close_pitch_scoring("s-owner", "i1", now=NOW)
    part.get_pitch_results("s-owner", "i1")
    assert codes(lambda: part.get_pitch_results("s-a", "i1")) == "sealed"
    assert part.get_ranking("s-owner") == ["i1"] and part.get_ranking("s-a") == []

    part.release_pitch_results("s-owner", "i1", now=NOW)
    part.get_pitch_results("s-a", "i1")
    assert part.get_ranking("s-a") == ["i1"]
    assert codes(lambda: part.get_pitch_results("s-vc", "i1")) == "sealed"
    assert part.get_ranking("s-vc") == []


def test_the_views_go_to_the_chair_and_judges_only(room: Room) -> None:
    score(room, "s-a")
    owner, a, vc = (room.people.get(k) for k in ("account:a1", "guest:a@vc.cn", "guest:vc@fund.cn"))
    assert vc is not None and judging(room).view_for(vc) is None
    assert a is not None
    mine = judging(room).view_for(a)
    assert mine is not None and mine["my_scores"] == {"i1": 1} and "progress" not in mine
    states = {p["item_id"]: p["state"] for p in mine["pitches"]}  # type: ignore[attr-defined]
    assert states == {"i1": "open", "i2": "waiting", "i3": "waiting"}
    chair = judging(room).view_for(owner) if owner else None
    assert chair is not None and chair["progress"]["i1"] == {"submitted": 1, "expected": 2}  # type: ignore[index]


def card(item_id: str, key: str, c1: int, c2: int) -> Scorecard:
    return Scorecard(item_id, key, {"c1": c1, "c2": c2}, "", "", NOW)


def test_the_ranking_is_by_mean_weighted_score_with_ties_sharing_a_rank() -> None:
    keys = ["guest:a@vc.cn", "guest:b@vc.cn"]
    results = [
        item_result(RUBRIC, item_id="i1", reviewers=keys, cards=[card("i1", keys[0], 3, 5)]),
        item_result(RUBRIC, item_id="i2", reviewers=keys, cards=[card("i2", keys[0], 5, 10)]),
        item_result(RUBRIC, item_id="i3", reviewers=keys, cards=[card("i3", keys[1], 3, 5)]),
        item_result(RUBRIC, item_id="i4", reviewers=keys, cards=[]),
    ]
    rows = ranking_rows(results, titles={"i2": ("项目2", "Project 2")})

    assert [(r["item_id"], r["rank"], r["tied"]) for r in rows] == [
        ("i2", 1, False), ("i1", 2, True), ("i3", 2, True), ("i4", None, False),
    ]  # fmt: skip
    assert rows[0]["title_zh"] == "项目2" and rows[0]["mean"] == 100.0
    assert rows[1]["submitted"] == 1 and rows[1]["expected"] == 2


def test_a_pitch_by_founders_on_the_roster_shows_their_names_to_the_judges(room: Room) -> None:
    from rooms.run_of_show import Show, slots_of

    team = replace(ITEMS[0], applicant_name="", founders=("guest:x@co.cn", "guest:y@co.cn"))
    names = {"guest:x@co.cn": "X", "guest:y@co.cn": "Y"}
    plan = replace(SHOW.plan, slots=slots_of((team, *ITEMS[1:]), names))
    room.part(RunOfShow).load(handed(Show(plan=plan), START))
    judge = room.people.get("guest:a@vc.cn")
    assert judge is not None

    view = judging(room).view_for(judge)

    assert view is not None
    assert [p["founder"] for p in view["pitches"]] == ["X, Y", "Founder 2", "Founder 3"]  # type: ignore[index]
