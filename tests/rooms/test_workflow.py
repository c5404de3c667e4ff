"""rooms.workflow: the seam between a room's core and its workflows."""

from dataclasses import replace
from datetime import datetime

from rooms.outbox import Effect, RoomFlags, Send
from rooms.presence import Participant
from rooms.protocol import EVENTS, HANDLED_BY, WORKFLOW_EVENTS
from rooms.roles import Capability, Kind, capabilities
from rooms.room import ChatLimit, Room
from rooms.workflow import Workflow
from tests.rooms.test_room import HAN, LI, NOW, OWNER, SESSION, codes, make_room


class Hiding(Workflow):
    """A workflow that keeps Han out of everyone's sight and hearing, and says so."""

    def about(self, p: Participant) -> dict[str, object]:
        return {"hidden": p.participant_id == "p-han"}

    def may_see(self, viewer: Participant, subject: Participant) -> bool:
        return subject.participant_id != "p-han"

    def may_hear(self, listener: Participant, speaker: Participant) -> bool:
        return speaker.participant_id != "p-han"

    def gone(self, p: Participant, *, now: datetime) -> list[Effect]:
        return [Send("hidden_gone", {"participant_id": p.participant_id})]


def room_with_hiding() -> Room:
    room = make_room(lobby=False)
    room.workflows = (*room.workflows, Hiding(room))
    for sid, person in (("s-owner", OWNER), ("s-li", LI), ("s-han", HAN)):
        room.join(sid, person, now=NOW)
    return room


def test_every_workflow_event_is_a_method_of_its_workflow() -> None:
    rooms = [Room(session=replace(SESSION, kind=kind), flags=RoomFlags(), chat_limit=ChatLimit())
             for kind in Kind]  # fmt: skip
    parts = {w.name: w for room in rooms for w in room.workflows}

    missing = [
        event for workflow, events in WORKFLOW_EVENTS.items() for event in events
        if not callable(getattr(parts[workflow], event, None))
    ]  # fmt: skip

    assert set(HANDLED_BY) == set(EVENTS)
    assert missing == []


def test_a_workflow_decides_who_is_seen_and_heard() -> None:
    room = room_with_hiding()
    li = room.people.of_sid("s-li")
    assert li is not None

    shown = [p["participant_id"] for p in room.snapshot(li, now=NOW)["participants"]]  # type: ignore[index]

    assert shown == ["p-owner", "p-li"]
    assert (room.may_hear("p-li", "p-han"), room.may_hear("p-han", "p-li")) == (False, True)


def test_a_workflow_adds_to_participants_and_to_leaving() -> None:
    room = room_with_hiding()
    han = room.people.of_sid("s-han")
    assert han is not None

    left = room.leave("s-han", now=NOW)

    assert room.payload(han)["hidden"] is True
    assert Send("hidden_gone", {"participant_id": "p-han"}) in left


class Stage(Workflow):
    """A workflow that gives Li the stage (a grant of video and screen) while ``on``."""

    on = True

    def grants(self, p: Participant) -> frozenset[Capability]:
        given = self.on and p.participant_id == "p-li"
        return (
            frozenset({Capability.PUBLISH_VIDEO, Capability.PUBLISH_SCREEN})
            if given
            else frozenset()
        )


def test_a_stage_grant_adds_to_the_role_while_the_workflow_gives_it() -> None:
    room = make_room(lobby=False)
    stage = Stage(room)
    room.workflows = (*room.workflows, stage)
    room.join("s-li", LI, now=NOW)
    li = room.people.of_sid("s-li")
    assert li is not None
    own = capabilities(Kind.MEETING, li.role)

    granted = room.caps(li)
    allowed = room.require("s-li", Capability.PUBLISH_SCREEN)
    stage.on = False

    assert (granted - own, allowed) == ({Capability.PUBLISH_SCREEN}, li)
    assert room.caps(li) == own
    assert codes(lambda: room.require("s-li", Capability.PUBLISH_SCREEN)) == "forbidden"
