"""rooms.host_controls: what a moderator does to a live room and its people, and exactly
what each asks the edge to deliver."""

import pytest

from rooms.lobby import Admission
from rooms.outbox import Drop, Group, Keep, Move, Send, Text
from rooms.roles import Role
from tests.rooms.test_room import COHOST, HAN, LI, NOW, OWNER, codes, events, make_room


def test_remove_with_ban_keeps_them_out() -> None:
    room = make_room(lobby=False)
    room.join("s-owner", OWNER, now=NOW)
    room.join("s-li", LI, now=NOW)

    effects = room.controls.remove("s-owner", "p-li", ban=True, now=NOW)

    assert effects[0] == Keep(Admission(LI.person_key, False))  # through the lobby if unbanned
    assert effects[1] == Send(
        "removed",
        {"banned": True, "message": Text("A host removed you from the session.")},
        sids=("s-li",),
    )
    assert effects[-1] == Drop(("s-li",))
    assert room.flags.bans == {"guest:li@x.org"}
    assert codes(lambda: room.join("s-li-2", LI, now=NOW)) == "banned"


def test_remove_without_ban_lets_them_come_back_through_the_lobby() -> None:
    room = make_room()
    room.join("s-owner", OWNER, now=NOW)
    room.join("s-li", LI, now=NOW)
    room.lobby.admit("s-owner", "p-li", now=NOW)
    room.controls.remove("s-owner", "p-li", ban=False, now=NOW)

    effects = room.join("s-li-2", LI, now=NOW)

    assert events(effects, "waiting") == [
        Send("waiting", {"position": 1, "size": 1}, sids=("s-li-2",))
    ]


def test_a_locked_room_refuses_newcomers_but_not_people_already_admitted() -> None:
    room = make_room(lobby=False)
    room.join("s-owner", OWNER, now=NOW)
    room.join("s-li", LI, now=NOW)
    room.leave("s-li", now=NOW)

    flags = room.controls.set_locked("s-owner", True)

    assert flags == [Send("room_flags", {"locked": True, "chat_enabled": True}, group=Group.ROOM)]
    assert codes(lambda: room.join("s-han", HAN, now=NOW)) == "room_locked"
    assert events(room.join("s-li-2", LI, now=NOW), "joined")[0].sids == ("s-li-2",)


def test_mute_all_asks_everyone_but_the_moderators() -> None:
    room = make_room(lobby=False)
    room.join("s-owner", OWNER, now=NOW)
    room.join("s-co", COHOST, now=NOW)
    room.join("s-li", LI, now=NOW)
    room.join("s-han", HAN, now=NOW)

    assert room.controls.mute_all("s-co") == [
        Send("mute_request", {"by": "Zhao Co"}, sids=("s-li", "s-han"))
    ]


@pytest.mark.parametrize(
    ("actor", "role", "code"),
    [
        ("s-co", Role.HOST, "protected"),  # only a host makes hosts
        ("s-owner", Role.SIGNER, "invalid_role"),  # no signers in a meeting
        ("s-li", Role.PRESENTER, "forbidden"),  # attendees manage no roles
    ],
)
def test_set_role_stays_within_what_the_role_and_kind_allow(
    actor: str, role: Role, code: str
) -> None:
    room = make_room(lobby=False)
    for sid, person in [("s-owner", OWNER), ("s-co", COHOST), ("s-li", LI), ("s-han", HAN)]:
        room.join(sid, person, now=NOW)

    assert codes(lambda: room.controls.set_role(actor, "p-han", role, now=NOW)) == code


def test_promoting_to_cohost_makes_a_moderator_at_once() -> None:
    room = make_room(lobby=False)
    room.join("s-owner", OWNER, now=NOW)
    room.join("s-li", LI, now=NOW)

    effects = room.controls.set_role("s-owner", "p-li", Role.COHOST, now=NOW)

    assert effects[0] == Move(("s-li",), enter=(Group.HOSTS,), leave=())
    assert events(effects, "you")[0].payload["participant"]["role"] == "cohost"  # type: ignore[index]
    assert events(effects, "lobby") == [Send("lobby", {"queue": []}, sids=("s-li",))]
    assert room.flags.roles == {"guest:li@x.org": Role.COHOST}
    assert (
        codes(lambda: room.controls.set_role("s-li", "p-li", Role.ATTENDEE, now=NOW)) == "own_role"
    )
