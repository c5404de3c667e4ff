"""A live room's core: the people of one session's room, their roles, chat, flags and the
host controls; its workflows beside it (``rooms.workflow``).

One Room object per live room. Its methods are synchronous: each checks that the acting
socket's person may do it (capabilities of ``rooms.roles``, as ``rooms.protocol.EVENTS``
lists them), changes the state, and returns the effects (``rooms.outbox``) the edge must
persist and deliver. A person is one participant however many sockets (tabs) they have.
Every room runs the lobby (``room.lobby``) and the hand queue (``room.hands``), and the
workflows of its session's kind (``rooms.kinds``); the core asks them what they add when
someone enters, leaves or changes role, and who may see and hear whom.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar

from rooms.agenda import Session
from rooms.attendance import Movement
from rooms.attention import Attention
from rooms.chat import ChatMessage, TokenBucket, check_text, message_payload, visible_to
from rooms.errors import Conflict, DomainError, Forbidden, NotFound
from rooms.hands import Hands
from rooms.kinds import rules_of
from rooms.lobby import Lobby
from rooms.outbox import (
    Attend,
    Drop,
    Effect,
    Erase,
    Group,
    History,
    Move,
    Person,
    Post,
    RoomFlags,
    Send,
    Text,
)
from rooms.presence import Participant, People, groups_of, participant_payload, session_card
from rooms.protocol import TO_GROUP, TO_HOSTS, TO_PANEL, TO_ROOM
from rooms.roles import Capability, Kind, Role, capabilities, roles_for
from rooms.workflow import Workflow

C = Capability
# whoever may send their voice or camera has a tile on everyone's stage
_PUBLISHING = frozenset({C.PUBLISH_AUDIO, C.PUBLISH_VIDEO})

W = TypeVar("W", bound=Workflow)


@dataclass(frozen=True, slots=True)
class Viewer:
    """A person as the chat sees them: their id, whether they moderate, and the marks of
    the times they were away beside their own (``Workflow.absences``)."""

    participant_id: str
    moderator: bool
    absences: frozenset[str] = frozenset()
    panel: bool = False
    audiences: frozenset[str] = frozenset()  # the workflows' chat audiences they are in now


@dataclass(frozen=True, slots=True)
class ChatLimit:
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

    def viewer(self, sid: str) -> Viewer | None:
        """Who a socket's admitted person is, for what chat they see; None if the socket is
        not in the room (any more)."""
        p = self.people.of_sid(sid)
        if p is None or not p.admitted:
            return None
        absences = frozenset(m for w in self.workflows for m in w.absences(p))
        caps = self.caps(p)
        return Viewer(
            p.participant_id, C.MODERATE in caps, absences, self.on_panel(p), self.audiences(p)
        )

    def on_panel(self, p: Participant) -> bool:
        """On a review's panel: its chair and its reviewers (the panel chat's people)."""
        return bool({C.CHAIR, C.SCORE} & self.caps(p)) and self.session.kind is Kind.REVIEW

    def part(self, kind: type[W]) -> W:
        """The room's workflow of that class; refused when the session's kind has none."""
        for workflow in self.workflows:
            if isinstance(workflow, kind):
                return workflow
        raise DomainError("That cannot be done in this kind of session.", code="not_here")

    def audience(self, p: Participant) -> tuple[str, str] | None:
        """The chat audience a workflow puts this person in now (their breakout group's),
        as (key, name), if one does: their room chat goes there."""
        return next((a for w in self.workflows if (a := w.audience(p)) is not None), None)

    def audiences(self, p: Participant) -> frozenset[str]:
        """The chat audiences whose messages this person reads now."""
        audience = self.audience(p)
        return frozenset({audience[0]}) if audience else frozenset()

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

    def _groups(self, p: Participant) -> tuple[Group, ...]:
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
            Move(sids, enter=self._groups(p)),
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
        self._take(p, "attention", now=now)
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
        if Group.ROSTER not in self._groups(p):
            news.append(Send("participant_updated", payload, sids=tuple(p.sids)))
        return news

    def regranted(self, p: Participant) -> list[Effect]:
        """A workflow changed what this person may do (``Workflow.grants``): they are told
        their capabilities, as after a role change."""
        you = {"participant": self.payload(p), "capabilities": sorted(self.caps(p))}
        return [Send("you", you, sids=tuple(p.sids))]

    def _take(self, p: Participant, purpose: str, *, now: datetime) -> None:
        limit = self.chat_limit
        bucket = self._buckets.setdefault(
            (p.key, purpose), TokenBucket.full(burst=limit.burst, per_second=limit.per_second)
        )
        if not bucket.take(now=now):
            raise DomainError("You are sending too fast; wait a moment.", code="rate_limited")

    def react(self, sid: str, emoji: str, *, now: datetime) -> list[Effect]:
        p = self.require(sid, C.REACT)
        self._take(p, "react", now=now)
        payload = {"participant_id": p.participant_id, "name": p.person.name,
                   "emoji": emoji, "at": now.isoformat()}  # fmt: skip
        return [Send("reaction", payload, group=Group.ROOM)]

    def set_mic(self, sid: str, on: bool) -> list[Effect]:
        return self._set_device(self.require(sid, C.PUBLISH_AUDIO), mic=on)

    def set_camera(self, sid: str, on: bool) -> list[Effect]:
        return self._set_device(self.require(sid, C.PUBLISH_VIDEO), camera=on)

    def _set_device(self, p: Participant, **state: bool) -> list[Effect]:
        p.mic, p.camera = state.get("mic", p.mic), state.get("camera", p.camera)
        return self.updated(p)

    # host controls

    def mute(self, sid: str, participant_id: str) -> list[Effect]:
        actor = self.require(sid, C.MODERATE)
        return self._mute(actor, [self.target(participant_id)])

    def mute_all(self, sid: str) -> list[Effect]:
        actor = self.require(sid, C.MODERATE)
        return self._mute(
            actor, [p for p in self.people.admitted() if C.MODERATE not in self.caps(p)]
        )

    def _mute(self, actor: Participant, targets: list[Participant]) -> list[Effect]:
        """Microphones off (the edge stops forwarding their audio); their clients are asked."""
        news = [e for p in targets if p.mic for e in self._set_device(p, mic=False)]
        sids = tuple(s for p in targets for s in p.sids)
        asked = [Send("mute_request", {"by": actor.person.name}, sids=sids)] if sids else []
        return news + asked

    def stop_video(self, sid: str, participant_id: str, *, screen: bool) -> list[Effect]:
        """A camera off (or a screen share stopped, which the edge alone tracks)."""
        actor = self.require(sid, C.MODERATE)
        p = self.target(participant_id)
        news = self._set_device(p, camera=False) if p.camera and not screen else []
        request = {"by": actor.person.name, "screen": screen}
        return [*news, Send("stop_video_request", request, sids=tuple(p.sids))]

    def remove(self, sid: str, participant_id: str, *, ban: bool, now: datetime) -> list[Effect]:
        actor = self.require(sid, C.MODERATE)
        p = self.target(participant_id, admitted=None)
        self.check_outranks(actor, p)
        if ban:
            self.flags = self.flags.with_ban(p.key)
        forgotten = self.lobby.forget(p.key)
        payload = {"banned": ban, "message": Text("A host removed you from the session.")}
        return [*forgotten, *self.turn_away(p, "removed", payload, now=now)]

    def _flags_news(self) -> list[Effect]:
        payload = {"locked": self.flags.locked, "chat_enabled": self.flags.chat_enabled}
        return [Send("room_flags", payload, group=Group.ROOM)]

    def set_locked(self, sid: str, locked: bool) -> list[Effect]:
        self.require(sid, C.MODERATE)
        self.flags = replace(self.flags, locked=locked)
        return self._flags_news()

    def set_chat_enabled(self, sid: str, enabled: bool) -> list[Effect]:
        self.require(sid, C.MODERATE)
        self.flags = replace(self.flags, chat_enabled=enabled)
        return self._flags_news()

    def set_role(self, sid: str, participant_id: str, role: Role, *, now: datetime) -> list[Effect]:
        actor = self.require(sid, C.MANAGE_ROLES)
        p = self.target(participant_id)
        if p is actor:
            raise Forbidden("You cannot change your own role.", code="own_role")
        self.check_outranks(actor, p)
        if role not in roles_for(self.session.kind):
            raise DomainError(
                "There is no {role} role in this session.", code="invalid_role", role=str(role)
            )
        if role is Role.HOST and actor.role is not Role.HOST:
            raise Forbidden("Only a host can make someone a host.", code="protected")
        before = set(self._groups(p))
        p.role = role
        self.flags = self.flags.with_role(p.key, role)
        after, sids = set(self._groups(p)), tuple(p.sids)
        moved = Move(sids, enter=tuple(after - before), leave=tuple(before - after))
        added = [e for w in self.workflows for e in w.role_changed(p, now=now)]
        you = {"participant": self.payload(p), "capabilities": sorted(self.caps(p))}
        return [moved, *added, *self.updated(p), Send("you", you, sids=sids)]

    def close(self, message: Text, *, now: datetime) -> list[Effect]:
        """End the room for everyone: all are told, recorded as leaving, disconnected."""
        self.closed = True
        people, sids = self.people.everyone(), self.people.sids()
        self.people = People()
        self.empty_since = now
        left = [Attend(Movement.LEAVE, p.person, p.role) for p in people if p.admitted]
        return [*left, Send("session_ended", {"message": message}, sids=sids), Drop(sids)]

    # chat

    def post_chat(
        self, sid: str, *, text: str, client_id: str, to: str, now: datetime
    ) -> list[Effect]:
        """A message this socket's person may send now, to be stored and delivered. In a
        workflow's chat audience (a breakout group), their room chat goes to it."""
        p = self.require(sid, C.CHAT if to in (TO_ROOM, TO_GROUP) else C.CHAT_PRIVATE)
        check_text(text)
        if not self.flags.chat_enabled and C.MODERATE not in self.caps(p):
            raise Forbidden("A host has turned the chat off.", code="chat_disabled")
        if to == TO_PANEL and not self.on_panel(p):
            raise Forbidden("Only the review's panel can use the panel chat.", code="not_panel")
        audience = self.audience(p)
        if to == TO_GROUP and audience is None:
            raise DomainError("You are not in a breakout group.", code="no_group")
        if to in (TO_ROOM, TO_GROUP) and audience is not None:
            to, to_name = audience
        else:
            to_name = "" if to in (TO_ROOM, TO_HOSTS, TO_PANEL) else self.target(to).person.name
        self._take(p, "chat", now=now)
        message = ChatMessage(
            message_id="", sender_id=p.participant_id, sender_name=p.person.name,
            sender_role=str(p.role), to=to, to_name=to_name, text=text, client_id=client_id, at=now,
        )  # fmt: skip
        return [Post(message, self._chat_sends(p, message))]

    def _chat_sends(self, sender: Participant, message: ChatMessage) -> tuple[Send, ...]:
        """Exactly those who may see the message, as the room is now (its id comes later)."""
        payload = message_payload(message)
        if message.to == TO_ROOM:
            return (Send("chat", payload, group=Group.ROOM),)
        if message.to == TO_PANEL:
            panel = (s for q in self.people.admitted() if self.on_panel(q) for s in q.sids)
            return (Send("chat", payload, sids=tuple(panel)),)
        audience = self.audience(sender)
        if audience is not None and message.to == audience[0]:
            members = (
                s for q in self.people.admitted()
                if (a := self.audience(q)) and a[0] == message.to for s in q.sids
            )  # fmt: skip
            return (Send("chat", payload, sids=tuple(members)),)
        hosts = Send("chat", payload, group=Group.HOSTS)
        if message.to == TO_HOSTS:
            if C.MODERATE in self.caps(sender):
                return (hosts,)
            return (hosts, Send("chat", payload, sids=tuple(sender.sids)))
        target = self.people.of_participant(message.to)
        target_sids = tuple(target.sids) if target and target is not sender else ()
        return (Send("chat", payload, sids=tuple(sender.sids) + target_sids),)

    def delete_chat(self, sid: str, message: ChatMessage | None) -> list[Effect]:
        p = self.require(sid, C.MODERATE)
        if message is None or not visible_to(
            message, participant_id=p.participant_id, moderator=True, audiences=self.audiences(p)
        ):
            raise NotFound("There is no such message.")
        deleted = Send("chat_deleted", {"message_id": message.message_id}, group=Group.ROOM)
        return [Erase(message.message_id, by=p.participant_id, sends=(deleted,))]

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
