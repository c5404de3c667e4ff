"""A live room: the people of one session's room, its lobby, hands, locks and flags.

One Room object per live room. Its methods are synchronous: each checks that the acting
socket's person may do it (capabilities of ``rooms.roles``, as ``rooms.protocol.EVENTS``
lists them), changes the state, and returns the effects (``rooms.outbox``) the edge must
persist and deliver. A person is one participant however many sockets (tabs) they have.
"""

from dataclasses import dataclass, replace
from datetime import datetime

from rooms.agenda import Session
from rooms.attendance import Movement
from rooms.chat import ChatMessage, TokenBucket, check_text, message_payload, visible_to
from rooms.errors import Conflict, DomainError, Forbidden, NotFound
from rooms.outbox import (
    Attend,
    Drop,
    Effect,
    Erase,
    Group,
    History,
    Mark,
    Move,
    Person,
    Post,
    RoomFlags,
    Send,
    Text,
)
from rooms.presence import (
    Participant,
    People,
    groups_of,
    hand_queue,
    lobby_news,
    participant_payload,
    queue_payload,
    snapshot,
)
from rooms.protocol import TO_HOSTS, TO_ROOM
from rooms.roles import Capability, Role, capabilities, roles_for

C = Capability
ALL_GROUPS = (Group.ROOM, Group.HOSTS, Group.ROSTER)


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
        self.people = People()
        self._admitted_before: set[str] = set()  # may come back without the lobby
        self._buckets: dict[tuple[str, str], TokenBucket] = {}

    # looking things up

    def caps(self, p: Participant) -> frozenset[Capability]:
        return capabilities(self.session.kind, p.role)

    def require(self, sid: str, capability: Capability) -> Participant:
        """The admitted participant of this socket, if their role has the capability."""
        p = self.people.of_sid(sid)
        if p is None:
            raise DomainError("Join the room first.", code="not_joined")
        if not p.admitted:
            raise DomainError("You are waiting in the lobby.", code="in_lobby")
        if capability not in self.caps(p):
            raise Forbidden("Your role cannot do that here.")
        return p

    def viewer(self, sid: str) -> tuple[str, bool] | None:
        """(participant_id, is moderator) of a socket's admitted person, for what chat they
        see; None if the socket is not in the room (any more)."""
        p = self.people.of_sid(sid)
        if p is None or not p.admitted:
            return None
        return p.participant_id, C.MODERATE in self.caps(p)

    def _target(self, participant_id: str, *, admitted: bool | None = True) -> Participant:
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

    def _check_outranks(self, actor: Participant, target: Participant) -> None:
        if target.person.owner or (target.role is Role.HOST and actor.role is not Role.HOST):
            raise Forbidden(
                "You cannot do that to {name}.", code="protected", name=target.person.name
            )

    # entering and leaving

    def check_entry(self, person: Person) -> None:
        """Refuse someone the room will not take now (banned, locked, closed)."""
        if self.closed:
            raise Conflict("This session has ended.", code="session_ended")
        if person.owner:
            return
        key = person.person_key
        if key in self.flags.bans:
            raise Forbidden("You were removed from this session.", code="banned")
        present = self.people.get(key) is not None
        moderator = C.MODERATE in capabilities(self.session.kind, self._role_for(person))
        if self.flags.locked and not (present or moderator or key in self._admitted_before):
            raise Forbidden("The room is locked: nobody new can come in.", code="room_locked")
        if not (present or moderator) and self._straight_in(person) and self._no_place():
            raise Conflict(
                "The session is full: it takes {capacity} people.",
                code="room_full",
                capacity=self.session.capacity,
            )

    def _straight_in(self, person: Person) -> bool:
        """Whether the person enters without waiting in the lobby: sent out means out, across
        reconnects, tabs and invites, until a moderator brings them back."""
        if person.person_key in self.flags.sent_out:
            return False
        bypass = C.BYPASS_LOBBY in capabilities(self.session.kind, self._role_for(person))
        return bypass or not self.session.lobby or person.person_key in self._admitted_before

    def _no_place(self) -> bool:
        """The session's capacity counts the people in the room (not the lobby)."""
        return len(self.people.admitted()) >= self.session.capacity

    def _full_for(self, p: Participant) -> bool:
        """No place for this waiting participant: owners, hosts and co-hosts always get in."""
        return not (p.person.owner or C.MODERATE in self.caps(p)) and self._no_place()

    def join(self, sid: str, person: Person, *, now: datetime) -> list[Effect]:
        self.check_entry(person)
        if C.JOIN not in capabilities(self.session.kind, self._role_for(person)):
            raise Forbidden("Your role cannot do that here.")
        if self.people.of_sid(sid) is not None:
            raise DomainError("This connection has joined already.", code="already_joined")
        self.empty_since = None
        present = self.people.get(person.person_key)
        if present is not None:
            self.people.add_sid(present, sid)
            return self._welcome(present, (sid,), now=now)
        p = Participant(person=person, role=self._role_for(person), since=now, sids=[sid])
        self.people.add(p)
        if person.owner or self._straight_in(person):
            return self._admit(p, now=now)
        return [Move((sid,), enter=(Group.LOBBY,)), *self._lobby_news(now=now)]

    def _welcome(self, p: Participant, sids: tuple[str, ...], *, now: datetime) -> list[Effect]:
        if not p.admitted:
            return [Move(sids, enter=(Group.LOBBY,)), *self._lobby_news(now=now)]
        return [
            Send("joined", self.snapshot(p, now=now), sids=sids),
            History(sids),
            Move(sids, enter=self._groups(p)),
        ]

    def _admit(self, p: Participant, *, now: datetime) -> list[Effect]:
        p.admitted, p.since = True, now
        self._admitted_before.add(p.key)
        sids = tuple(p.sids)
        back: list[Effect] = []
        if p.key in self.flags.sent_out:
            self.flags = self.flags.with_sent_out(p.key, False)
            back.append(Mark(p.participant_id, out=False))
        return [
            *back,
            Attend(Movement.JOIN, p.person, p.role),
            Move(sids, leave=(Group.LOBBY,)),
            Send("participant_joined", {"participant": participant_payload(p)}, group=Group.ROSTER),
            *self._welcome(p, sids, now=now),
        ]

    def leave(self, sid: str, *, now: datetime) -> list[Effect]:
        """A socket went away; when it was the person's last, they left."""
        p = self.people.drop_sid(sid)
        return [] if p is None else self._gone(p, now=now)

    def _forget(self, p: Participant, *, now: datetime) -> list[Effect]:
        self.people.forget(p)
        return self._gone(p, now=now)

    def _gone(self, p: Participant, *, now: datetime) -> list[Effect]:
        if not self.people:
            self.empty_since = now
        if not p.admitted:
            return self._lobby_news(now=now)
        left = {"participant_id": p.participant_id}
        return [
            Attend(Movement.LEAVE, p.person, p.role),
            Send("participant_left", left, group=Group.ROSTER),
            *(self._hands() if p.hand_raised_at is not None else []),
        ]

    # the lobby

    def _lobby_news(self, *, now: datetime) -> list[Effect]:
        return lobby_news(self.people.waiting(), now=now)

    def admit(self, sid: str, participant_id: str, *, now: datetime) -> list[Effect]:
        self.require(sid, C.MODERATE)
        p = self._target(participant_id, admitted=False)
        if self._full_for(p):
            raise Conflict(
                "The room is full ({capacity} people): someone must leave first.",
                code="room_full",
                capacity=self.session.capacity,
            )
        return self._admit(p, now=now) + self._lobby_news(now=now)

    def admit_all(self, sid: str, *, now: datetime) -> list[Effect]:
        """Everyone waiting, in order, as far as the session's capacity goes."""
        self.require(sid, C.MODERATE)
        effects = [
            e for p in self.people.waiting() if not self._full_for(p)
            for e in self._admit(p, now=now)
        ]  # fmt: skip
        return effects + self._lobby_news(now=now)

    def deny(self, sid: str, participant_id: str, *, now: datetime) -> list[Effect]:
        self.require(sid, C.MODERATE)
        return self._turn_away(self._target(participant_id, admitted=False), now=now)

    def deny_all(self, sid: str, *, now: datetime) -> list[Effect]:
        self.require(sid, C.MODERATE)
        return [e for p in self.people.waiting() for e in self._turn_away(p, now=now)]

    def _turn_away(self, p: Participant, *, now: datetime) -> list[Effect]:
        sids = tuple(p.sids)
        message = Text("The host did not let you in.")
        return [
            Send("denied", {"message": message}, sids=sids),
            *self._forget(p, now=now),
            Drop(sids),
        ]

    def send_to_lobby(self, sid: str, participant_id: str, *, now: datetime) -> list[Effect]:
        actor = self.require(sid, C.MODERATE)
        p = self._target(participant_id)
        self._check_outranks(actor, p)
        had_hand = p.hand_raised_at is not None
        p.admitted, p.since, p.hand_raised_at = False, now, None
        self._admitted_before.discard(p.key)
        self.flags = self.flags.with_sent_out(p.key, True)
        sids = tuple(p.sids)
        message = Text("A host moved you back to the lobby.")
        return [
            Mark(p.participant_id, out=True),
            Attend(Movement.LEAVE, p.person, p.role),
            Move(sids, enter=(Group.LOBBY,), leave=ALL_GROUPS),
            Send("participant_left", {"participant_id": participant_id}, group=Group.ROSTER),
            Send("sent_to_lobby", {"message": message}, sids=sids),
            *(self._hands() if had_hand else []),
            *self._lobby_news(now=now),
        ]

    # presence: hands, reactions, microphones and cameras

    def _hands(self) -> list[Effect]:
        return [Send("hands", {"queue": hand_queue(self.people.admitted())}, group=Group.ROSTER)]

    def _updated(self, p: Participant) -> list[Effect]:
        payload = {"participant": participant_payload(p)}
        news: list[Effect] = [Send("participant_updated", payload, group=Group.ROSTER)]
        if Group.ROSTER not in self._groups(p):
            news.append(Send("participant_updated", payload, sids=tuple(p.sids)))
        return news

    def _set_hand(self, p: Participant, raised_at: datetime | None) -> list[Effect]:
        if (p.hand_raised_at is None) == (raised_at is None):
            return []
        p.hand_raised_at = raised_at
        return [*self._hands(), *self._updated(p)]

    def raise_hand(self, sid: str, *, now: datetime) -> list[Effect]:
        return self._set_hand(self.require(sid, C.RAISE_HAND), now)

    def lower_hand(self, sid: str) -> list[Effect]:
        return self._set_hand(self.require(sid, C.RAISE_HAND), None)

    def lower_hand_of(self, sid: str, participant_id: str) -> list[Effect]:
        self.require(sid, C.MODERATE)
        return self._set_hand(self._target(participant_id), None)

    def lower_all_hands(self, sid: str) -> list[Effect]:
        self.require(sid, C.MODERATE)
        return [e for p in self.people.admitted() for e in self._set_hand(p, None)]

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
        return self._updated(p)

    # host controls

    def mute(self, sid: str, participant_id: str) -> list[Effect]:
        actor = self.require(sid, C.MODERATE)
        return self._mute(actor, [self._target(participant_id)])

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
        p = self._target(participant_id)
        news = self._set_device(p, camera=False) if p.camera and not screen else []
        request = {"by": actor.person.name, "screen": screen}
        return [*news, Send("stop_video_request", request, sids=tuple(p.sids))]

    def remove(self, sid: str, participant_id: str, *, ban: bool, now: datetime) -> list[Effect]:
        actor = self.require(sid, C.MODERATE)
        p = self._target(participant_id, admitted=None)
        self._check_outranks(actor, p)
        if ban:
            self.flags = self.flags.with_ban(p.key)
        self._admitted_before.discard(p.key)
        sids = tuple(p.sids)
        message = Text("A host removed you from the session.")
        payload = {"banned": ban, "message": message}
        return [Send("removed", payload, sids=sids), *self._forget(p, now=now), Drop(sids)]

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
        p = self._target(participant_id)
        if p is actor:
            raise Forbidden("You cannot change your own role.", code="own_role")
        self._check_outranks(actor, p)
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
        effects: list[Effect] = [
            Move(sids, enter=tuple(after - before), leave=tuple(before - after))
        ]
        if C.RAISE_HAND not in self.caps(p):
            effects += self._set_hand(p, None)
        you = {"participant": participant_payload(p), "capabilities": sorted(self.caps(p))}
        effects += [*self._updated(p), Send("you", you, sids=sids)]
        if Group.HOSTS in after - before:
            effects.append(
                Send("lobby", {"queue": queue_payload(self.people.waiting(), now=now)}, sids=sids)
            )
        return effects

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
        """A message this socket's person may send now, to be stored and delivered."""
        p = self.require(sid, C.CHAT if to == TO_ROOM else C.CHAT_PRIVATE)
        check_text(text)
        if not self.flags.chat_enabled and C.MODERATE not in self.caps(p):
            raise Forbidden("A host has turned the chat off.", code="chat_disabled")
        to_name = "" if to in (TO_ROOM, TO_HOSTS) else self._target(to).person.name
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
            message, participant_id=p.participant_id, moderator=True
        ):
            raise NotFound("There is no such message.")
        deleted = Send("chat_deleted", {"message_id": message.message_id}, group=Group.ROOM)
        return [Erase(message.message_id, by=p.participant_id, sends=(deleted,))]

    def snapshot(self, p: Participant, *, now: datetime) -> dict[str, object]:
        """What a person gets on entering: the room as their role may see it."""
        return snapshot(p, caps=self.caps(p), people=self.people, room=self, now=now)
