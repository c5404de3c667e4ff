"""A review session's results: its items ranked by weighted score, each closed item's table,
the conflict record of each item, and the audit log as people read it.

``session_results`` puts together what the store holds (the book a review room is prepared
with, the items' runs, the reviewers' scorecards). Only a closed item has values: the cards
of an item not closed yet are dropped here, before anything is shaped, so no page or file
made from the results can show them. Ranking follows ``rooms.scores.ranking`` (mean
weighted score, then median); items that are closed but unscored come after the scored
ones, and items not closed come last, in the session's order.

Staff and the chair see everything: applicants, reviewers by name. A reviewer sees only the
items released to the panel that they are not conflicted on (``for_reviewer``); in a blind
review without applicants, in a double-blind one with the other reviewers as "Reviewer A,
B…" (``shown_names``).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from rooms.conflicts import ConflictNote, NoteKind, conflicted_on
from rooms.items import Item, ReviewSettings
from rooms.review_book import AuditEntry, ItemRun, Phase, ReviewBook
from rooms.rubric import Rubric
from rooms.scores import ItemResult, ReviewerRow, Scorecard, item_result, ranking
from rooms.scores import reviewer_letters as letters_of

REVIEWER_LABEL = "Reviewer {letter}"  # English template; the edge passes a translated one
AUDIT_DETAIL = ("person", "name", "reason")  # what of an entry's detail is ever shown


@dataclass(frozen=True, slots=True)
class ConflictRecord:
    """One reviewer's conflict record on one item: why they were conflicted (the pool's
    reasons and the notes'), whether waived, and every note with its reason, who and when."""

    person_key: str
    reasons: tuple[str, ...]  # "org:…", "project:…", "expert:…", "email:…", "declared:…"…
    waived: bool
    notes: tuple[ConflictNote, ...]

    @property
    def conflicted(self) -> bool:
        return bool(self.reasons) and not self.waived


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    """An item of the session with where it stands: its table once closed, else None."""

    item: Item
    position: int  # 1-based, in the session's order
    run: ItemRun
    result: ItemResult | None  # None until the item is closed
    conflicts: tuple[ConflictRecord, ...] = ()
    rank: int | None = None  # 1 for the best mean; None unless closed and scored

    @property
    def closed(self) -> bool:
        return self.run.phase is Phase.CLOSED


@dataclass(frozen=True, slots=True)
class SessionResults:
    rubric: Rubric | None
    settings: ReviewSettings
    reviewers: tuple[str, ...]  # person keys of the roster's reviewers
    items: tuple[ItemOutcome, ...]  # in the session's order
    ranking: tuple[ItemOutcome, ...]  # best first; unscored, then not closed, last

    def outcome(self, item_id: str) -> ItemOutcome | None:
        return next((o for o in self.items if o.item.item_id == item_id), None)


def expected_reviewers(book: ReviewBook, item_id: str, cards: Iterable[Scorecard]) -> list[str]:
    """Who should have scored an item: the panel less those conflicted on it, then anyone
    else who scored it (as the live panel counts them, ``rooms.panel.Panel.expected``)."""
    out = conflicted_on(book.table, item_id)
    keys = [k for k in book.reviewers if k not in out]
    return keys + list(dict.fromkeys(c.reviewer_key for c in cards if c.reviewer_key not in keys))


def conflict_records(book: ReviewBook, item_id: str) -> tuple[ConflictRecord, ...]:
    """Every reviewer with a conflict on the item, or a note about one, roster order first."""
    notes = [n for n in book.notes if n.item_id == item_id]
    row = book.table.get(item_id, {})
    keys = dict.fromkeys([*row, *(n.person_key for n in notes)])
    records = []
    for key in keys:
        standing, mine = row.get(key), tuple(n for n in notes if n.person_key == key)
        reasons = standing.reasons if standing else tuple(_note_reasons(mine))
        waived = standing.waived if standing else _last_waived(mine)
        if reasons or mine:
            records.append(ConflictRecord(key, reasons, waived, mine))
    return tuple(records)


def _note_reasons(notes: Iterable[ConflictNote]) -> list[str]:
    return [f"{n.kind}:{n.reason}" for n in notes if n.kind is not NoteKind.WAIVED]


def _last_waived(notes: Sequence[ConflictNote]) -> bool:
    return bool(notes) and notes[-1].kind is NoteKind.WAIVED


def _outcome(
    book: ReviewBook, item: Item, position: int, run: ItemRun, cards: Sequence[Scorecard]
) -> ItemOutcome:
    result = None
    if run.phase is Phase.CLOSED and book.rubric is not None:
        mine = [c for c in cards if c.item_id == item.item_id]
        expected = expected_reviewers(book, item.item_id, mine)
        result = item_result(book.rubric, item_id=item.item_id, reviewers=expected, cards=mine)
    return ItemOutcome(item, position, run, result, conflict_records(book, item.item_id))


def _ranked(outcomes: Sequence[ItemOutcome]) -> tuple[ItemOutcome, ...]:
    """Closed items by ``rooms.scores.ranking``, ranks shared by equal (mean, median); then
    the items not closed, in order."""
    by_id = {o.item.item_id: o for o in outcomes}
    results = ranking(o.result for o in outcomes if o.result is not None)
    ranked: list[ItemOutcome] = []
    for place, result in enumerate(results, start=1):
        rank = None if result.mean is None else place
        before = ranked[-1].result if ranked else None
        if rank is not None and before is not None and _ties(before, result):
            rank = ranked[-1].rank
        ranked.append(replace(by_id[result.item_id], rank=rank))
    return (*ranked, *(o for o in outcomes if o.result is None))


def _ties(a: ItemResult, b: ItemResult) -> bool:
    return (a.mean, a.median) == (b.mean, b.median)


def session_results(
    *, book: ReviewBook, runs: Mapping[str, ItemRun], cards: Iterable[Scorecard]
) -> SessionResults:
    """The session's results as staff and the chair see them."""
    cards = list(cards)
    outcomes = [
        _outcome(book, item, n, runs.get(item.item_id, ItemRun(item.item_id)), cards)
        for n, item in enumerate(book.items, start=1)
    ]
    ranked = _ranked(outcomes)
    by_id = {o.item.item_id: o for o in ranked}
    return SessionResults(
        rubric=book.rubric,
        settings=book.settings,
        reviewers=book.reviewers,
        items=tuple(by_id[o.item.item_id] for o in outcomes),
        ranking=ranked,
    )


# what a reviewer may see ------------------------------------------------------------------


def shown_names(
    *,
    reviewers: Sequence[str],
    names: Mapping[str, str],
    settings: ReviewSettings,
    viewer: str | None,
    label: str = REVIEWER_LABEL,
) -> dict[str, str]:
    """How each reviewer is named to a viewer: by name to staff and the chair (viewer
    None) and in a review that is not double blind; in a double-blind one, to a reviewer, the
    others as ``label`` with their letter (A, B… in roster order) and themselves by name."""
    named = {key: names.get(key) or anonymous_name(key) for key in reviewers}
    if viewer is None or not settings.double_blind:
        return named
    letters = letters_of(list(reviewers))
    return {
        key: named[key] if key == viewer else label.format(letter=letters[key]) for key in reviewers
    }


def anonymous_name(person_key: str) -> str:
    """A person's name when nobody wrote one down: what their key names them by."""
    return person_key.partition(":")[2] or person_key


def _blinded(item: Item) -> Item:
    return replace(item, applicant_name="", applicant_org="", applicant_email="")


def for_reviewer(results: SessionResults, *, viewer: str) -> tuple[ItemOutcome, ...]:
    """The items a reviewer may see the results of: closed, released to the panel, and not
    conflicted on; without applicants in a blind review, and never the conflict record."""
    shown = []
    for outcome in results.ranking:
        if not (outcome.closed and outcome.run.released) or outcome.result is None:
            continue
        if any(r.person_key == viewer and r.conflicted for r in outcome.conflicts):
            continue
        item = _blinded(outcome.item) if results.settings.blind else outcome.item
        shown.append(replace(outcome, item=item, conflicts=()))
    return tuple(shown)


# cells: numbers and a reviewer's row as text ----------------------------------------------


def number_text(value: float | None) -> str:
    """A score as people write it: 4, 3.5, 72.46; "" for none."""
    if value is None:
        return ""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def score_cells(rubric: Rubric, row: ReviewerRow, *, missing: str) -> tuple[str, ...]:
    """A reviewer's values per criterion, then their weighted total; ``missing`` in every
    cell of a reviewer who did not score (never 0)."""
    if row.card is None:
        return (missing,) * (len(rubric.criteria) + 1)
    values = tuple(number_text(row.card.values.get(c.criterion_id)) for c in rubric.criteria)
    return (*values, number_text(row.total))


def recommendation_label(rubric: Rubric, code: str, lang: str) -> str:
    """The recommendation's label in the language (its code if the rubric has none)."""
    found = next((r for r in rubric.recommendations if r.code == code), None)
    if found is None:
        return code
    return (found.label_zh if lang.startswith("zh") else found.label_en) or found.label_zh


# the audit log as people read it ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuditLine:
    at: datetime
    action: str  # an audit entry's action, or conflict_declared / _added / _waived
    actor: str  # person key; "" for the server
    item_id: str
    person: str = ""  # the person the line is about (moved out, conflict), a person key
    person_name: str = ""
    reason: str = ""


def _line(entry: AuditEntry) -> AuditLine:
    detail = {k: str(entry.detail.get(k, "")) for k in AUDIT_DETAIL}
    return AuditLine(
        entry.at, entry.action, entry.actor, entry.item_id,
        detail["person"], detail["name"], detail["reason"],
    )  # fmt: skip


def _note_line(note: ConflictNote) -> AuditLine:
    action = f"conflict_{note.kind}"
    return AuditLine(note.at, action, note.by, note.item_id, note.person_key, "", note.reason)


def audit_lines(
    entries: Iterable[AuditEntry], notes: Iterable[ConflictNote]
) -> tuple[AuditLine, ...]:
    """The audit log, oldest first: the room's entries (only who, what, which item, and
    why — never a score's values), and the conflict notes written outside the room (declared
    by a reviewer, added or waived by staff); a note the chair wrote in the room is its entry."""
    lines = [_line(e) for e in entries]
    logged = {(x.action, x.item_id, x.person, x.at) for x in lines}
    for note in notes:
        line = _note_line(note)
        if (line.action, line.item_id, line.person, line.at) not in logged:
            lines.append(line)
    return tuple(sorted(lines, key=lambda x: x.at))
