"""A live room's core: the people of one session's room, their roles, flags, presence and
attention; its chat (``room.chat``, ``rooms.room_chat``) and host controls
(``room.controls``, ``rooms.host_controls``) in modules of their own, and its workflows beside
it (``rooms.workflow``).

One Room object per live room. Its methods are synchronous: each checks that the acting
socket's person may do it (capabilities of ``rooms.roles``, as ``rooms.protocol.EVENTS``
lists them), changes the state, and returns the effects (``rooms.outbox``) the edge must
persist and deliver. A person is one participant however many sockets (tabs) they have.
Every room runs the lobby (``room.lobby``) and the hand queue (``room.hands``), and the
workflows of its session's kind (``rooms.kinds``); the core asks them what they add when
someone enters, leaves or changes role, and who may see and hear whom.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from rooms.agenda import Session
from rooms.attendance import Movement
from rooms.attention import Attention
from rooms.chat import TokenBucket
from rooms.errors import Conflict, DomainError, Forbidden, NotFound
from rooms.hands import Hands
from rooms.host_controls import HostControls
from rooms.kinds import rules_of
from rooms.lobby import Lobby
from rooms.outbox import Attend, Drop, Effect, Group, History, Move, Person, RoomFlags, Send, Text
from rooms.presence import Participant, People, groups_of, participant_payload, session_card
from rooms.roles import Capability, Role, capabilities
from rooms.room_chat import RoomChat
from rooms.workflow import Workflow

C = Capability
# whoever may send their voice or camera has a tile on everyone's stage
_PUBLISHING = frozenset({C.PUBLISH_AUDIO, C.PUBLISH_VIDEO})

W = TypeVar("W", bound=Workflow)


@dataclass(frozen=True, slots=True)
class ChatLimit:
    """How fast one person may post, react and send heartbeats (each purpose its own
    bucket)."""

    burst: int = 5
    per_second: float = 1.0


class Room:
    def __init__(self, *, session: Session, flags: RoomFlags, chat_limit: ChatLimit) -> None:
        self.session = session
        self.flags = flags
        self.chat_limit = chat_limit
        self.closed = False
        self.empty_since: datetime | None = None
        self.recording = False  # being recorded (the server's recorder says; shown to all)
        self.streaming: dict[str, object] | None = None  # its live stream's state, if any
        self.people = People()
        self.attention = Attention()  # whose tabs are visible: active time (rooms.attention)
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self.lobby = Lobby(self)
        self.hands = Hands(self)
        kind = tuple(workflow(self) for workflow in rules_of(session.kind).workflows)
        self.workflows: tuple[Workflow, ...] = (self.lobby, self.hands, *kind)
        self.chat = RoomChat(self)
        self.controls = HostControls(self)

    # looking things up

    def caps(self, p: Participant) -> frozenset[Capability]:
        """What this person may do now: their role's capabilities, any stage grant of a
        workflow (``Workflow.grants``), less what a workflow withholds for now
        (``Workflow.withholds``: a roadshow's founder off stage)."""
        granted = [c for w in self.workflows for c in w.grants(p)]
        withheld = [c for w in self.workflows for c in w.withholds(p)]
        own = capabilities(self.session.kind, p.role)
        return own.union(granted).difference(withheld) if granted or withheld else own

    def require(self, sid: str, capability: Capability) -> Participant:
        """The admitted participant of this socket, if they have the capability (by their
        role, or a stage grant)."""
        p = self.people.of_sid(sid)
        if p is None:
            raise DomainError("Join the room first.", code="not_joined")
        if p.held:
            raise DomainError("You are out of the room for now.", code="held_out")
        if not p.admitted:
            raise DomainError("You are waiting in the lobby.", code="in_lobby")
        if capability not in self.caps(p):
            raise Forbidden("Your role cannot do that here.")
        return p

    def part(self, kind: type[W]) -> W:
        """The room's workflow of that class; refused when the session's kind has none."""
        for workflow in self.workflows:
            if isinstance(workflow, kind):
                return workflow
        raise DomainError("That cannot be done in this kind of session.", code="not_here")

    def hold_of(self, p: Participant) -> dict[str, object] | None:
        """Why a workflow keeps this person out of the room now, if one does."""
        return next((h for w in self.workflows if (h := w.holds(p)) is not None), None)

    def target(self, participant_id: str, *, admitted: bool | None = True) -> Participant:
        p = self.people.of_participant(participant_id)
        if p is None or (admitted is not None and p.admitted is not admitted):
            if admitted is False:
                raise NotFound("Nobody with that id is waiting in the lobby.")
            raise NotFound("Nobody with that id is in the room.")
        return p

    def _role_for(self, person: Person) -> Role:
        return person.role if person.owner else self.flags.roles.get(person.person_key, person.role)

    def groups(self, p: Participant) -> tuple[Group, ...]:
        """The socket groups this person's capabilities put them in (``rooms.presence``)."""
        return groups_of(self.caps(p))

    def check_outranks(self, actor: Participant, target: Participant) -> None:
        if target.person.owner or (target.role is Role.HOST and actor.role is not Role.HOST):
            raise Forbidden(
                "You cannot do that to {name}.", code="protected", name=target.person.name
            )

    # what the workflows are asked

    def payload(self, p: Participant) -> dict[str, object]:
        """A participant as the protocol shows them, with what each workflow adds, and
        whether they may speak or show their camera now (the stage gives them a tile)."""
        fields = participant_payload(p)
        for workflow in self.workflows:
            fields |= workflow.about(p)
        fields["publishes"] = self._publishes(p)
        return fields

    def _publishes(self, p: Participant) -> bool:
        """Whether this person may send their voice or camera now, counting the grants the
        roster is told of (not a breakout group's, told only to its holder)."""
        announced = [w for w in self.workflows if w.announces_grants]
        granted = {c for w in announced for c in w.grants(p)}
        withheld = {c for w in announced for c in w.withholds(p)}
        own = capabilities(self.session.kind, p.role)
        return not (own.union(granted) - withheld).isdisjoint(_PUBLISHING)

    def shown_to(self, p: Participant) -> list[Participant]:
        """Whom this person sees in the roster: everyone with ``see_roster`` (as far as the
        workflows allow), else only themselves."""
        if C.SEE_ROSTER not in self.caps(p):
            return [p]
        return [q for q in self.people.admitted() if q is p or self.may_see(p, q)]

    def may_see(self, viewer: Participant, subject: Participant) -> bool:
        return all(w.may_see(viewer, subject) for w in self.workflows)

    def may_hear(self, listener_id: str, speaker_id: str) -> bool:
        """Whether a participant may hear (and see) another's media now: the media plane
        asks before it forwards a source to a viewer."""
        listener = self.people.of_participant(listener_id)
        speaker = self.people.of_participant(speaker_id)
        if listener is None or speaker is None or not (listener.admitted and speaker.admitted):
            return False
        return all(w.may_hear(listener, speaker) for w in self.workflows)

    def departed(self, p: Participant, *, now: datetime) -> list[Effect]:
        """What the workflows add when someone leaves the room (or is sent out of it)."""
        return [e for w in self.workflows for e in w.gone(p, now=now)]

    # entering and leaving

    def check_entry(self, person: Person) -> None:
        """Refuse someone the room will not take now (banned, locked, closed, full)."""
        if self.closed:
            raise Conflict("This session has ended.", code="session_ended")
        if person.owner:
            return
        key = person.person_key
        if key in self.flags.bans:
            raise Forbidden("You were removed from this session.", code="banned")
        present = self.people.get(key) is not None
        moderator = C.MODERATE in capabilities(self.session.kind, self._role_for(person))
        known = self.lobby.was_admitted(key) or self.lobby.was_waiting(key)
        if self.flags.locked and not (present or moderator or known):
            raise Forbidden("The room is locked: nobody new can come in.", code="room_locked")
        straight_in = self.lobby.straight_in(person, self._role_for(person))
        if not (present or moderator) and straight_in and self._no_place():
            raise Conflict(
                "The session is full: it takes {capacity} people.",
                code="room_full",
                capacity=self.session.capacity,
            )

    def _no_place(self) -> bool:
        """The session's capacity counts the people in the room (not the lobby)."""
        return len(self.people.admitted()) >= self.session.capacity

    def join(self, sid: str, person: Person, *, now: datetime) -> list[Effect]:
        self.check_entry(person)
        role = self._role_for(person)
        if C.JOIN not in capabilities(self.session.kind, role):
            raise Forbidden("Your role cannot do that here.")
        if self.people.of_sid(sid) is not None:
            raise DomainError("This connection has joined already.", code="already_joined")
        self.empty_since = None
        present = self.people.get(person.person_key)
        if present is not None:
            self.people.add_sid(present, sid)
            return self._welcome(present, (sid,), now=now)
        p = Participant(person=person, role=role, since=now, sids=[sid])
        self.people.add(p)
        hold = self.hold_of(p)
        if hold is not None:
            p.held = True
            return [Send("stepped_out", hold, sids=(sid,))]
        if person.owner or self.lobby.straight_in(person, role):
            return self.enter(p, now=now)
        return [Move((sid,), enter=(Group.LOBBY,)), *self.lobby.waits(p, now=now)]

    def _welcome(self, p: Participant, sids: tuple[str, ...], *, now: datetime) -> list[Effect]:
        if p.held:
            return [Send("stepped_out", self.hold_of(p) or {}, sids=sids)]
        if not p.admitted:
            return [Move(sids, enter=(Group.LOBBY,)), *self.lobby.news(now=now)]
        return [
            Send("joined", self.snapshot(p, now=now), sids=sids),
            History(sids),
            Move(sids, enter=self.groups(p)),
        ]

    def enter(self, p: Participant, *, now: datetime) -> list[Effect]:
        """A present person enters the room: attendance, the roster, their snapshot."""
        p.admitted, p.since = True, now
        sids = tuple(p.sids)
        added = [e for w in self.workflows for e in w.admitted(p, now=now)]
        joined = {"participant": self.payload(p)}
        return [
            *added,
            Attend(Movement.JOIN, p.person, p.role),
            Move(sids, leave=(Group.LOBBY,)),
            Send("participant_joined", joined, group=Group.ROSTER),
            *self._welcome(p, sids, now=now),
        ]

    def leave(self, sid: str, *, now: datetime) -> list[Effect]:
        """A socket went away; when it was the person's last, they left (else that tab
        stopped looking)."""
        staying = self.people.of_sid(sid)
        p = self.people.drop_sid(sid)
        if p is not None:
            return self._gone(p, now=now)
        if staying is None or not staying.admitted:
            return []
        return self._looked(staying, sid, visible=False, now=now)

    def _forget(self, p: Participant, *, now: datetime) -> list[Effect]:
        self.people.forget(p)
        return self._gone(p, now=now)

    def attend(self, sid: str, visible: bool, *, now: datetime) -> list[Effect]:
        """A tab's heartbeat: whether it is visible (``rooms.attention``). Beats from the
        lobby, or while a workflow holds the person out, count nothing."""
        p = self.people.of_sid(sid)
        if p is None:
            raise DomainError("Join the room first.", code="not_joined")
        if not p.admitted or p.held:
            return []
        self.take_token(p, "attention", now=now)
        return self._looked(p, sid, visible=visible, now=now)

    def _looked(self, p: Participant, sid: str, *, visible: bool, now: datetime) -> list[Effect]:
        movement = self.attention.heard(p.key, sid, visible=visible, since=p.since, now=now)
        return [] if movement is None else [Attend(movement, p.person, p.role)]

    def _gone(self, p: Participant, *, now: datetime) -> list[Effect]:
        self.attention.forget(p.key)
        if not self.people:
            self.empty_since = now
        if not p.admitted:
            return self.lobby.left(p, now=now)
        left = {"participant_id": p.participant_id}
        return [
            Attend(Movement.LEAVE, p.person, p.role),
            Send("participant_left", left, group=Group.ROSTER),
            *self.departed(p, now=now),
        ]

    def turn_away(
        self, p: Participant, event: str, payload: dict[str, object], *, now: datetime
    ) -> list[Effect]:
        """Tell a person why, forget them, and drop their sockets."""
        sids = tuple(p.sids)
        return [Send(event, payload, sids=sids), *self._forget(p, now=now), Drop(sids)]

    # presence: reactions, microphones and cameras

    def updated(self, p: Participant) -> list[Effect]:
        payload = {"participant": self.payload(p)}
        news: list[Effect] = [Send("participant_updated", payload, group=Group.ROSTER)]
        if Group.ROSTER not in self.groups(p):
            news.append(Send("participant_updated", payload, sids=tuple(p.sids)))
        return news

    def regranted(self, p: Participant) -> list[Effect]:
        """A workflow changed what this person may do (``Workflow.grants``): they are told
        their capabilities, as after a role change."""
        you = {"participant": self.payload(p), "capabilities": sorted(self.caps(p))}
        return [Send("you", you, sids=tuple(p.sids))]

    def take_token(self, p: Participant, purpose: str, *, now: datetime) -> None:
        """Spend one of this person's tokens for a purpose (chat, react, attention);
        refused when they send too fast (``ChatLimit``)."""
        limit = self.chat_limit
        bucket = self._buckets.setdefault(
            (p.key, purpose), TokenBucket.full(burst=limit.burst, per_second=limit.per_second)
        )
        if not bucket.take(now=now):
            raise DomainError("You are sending too fast; wait a moment.", code="rate_limited")

    def react(self, sid: str, emoji: str, *, now: datetime) -> list[Effect]:
        p = self.require(sid, C.REACT)
        self.take_token(p, "react", now=now)
        payload = {"participant_id": p.participant_id, "name": p.person.name,
                   "emoji": emoji, "at": now.isoformat()}  # fmt: skip
        return [Send("reaction", payload, group=Group.ROOM)]

    def set_mic(self, sid: str, on: bool) -> list[Effect]:
        return self.set_devices(self.require(sid, C.PUBLISH_AUDIO), mic=on)

    def set_camera(self, sid: str, on: bool) -> list[Effect]:
        return self.set_devices(self.require(sid, C.PUBLISH_VIDEO), camera=on)

    def set_devices(self, p: Participant, **state: bool) -> list[Effect]:
        """This person's microphone or camera now on or off (``mic=``, ``camera=``); the
        roster is told."""
        p.mic, p.camera = state.get("mic", p.mic), state.get("camera", p.camera)
        return self.updated(p)

    def close(self, message: Text, *, now: datetime) -> list[Effect]:
        """End the room for everyone: all are told, recorded as leaving, disconnected."""
        self.closed = True
        people, sids = self.people.everyone(), self.people.sids()
        self.people = People()
        self.empty_since = now
        left = [Attend(Movement.LEAVE, p.person, p.role) for p in people if p.admitted]
        return [*left, Send("session_ended", {"message": message}, sids=sids), Drop(sids)]

    # what a person gets on entering

    def snapshot(self, p: Participant, *, now: datetime) -> dict[str, object]:
        """What a person gets on entering: the room as their role may see it, with what each
        workflow adds."""
        rejoin = {"rejoin_token": p.person.rejoin_token} if p.person.rejoin_token else {}
        found: dict[str, object] = {
            **rejoin,
            "you": self.payload(p),
            "capabilities": sorted(self.caps(p)),
            "session": session_card(self.session, now=now),
            "room": {
                "locked": self.flags.locked,
                "chat_enabled": self.flags.chat_enabled,
                "lobby": self.session.lobby,
                "recording": self.recording,
                "streaming": self.streaming or {"state": "stopped", "live_since": None},
            },
            "participants": [self.payload(q) for q in self.shown_to(p)],
        }
        for workflow in self.workflows:
            found |= workflow.snapshot(p, now=now)
        return found
