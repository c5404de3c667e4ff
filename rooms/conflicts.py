"""Conflicts of interest between a review's reviewers and its items.

A reviewer is conflicted on an item when the expert pool says so (``found_conflicts``: they
work for the applicant's organization, declared a conflict with it, with the project or with
the applicant, or share the applicant's e-mail), when they declared one on the item before the
session, or when the chair added one. The chair may waive a conflict, with a reason. Every
note and waiver is kept with who made it and when (``ConflictNote``), and ``conflict_table``
answers, per item, who must stay out of it.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from rooms.errors import DomainError
from rooms.experts import Expert, conflict_reasons
from rooms.fields import text_field
from rooms.items import Item

REASON_MAX = 500


class NoteKind(StrEnum):
    DECLARED = "declared"  # the reviewer said so, on their own page
    ADDED = "added"  # the chair added it
    WAIVED = "waived"  # the chair waived the item's conflicts of this reviewer


@dataclass(frozen=True, slots=True)
class ConflictNote:
    item_id: str
    person_key: str  # the reviewer
    kind: NoteKind
    reason: str
    by: str  # person key of who wrote it
    at: datetime


@dataclass(frozen=True, slots=True)
class Standing:
    """One reviewer's standing on one item: why they are conflicted, and whether waived."""

    reasons: tuple[str, ...]
    waived: bool = False

    @property
    def conflicted(self) -> bool:
        return bool(self.reasons) and not self.waived


def found_conflicts(expert: Expert, item: Item) -> list[str]:
    """The expert pool's conflicts of an expert with an item's applicant and project."""
    reasons = conflict_reasons(
        expert,
        orgs=[item.applicant_org] if item.applicant_org else [],
        projects=[t for t in (item.title_zh, item.title_en) if t],
    )
    if item.applicant_email and expert.email == item.applicant_email:
        reasons.append(f"email:{item.applicant_email}")
    return reasons


def new_note(
    fields: Mapping[str, object],
    *,
    item_id: str,
    person_key: str,
    kind: NoteKind,
    by: str,
    now: datetime,
) -> ConflictNote:
    reason = text_field(fields, "reason", max_length=REASON_MAX, required=True)
    return ConflictNote(item_id, person_key, kind, reason, by, now)


def standing(
    *, found: Iterable[str], notes: Iterable[ConflictNote], item_id: str, person_key: str
) -> Standing:
    """A reviewer's standing on an item from the pool's conflicts and the notes (the last
    note decides between "added/declared" and "waived")."""
    reasons = list(found)
    waived = False
    for note in notes:
        if note.item_id != item_id or note.person_key != person_key:
            continue
        if note.kind is NoteKind.WAIVED:
            waived = True
        else:
            reasons.append(f"{note.kind}:{note.reason}")
            waived = False
    return Standing(tuple(reasons), waived)


ConflictTable = Mapping[str, Mapping[str, Standing]]  # item_id -> person key -> standing


def conflict_table(
    *,
    items: Iterable[Item],
    reviewers: Iterable[str],
    experts: Mapping[str, Expert],
    notes: Iterable[ConflictNote],
) -> dict[str, dict[str, Standing]]:
    """Every reviewer's standing on every item. ``experts`` maps the reviewers who are in the
    pool (person key ``expert:<id>``) to their record."""
    notes, reviewers = list(notes), list(reviewers)
    table: dict[str, dict[str, Standing]] = {}
    for item in items:
        row = table.setdefault(item.item_id, {})
        for key in reviewers:
            expert = experts.get(key)
            found = found_conflicts(expert, item) if expert else []
            row[key] = standing(found=found, notes=notes, item_id=item.item_id, person_key=key)
    return table


def conflicted_on(table: ConflictTable, item_id: str) -> frozenset[str]:
    """Who must stay out of an item: conflicted, and not waived."""
    return frozenset(key for key, s in table.get(item_id, {}).items() if s.conflicted)


def check_reviewer(person_key: str, reviewers: Iterable[str]) -> None:
    if person_key not in set(reviewers):
        raise DomainError("That person is not a reviewer of this session.", code="not_reviewer")
