"""rooms.run_of_show and rooms.roadshow: the timeline on server time, hand-overs written once,
the chair's changes, founders waiting in the lobby and taken off the stage."""

from dataclasses import replace
from datetime import timedelta

import pytest

from rooms.errors import DomainError
from rooms.items import Item
from rooms.outbox import Person, RoomFlags, Send
from rooms.roadshow import STAGE_RIGHTS, RunOfShow
from rooms.roles import Capability, Kind, Role
from rooms.room import ChatLimit, Room
from rooms.run_of_show import (
    END,
    EntryKind,
    Show,
    ShowEntry,
    ShowPlan,
    StagePhase,
    chapters,
    check_edit,
    due_handovers,
    end_stage,
    extend_stage,
    is_over,
    next_change,
    overruns,
    slots_of,
    stage_on,
    start_show,
    timeline,
)
from tests.rooms.test_room import NOW, OWNER, SESSION, codes, events

START = NOW + timedelta(minutes=5)
MIN = timedelta(minutes=1)


def item(n: int, *, pitch: int = 3, qa: int = 2) -> Item:
    return Item(
        item_id=f"i{n}", session_id="s1", title_zh=f"项目{n}", title_en=f"Project {n}",
        applicant_name=f"Founder {n}", applicant_org="Co", applicant_email=f"f{n}@co.cn",
        disciplines=(), present_minutes=pitch, qa_minutes=qa, created_at=NOW, updated_at=NOW,
    )  # fmt: skip


ITEMS = (item(1), item(2), item(3, qa=0))
PLAN = ShowPlan(slots=slots_of(ITEMS), planned_start=START, buffer_seconds=60)
SHOW = Show(plan=PLAN)


def handed(show: Show, now) -> Show:  # type: ignore[no-untyped-def]
    """The show once a scheduler has written the hand-overs due by now."""
    entries = [
        ShowEntry(EntryKind.HANDOVER, now, stage=key, seconds=round((now - due).total_seconds()))
        for key, due in due_handovers(show, now)
    ]
    return Show(plan=show.plan, log=show.log + tuple(entries))


def test_the_timeline_runs_the_slots_one_after_another_with_a_buffer_between() -> None:
    stages = timeline(SHOW)

    assert [(s.key, s.begins - START, s.ends - s.begins) for s in stages] == [
        ("i1:pitch", 0 * MIN, 3 * MIN),
        ("i1:qa", 3 * MIN, 2 * MIN),
        ("i1:buffer", 5 * MIN, 1 * MIN),
        ("i2:pitch", 6 * MIN, 3 * MIN),
        ("i2:qa", 9 * MIN, 2 * MIN),
        ("i2:buffer", 11 * MIN, 1 * MIN),
        ("i3:pitch", 12 * MIN, 3 * MIN),  # no Q&A planned: none
        ("i3:buffer", 15 * MIN, 1 * MIN),
    ]


def test_nothing_is_due_before_the_start_and_each_hand_over_once_after() -> None:
    assert due_handovers(SHOW, START - timedelta(seconds=1)) == []
    assert next_change(SHOW, NOW) == START

    show = handed(SHOW, START + timedelta(seconds=2))

    assert show.handed() == ["i1:pitch"]
    assert show.log[0].seconds == 2  # written two seconds late
    assert due_handovers(show, START + timedelta(seconds=30)) == []  # never twice
    assert next_change(show, START + timedelta(seconds=30)) == START + 3 * MIN
    assert stage_on(show).key == "i1:pitch"  # type: ignore[union-attr]


def test_a_scheduler_that_was_away_writes_every_missed_hand_over_and_lands_on_now() -> None:
    show = handed(SHOW, START + timedelta(minutes=7))

    assert show.handed() == ["i1:pitch", "i1:qa", "i1:buffer", "i2:pitch"]
    assert stage_on(show).key == "i2:pitch"  # type: ignore[union-attr]
    # the stage on now keeps the time it was due, not when it was written
    assert stage_on(show).ends == START + 9 * MIN  # type: ignore[union-attr]


def test_the_show_ends_once_and_nothing_changes_after() -> None:
    show = handed(SHOW, START + timedelta(hours=1))

    assert show.handed()[-1] == END and is_over(show)
    assert stage_on(show) is None
    assert next_change(show, START + timedelta(hours=2)) is None
    assert due_handovers(show, START + timedelta(hours=2)) == []


def test_the_chair_extends_the_stage_on_now_and_everything_after_moves() -> None:
    now = START + MIN
    show = handed(SHOW, now)
    show = replace(
        show,
        log=show.log + tuple(extend_stage(show, now, stage="i1:pitch", seconds=120, actor="c")),
    )

    assert stage_on(show).ends == START + 5 * MIN  # type: ignore[union-attr]
    assert due_handovers(show, START + 4 * MIN) == []  # the stage is not taken back early
    assert [s.begins for s in timeline(show)][1] == START + 5 * MIN
    show = handed(show, START + 5 * MIN)
    assert overruns(show) == [{"stage": "i1:pitch", "seconds": 120, "by": ["c"]}]


def test_the_chair_ends_a_stage_early_and_the_next_is_due_at_once() -> None:
    now = START + MIN
    show = handed(SHOW, now)
    show = replace(show, log=show.log + tuple(end_stage(show, now, stage="i1:pitch", actor="c")))

    assert due_handovers(show, now) == [("i1:qa", now)]
    show = handed(show, now)
    assert stage_on(show).key == "i1:qa"  # type: ignore[union-attr]
    assert stage_on(show).ends == now + 2 * MIN  # type: ignore[union-attr]


def test_the_chair_can_only_change_the_stage_on_now_and_within_limits() -> None:
    now = START + MIN
    show = handed(SHOW, now)

    assert codes(lambda: extend_stage(SHOW, now, stage="i1:pitch", seconds=60, actor="c")) == (
        "show_not_on"
    )
    assert codes(lambda: extend_stage(show, now, stage="i2:pitch", seconds=60, actor="c")) == (
        "stage_over"
    )
    after = START + 3 * MIN  # a page still showing the pitch once its time is up
    assert codes(lambda: end_stage(show, after, stage="i1:pitch", actor="c")) == "stage_over"
    for seconds in (0, -60, 16 * 60, True, "60"):
        assert codes(
            lambda s=seconds: extend_stage(show, now, stage="i1:pitch", seconds=s, actor="c")
        ) == ("invalid_field")


def test_the_chair_starts_the_show_early_once() -> None:
    early = START - 4 * MIN
    show = replace(SHOW, log=tuple(start_show(SHOW, early, actor="c")))
    show = handed(show, early)

    assert stage_on(show).key == "i1:pitch"  # type: ignore[union-attr]
    assert stage_on(show).ends == early + 3 * MIN  # type: ignore[union-attr]
    assert codes(lambda: start_show(show, early, actor="c")) == "show_started"
    assert codes(lambda: start_show(Show(), early, actor="c")) == "show_empty"


def test_a_started_slot_cannot_change_and_a_later_change_does_not_move_the_stage_on_now() -> None:
    now = START + 7 * MIN
    show = handed(SHOW, now)

    for slot_id in ("i1", "i2"):
        assert codes(lambda s=slot_id: check_edit(show, s)) == "slot_started"
    check_edit(show, "i3")
    # staff shorten slot 1 after it ran: slot 2's pitch still ends when it was due to
    shorter = replace(show, plan=replace(PLAN, slots=slots_of((item(1, pitch=1), *ITEMS[1:]))))
    assert stage_on(shorter).ends == START + 9 * MIN  # type: ignore[union-attr]


def test_chapters_are_the_slots_first_hand_overs() -> None:
    show = handed(SHOW, START + MIN)
    show = handed(show, START + 7 * MIN)

    assert chapters(show, "zh") == [
        {"slot_id": "i1", "title": "项目1", "at": (START + MIN).isoformat()},
        {"slot_id": "i2", "title": "项目2", "at": (START + 7 * MIN).isoformat()},
    ]


# the room ---------------------------------------------------------------------------------

FOUNDER_1 = Person("guest:f1@co.cn", "p-f1", "Founder 1", Role.PRESENTER)
FOUNDER_2 = Person("guest:f2@co.cn", "p-f2", "Founder 2", Role.PRESENTER)
INVESTOR = Person("guest:vc@fund.cn", "p-vc", "Investor", Role.ATTENDEE)


def roadshow(show: Show = SHOW) -> Room:
    room = Room(
        session=replace(SESSION, kind=Kind.ROADSHOW, lobby=False),
        flags=RoomFlags(),
        chat_limit=ChatLimit(),
    )
    room.part(RunOfShow).load(show)
    room.join("s-owner", OWNER, now=NOW)
    room.join("s-vc", INVESTOR, now=NOW)
    room.join("s-f1", FOUNDER_1, now=NOW)
    room.join("s-f2", FOUNDER_2, now=NOW)
    return room


def test_founders_wait_in_the_lobby_with_their_own_start_until_their_pitch() -> None:
    room = roadshow()
    f1, f2 = room.people.get("guest:f1@co.cn"), room.people.get("guest:f2@co.cn")

    assert f1.held and f2.held and not f1.admitted  # type: ignore[union-attr]
    hold = room.hold_of(f2)  # type: ignore[arg-type]
    assert hold is not None and hold["starts_at"] == (START + 6 * MIN).isoformat()
    assert room.people.get("guest:vc@fund.cn").admitted  # type: ignore[union-attr]


def test_the_hand_over_admits_the_founder_with_the_stage_and_takes_it_back_at_the_end() -> None:
    room = roadshow()
    part = room.part(RunOfShow)
    f1 = room.people.get("guest:f1@co.cn")
    assert f1 is not None

    on = handed(SHOW, START)
    part.reload(on, now=START)
    assert f1.admitted and not f1.held
    assert STAGE_RIGHTS <= room.caps(f1)
    assert part.view()["on_stage"] == ["p-f1"]

    f1.mic = f1.camera = True
    later = handed(on, START + 5 * MIN)  # pitch and Q&A over: the buffer
    effects = part.reload(later, now=START + 5 * MIN)
    [you] = [e for e in events(effects, "you") if e.sids == ("s-f1",)]
    assert not STAGE_RIGHTS & set(you.payload["capabilities"])  # type: ignore[arg-type]
    assert not (f1.mic or f1.camera)  # off in the roster too
    assert f1.admitted  # they may stay and listen
    assert not STAGE_RIGHTS & room.caps(f1)
    assert part.view()["on_stage"] == []
    assert Capability.JOIN in room.caps(f1)


def test_an_older_show_never_replaces_a_newer_one() -> None:
    room = roadshow()
    part = room.part(RunOfShow)
    newer = handed(SHOW, START + 7 * MIN)
    part.reload(newer, now=START + 7 * MIN)

    assert part.reload(handed(SHOW, START), now=START + 7 * MIN) == []
    assert part.show == newer


def test_only_the_chair_may_change_the_show() -> None:
    room = roadshow(handed(SHOW, START))
    part = room.part(RunOfShow)

    assert codes(lambda: part.start_show("s-vc")) == "forbidden"
    with pytest.raises(DomainError):
        part.extend_stage("s-vc", "i1:pitch", 2, now=START)
    change = part.extend_stage("s-owner", "i1:pitch", 2, now=START)
    assert [e.kind for e in change(part.show, START)] == [EntryKind.EXTEND]
    assert StagePhase.PITCH == "pitch"


def test_a_waiting_founder_is_told_their_new_start_when_the_show_moves() -> None:
    room = roadshow()
    part = room.part(RunOfShow)
    early = START - 4 * MIN
    started = handed(replace(SHOW, log=tuple(start_show(SHOW, early, actor="c"))), early)

    effects = part.reload(started, now=early)

    told = [e for e in effects if isinstance(e, Send) and e.event == "stepped_out"]
    assert [(e.sids, e.payload["starts_at"]) for e in told] == [
        (("s-f2",), (early + 6 * MIN).isoformat())  # founder 1 is let in; founder 2 waits less
    ]
    now = early + MIN
    longer = replace(
        started, log=started.log + tuple(extend_stage(started, now, stage="i1:pitch", seconds=60,
                                                      actor="c"))
    )  # fmt: skip
    effects = part.reload(longer, now=now)
    told = [e for e in effects if isinstance(e, Send) and e.event == "stepped_out"]
    assert [e.payload["starts_at"] for e in told] == [(early + 7 * MIN).isoformat()]


def test_a_founder_whose_stage_is_taken_back_is_told_and_their_devices_go_off() -> None:
    room = roadshow()
    part = room.part(RunOfShow)
    f1 = room.people.get("guest:f1@co.cn")
    assert f1 is not None
    on = handed(SHOW, START)
    part.reload(on, now=START)
    f1.mic = f1.camera = True

    effects = part.reload(handed(on, START + 5 * MIN), now=START + 5 * MIN)

    told = [e for e in effects if isinstance(e, Send) and e.event == "you"]
    assert [e.sids for e in told] == [("s-f1",)]
    assert not STAGE_RIGHTS & set(told[0].payload["capabilities"])  # type: ignore[arg-type]
    assert told[0].payload["reason"] == "stage"  # their page says their time is up
    assert (f1.mic, f1.camera) == (False, False)
    updated = [e for e in effects if isinstance(e, Send) and e.event == "participant_updated"]
    assert updated and updated[0].payload["participant"]["camera"] is False  # type: ignore[index]


# a pitch by several founders (people on the roster) -----------------------------------------

CO_FOUNDER = Person("account:a7", "p-a7", "Co-founder", Role.PRESENTER)


def test_an_item_without_founders_is_pitched_by_its_applicant_and_one_with_founders_by_them() -> (
    None
):
    team = replace(item(1), founders=("guest:f1@co.cn", "account:a7"))
    [old, new] = slots_of((item(1), team), {"account:a7": "Co-founder", "guest:f1@co.cn": "F 1"})

    assert old.founder_keys == ("guest:f1@co.cn",) and old.founder_name == "Founder 1"
    assert new.founder_keys == ("guest:f1@co.cn", "account:a7")
    assert new.founder_name == "F 1, Co-founder"


def test_every_founder_of_the_slot_waits_then_gets_the_stage_when_it_starts() -> None:
    team = replace(item(1), founders=("guest:f1@co.cn", "account:a7"))
    show = Show(plan=replace(PLAN, slots=slots_of((team, *ITEMS[1:]))))
    room = roadshow(show)
    room.join("s-a7", CO_FOUNDER, now=NOW)
    part = room.part(RunOfShow)
    f1, a7 = room.people.get("guest:f1@co.cn"), room.people.get("account:a7")
    assert f1 is not None and a7 is not None
    assert f1.held and a7.held  # both wait in the lobby, each with the pitch's start
    assert room.hold_of(a7)["starts_at"] == START.isoformat()  # type: ignore[index]

    part.reload(handed(show, START), now=START)

    assert f1.admitted and a7.admitted
    assert STAGE_RIGHTS <= room.caps(f1) and STAGE_RIGHTS <= room.caps(a7)
    assert sorted(part.view()["on_stage"]) == ["p-a7", "p-f1"]  # type: ignore[arg-type]
    part.reload(handed(handed(show, START), START + 5 * MIN), now=START + 5 * MIN)
    assert not STAGE_RIGHTS & room.caps(a7)  # taken back from both
    assert not STAGE_RIGHTS & room.caps(f1)


def test_founders_are_person_keys_each_once_and_not_too_many() -> None:
    from rooms.items import FOUNDERS_MAX, new_item

    fields = {"title_en": "T", "founders": ["account:a7", "account:a7", "guest:X@co.cn"]}
    made = new_item(fields, item_id="i9", session_id="s1", now=NOW)
    assert made.founders == ("account:a7", "guest:X@co.cn")
    too_many = [f"account:a{n}" for n in range(FOUNDERS_MAX + 1)]
    assert codes(lambda: new_item({"title_en": "T", "founders": too_many}, item_id="i",
                                  session_id="s1", now=NOW)) == "too_many_founders"  # fmt: skip
    assert codes(lambda: new_item({"title_en": "T", "founders": "account:a7"}, item_id="i",
                                  session_id="s1", now=NOW)) == "invalid_field"  # fmt: skip


def test_everyone_is_warned_a_minute_before_a_founders_stage_ends_on_server_time() -> None:
    room = roadshow()
    part = room.part(RunOfShow)

    part.reload(handed(SHOW, START), now=START)
    view = part.view()
    assert view["stage"]["ends"] == (START + 3 * MIN).isoformat()  # type: ignore[index]
    assert view["warn_at"] == (START + 2 * MIN).isoformat()  # a minute before the pitch ends
    part.reload(handed(handed(SHOW, START), START + 5 * MIN), now=START + 5 * MIN)
    assert part.view()["warn_at"] is None  # the buffer: no founder's time to run out


def test_a_pitch_with_its_own_buffer_keeps_it_and_the_others_take_the_shows() -> None:
    own = replace(item(1), buffer_minutes=4)
    none = replace(item(2), buffer_minutes=0)
    show = Show(plan=replace(PLAN, slots=slots_of((own, none, ITEMS[2]))))

    buffers = [(s.key, s.ends - s.begins) for s in timeline(show) if s.phase == "buffer"]

    assert buffers == [("i1:buffer", 4 * MIN), ("i3:buffer", 1 * MIN)]  # i2: none at all


def test_the_chapters_are_a_webvtt_track_for_the_recording() -> None:
    show = handed(SHOW, START)
    show = handed(show, START + 6 * MIN + timedelta(seconds=2))
    show = handed(show, START + 12 * MIN)
    on = show
    show = handed(show, START + timedelta(hours=1))  # the end, written late: due at 16 min
    show = replace(show, log=tuple(
        replace(e, due=START + 16 * MIN) if e.stage == END else e for e in show.log
    ))  # fmt: skip

    from rooms.run_of_show import chapters_vtt

    assert chapters_vtt(show, "en").splitlines() == [
        "WEBVTT", "",
        "1", "00:00:00.000 --> 00:06:02.000", "Project 1", "",
        "2", "00:06:02.000 --> 00:12:00.000", "Project 2", "",
        "3", "00:12:00.000 --> 00:16:00.000", "Project 3",
    ]  # fmt: skip
    assert chapters_vtt(on, "zh").splitlines()[-2] == "00:12:00.000 --> 00:12:00.000"  # still on
    assert chapters_vtt(SHOW, "en") == "WEBVTT\n"
