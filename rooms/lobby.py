"""The lobby: who waits before entering, and the moderators' admit, deny and send back
(a workflow of every room).

A person goes straight in when their role bypasses the lobby, when the session has none,
or when a moderator admitted them before (a reconnect, a second tab) — unless a moderator
sent them out: sent out means out, across reconnects, tabs and invites, until a moderator
admits them again (``RoomFlags.sent_out``, persisted). What was posted while they were out
is never theirs to see: the chat keeps a mark of their leaving and their return
(``rooms.outbox.Mark``).

Who was admitted before (``Admission``) and when each waiting person came to the lobby
(``LobbyPlace``) are kept with the change, so a room rebuilt from Redis — by a new owner
after its owner died — lets those admitted before straight back in, and puts those who were
waiting back in their place as they reconnect.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from rooms.attendance import Movement
from rooms.errors import Conflict
from rooms.outbox import Attend, Effect, Group, Keep, Mark, Move, Person, Send, Text
from rooms.presence import Participant, queue_payload
from rooms.roles import Capability, Role, capabilities
from rooms.workflow import Core, Workflow

C = Capability
EVERY_GROUP = (Group.ROOM, Group.HOSTS, Group.ROSTER)


@dataclass(frozen=True, slots=True)
class Admission:
    """A person admitted (they may come back straight in) or no longer (sent out, removed)."""

    person_key: str
    admitted: bool


@dataclass(frozen=True, slots=True)
class LobbyPlace:
    """When a person came to wait in the lobby (their place), or None once they are not
    waiting any more (admitted, denied, gone)."""

    person_key: str
    since: datetime | None


class Lobby(Workflow):
    name = "lobby"

    def __init__(self, room: Core) -> None:
        super().__init__(room)
        self._admitted_before: set[str] = set()  # person keys that may come back straight in
        self._places: dict[str, datetime] = {}  # person key -> came to wait then (kept)

    def load(self, admitted: Iterable[str], places: Mapping[str, datetime]) -> None:
        """Who was admitted before and the waiting people's places, as the store has them."""
        self._admitted_before = set(admitted)
        self._places = dict(places)

    # entering

    def straight_in(self, person: Person, role: Role) -> bool:
        """Whether the person enters without waiting."""
        room = self.room
        if person.person_key in room.flags.sent_out:
            return False
        bypass = C.BYPASS_LOBBY in capabilities(room.session.kind, role)
        return bypass or not room.session.lobby or person.person_key in self._admitted_before

    def readmit(self, person_keys: Iterable[str]) -> None:
        """People who were in the room when the process holding it died (its open stays):
        they come back straight in; a lock or the lobby keeps out only newcomers."""
        self._admitted_before.update(person_keys)

    def was_admitted(self, person_key: str) -> bool:
        return person_key in self._admitted_before

    def was_waiting(self, person_key: str) -> bool:
        """Whether they have a place in the lobby: waiting when the room was made again (a
        lock keeps out only newcomers)."""
        return person_key in self._places

    def waits(self, p: Participant, *, now: datetime) -> list[Effect]:
        """A person comes to the lobby: in the place they had if they were waiting when the
        room was made again, else last."""
        p.since = self._places.setdefault(p.key, now)
        return [Keep(LobbyPlace(p.key, p.since)), *self.news(now=now)]

    def left(self, p: Participant, *, now: datetime) -> list[Effect]:
        """A waiting person went away (their last tab closed, or they were denied)."""
        return [*self._unplace(p.key), *self.news(now=now)]

    def _unplace(self, person_key: str) -> list[Effect]:
        if self._places.pop(person_key, None) is None:
            return []
        return [Keep(LobbyPlace(person_key, None))]

    def admitted(self, p: Participant, *, now: datetime) -> list[Effect]:
        kept: list[Effect] = [*self._unplace(p.key)]
        if p.key not in self._admitted_before:
            self._admitted_before.add(p.key)
            kept.append(Keep(Admission(p.key, True)))
        if p.key not in self.room.flags.sent_out:
            return kept
        self.room.flags = self.room.flags.with_sent_out(p.key, False)
        return [*kept, Mark(p.participant_id, out=False)]

    def news(self, *, now: datetime) -> list[Effect]:
        """The queue for the moderators, and each waiting person's place."""
        waiting = self.room.people.waiting()
        news: list[Effect] = [
            Send("lobby", {"queue": queue_payload(waiting, now=now)}, group=Group.HOSTS)
        ]
        for place, p in enumerate(waiting, start=1):
            place_of = {"position": place, "size": len(waiting)}
            news.append(Send("waiting", place_of, sids=tuple(p.sids)))
        return news

    def snapshot(self, p: Participant, *, now: datetime) -> dict[str, object]:
        moderator = C.MODERATE in self.room.caps(p)
        return {"lobby": queue_payload(self.room.people.waiting(), now=now) if moderator else []}

    def role_changed(self, p: Participant, *, now: datetime) -> list[Effect]:
        """A new moderator gets the queue at once."""
        if C.MODERATE not in self.room.caps(p):
            return []
        queue = {"queue": queue_payload(self.room.people.waiting(), now=now)}
        return [Send("lobby", queue, sids=tuple(p.sids))]

    # the moderators' events

    def admit(self, sid: str, participant_id: str, *, now: datetime) -> list[Effect]:
        self.room.require(sid, C.MODERATE)
        p = self.room.target(participant_id, admitted=False)
        if p.held:
            raise Conflict(
                "{name} must stay out of the room for now (a conflict of interest with the "
                "current item, or the panel is deliberating).",
                code="held_out",
                name=p.person.name,
            )
        if self._full_for(p):
            raise Conflict(
                "The room is full ({capacity} people): someone must leave first.",
                code="room_full",
                capacity=self.room.session.capacity,
            )
        return self.room.enter(p, now=now) + self.news(now=now)

    def admit_all(self, sid: str, *, now: datetime) -> list[Effect]:
        """Everyone waiting, in order, as far as the session's capacity goes."""
        self.room.require(sid, C.MODERATE)
        effects = [
            e for p in self.room.people.waiting() if not self._full_for(p)
            for e in self.room.enter(p, now=now)
        ]  # fmt: skip
        return effects + self.news(now=now)

    def deny(self, sid: str, participant_id: str, *, now: datetime) -> list[Effect]:
        self.room.require(sid, C.MODERATE)
        return self._turn_away(self.room.target(participant_id, admitted=False), now=now)

    def deny_all(self, sid: str, *, now: datetime) -> list[Effect]:
        self.room.require(sid, C.MODERATE)
        return [e for p in self.room.people.waiting() for e in self._turn_away(p, now=now)]

    def send_to_lobby(self, sid: str, participant_id: str, *, now: datetime) -> list[Effect]:
        room = self.room
        actor = room.require(sid, C.MODERATE)
        p = room.target(participant_id)
        room.check_outranks(actor, p)
        p.admitted, p.since = False, now
        self._admitted_before.discard(p.key)
        self._places[p.key] = now
        room.flags = room.flags.with_sent_out(p.key, True)
        sids = tuple(p.sids)
        return [
            Keep(Admission(p.key, False)),
            Keep(LobbyPlace(p.key, now)),
            Mark(p.participant_id, out=True),
            Attend(Movement.LEAVE, p.person, p.role),
            Move(sids, enter=(Group.LOBBY,), leave=EVERY_GROUP),
            Send("participant_left", {"participant_id": participant_id}, group=Group.ROSTER),
            Send(
                "sent_to_lobby", {"message": Text("A host moved you back to the lobby.")}, sids=sids
            ),  # fmt: skip
            *room.departed(p, now=now),
            *self.news(now=now),
        ]

    def forget(self, person_key: str) -> list[Effect]:
        """A removed person comes back through the lobby like anyone new."""
        if person_key not in self._admitted_before:
            return self._unplace(person_key)
        self._admitted_before.discard(person_key)
        return [Keep(Admission(person_key, False)), *self._unplace(person_key)]

    def _turn_away(self, p: Participant, *, now: datetime) -> list[Effect]:
        message = Text("The host did not let you in.")
        return self.room.turn_away(p, "denied", {"message": message}, now=now)

    def _full_for(self, p: Participant) -> bool:
        """No place for this waiting participant: owners, hosts and co-hosts always get in."""
        room = self.room
        moderator = p.person.owner or C.MODERATE in room.caps(p)
        return not moderator and len(room.people.admitted()) >= room.session.capacity
