"""What a review room is prepared with and what it keeps while it runs: the book (items,
rubric, settings, reviewers, conflicts, materials), each item's phase (its run), the audit
log's entries, and the chat marks of an item and of its deliberation (``rooms.panel``)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from rooms.conflicts import ConflictNote, Standing
from rooms.items import Item, ReviewSettings
from rooms.rubric import Rubric


class Phase(StrEnum):
    WAITING = "waiting"
    PRESENTING = "presenting"
    QA = "qa"
    DELIBERATION = "deliberation"
    SCORING = "scoring"
    CLOSED = "closed"
    SKIPPED = "skipped"


NEXT = {
    Phase.PRESENTING: Phase.QA,
    Phase.QA: Phase.DELIBERATION,
    Phase.DELIBERATION: Phase.SCORING,
    Phase.SCORING: Phase.CLOSED,
}
ACTIVE = frozenset(NEXT)
SCORABLE = frozenset({Phase.DELIBERATION, Phase.SCORING})
APPLICANT_IN = frozenset({Phase.PRESENTING, Phase.QA})


@dataclass(frozen=True, slots=True)
class ReviewBook:
    """What a review room is prepared with: its items in order, rubric, settings, the
    reviewers on its roster and every reviewer's standing on every item."""

    items: tuple[Item, ...] = ()
    rubric: Rubric | None = None
    settings: ReviewSettings = field(default_factory=ReviewSettings)
    reviewers: tuple[str, ...] = ()  # person keys of the roster's reviewers
    table: Mapping[str, Mapping[str, Standing]] = field(default_factory=dict)
    notes: tuple[ConflictNote, ...] = ()
    # item_id -> its materials, in order: (file_id, file name)
    materials: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ItemRun:
    """Where an item is in the live review (persisted)."""

    item_id: str
    phase: Phase = Phase.WAITING
    since: datetime | None = None  # when the phase began
    ends_at: datetime | None = None  # the countdown's end (presenting, Q&A)
    released: bool = False  # the chair released its results to the panel


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of a review's append-only audit log (never a score's values)."""

    action: str
    actor: str  # person key, or "" for the server
    item_id: str
    at: datetime
    detail: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ItemOrder:
    """The items' new order (persisted)."""

    item_ids: tuple[str, ...]


def material_name(name: str, position: int, number: int) -> str:
    """A material's name in a blind review: its item's place and its own, and its type."""
    suffix = name[name.rfind(".") :] if "." in name else ""
    return f"item-{position}-material-{number}{suffix.lower()}"


def item_mark(item_id: str) -> str:
    return f"item:{item_id}"


def panel_mark(item_id: str) -> str:
    return f"panel:{item_id}"
