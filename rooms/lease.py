"""A room's lease as its owner sees it, and the fencing token's rule (ARCHITECTURE.md
glossary: owner, lease, fencing token).

Redis keeps the lease (``"<owner> <token>"`` with a TTL) and the room's current token; the
owner keeps a ``RoomLease`` per room it holds: renewed every third of the TTL, **lost** as
soon as a renewal is refused, a write is fenced, or it was not renewed in time (it then
trusts it no longer, whatever Redis would say). Pure: the caller passes ``now``.
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

    def due(self, *, now: datetime) -> bool:
        """Whether it should be renewed now."""
        return (
            self.standing is Standing.HELD and now - self.renewed_at >= self.ttl / RENEWALS_PER_TTL
        )

    def renewed(self, *, ok: bool, now: datetime) -> None:
        """Redis answered a renewal: kept (from now) or refused (lost for good)."""
        if ok and self.held(now=now):
            self.renewed_at = now
        else:
            self.standing = Standing.LOST

    def trusted_until(self) -> datetime:
        """When the owner stops trusting it unless renewed before."""
        return self.renewed_at + self.ttl * TRUSTED_PART

    def held(self, *, now: datetime) -> bool:
        """Whether the owner may still trust it: never after it was lost or ran out."""
        if now > self.trusted_until():
            self.standing = Standing.LOST
        return self.standing is Standing.HELD

    def lose(self) -> None:
        self.standing = Standing.LOST
