"""Interest in pitches: a workflow (``rooms.workflow``) of roadshows.

People with ``mark_interest`` (a roadshow's attendees and reviewers: investors, enterprise
guests, judges) mark a pitch (an item of the session) as interesting or not, with a private
note. The note is theirs alone: it goes to their own sockets and no one else's, the
moderators' included. The moderators (``moderate``: the chair and staff) see how many
people are interested in each pitch, and nothing of who or what they wrote. Every change
is one record (``Keep``: the person's interest in one pitch) that the store keeps on the
room's line; a person entering gets their own marks and, if they moderate, the counts.
A follow-up meeting with the founder is asked for from a pitch (``rooms.followups``).
"""

from dataclasses import dataclass
from datetime import datetime

from rooms.chat import TokenBucket
from rooms.errors import DomainError
from rooms.limits import INTEREST_NOTE_MAX
from rooms.outbox import Effect, Keep, Send
from rooms.presence import Participant
from rooms.roles import Capability
from rooms.workflow import Core, Workflow

C = Capability
MARK_BURST, MARK_PER_SECOND = 10, 1.0


@dataclass(frozen=True, slots=True)
class Interest:
    """One person's interest in one pitch (persisted whole at each change)."""

    person_key: str
    item_id: str
    interested: bool
    note: str
    at: datetime


def check_note(text: str) -> str:
    text = text.strip()
    if len(text) > INTEREST_NOTE_MAX:
        raise DomainError(
            "A note has at most {most} characters.", code="note_too_long", most=INTEREST_NOTE_MAX
        )
    return text


def counts(interests: dict[tuple[str, str], Interest]) -> dict[str, int]:
    """How many people are interested in each pitch (pitches with none left out)."""
    found: dict[str, int] = {}
    for interest in interests.values():
        if interest.interested:
            found[interest.item_id] = found.get(interest.item_id, 0) + 1
    return dict(sorted(found.items()))


class Interests(Workflow):
    name = "interest"

    def __init__(self, room: Core) -> None:
        super().__init__(room)
        self.interests: dict[tuple[str, str], Interest] = {}
        self._buckets: dict[str, TokenBucket] = {}

    def load(self, interests: list[Interest]) -> None:
        """The marks as the store has them (a room opening, or after a restart)."""
        self.interests = {(i.person_key, i.item_id): i for i in interests}

    def reload(self, interests: list[Interest]) -> list[Effect]:
        """The marks as the store has them after a change made outside the room (the REST
        API): the newer of each mark is kept (one the room made and has not written yet
        stays), and everyone in the room is shown their own marks again, moderators the
        counts."""
        for interest in interests:
            key = (interest.person_key, interest.item_id)
            held = self.interests.get(key)
            if held is None or interest.at >= held.at:
                self.interests[key] = interest
        return [
            Send("interest", self.view(p), sids=tuple(p.sids))
            for p in self.room.people.admitted()
            if p.sids
        ]

    def mine(self, p: Participant) -> dict[str, dict[str, object]]:
        """This person's own marks and notes, by pitch."""
        return {
            i.item_id: {"interested": i.interested, "note": i.note}
            for (key, _), i in sorted(self.interests.items())
            if key == p.key
        }

    def _moderates(self, p: Participant) -> bool:
        return C.MODERATE in self.room.caps(p)

    def view(self, p: Participant) -> dict[str, object]:
        """What this person sees: their own marks, and the counts if they moderate."""
        view: dict[str, object] = {"mine": self.mine(p)}
        if self._moderates(p):
            view["counts"] = counts(self.interests)
        return view

    def snapshot(self, p: Participant, *, now: datetime) -> dict[str, object]:
        return {"interest": self.view(p)}

    def role_changed(self, p: Participant, *, now: datetime) -> list[Effect]:
        return [Send("interest", self.view(p), sids=tuple(p.sids))]

    def mark_interest(
        self, sid: str, item_id: str, *, interested: bool, note: str, now: datetime
    ) -> list[Effect]:
        """Mark a pitch; the note goes back to this person only, the counts to the
        moderators."""
        p = self.room.require(sid, C.MARK_INTEREST)
        note = check_note(note)
        bucket = self._buckets.setdefault(
            p.key, TokenBucket.full(burst=MARK_BURST, per_second=MARK_PER_SECOND)
        )
        if not bucket.take(now=now):
            raise DomainError("You are sending too fast; wait a moment.", code="rate_limited")
        interest = Interest(p.key, item_id, interested, note, now)
        self.interests[(p.key, item_id)] = interest
        moderators = [s for m in self.room.people.admitted() if self._moderates(m) for s in m.sids]
        effects: list[Effect] = [
            Keep(interest),
            Send("interest", {"mine": self.mine(p)}, sids=tuple(p.sids)),
        ]
        if moderators:
            effects.append(
                Send("interest_counts", {"counts": counts(self.interests)}, sids=tuple(moderators))
            )
        return effects
