"""rooms.room: the live room's rules, and exactly what it asks the edge to deliver."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from rooms.agenda import Session
from rooms.attendance import Movement
from rooms.errors import DomainError
from rooms.lifecycle import State
from rooms.lobby import Admission
from rooms.outbox import Attend, Drop, Group, History, Keep, Move, Person, RoomFlags, Send, Text
from rooms.roles import Kind, Role
from rooms.room import ChatLimit, Room

NOW = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)
SESSION = Session(
    session_id="s1", event_id="e1", org_id="o1", kind=Kind.MEETING, title="Forum",
    description="", start=NOW + timedelta(minutes=5), end=NOW + timedelta(hours=1),
    zone="Asia/Shanghai", capacity=100, lobby=True, lobby_minutes=15,
    recording_allowed=False, state=State.OPEN, created_at=NOW, updated_at=NOW,
)  # fmt: skip
OWNER = Person("account:a1", "p-owner", "Wang Fang", Role.HOST, owner=True)
COHOST = Person("guest:co@x.org", "p-co", "Zhao Co", Role.COHOST)
LI = Person("guest:li@x.org", "p-li", "Li Lei", Role.ATTENDEE)
HAN = Person("guest:han@x.org", "p-han", "Han Mei", Role.ATTENDEE)


def make_room(
    *, lobby: bool = True, flags: RoomFlags | None = None, burst: int = 5, capacity: int = 100
) -> Room:
    return Room(
        session=replace(SESSION, lobby=lobby, capacity=capacity),
        flags=flags or RoomFlags(),
        chat_limit=ChatLimit(burst=burst, per_second=1.0),
    )


def codes(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code


def events(effects: list, of: str) -> list[Send]:  # type: ignore[type-arg]
    return [e for e in effects if isinstance(e, Send) and e.event == of]


def owned() -> Room:
    """A room with a lobby, its owner in it."""
    room = make_room()
    room.join("s-owner", OWNER, now=NOW)
    return room


@pytest.fixture
def room() -> Room:
    return owned()


# entering, the lobby


def test_the_owner_enters_directly_and_is_announced() -> None:
    room = make_room()

    effects = room.join("s-owner", OWNER, now=NOW)

    joined = room.snapshot(room.people.get(OWNER.person_key), now=NOW)  # type: ignore[arg-type]
    assert effects == [
        Keep(Admission(OWNER.person_key, True)),
        Attend(Movement.JOIN, OWNER, Role.HOST),
        Move(("s-owner",), leave=(Group.LOBBY,)),
        Send("participant_joined", {"participant": joined["you"]}, group=Group.ROSTER),
        Send("joined", joined, sids=("s-owner",)),
        History(("s-owner",)),
        Move(("s-owner",), enter=(Group.ROOM, Group.HOSTS, Group.ROSTER)),
    ]


def test_the_owner_enters_a_locked_room_with_nobody_to_admit_them() -> None:
    room = make_room(flags=RoomFlags(locked=True))

    effects = room.join("s-owner", OWNER, now=NOW)

    assert [e.event for e in effects if isinstance(e, Send)] == ["participant_joined", "joined"]


def test_without_a_lobby_an_attendee_enters_directly() -> None:
    room = make_room(lobby=False)

    assert room.join("s-li", LI, now=NOW)[:2] == [
        Keep(Admission(LI.person_key, True)),
        Attend(Movement.JOIN, LI, Role.ATTENDEE),
    ]


def test_the_owner_cannot_be_sent_back_removed_or_demoted() -> None:
    room = make_room(lobby=False)
    room.join("s-owner", OWNER, now=NOW)
    room.join("s-co", COHOST, now=NOW)

    assert codes(lambda: room.lobby.send_to_lobby("s-co", "p-owner", now=NOW)) == "protected"
    assert codes(lambda: room.controls.remove("s-co", "p-owner", ban=True, now=NOW)) == "protected"
    assert (
        codes(lambda: room.controls.set_role("s-co", "p-owner", Role.ATTENDEE, now=NOW))
        == "protected"
    )


# two tabs are one person


def test_a_second_tab_gets_the_room_without_a_second_join(room: Room) -> None:
    effects = room.join("s-owner-2", OWNER, now=NOW)

    assert [type(e).__name__ for e in effects] == ["Send", "History", "Move"]
    assert events(effects, "joined")[0].sids == ("s-owner-2",)


def test_a_person_leaves_when_their_last_tab_closes(room: Room) -> None:
    room.join("s-owner-2", OWNER, now=NOW)

    first = room.leave("s-owner", now=NOW)
    last = room.leave("s-owner-2", now=NOW)

    assert first == []
    assert last == [
        Attend(Movement.LEAVE, OWNER, Role.HOST),
        Send("participant_left", {"participant_id": "p-owner"}, group=Group.ROSTER),
    ]
    assert room.empty_since == NOW


# hands, microphones, reactions


# ending the room


def test_close_tells_everyone_records_leaves_and_drops_all() -> None:
    room = make_room()
    room.join("s-owner", OWNER, now=NOW)
    room.join("s-li", LI, now=NOW)  # waiting: no attendance to close

    effects = room.close(Text("The host ended the session."), now=NOW)

    assert effects == [
        Attend(Movement.LEAVE, OWNER, Role.HOST),
        Send(
            "session_ended",
            {"message": Text("The host ended the session.")},
            sids=("s-owner", "s-li"),
        ),
        Drop(("s-owner", "s-li")),
    ]
    assert codes(lambda: room.join("s-x", HAN, now=NOW)) == "session_ended"


# what a role sees on entering


def test_a_role_without_see_roster_sees_only_itself() -> None:
    room = make_room(lobby=False)
    room.session = replace(room.session, kind=Kind.REVIEW)
    room.join("s-owner", OWNER, now=NOW)
    observer = Person("guest:o@x.org", "p-o", "Obs", Role.OBSERVER)

    effects = room.join("s-o", observer, now=NOW)

    snapshot = events(effects, "joined")[0].payload
    assert [p["participant_id"] for p in snapshot["participants"]] == ["p-o"]  # type: ignore[index, union-attr]
    assert snapshot["lobby"] == []
    assert Move(("s-o",), enter=(Group.ROOM,)) in effects


ZHOU = Person("guest:zhou@x.org", "p-zhou", "Zhou Yi", Role.ATTENDEE)


def test_a_full_session_refuses_newcomers_but_not_hosts_nor_people_already_in() -> None:
    room = make_room(lobby=False, capacity=2)
    room.join("s-owner", OWNER, now=NOW)
    room.join("s-li", LI, now=NOW)

    refused = codes(lambda: room.join("s-han", HAN, now=NOW))
    cohost = room.join("s-co", COHOST, now=NOW)  # moderators always get in
    second_tab = room.join("s-li-2", LI, now=NOW)

    assert refused == "room_full"
    assert events(cohost, "joined")[0].sids == ("s-co",)
    assert events(second_tab, "joined")[0].sids == ("s-li-2",)
    assert [p.participant_id for p in room.people.admitted()] == ["p-owner", "p-li", "p-co"]


# attention: heartbeats of visible tabs (rooms.attention)


def test_a_visible_tab_is_recorded_active_and_its_closing_idle() -> None:
    room = make_room(lobby=False)
    room.join("s-li-1", LI, now=NOW)
    room.join("s-li-2", LI, now=NOW)

    seen = room.attend("s-li-1", True, now=NOW)
    closed = room.leave("s-li-1", now=NOW + timedelta(seconds=20))
    gone = room.leave("s-li-2", now=NOW + timedelta(seconds=30))

    assert seen == [Attend(Movement.ACTIVE, LI, Role.ATTENDEE)]
    assert closed == [Attend(Movement.IDLE, LI, Role.ATTENDEE)]
    assert gone[0] == Attend(Movement.LEAVE, LI, Role.ATTENDEE)


def test_heartbeats_from_the_lobby_count_nothing() -> None:
    room = owned()
    room.join("s-li", LI, now=NOW)

    assert room.attend("s-li", True, now=NOW) == []
    assert codes(lambda: room.attend("s-nobody", True, now=NOW)) == "not_joined"


def test_heartbeats_are_rate_limited_per_person() -> None:
    room = make_room(lobby=False, burst=2)
    room.join("s-li", LI, now=NOW)
    room.attend("s-li", True, now=NOW)
    room.attend("s-li", False, now=NOW)

    assert codes(lambda: room.attend("s-li", True, now=NOW)) == "rate_limited"
