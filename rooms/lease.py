"""A room's lease as its owner sees it, and the fencing token's rule (ARCHITECTURE.md
glossary: owner, lease, fencing token).

Redis keeps the lease (``"<owner> <token>"`` with a TTL) and the room's current token; the
owner keeps a ``RoomLease`` per room it holds: renewed every third of the TTL, **lost** as
soon as a renewal is refused, a write is fenced, or a renewal Redis did not answer leaves it
untrusted (past ``TRUSTED_PART`` of its TTL since the last renewal: the owner cannot know
whether another process took it, whatever Redis would say later).

A lease that went untrusted with no renewal left unanswered (its process did not run: a
blocked event loop, a paused process) is not lost yet: Redis's answer to the next renewal
decides, as that renewal only succeeds while no other process has claimed the room since
(server/store/owners.py). Pure: the caller passes ``now``, from a clock that never steps.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

RENEWALS_PER_TTL = 3  # a lease is renewed every third of its time to live
TRUSTED_PART = 0.8  # an owner trusts an unrenewed lease for this part of its TTL (clock drift)


class Standing(StrEnum):
    HELD = "held"
    LOST = "lost"


def lease_value(owner: str, token: int) -> str:
    """The lease as Redis stores it."""
    return f"{owner} {token}"


def parse_lease(text: str | None) -> tuple[str, int] | None:
    """(owner, token) from the stored lease; None if there is none or it is malformed."""
    owner, _, token = (text or "").rpartition(" ")
    return (owner, int(token)) if owner and token.isdigit() else None


def stale(token: int, current: int | None) -> bool:
    """Whether a write under ``token`` must be refused: the room's current token is another
    (a newer owner took it) or the room has none."""
    return current is None or current != token


@dataclass(slots=True)
class RoomLease:
    """One room's lease, held by this process since ``renewed_at``."""

    session_id: str
    token: int
    ttl: timedelta
    renewed_at: datetime
    standing: Standing = Standing.HELD
    unanswered: bool = False  # the last renewal asked of Redis got no answer in time

    def due(self, *, now: datetime) -> bool:
        """Whether it should be renewed now."""
        return (
            self.standing is Standing.HELD and now - self.renewed_at >= self.ttl / RENEWALS_PER_TTL
        )

    def renewed(self, *, ok: bool | None, now: datetime) -> None:
        """Redis's answer to a renewal asked at ``now``: kept (from then), refused (lost for
        good) or None, no answer in time (trusted until its time runs out, then lost)."""
        if self.standing is Standing.LOST:
            return
        if ok is None:
            self.unanswered = True
        elif ok:
            self.renewed_at, self.unanswered = now, False
        else:
            self.standing = Standing.LOST

    def trusted_until(self) -> datetime:
        """When the owner stops trusting it unless renewed before."""
        return self.renewed_at + self.ttl * TRUSTED_PART

    def asked_within(self, *, now: datetime) -> timedelta:
        """How long a renewal asked at ``now`` may wait for Redis: while the lease is trusted;
        one past it (its process did not run) for what is left of the TTL beyond the trusted
        part, at least."""
        if now <= self.trusted_until():
            return self.trusted_until() - now
        return self.ttl * (1 - TRUSTED_PART)

    def held(self, *, now: datetime) -> bool:
        """Whether the owner may still act on it: not once lost, nor once a renewal Redis did
        not answer has left it untrusted."""
        if self.unanswered and now > self.trusted_until():
            self.standing = Standing.LOST
        return self.standing is Standing.HELD

    def lose(self) -> None:
        self.standing = Standing.LOST
