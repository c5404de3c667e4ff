"""rooms.breakouts: splitting a room into groups, who hears whom, group chat, return all."""

from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest

from rooms.breakouts import Breakouts, BreakoutState, Mode, audience_of, balanced_split
from rooms.chat import ChatMessage, history_for
from rooms.outbox import Group, Keep, Post, Send
from rooms.presence import Person
from rooms.protocol import BREAKOUT_MODES, TO_GROUP, TO_HOSTS, TO_ROOM
from rooms.roles import Capability, Kind, Role
from rooms.room import Room
from tests.rooms.test_room import COHOST, HAN, LI, NOW, OWNER, codes, events, make_room

ZHOU = Person("guest:zhou@x.org", "p-zhou", "Zhou Yi", Role.ATTENDEE)
QIAN = Person("guest:qian@x.org", "p-qian", "Qian Bo", Role.ATTENDEE)
SUN = Person("guest:sun@x.org", "p-sun", "Sun Yu", Role.ATTENDEE)
PEOPLE = {"s-owner": OWNER, "s-co": COHOST, "s-li": LI, "s-han": HAN, "s-zhou": ZHOU,
          "s-qian": QIAN}  # fmt: skip
LATER = NOW + timedelta(minutes=1)


def full_room() -> Room:
    room = make_room(lobby=False)
    for sid, person in PEOPLE.items():
        room.join(sid, person, now=NOW)
    return room


def split(room: Room, mode: str = "manual", **fields: object) -> Breakouts:
    breakouts = room.part(Breakouts)
    breakouts.open_breakouts("s-owner", count=2, mode=mode, now=NOW, **fields)  # type: ignore[arg-type]
    return breakouts


def two_groups() -> Room:
    """Li and Han in group 1, Zhou in group 2, Qian and the hosts in the main room."""
    room = full_room()
    split(room, assignments={"p-li": 1, "p-han": 1, "p-zhou": 2})
    return room


def hears(room: Room, listener: str) -> list[str]:
    everyone = [p.participant_id for p in room.people.admitted()]
    return [s for s in everyone if s != listener and room.may_hear(listener, s)]


def post(room: Room, sid: str, text: str, *, to: str = TO_ROOM) -> Post:
    (effect,) = room.chat.post(sid, text=text, client_id=text, to=to, now=NOW)
    assert isinstance(effect, Post)
    return effect


def receivers(room: Room, effect: Post) -> list[str]:
    sids = [s for send in effect.sends for s in send.sids]
    return sorted(room.people.of_sid(s).participant_id for s in sids)  # type: ignore[union-attr]


# opening


def test_breakouts_run_in_meetings_and_classes_only() -> None:
    kinds = [kind for kind in Kind if any(isinstance(w, Breakouts) for w in room_of(kind))]
    assert kinds == [Kind.MEETING, Kind.CLASS]


def room_of(kind: Kind) -> tuple[object, ...]:
    room = make_room()
    return Room(session=replace(room.session, kind=kind), flags=room.flags,
                chat_limit=room.chat_limit).workflows  # fmt: skip


def test_the_protocol_names_the_modes_of_the_domain() -> None:
    assert BREAKOUT_MODES == tuple(Mode)


def test_a_random_split_is_balanced_and_leaves_the_hosts_in_the_main_room() -> None:
    room = full_room()

    breakouts = room.part(Breakouts)
    effects = breakouts.open_breakouts("s-owner", count=3, mode="random", now=NOW)

    groups = breakouts.state.groups
    assert sorted(groups) == ["p-han", "p-li", "p-qian", "p-zhou"]
    assert sorted(Counter(groups.values()).values()) == [1, 1, 2]
    assert effects == [
        Keep(breakouts.state),
        Send("breakouts", {"breakouts": breakouts.view()}, Group.ROOM),
    ]


@pytest.mark.parametrize("people", [2, 7, 30, 101])
def test_a_random_split_sizes_differ_by_one_at_most(people: int) -> None:
    ids = [f"p-{n}" for n in range(people)]

    sizes = Counter(balanced_split(ids, count=4, round_=1).values())

    assert max(sizes.values()) - min(sizes.values()) <= 1
    assert sum(sizes.values()) == people


def test_a_new_round_mixes_people_again() -> None:
    ids = [f"p-{n}" for n in range(12)]
    assert balanced_split(ids, count=3, round_=1) != balanced_split(ids, count=3, round_=2)


def test_someone_arriving_in_a_random_split_joins_the_smallest_group() -> None:
    room = full_room()
    breakouts = room.part(Breakouts)
    breakouts.open_breakouts("s-owner", count=3, mode="random", now=NOW)
    smallest = min(range(1, 4), key=lambda g: list(breakouts.state.groups.values()).count(g))

    room.join("s-sun", SUN, now=NOW)

    assert breakouts.state.groups["p-sun"] == smallest


def test_a_manual_split_puts_exactly_the_assigned_in_groups() -> None:
    room = two_groups()
    breakouts = room.part(Breakouts)

    assert dict(breakouts.state.groups) == {"p-li": 1, "p-han": 1, "p-zhou": 2}
    assert [breakouts.place(room.target(p)) for p in ("p-qian", "p-owner", "p-co")] == [0, 0, 0]


def test_groups_may_be_empty() -> None:
    room = full_room()
    breakouts = room.part(Breakouts)

    breakouts.open_breakouts("s-owner", count=50, mode="manual", now=NOW)

    assert (breakouts.state.count, dict(breakouts.state.groups)) == (50, {})


def test_a_host_assigns_and_moves_people_and_sends_them_back() -> None:
    room = two_groups()
    breakouts = room.part(Breakouts)

    breakouts.assign_breakout("s-co", "p-qian", 2)
    breakouts.assign_breakout("s-owner", "p-li", 2)
    breakouts.assign_breakout("s-owner", "p-han", None)

    assert dict(breakouts.state.groups) == {"p-li": 2, "p-zhou": 2, "p-qian": 2}


def test_people_choose_their_group_where_the_mode_lets_them() -> None:
    room = full_room()
    breakouts = split(room, "choose")

    breakouts.choose_breakout("s-li", 2)
    breakouts.choose_breakout("s-li", 1)
    breakouts.choose_breakout("s-han", 2)

    assert dict(breakouts.state.groups) == {"p-li": 1, "p-han": 2}


def test_choosing_is_refused_where_a_host_assigns() -> None:
    room = two_groups()
    assert codes(lambda: room.part(Breakouts).choose_breakout("s-qian", 1)) == "not_self_chosen"


# who hears and sees whom


def test_before_groups_open_everyone_hears_everyone() -> None:
    room = full_room()
    assert hears(room, "p-li") == ["p-owner", "p-co", "p-han", "p-zhou", "p-qian"]


def test_groups_partition_who_hears_and_sees_whom() -> None:
    room = two_groups()

    heard = {pid: hears(room, pid) for pid in ("p-li", "p-zhou", "p-qian", "p-owner")}

    assert heard == {
        "p-li": ["p-han"],
        "p-zhou": [],
        "p-qian": ["p-owner", "p-co"],
        "p-owner": ["p-co", "p-qian"],
    }


def test_a_visiting_host_hears_and_is_heard_by_that_group_only() -> None:
    room = two_groups()
    breakouts = room.part(Breakouts)

    breakouts.visit_breakout("s-owner", 2)
    visiting = (hears(room, "p-owner"), hears(room, "p-zhou"), hears(room, "p-qian"))
    breakouts.visit_breakout("s-owner", None)

    assert visiting == (["p-zhou"], ["p-owner"], ["p-co"])
    assert hears(room, "p-owner") == ["p-co", "p-qian"]


def test_the_roster_still_lists_everyone_with_their_group() -> None:
    room = two_groups()
    li = room.target("p-li")

    snapshot = room.snapshot(li, now=NOW)

    assert len(snapshot["participants"]) == 6  # type: ignore[arg-type]
    assert snapshot["breakouts"]["groups"] == {"p-li": 1, "p-han": 1, "p-zhou": 2}  # type: ignore[index]


# the timer, broadcasts, return all


def test_groups_with_a_timer_close_by_themselves_when_time_is_up() -> None:
    room = full_room()
    breakouts = split(room, minutes=10, assignments={"p-li": 1})
    ends = NOW + timedelta(minutes=10)

    early = breakouts.due(now=ends - timedelta(seconds=1))
    closed = breakouts.due(now=ends)

    assert (breakouts.next_deadline(), early) == (None, [])
    assert closed == [
        Keep(BreakoutState(round=1)),
        Send("breakouts", {"breakouts": breakouts.view()}, Group.ROOM),
    ]
    assert hears(room, "p-li") == ["p-owner", "p-co", "p-han", "p-zhou", "p-qian"]


def test_the_view_carries_the_end_on_server_time() -> None:
    room = full_room()
    breakouts = split(room, minutes=5)
    assert breakouts.view()["ends_at"] == (NOW + timedelta(minutes=5)).isoformat()


def test_a_broadcast_reaches_every_group_and_stays_in_the_view() -> None:
    room = two_groups()
    breakouts = room.part(Breakouts)

    effects = breakouts.broadcast_breakouts("s-owner", "  Two minutes left  ", now=LATER)

    shown = {"text": "Two minutes left", "name": "Wang Fang", "at": LATER.isoformat()}
    assert events(effects, "breakout_broadcast") == [Send("breakout_broadcast", shown, Group.ROOM)]
    assert breakouts.view()["broadcast"] == shown


def test_return_all_brings_everyone_back_to_the_main_room() -> None:
    room = two_groups()
    breakouts = room.part(Breakouts)
    breakouts.visit_breakout("s-owner", 1)

    breakouts.close_breakouts("s-co", now=LATER)

    assert breakouts.state == BreakoutState(round=1)
    assert [breakouts.place(p) for p in room.people.admitted()] == [0] * 6
    assert hears(room, "p-zhou") == ["p-owner", "p-co", "p-li", "p-han", "p-qian"]


def test_someone_who_leaves_and_comes_back_lands_in_their_group() -> None:
    room = two_groups()

    room.leave("s-zhou", now=NOW)
    room.join("s-zhou-2", ZHOU, now=LATER)

    assert room.part(Breakouts).place(room.target("p-zhou")) == 2
    assert hears(room, "p-zhou") == []
    assert room.chat.viewer("s-zhou-2").audiences == {audience_of(1, 2)}  # type: ignore[union-attr]


def test_a_room_loads_its_groups_from_the_store() -> None:
    room = full_room()
    kept = BreakoutState(round=3, count=2, mode=Mode.MANUAL, groups={"p-li": 2})

    room.part(Breakouts).load(kept)

    assert hears(room, "p-li") == []


# group chat


def test_room_chat_from_a_group_goes_to_that_group_only() -> None:
    room = two_groups()

    posted = post(room, "s-li", "hello group")

    assert (posted.message.to, posted.message.to_name) == (audience_of(1, 1), "1")
    assert receivers(room, posted) == ["p-han", "p-li"]


def test_group_chat_can_be_named_explicitly_and_is_refused_outside_a_group() -> None:
    room = two_groups()

    posted = post(room, "s-zhou", "alone", to=TO_GROUP)

    assert receivers(room, posted) == ["p-zhou"]
    assert codes(lambda: post(room, "s-qian", "where?", to=TO_GROUP)) == "no_group"


def test_a_visiting_host_reads_and_writes_the_group_chat() -> None:
    room = two_groups()
    room.part(Breakouts).visit_breakout("s-owner", 2)

    assert receivers(room, post(room, "s-zhou", "hi host")) == ["p-owner", "p-zhou"]
    assert receivers(room, post(room, "s-owner", "hi zhou")) == ["p-owner", "p-zhou"]


def test_main_room_chat_and_private_messages_still_work_during_groups() -> None:
    room = two_groups()

    main = post(room, "s-qian", "main room")
    to_hosts = post(room, "s-li", "help", to=TO_HOSTS)

    assert main.sends == (Send("chat", main.sends[0].payload, group=Group.ROOM),)
    assert main.message.to == TO_ROOM and to_hosts.message.to == TO_HOSTS


def message(message_id: str, to: str, sender: str = "p-x") -> ChatMessage:
    return ChatMessage(message_id, sender, "X", "attendee", to, "", message_id, message_id, NOW)


def test_each_person_s_history_holds_only_their_own_group_s_chat() -> None:
    room = two_groups()
    entries = [
        message("1-0", TO_ROOM),
        message("2-0", audience_of(1, 1)),
        message("3-0", audience_of(1, 2)),
        message("4-0", audience_of(2, 1)),  # another round's group 1
    ]

    shown = {}
    for sid in ("s-li", "s-zhou", "s-qian", "s-owner"):
        viewer = room.chat.viewer(sid)
        assert viewer is not None
        found = history_for(entries, participant_id=viewer.participant_id,
                            moderator=viewer.moderator, audiences=viewer.audiences)  # fmt: skip
        shown[sid] = [m.message_id for m in found]

    assert shown == {
        "s-li": ["1-0", "2-0"],
        "s-zhou": ["1-0", "3-0"],
        "s-qian": ["1-0"],
        "s-owner": ["1-0"],
    }


def test_after_return_all_a_group_s_chat_is_nobody_s_but_its_senders() -> None:
    room = two_groups()
    room.part(Breakouts).close_breakouts("s-owner", now=LATER)

    viewer = room.chat.viewer("s-han")

    assert viewer is not None and viewer.audiences == frozenset()


# refusals: nothing changes


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"count": 1, "mode": "random"}, "invalid_count"),
        ({"count": 51, "mode": "random"}, "invalid_count"),
        ({"count": "2", "mode": "random"}, "invalid_count"),
        ({"count": True, "mode": "random"}, "invalid_count"),
        ({"count": 2, "mode": "teams"}, "invalid_mode"),
        ({"count": 2, "mode": "random", "minutes": 0}, "invalid_minutes"),
        ({"count": 2, "mode": "random", "minutes": 61}, "invalid_minutes"),
        ({"count": 2, "mode": "manual", "assignments": {"p-nobody": 1}}, "not_found"),
        ({"count": 2, "mode": "manual", "assignments": {"p-li": 3}}, "no_such_group"),
        ({"count": 2, "mode": "manual", "assignments": {"p-li": "1"}}, "no_such_group"),
    ],
)
def test_bad_openings_are_refused_and_change_nothing(fields: dict[str, object], code: str) -> None:
    room = full_room()
    breakouts = room.part(Breakouts)

    refused = codes(lambda: breakouts.open_breakouts("s-owner", now=NOW, **fields))  # type: ignore[arg-type]

    assert (refused, breakouts.state) == (code, BreakoutState())


def test_only_a_host_runs_the_groups() -> None:
    room = two_groups()
    breakouts = room.part(Breakouts)
    before = breakouts.state

    refused = [
        codes(lambda: breakouts.open_breakouts("s-li", count=2, mode="random", now=NOW)),
        codes(lambda: breakouts.assign_breakout("s-li", "p-han", 2)),
        codes(lambda: breakouts.visit_breakout("s-li", 2)),
        codes(lambda: breakouts.broadcast_breakouts("s-li", "hi", now=NOW)),
        codes(lambda: breakouts.close_breakouts("s-li", now=NOW)),
    ]

    assert (refused, breakouts.state) == (["forbidden"] * 5, before)


def test_moves_on_closed_or_missing_groups_are_refused() -> None:
    room = two_groups()
    breakouts = room.part(Breakouts)
    before = breakouts.state

    refused = [
        codes(lambda: breakouts.open_breakouts("s-owner", count=2, mode="random", now=NOW)),
        codes(lambda: breakouts.assign_breakout("s-owner", "p-nobody", 1)),
        codes(lambda: breakouts.assign_breakout("s-owner", "p-li", 3)),
        codes(lambda: breakouts.visit_breakout("s-owner", 0)),
        codes(lambda: breakouts.broadcast_breakouts("s-owner", "   ", now=NOW)),
        codes(lambda: breakouts.broadcast_breakouts("s-owner", "x" * 501, now=NOW)),
    ]

    assert refused == [
        "breakouts_open", "not_found", "no_such_group", "no_such_group",
        "invalid_broadcast", "invalid_broadcast",
    ]  # fmt: skip
    assert breakouts.state == before
    breakouts.close_breakouts("s-owner", now=NOW)
    assert [
        codes(lambda: breakouts.close_breakouts("s-owner", now=NOW)),
        codes(lambda: breakouts.visit_breakout("s-owner", 1)),
        codes(lambda: breakouts.choose_breakout("s-li", 1)),
    ] == ["breakouts_closed"] * 3


def test_a_host_in_the_group_may_delete_its_chat_and_one_outside_may_not() -> None:
    room = two_groups()
    stored = replace(post(room, "s-li", "oops").message, message_id="5-0")

    outside = codes(lambda: room.chat.delete("s-owner", stored))
    room.part(Breakouts).visit_breakout("s-owner", 1)
    deleted = room.chat.delete("s-owner", stored)

    assert (outside, len(deleted)) == ("not_found", 1)


# a class's students speak in their group


def class_in_groups() -> Room:
    room = make_room(lobby=False)
    room.session = replace(room.session, kind=Kind.CLASS)
    for sid, person in PEOPLE.items():
        room.join(sid, person, now=NOW)
    return room


SPEAK = {Capability.PUBLISH_AUDIO, Capability.PUBLISH_VIDEO}


def test_in_a_class_a_student_speaks_in_their_group_and_is_told_so() -> None:
    room = class_in_groups()
    li = room.target("p-li")
    before = SPEAK <= room.caps(li)

    effects = room.part(Breakouts).open_breakouts(
        "s-owner", count=2, mode="manual", assignments={"p-li": 1}, now=NOW
    )

    assert (before, SPEAK <= room.caps(li)) == (False, True)
    assert events(effects, "you") == [
        Send("you", {"participant": room.payload(li), "capabilities": sorted(room.caps(li))},
             sids=("s-li",))
    ]  # fmt: skip
    assert not SPEAK <= room.caps(room.target("p-han"))  # in the main room: listening


def test_a_student_in_a_group_is_not_shown_as_publishing_to_the_roster() -> None:
    room = class_in_groups()
    room.part(Breakouts).open_breakouts(
        "s-owner", count=2, mode="manual", assignments={"p-li": 1}, now=NOW
    )
    li = room.target("p-li")

    assert (SPEAK <= room.caps(li), room.payload(li)["publishes"]) == (True, False)
    assert room.payload(room.target("p-owner"))["publishes"] is True


def test_return_all_takes_the_students_voice_back() -> None:
    room = class_in_groups()
    breakouts = room.part(Breakouts)
    breakouts.open_breakouts("s-owner", count=2, mode="manual", assignments={"p-li": 1}, now=NOW)

    effects = breakouts.close_breakouts("s-owner", now=NOW)

    assert not SPEAK <= room.caps(room.target("p-li"))
    assert [e.sids for e in events(effects, "you")] == [("s-li",)]


def test_a_meeting_s_attendees_are_told_nothing_new() -> None:
    room = full_room()
    effects = split(room, assignments={"p-li": 1}).close_breakouts("s-owner", now=NOW)
    assert events(effects, "you") == []
