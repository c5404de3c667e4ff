"""rooms.speaking: a host invites a listener to speak; the stage grant and its end."""

from dataclasses import replace

import pytest

from rooms.outbox import Group, RoomFlags, Send
from rooms.presence import Person
from rooms.roles import Capability, Kind, Role
from rooms.room import ChatLimit, Room
from rooms.speaking import Speaking
from tests.rooms.test_room import HAN, LI, NOW, OWNER, SESSION, codes, events

C = Capability
TEACHER = Person("guest:t@x.org", "p-teacher", "Zhao Laoshi", Role.PRESENTER)
OLGA = Person("guest:olga@x.org", "p-olga", "Olga", Role.OBSERVER)


def make_class() -> Room:
    room = Room(
        session=replace(SESSION, kind=Kind.CLASS, lobby=False),
        flags=RoomFlags(),
        chat_limit=ChatLimit(),
    )
    for sid, person in (("s-owner", OWNER), ("s-li", LI), ("s-han", HAN), ("s-t", TEACHER)):
        room.join(sid, person, now=NOW)
    return room


@pytest.fixture
def room() -> Room:
    return make_class()


def li(room: Room):  # type: ignore[no-untyped-def]
    return room.people.get(LI.person_key)


def speaking(room: Room) -> Speaking:
    return room.part(Speaking)


def test_a_host_invites_a_listener_who_sees_a_prompt(room: Room) -> None:
    effects = speaking(room).invite_to_speak("s-owner", "p-li", video=True)

    assert effects == [
        Send("speak_invite", {"invite": {"by": "Wang Fang", "video": True}}, sids=("s-li",)),
        Send(
            "stage_invites",
            {"invited": [{"participant_id": "p-li", "name": "Li Lei", "video": True}]},
            Group.HOSTS,
        ),
    ]
    assert C.PUBLISH_AUDIO not in room.caps(li(room))


def test_accepting_grants_audio_and_the_allowed_video_and_lowers_the_hand(room: Room) -> None:
    room.hands.raise_hand("s-li", now=NOW)
    speaking(room).invite_to_speak("s-owner", "p-li", video=True)

    effects = speaking(room).answer_invite("s-li", accept=True)

    p = li(room)
    assert {C.PUBLISH_AUDIO, C.PUBLISH_VIDEO} <= room.caps(p)
    assert C.PUBLISH_SCREEN not in room.caps(p)
    assert room.hands.raised == {}
    assert events(effects, "hands")[0].payload == {"queue": []}
    you = events(effects, "you")[0]
    assert you.sids == ("s-li",)
    assert you.payload["reason"] == "stage"
    assert you.payload["capabilities"] == sorted(room.caps(p))
    assert room.payload(p)["speaking"] is True
    assert room.payload(p)["speaking_video"] is True
    assert events(effects, "invite_answered")[0] == Send(
        "invite_answered",
        {"participant_id": "p-li", "name": "Li Lei", "accept": True},
        Group.HOSTS,
    )
    assert events(effects, "speak_invite")[0].payload == {"invite": None}
    assert events(effects, "stage_invites")[0].payload == {"invited": []}


def test_a_listener_publishes_only_while_they_have_the_floor(room: Room) -> None:
    before = room.payload(li(room))["publishes"]
    speaking(room).invite_to_speak("s-owner", "p-li", video=False)

    effects = speaking(room).answer_invite("s-li", accept=True)

    assert (before, room.payload(li(room))["publishes"]) == (False, True)
    updated = events(effects, "participant_updated")
    assert [e.payload["participant"]["publishes"] for e in updated] == [True]  # the roster's
    speaking(room).revoke_speaking("s-owner", "p-li")
    assert room.payload(li(room))["publishes"] is False


def test_without_video_only_audio_is_granted_and_set_mic_works(room: Room) -> None:
    speaking(room).invite_to_speak("s-owner", "p-li", video=False)
    speaking(room).answer_invite("s-li", accept=True)

    room.set_mic("s-li", True)

    assert li(room).mic is True
    assert C.PUBLISH_VIDEO not in room.caps(li(room))
    assert codes(lambda: room.set_camera("s-li", True)) == "forbidden"


def test_declining_grants_nothing_and_tells_the_hosts(room: Room) -> None:
    room.hands.raise_hand("s-li", now=NOW)
    speaking(room).invite_to_speak("s-owner", "p-li", video=False)

    effects = speaking(room).answer_invite("s-li", accept=False)

    assert C.PUBLISH_AUDIO not in room.caps(li(room))
    assert events(effects, "invite_answered")[0].payload["accept"] is False
    assert events(effects, "you") == []
    assert list(room.hands.raised) == ["p-li"]
    assert codes(lambda: speaking(room).answer_invite("s-li", accept=True)) == "no_invite"


def test_a_host_takes_the_floor_back_and_the_devices_go_off(room: Room) -> None:
    speaking(room).invite_to_speak("s-owner", "p-li", video=True)
    speaking(room).answer_invite("s-li", accept=True)
    room.set_mic("s-li", True)
    room.set_camera("s-li", True)

    effects = speaking(room).revoke_speaking("s-owner", "p-li")

    p = li(room)
    assert (p.mic, p.camera) == (False, False)
    assert room.caps(p) == room.caps(room.people.get(HAN.person_key))  # a listener again
    updated = events(effects, "participant_updated")[0].payload["participant"]
    assert (updated["speaking"], updated["mic"], updated["camera"]) == (False, False, False)
    assert events(effects, "you")[0].payload["capabilities"] == sorted(room.caps(p))
    assert codes(lambda: room.set_mic("s-li", True)) == "forbidden"


def test_a_host_takes_back_an_invitation_still_waiting(room: Room) -> None:
    speaking(room).invite_to_speak("s-owner", "p-li", video=False)

    effects = speaking(room).revoke_speaking("s-owner", "p-li")

    assert events(effects, "speak_invite")[0].payload == {"invite": None}
    assert codes(lambda: speaking(room).answer_invite("s-li", accept=True)) == "no_invite"
    assert codes(lambda: speaking(room).revoke_speaking("s-owner", "p-li")) == "not_speaking"


def test_the_speaker_stops_by_themselves(room: Room) -> None:
    speaking(room).invite_to_speak("s-owner", "p-li", video=False)
    speaking(room).answer_invite("s-li", accept=True)

    effects = speaking(room).stop_speaking("s-li")

    assert C.PUBLISH_AUDIO not in room.caps(li(room))
    assert events(effects, "you")[0].sids == ("s-li",)
    assert codes(lambda: speaking(room).stop_speaking("s-li")) == "not_speaking"


def test_leaving_the_room_ends_the_grant(room: Room) -> None:
    speaking(room).invite_to_speak("s-owner", "p-li", video=False)
    speaking(room).answer_invite("s-li", accept=True)

    room.leave("s-li", now=NOW)
    room.join("s-li-again", LI, now=NOW)

    assert C.PUBLISH_AUDIO not in room.caps(li(room))
    assert room.payload(li(room))["speaking"] is False


def test_a_second_tab_shares_the_grant_and_closing_one_keeps_it(room: Room) -> None:
    speaking(room).invite_to_speak("s-owner", "p-li", video=False)
    speaking(room).answer_invite("s-li", accept=True)

    joined = events(room.join("s-li-2", LI, now=NOW), "joined")[0].payload
    room.leave("s-li", now=NOW)

    assert C.PUBLISH_AUDIO in joined["capabilities"]  # type: ignore[operator]
    assert C.PUBLISH_AUDIO in room.caps(li(room))


def test_a_pending_invitation_is_shown_again_after_a_reconnect(room: Room) -> None:
    speaking(room).invite_to_speak("s-owner", "p-li", video=True)

    gone = room.leave("s-li", now=NOW)
    back = room.join("s-li-again", LI, now=NOW)

    assert events(gone, "stage_invites")[0].payload == {"invited": []}
    snapshot = events(back, "joined")[0].payload
    assert snapshot["speak_invite"] == {"by": "Wang Fang", "video": True}
    assert events(back, "stage_invites")[0].payload["invited"] == [
        {"participant_id": "p-li", "name": "Li Lei", "video": True}
    ]
    host = room.snapshot(room.people.get(OWNER.person_key), now=NOW)  # type: ignore[arg-type]
    assert host["stage_invites"] == [{"participant_id": "p-li", "name": "Li Lei", "video": True}]
    assert snapshot["stage_invites"] == []  # only moderators see the invitations


def test_a_role_change_ends_the_grant_and_the_invitation(room: Room) -> None:
    speaking(room).invite_to_speak("s-owner", "p-li", video=False)
    speaking(room).answer_invite("s-li", accept=True)
    speaking(room).invite_to_speak("s-owner", "p-han", video=False)

    room.controls.set_role("s-owner", "p-li", Role.OBSERVER, now=NOW)
    effects = room.controls.set_role("s-owner", "p-han", Role.OBSERVER, now=NOW)

    assert C.PUBLISH_AUDIO not in room.caps(li(room))
    assert events(effects, "speak_invite")[0].payload == {"invite": None}
    assert speaking(room).offers == {}


def test_only_moderators_invite_or_take_back(room: Room) -> None:
    assert codes(lambda: speaking(room).invite_to_speak("s-han", "p-li", video=False)) == (
        "forbidden"
    )
    assert codes(lambda: speaking(room).invite_to_speak("s-t", "p-li", video=False)) == (
        "forbidden"
    )
    assert codes(lambda: speaking(room).revoke_speaking("s-han", "p-li")) == "forbidden"


def test_inviting_someone_who_may_speak_or_nobody_is_refused(room: Room) -> None:
    speaking(room).invite_to_speak("s-owner", "p-li", video=False)
    speaking(room).answer_invite("s-li", accept=True)

    assert codes(lambda: speaking(room).invite_to_speak("s-owner", "p-teacher", video=False)) == (
        "not_a_listener"
    )
    assert codes(lambda: speaking(room).invite_to_speak("s-owner", "p-li", video=True)) == (
        "already_speaking"
    )
    assert codes(lambda: speaking(room).invite_to_speak("s-owner", "p-nobody", video=False)) == (
        "not_found"
    )


def test_an_observer_is_a_listener_in_a_meeting_and_an_attendee_is_not() -> None:
    room = Room(session=replace(SESSION, lobby=False), flags=RoomFlags(), chat_limit=ChatLimit())
    room.join("s-owner", OWNER, now=NOW)
    room.join("s-li", LI, now=NOW)
    room.join("s-olga", OLGA, now=NOW)
    part = room.part(Speaking)

    part.invite_to_speak("s-owner", "p-olga", video=True)
    part.answer_invite("s-olga", accept=True)

    assert C.PUBLISH_VIDEO in room.caps(room.people.get(OLGA.person_key))  # type: ignore[arg-type]
    assert codes(lambda: part.invite_to_speak("s-owner", "p-li", video=False)) == "not_a_listener"


def test_a_review_has_no_invitations_to_speak() -> None:
    room = Room(
        session=replace(SESSION, kind=Kind.REVIEW), flags=RoomFlags(), chat_limit=ChatLimit()
    )

    assert codes(lambda: room.part(Speaking)) == "not_here"
