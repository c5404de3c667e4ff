"""A review's results as the pages, the CSV file and the PDF reports show them: every text
translated into the request's language, every number written once (``rooms.results``).

Staff and the chair see everything: applicants and reviewers by name. An item not closed
shows no values — only its phase ("not closed yet"); a reviewer who did not score a closed
item is "missing" in every cell, never 0.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from rooms.conflicts import ConflictNote
from rooms.items import Item, pitched_by
from rooms.results import (
    AuditLine,
    ConflictRecord,
    ItemOutcome,
    anonymous_name,
    number_text,
    recommendation_label,
    score_cells,
)
from rooms.roles import Kind
from rooms.rubric import Rubric
from server.i18n import gettext, language
from server.pages.timetable import instant_label
from server.results import SessionReview

PHASE_LABELS = {
    "waiting": "Waiting",
    "presenting": "Presenting",
    "qa": "Q&A",
    "deliberation": "Deliberation",
    "scoring": "Scoring",
    "closed": "Closed",
    "skipped": "Skipped",
}
CONFLICT_LABELS = {
    "org": "Organization",
    "project": "Project",
    "expert": "Conflict with a person",
    "email": "Same e-mail as the applicant",
    "declared": "Declared by the reviewer",
    "added": "Added by the chair or staff",
}
NOTE_LABELS = {
    "declared": "declared a conflict",
    "added": "added a conflict",
    "waived": "waived the conflict",
}
AUDIT_LABELS = {
    "item_started": "Item started",
    "phase_qa": "Q&A began",
    "phase_deliberation": "Deliberation began",
    "phase_scoring": "Scoring opened",
    "phase_closed": "Scoring closed",
    "scoring_closed": "Scoring closed",  # a roadshow judge's pitch (rooms.judging)
    "extended": "Time extended",
    "skipped": "Item skipped",
    "reordered": "Items reordered",
    "results_released": "Results released to the panel",
    "conflict_declared": "Conflict declared",
    "conflict_added": "Conflict added",
    "conflict_waived": "Conflict waived",
    "moved_out": "Moved out of the room",
    "brought_back": "Brought back into the room",
    "score_submitted": "Score submitted",
    "score_revised": "Score revised",
}
HOLD_LABELS = {
    "conflict": "a conflict of interest with the item",
    "deliberation": "the panel was deliberating",
    "done": "their item was over",
}


@dataclass(frozen=True, slots=True)
class RowView:
    reviewer: str
    cells: tuple[str, ...]  # per criterion, then the weighted total ("missing" if none)
    recommendation: str
    comment: str
    outlier: bool
    missing: bool


@dataclass(frozen=True, slots=True)
class ConflictView:
    reviewer: str
    reasons: tuple[str, ...]
    waived: bool
    conflicted: bool
    notes: tuple[str, ...]  # "2026-05-01 09:30 Wang Fang waived the conflict: reason"


@dataclass(frozen=True, slots=True)
class ItemView:
    item_id: str
    position: int
    title: str
    other_title: str
    applicant: str
    phase: str
    closed: bool
    released: bool
    rank: str  # "1", or "" when not ranked
    mean: str
    median: str
    spread: str
    stdev: str
    submitted: str  # "3 of 5 submitted"
    rows: tuple[RowView, ...]
    conflicts: tuple[ConflictView, ...]


@dataclass(frozen=True, slots=True)
class AuditView:
    at: datetime
    when: str  # in the session's zone, to the second
    actor: str
    action: str
    item: str  # "#2 title", or ""
    detail: str


class Shaper:
    """Turns a review's results into translated rows for one request."""

    def __init__(self, request: web.Request, review: SessionReview) -> None:
        self.request, self.review = request, review
        self.lang = language(request)
        self.zone = review.session.zone

    def t(self, message: str) -> str:
        return gettext(self.request, message)

    def name(self, key: str) -> str:
        if not key:
            return self.t("Yunhui (automatic)")
        return self.review.names.get(key) or anonymous_name(key)

    def when(self, moment: datetime) -> str:
        return instant_label(moment, self.zone, self.lang)

    def stamp(self, moment: datetime) -> str:
        """To the second, in the session's zone: 2026-05-01 09:30:05."""
        return f"{moment.astimezone(ZoneInfo(self.zone)):%Y-%m-%d %H:%M:%S}"

    @property
    def rubric(self) -> Rubric | None:
        return self.review.results.rubric

    def criteria(self) -> list[str]:
        """The score columns: each criterion (with its weight and scale), then the total."""
        rubric = self.rubric
        if rubric is None:
            return []
        weighted = self.t("Weighted total (0–100)")
        named = [
            f"{c.name(self.lang)} ({c.scale_min}–{c.scale_max}) ×{number_text(c.weight)}"
            for c in rubric.criteria
        ]
        return [*named, weighted]

    # items

    def titles(self, item: Item) -> tuple[str, str]:
        title = item.title(self.lang)
        other = item.title_en if self.lang.startswith("zh") else item.title_zh
        return title, "" if other == title else other

    @property
    def roadshow(self) -> bool:
        return self.review.session.kind is Kind.ROADSHOW

    @property
    def pitched_by_label(self) -> str:
        """What the people of an item are called: a roadshow's founders, else applicant."""
        return self.t("Founders") if self.roadshow else self.t("Applicant")

    def applicant(self, item: Item) -> str:
        """A roadshow pitch's founders (or else the applicant), then the organization."""
        return pitched_by(item, self.review.names)

    def item_label(self, item_id: str) -> str:
        outcome = self.review.results.outcome(item_id)
        if outcome is None:
            return ""
        return f"#{outcome.position} {outcome.item.title(self.lang)}"

    def rows(self, outcome: ItemOutcome) -> tuple[RowView, ...]:
        rubric, result = self.rubric, outcome.result
        if rubric is None or result is None:
            return ()
        missing = self.t("missing")
        return tuple(
            RowView(
                reviewer=self.name(row.reviewer_key),
                cells=score_cells(rubric, row, missing=missing),
                recommendation=(
                    recommendation_label(rubric, row.card.recommendation, self.lang)
                    if row.card
                    else missing
                ),
                comment=row.card.comment if row.card else "",
                outlier=row.outlier,
                missing=row.card is None,
            )
            for row in result.rows
        )

    def item(self, outcome: ItemOutcome) -> ItemView:
        result, item = outcome.result, outcome.item
        title, other = self.titles(item)
        submitted = ""
        if result is not None:
            submitted = self.t("{submitted} of {expected} submitted").format(
                submitted=result.submitted, expected=len(result.rows)
            )
        return ItemView(
            item_id=item.item_id,
            position=outcome.position,
            title=title,
            other_title=other,
            applicant=self.applicant(item),
            phase=self.t(PHASE_LABELS.get(outcome.run.phase, outcome.run.phase)),
            closed=outcome.closed,
            released=outcome.run.released,
            rank="" if outcome.rank is None else str(outcome.rank),
            mean=number_text(result.mean) if result else "",
            median=number_text(result.median) if result else "",
            spread=number_text(result.spread) if result else "",
            stdev=number_text(result.stdev) if result else "",
            submitted=submitted,
            rows=self.rows(outcome),
            conflicts=tuple(self.conflict(record) for record in outcome.conflicts),
        )

    def items(self) -> list[ItemView]:
        return [self.item(outcome) for outcome in self.review.results.items]

    def ranking(self) -> list[ItemView]:
        return [self.item(outcome) for outcome in self.review.results.ranking]

    # conflicts

    def reason(self, reason: str) -> str:
        kind, _, value = reason.partition(":")
        label = CONFLICT_LABELS.get(kind)
        if label is None:
            return reason
        if kind == "expert":
            value = self.name(reason)
        return f"{self.t(label)}: {value}"

    def note(self, note: ConflictNote) -> str:
        did = self.t(NOTE_LABELS.get(note.kind, note.kind))
        return f"{self.stamp(note.at)} {self.name(note.by)} {did}: {note.reason}"

    def conflict(self, record: ConflictRecord) -> ConflictView:
        return ConflictView(
            reviewer=self.name(record.person_key),
            reasons=tuple(self.reason(r) for r in record.reasons),
            waived=record.waived,
            conflicted=record.conflicted,
            notes=tuple(self.note(n) for n in record.notes),
        )

    # the audit log

    def audit(self, lines: tuple[AuditLine, ...]) -> list[AuditView]:
        return [
            AuditView(
                at=line.at,
                when=self.stamp(line.at),
                actor=self.name(line.actor),
                action=self.t(AUDIT_LABELS[line.action])
                if line.action in AUDIT_LABELS
                else line.action,
                item=self.item_label(line.item_id) if line.item_id else "",
                detail=self.detail(line),
            )
            for line in lines
        ]

    def detail(self, line: AuditLine) -> str:
        who = line.person_name or (self.name(line.person) if line.person else "")
        why = (
            self.t(HOLD_LABELS[line.reason])
            if line.action == "moved_out" and (line.reason in HOLD_LABELS)
            else line.reason
        )
        return " — ".join(part for part in (who, why) if part)
