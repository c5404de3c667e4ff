"""Invitations to speak: a room's workflow (``rooms.workflow``) that gives a listener the
floor for a while (classes, meetings, roadshows, signings).

A **listener** is a participant whose role may not send audio (a class's students, an
observer). A moderator invites one to speak (``invite_to_speak``, allowing their camera or
not); the invitation waits on the server, kept by person, so another tab of theirs, a reload
or a return to the room shows it again, until they answer (``answer_invite``) or the
moderator takes it back (``revoke_speaking``). On accept they hold a **stage grant**
(``Workflow.grants``): ``publish_audio``, and ``publish_video`` when the camera was allowed,
which ``Room.caps`` adds to their role's; their raised hand is lowered.

The grant is the person's while they are in the room (all their tabs share it). It ends
when the moderator takes it back, they stop (``stop_speaking``), they leave the room (their
last tab closes, a host sends them to the lobby or removes them), or their role changes;
then their microphone and camera are off in the roster, and the edge stops forwarding them
at once. Nothing here is kept in Redis: a restarted room has nobody on the stage.
"""

from dataclasses import dataclass
from datetime import datetime

from rooms.errors import Conflict, NotFound
from rooms.outbox import Effect, Group, Send
from rooms.presence import Participant
from rooms.roles import Capability, capabilities
from rooms.workflow import Core, Workflow

C = Capability
_AUDIO = frozenset({C.PUBLISH_AUDIO})
_AUDIO_VIDEO = frozenset({C.PUBLISH_AUDIO, C.PUBLISH_VIDEO})


@dataclass(frozen=True, slots=True)
class Offer:
    """An invitation to speak waiting for its answer."""

    by: str  # the moderator's name
    video: bool  # the camera is allowed too


def is_listener(kind_caps: frozenset[Capability]) -> bool:
    """Whether a role with these capabilities may speak only when given the floor."""
    return C.PUBLISH_AUDIO not in kind_caps


class Speaking(Workflow):
    name = "speaking"

    def __init__(self, room: Core) -> None:
        super().__init__(room)
        self.offers: dict[str, Offer] = {}  # person key -> the invitation waiting
        self.speakers: dict[str, bool] = {}  # person key -> whether their camera is allowed

    # a moderator's events

    def invite_to_speak(self, sid: str, participant_id: str, *, video: bool) -> list[Effect]:
        """Offer a listener the floor (again, to change whether the camera is allowed)."""
        actor = self.room.require(sid, C.MODERATE)
        p = self.room.target(participant_id)
        name = p.person.name
        if not is_listener(capabilities(self.room.session.kind, p.role)):
            raise Conflict("{name} may speak already.", code="not_a_listener", name=name)
        if p.key in self.speakers:
            raise Conflict("{name} has the floor already.", code="already_speaking", name=name)
        self.offers[p.key] = Offer(by=actor.person.name, video=video)
        return [*self._prompt(p), self._offers_news()]

    def revoke_speaking(self, sid: str, participant_id: str) -> list[Effect]:
        """Take the floor back, or the invitation when it is still waiting."""
        self.room.require(sid, C.MODERATE)
        p = self.room.target(participant_id)
        if p.key in self.speakers:
            return self._end(p)
        if self.offers.pop(p.key, None) is not None:
            return [*self._prompt(p), self._offers_news()]
        raise Conflict(
            "{name} has neither the floor nor an invitation to speak.",
            code="not_speaking",
            name=p.person.name,
        )

    # the listener's events

    def answer_invite(self, sid: str, *, accept: bool) -> list[Effect]:
        p = self.room.require(sid, C.JOIN)
        offer = self.offers.pop(p.key, None)
        if offer is None:
            raise NotFound("Nobody has invited you to speak.", code="no_invite")
        answer = {"participant_id": p.participant_id, "name": p.person.name, "accept": accept}
        news = [*self._prompt(p), self._offers_news(), Send("invite_answered", answer, Group.HOSTS)]
        if not accept:
            return news
        self.speakers[p.key] = offer.video
        return [*news, *self.room.hands.lower(p), *self._floor_changed(p)]

    def stop_speaking(self, sid: str) -> list[Effect]:
        p = self.room.require(sid, C.JOIN)
        if p.key not in self.speakers:
            raise Conflict("You do not have the floor.", code="not_speaking")
        return self._end(p)

    # what the room asks

    def grants(self, p: Participant) -> frozenset[Capability]:
        video = self.speakers.get(p.key)
        if video is None:
            return frozenset()
        return _AUDIO_VIDEO if video else _AUDIO

    def about(self, p: Participant) -> dict[str, object]:
        """Whether they are a listener, and whether they have the floor (with their camera)."""
        return {
            "listener": is_listener(capabilities(self.room.session.kind, p.role)),
            "speaking": p.key in self.speakers,
            "speaking_video": bool(self.speakers.get(p.key)),
        }

    def snapshot(self, p: Participant, *, now: datetime) -> dict[str, object]:
        moderator = C.MODERATE in self.room.caps(p)
        return {
            "speak_invite": self._offer(p),
            "stage_invites": self._invited() if moderator else [],
        }

    def admitted(self, p: Participant, *, now: datetime) -> list[Effect]:
        return [self._offers_news()] if p.key in self.offers else []

    def gone(self, p: Participant, *, now: datetime) -> list[Effect]:
        self.speakers.pop(p.key, None)  # the stage is for people in the room
        return [self._offers_news()] if p.key in self.offers else []

    def role_changed(self, p: Participant, *, now: datetime) -> list[Effect]:
        """A new role ends the grant and any invitation (the room tells them their rights)."""
        if self.speakers.pop(p.key, None) is not None:
            self._devices_off(p)
        if self.offers.pop(p.key, None) is None:
            return []
        return [*self._prompt(p), self._offers_news()]

    # the stage

    def _end(self, p: Participant) -> list[Effect]:
        del self.speakers[p.key]
        self._devices_off(p)
        return self._floor_changed(p)

    def _devices_off(self, p: Participant) -> None:
        """What the person may no longer send is off in the roster (and so not forwarded)."""
        caps = self.room.caps(p)
        p.mic = p.mic and C.PUBLISH_AUDIO in caps
        p.camera = p.camera and C.PUBLISH_VIDEO in caps

    def _floor_changed(self, p: Participant) -> list[Effect]:
        you = {
            "participant": self.room.payload(p),
            "capabilities": sorted(self.room.caps(p)),
            "reason": "stage",
        }
        return [*self.room.updated(p), Send("you", you, sids=tuple(p.sids))]

    def _offer(self, p: Participant) -> dict[str, object] | None:
        offer = self.offers.get(p.key)
        return None if offer is None else {"by": offer.by, "video": offer.video}

    def _prompt(self, p: Participant) -> list[Effect]:
        """The listener's own prompt (all their tabs): the invitation, or none any more."""
        return (
            [Send("speak_invite", {"invite": self._offer(p)}, sids=tuple(p.sids))] if p.sids else []
        )

    def _invited(self) -> list[dict[str, object]]:
        """The invitations waiting, of people in the room, first made first."""
        waiting = []
        for key, offer in self.offers.items():
            p = self.room.people.get(key)
            if p is not None and p.admitted:
                waiting.append({"participant_id": p.participant_id, "name": p.person.name,
                                "video": offer.video})  # fmt: skip
        return waiting

    def _offers_news(self) -> Send:
        return Send("stage_invites", {"invited": self._invited()}, Group.HOSTS)
