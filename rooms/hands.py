"""The hand queue: who raised a hand, first raised first (a workflow of every room).

Each hand raised or lowered is kept with the change (``HandMark``, on the room's line), so a
room rebuilt from Redis — after a restart, or by a new owner after its owner died — has the
queue as it was (``load``): those who were in the room come back with their hand up, in
their place. A person who leaves the room lowers their hand.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from rooms.outbox import Effect, Group, Keep, Send
from rooms.presence import Participant
from rooms.roles import Capability
from rooms.workflow import Core, Workflow

C = Capability


@dataclass(frozen=True, slots=True)
class HandMark:
    """A hand raised (``raised_at``) or lowered (None), as the store keeps it."""

    participant_id: str
    raised_at: datetime | None


class Hands(Workflow):
    name = "hands"

    def __init__(self, room: Core) -> None:
        super().__init__(room)
        self.raised: dict[str, datetime] = {}  # participant_id -> when the hand went up

    def load(self, raised: Mapping[str, datetime]) -> None:
        """The queue as the store has it (a room made again)."""
        self.raised = dict(raised)

    # the events

    def raise_hand(self, sid: str, *, now: datetime) -> list[Effect]:
        return self._set(self.room.require(sid, C.RAISE_HAND), now)

    def lower_hand(self, sid: str) -> list[Effect]:
        return self._set(self.room.require(sid, C.RAISE_HAND), None)

    def lower_hand_of(self, sid: str, participant_id: str) -> list[Effect]:
        self.room.require(sid, C.MODERATE)
        return self._set(self.room.target(participant_id), None)

    def lower_all_hands(self, sid: str) -> list[Effect]:
        self.room.require(sid, C.MODERATE)
        return [e for p in self.room.people.admitted() for e in self._set(p, None)]

    def lower(self, p: Participant) -> list[Effect]:
        """Lower this person's hand (another workflow gave them the floor)."""
        return self._set(p, None)

    # what the room asks

    def about(self, p: Participant) -> dict[str, object]:
        raised_at = self.raised.get(p.participant_id)
        return {"hand_raised_at": raised_at.isoformat() if raised_at else None}

    def snapshot(self, p: Participant, *, now: datetime) -> dict[str, object]:
        return {"hands": self.queue(self.room.shown_to(p))}

    def gone(self, p: Participant, *, now: datetime) -> list[Effect]:
        if self.raised.pop(p.participant_id, None) is None:
            return []
        return [Keep(HandMark(p.participant_id, None)), *self._news()]

    def role_changed(self, p: Participant, *, now: datetime) -> list[Effect]:
        return [] if C.RAISE_HAND in self.room.caps(p) else self._set(p, None)

    # the queue

    def queue(self, among: list[Participant]) -> list[dict[str, object]]:
        """Raised hands of these people, first raised first."""
        up = self.raised
        raised = [(up[p.participant_id], p) for p in among if p.participant_id in up]
        return [
            {"participant_id": p.participant_id, "name": p.person.name, "raised_at": at.isoformat()}
            for at, p in sorted(raised, key=lambda pair: pair[0])
        ]

    def _set(self, p: Participant, raised_at: datetime | None) -> list[Effect]:
        if (p.participant_id in self.raised) == (raised_at is not None):
            return []
        if raised_at is None:
            del self.raised[p.participant_id]
        else:
            self.raised[p.participant_id] = raised_at
        return [Keep(HandMark(p.participant_id, raised_at)), *self._news(), *self.room.updated(p)]

    def _news(self) -> list[Effect]:
        queue = self.queue(self.room.people.admitted())
        return [Send("hands", {"queue": queue}, group=Group.ROSTER)]
