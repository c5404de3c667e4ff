"""rooms.lobby: waiting, admitting, denying, sending back; sent out means out."""

from dataclasses import replace
from datetime import timedelta

import pytest

from rooms.attendance import Movement
from rooms.lobby import Admission, LobbyPlace
from rooms.outbox import Attend, Drop, Group, Keep, Mark, Move, Person, RoomFlags, Send, Text
from rooms.roles import Kind, Role
from rooms.room import ChatLimit, Room
from tests.rooms.test_room import (
    HAN,
    LI,
    NOW,
    OWNER,
    ZHOU,
    codes,
    events,
    make_room,
    owned,
)  # fmt: skip


@pytest.fixture
def room() -> Room:
    return owned()


def test_an_attendee_waits_in_the_lobby_and_moderators_see_the_queue(room: Room) -> None:
    effects = room.join("s-li", LI, now=NOW)

    assert effects == [
        Move(("s-li",), enter=(Group.LOBBY,)),
        Keep(LobbyPlace(LI.person_key, NOW)),  # their place, kept for a room made again
        Send("lobby", {"queue": [{"participant_id": "p-li", "name": "Li Lei",
             "waiting_since": NOW.isoformat(), "waited_seconds": 0}]}, group=Group.HOSTS),
        Send("waiting", {"position": 1, "size": 1}, sids=("s-li",)),
    ]  # fmt: skip


def test_waiting_people_see_their_place_in_the_queue(room: Room) -> None:
    room.join("s-li", LI, now=NOW)

    effects = room.join("s-han", HAN, now=NOW + timedelta(seconds=5))

    assert events(effects, "waiting") == [
        Send("waiting", {"position": 1, "size": 2}, sids=("s-li",)),
        Send("waiting", {"position": 2, "size": 2}, sids=("s-han",)),
    ]


def test_admitting_moves_the_person_into_the_room(room: Room) -> None:
    room.join("s-li", LI, now=NOW)

    effects = room.lobby.admit("s-owner", "p-li", now=NOW + timedelta(seconds=30))

    assert effects[:4] == [
        Keep(LobbyPlace(LI.person_key, None)),  # not waiting any more
        Keep(Admission(LI.person_key, True)),  # back straight in, even after a failover
        Attend(Movement.JOIN, LI, Role.ATTENDEE),
        Move(("s-li",), leave=(Group.LOBBY,)),
    ]
    assert [e.event for e in effects if isinstance(e, Send)] == [
        "participant_joined",
        "joined",
        "lobby",
    ]
    assert Move(("s-li",), enter=(Group.ROOM, Group.ROSTER)) in effects


def test_only_moderators_admit(room: Room) -> None:
    room.join("s-han", HAN, now=NOW)
    room.lobby.admit("s-owner", "p-han", now=NOW)
    room.join("s-li", LI, now=NOW)

    assert codes(lambda: room.lobby.admit("s-han", "p-li", now=NOW)) == "forbidden"


def test_admitting_someone_not_waiting_is_not_found(room: Room) -> None:
    assert codes(lambda: room.lobby.admit("s-owner", "p-nobody", now=NOW)) == "not_found"


def test_admit_all_admits_in_queue_order(room: Room) -> None:
    room.join("s-li", LI, now=NOW)
    room.join("s-han", HAN, now=NOW + timedelta(seconds=1))

    effects = room.lobby.admit_all("s-owner", now=NOW)

    assert [e.person.name for e in effects if isinstance(e, Attend)] == ["Li Lei", "Han Mei"]


def test_denying_tells_the_person_and_drops_them(room: Room) -> None:
    room.join("s-li", LI, now=NOW)

    effects = room.lobby.deny("s-owner", "p-li", now=NOW)

    assert effects[0] == Send(
        "denied", {"message": Text("The host did not let you in.")}, sids=("s-li",)
    )
    assert effects[-1] == Drop(("s-li",))
    assert codes(lambda: room.lobby.admit("s-owner", "p-li", now=NOW)) == "not_found"


def test_deny_all_empties_the_lobby(room: Room) -> None:
    room.join("s-li", LI, now=NOW)
    room.join("s-han", HAN, now=NOW)

    effects = room.lobby.deny_all("s-owner", now=NOW)

    assert [e for e in effects if isinstance(e, Drop)] == [Drop(("s-li",)), Drop(("s-han",))]
    assert room.people.waiting() == []


def test_a_waiting_person_can_do_nothing_but_wait(room: Room) -> None:
    room.join("s-li", LI, now=NOW)

    assert codes(lambda: room.hands.raise_hand("s-li", now=NOW)) == "in_lobby"
    assert codes(lambda: room.hands.raise_hand("s-unknown", now=NOW)) == "not_joined"


def test_sent_back_to_the_lobby_and_recalled(room: Room) -> None:
    room.join("s-li", LI, now=NOW)
    room.lobby.admit("s-owner", "p-li", now=NOW)

    back = room.lobby.send_to_lobby("s-owner", "p-li", now=NOW)
    recalled = room.lobby.admit("s-owner", "p-li", now=NOW)

    assert (
        Move(("s-li",), enter=(Group.LOBBY,), leave=(Group.ROOM, Group.HOSTS, Group.ROSTER)) in back
    )
    assert events(back, "sent_to_lobby") == [
        Send(
            "sent_to_lobby",
            {"message": Text("A host moved you back to the lobby.")},
            sids=("s-li",),
        )
    ]
    assert events(recalled, "joined")[0].sids == ("s-li",)


def test_a_reconnect_skips_the_lobby_once_admitted(room: Room) -> None:
    room.join("s-li", LI, now=NOW)
    room.lobby.admit("s-owner", "p-li", now=NOW)
    room.leave("s-li", now=NOW)

    effects = room.join("s-li-2", LI, now=NOW)

    assert events(effects, "joined")[0].sids == ("s-li-2",)


def test_a_full_room_lets_people_wait_and_admits_them_when_a_place_frees() -> None:
    room = make_room(capacity=2)
    room.join("s-owner", OWNER, now=NOW)
    room.join("s-li", LI, now=NOW)
    room.lobby.admit("s-owner", "p-li", now=NOW)
    room.join("s-han", HAN, now=NOW)  # the lobby takes anyone

    full = codes(lambda: room.lobby.admit("s-owner", "p-han", now=NOW))
    room.leave("s-li", now=NOW)
    admitted = room.lobby.admit("s-owner", "p-han", now=NOW)

    assert full == "room_full"
    assert events(admitted, "joined")[0].sids == ("s-han",)


def test_admit_all_admits_as_many_as_the_capacity_takes() -> None:
    room = make_room(capacity=2)
    room.join("s-owner", OWNER, now=NOW)
    for sid, person in (("s-li", LI), ("s-han", HAN), ("s-zhou", ZHOU)):
        room.join(sid, person, now=NOW)

    room.lobby.admit_all("s-owner", now=NOW)

    assert [p.participant_id for p in room.people.admitted()] == ["p-owner", "p-li"]
    assert [p.participant_id for p in room.people.waiting()] == ["p-han", "p-zhou"]


REVIEWER = Person("expert:e1", "p-zhou", "Zhou Yi", Role.REVIEWER)


def review_room() -> Room:
    room = Room(
        session=replace(make_room().session, kind=Kind.REVIEW),
        flags=RoomFlags(),
        chat_limit=ChatLimit(),
    )
    room.join("s-owner", OWNER, now=NOW)
    return room


def test_sent_out_waits_even_with_a_role_that_skips_the_lobby() -> None:
    room = review_room()
    room.join("s-zhou", REVIEWER, now=NOW)

    sent = room.lobby.send_to_lobby("s-owner", "p-zhou", now=NOW)
    room.leave("s-zhou", now=NOW)
    again = room.join("s-zhou-2", REVIEWER, now=NOW)

    assert sent[:3] == [
        Keep(Admission("expert:e1", False)),
        Keep(LobbyPlace("expert:e1", NOW)),
        Mark("p-zhou", out=True),
    ]
    assert room.flags.sent_out == frozenset({"expert:e1"})
    # the lobby, their place kept, its queue, their place
    assert [type(e) for e in again] == [Move, Keep, Send, Send]
    assert room.people.get("expert:e1").admitted is False  # type: ignore[union-attr]


def test_sent_out_is_remembered_by_a_room_made_again_from_its_flags() -> None:
    room = review_room()
    room.join("s-zhou", REVIEWER, now=NOW)
    room.lobby.send_to_lobby("s-owner", "p-zhou", now=NOW)
    restarted = Room(session=room.session, flags=room.flags, chat_limit=ChatLimit())

    restarted.join("s-zhou-2", REVIEWER, now=NOW)

    assert restarted.people.get("expert:e1").admitted is False  # type: ignore[union-attr]


def test_admitting_someone_sent_out_brings_them_back_and_marks_it() -> None:
    room = review_room()
    room.join("s-zhou", REVIEWER, now=NOW)
    room.lobby.send_to_lobby("s-owner", "p-zhou", now=NOW)

    back = room.lobby.admit("s-owner", "p-zhou", now=NOW)

    assert back[:3] == [
        Keep(LobbyPlace("expert:e1", None)),
        Keep(Admission("expert:e1", True)),
        Mark("p-zhou", out=False),
    ]
    assert room.flags.sent_out == frozenset()


def test_people_in_a_room_whose_process_died_come_back_into_it_locked_or_not() -> None:
    room = make_room(flags=RoomFlags(locked=True))
    room.join("s-owner", OWNER, now=NOW)

    room.lobby.readmit([LI.person_key])
    room.join("s-li", LI, now=NOW)

    li = room.people.of_sid("s-li")
    assert (li is not None and li.admitted, codes(lambda: room.join("s-han", HAN, now=NOW))) == (
        True, "room_locked",
    )  # fmt: skip


def test_a_room_made_again_puts_those_waiting_back_in_their_place_as_they_reconnect() -> None:
    room = owned()
    room.lobby.load([], {HAN.person_key: NOW, LI.person_key: NOW + timedelta(seconds=3)})

    room.join("s-li", LI, now=NOW + timedelta(minutes=1))  # Li Lei reconnects first
    effects = room.join("s-han", HAN, now=NOW + timedelta(minutes=1))

    assert events(effects, "waiting") == [
        Send("waiting", {"position": 1, "size": 2}, sids=("s-han",)),
        Send("waiting", {"position": 2, "size": 2}, sids=("s-li",)),
    ]


def test_a_room_made_again_lets_the_admitted_straight_in_and_leaving_frees_a_place() -> None:
    room = owned()
    room.lobby.load([LI.person_key], {})

    entered = room.join("s-li", LI, now=NOW)
    room.join("s-han", HAN, now=NOW)
    left = room.leave("s-han", now=NOW)

    assert events(entered, "joined")[0].sids == ("s-li",)
    assert [e for e in left if isinstance(e, Keep)] == [Keep(LobbyPlace(HAN.person_key, None))]


def test_a_locked_room_made_again_takes_back_into_its_lobby_those_who_waited_there() -> None:
    room = owned()
    room.flags = replace(room.flags, locked=True)
    room.lobby.load([], {LI.person_key: NOW})

    waits = room.join("s-li", LI, now=NOW + timedelta(minutes=1))

    assert events(waits, "waiting") == [Send("waiting", {"position": 1, "size": 1}, sids=("s-li",))]
    assert codes(lambda: room.join("s-han", HAN, now=NOW)) == "room_locked"
