"""Reviewers' scores and what a closed item's scores add up to.

A ``Scorecard`` is one reviewer's scores of one item: a value per criterion, within its
scale; an overall recommendation; a comment. ``new_scorecard`` refuses values off the scale,
a criterion left out or unknown, an unknown recommendation, a missing required comment.

``item_result`` is the table the chair sees once scoring of an item is closed: each
reviewer's values and weighted score (``rooms.rubric.weighted_score``, 0–100), the mean,
median and spread, reviewers far from the others flagged as outliers, and reviewers who did
not score shown as missing (never counted as zero). ``ranking`` orders items by mean.
"""

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from rooms.errors import DomainError
from rooms.rubric import Rubric, weighted_score

COMMENT_MAX = 5000
OUTLIER_POINTS = 15.0  # a weighted score this far from the median (at least) is flagged
OUTLIER_MADS = 2.5  # …or this many median absolute deviations, when they are wider


@dataclass(frozen=True, slots=True)
class Scorecard:
    item_id: str
    reviewer_key: str
    values: Mapping[str, float]  # criterion_id -> value
    recommendation: str
    comment: str
    at: datetime
    revision: int = 1  # 1 for the first submission, then one more per revision


def _value(raw: object, *, low: int, high: int, name: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw != raw:
        raise DomainError("The score for {criterion} must be a number.", criterion=name)
    if not low <= raw <= high:
        raise DomainError(
            "The score for {criterion} must be between {low} and {high}.",
            code="off_scale",
            criterion=name,
            low=low,
            high=high,
        )
    return float(raw)


def new_scorecard(
    rubric: Rubric,
    *,
    item_id: str,
    reviewer_key: str,
    values: object,
    recommendation: object,
    comment: object,
    now: datetime,
    revision: int = 1,
) -> Scorecard:
    """A reviewer's scores, checked against the rubric."""
    if not isinstance(values, dict):
        raise DomainError("The scores must name each criterion.", code="invalid_scores")
    unknown = set(values) - {c.criterion_id for c in rubric.criteria}
    if unknown:
        raise DomainError("The rubric has no criterion {criterion}.", criterion=sorted(unknown)[0])
    checked: dict[str, float] = {}
    for c in rubric.criteria:
        if c.criterion_id not in values:
            raise DomainError(
                "Score {criterion} too.", code="missing_score", criterion=c.name("en")
            )
        raw = values[c.criterion_id]
        checked[c.criterion_id] = _value(raw, low=c.scale_min, high=c.scale_max, name=c.name("en"))
    codes = [r.code for r in rubric.recommendations]
    if codes and recommendation not in codes:
        raise DomainError(
            "Choose a recommendation: {allowed}.", code="invalid_recommendation",
            allowed=", ".join(codes),
        )  # fmt: skip
    if not isinstance(comment, str) or len(comment.strip()) > COMMENT_MAX:
        raise DomainError("A comment is text of at most {most} characters.", most=COMMENT_MAX)
    if rubric.comment_required and not comment.strip():
        raise DomainError("This rubric asks for a comment.", code="missing_comment")
    rec = recommendation if isinstance(recommendation, str) else ""
    return Scorecard(item_id, reviewer_key, checked, rec, comment.strip(), now, revision)


# what an item's scores add up to ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReviewerRow:
    reviewer_key: str
    card: Scorecard | None  # None: did not score
    total: float | None  # weighted score 0–100
    outlier: bool = False


@dataclass(frozen=True, slots=True)
class ItemResult:
    item_id: str
    rows: tuple[ReviewerRow, ...]
    criterion_means: Mapping[str, float | None]
    mean: float | None
    median: float | None
    spread: float | None  # highest minus lowest weighted score
    stdev: float | None
    recommendations: Mapping[str, int] = field(default_factory=dict)

    @property
    def submitted(self) -> int:
        return sum(1 for row in self.rows if row.card is not None)

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(row.reviewer_key for row in self.rows if row.card is None)


def _outliers(totals: Sequence[float]) -> list[bool]:
    if len(totals) < 3:
        return [False] * len(totals)
    middle = statistics.median(totals)
    mad = statistics.median(abs(t - middle) for t in totals)
    bound = max(OUTLIER_POINTS, OUTLIER_MADS * mad)
    return [abs(t - middle) > bound for t in totals]


def _mean(values: Sequence[float]) -> float | None:
    return round(statistics.fmean(values), 2) if values else None


def item_result(
    rubric: Rubric, *, item_id: str, reviewers: Iterable[str], cards: Iterable[Scorecard]
) -> ItemResult:
    """The table of a closed item. ``reviewers`` are those expected to score it (the panel
    minus the conflicted); a card of someone else is still shown."""
    by_reviewer = {card.reviewer_key: card for card in cards if card.item_id == item_id}
    keys = list(dict.fromkeys([*reviewers, *by_reviewer]))
    scored = [by_reviewer[k] for k in keys if k in by_reviewer]
    totals = [weighted_score(rubric, card.values) for card in scored]
    flagged = dict(zip((c.reviewer_key for c in scored), _outliers(totals), strict=True))
    total_of = dict(zip((c.reviewer_key for c in scored), totals, strict=True))
    rows = tuple(
        ReviewerRow(k, by_reviewer.get(k), total_of.get(k), flagged.get(k, False)) for k in keys
    )
    means = {
        c.criterion_id: _mean([card.values[c.criterion_id] for card in scored])
        for c in rubric.criteria
    }
    recommendations: dict[str, int] = {}
    for card in scored:
        recommendations[card.recommendation] = recommendations.get(card.recommendation, 0) + 1
    return ItemResult(
        item_id=item_id,
        rows=rows,
        criterion_means=means,
        mean=_mean(totals),
        median=round(statistics.median(totals), 2) if totals else None,
        spread=round(max(totals) - min(totals), 2) if totals else None,
        stdev=round(statistics.stdev(totals), 2) if len(totals) > 1 else None,
        recommendations=recommendations,
    )


def ranking(results: Iterable[ItemResult]) -> list[ItemResult]:
    """Items by mean weighted score, best first; items nobody scored last."""
    return sorted(
        results,
        key=lambda r: (r.mean is None, -(r.mean or 0.0), -(r.median or 0.0), r.item_id),
    )


def reviewer_letters(keys: Sequence[str]) -> dict[str, str]:
    """Reviewers as a double-blind review names them to each other: A, B, … Z, AA, AB…"""
    letters = {}
    for n, key in enumerate(keys):
        name = ""
        n += 1
        while n:
            n, rest = divmod(n - 1, 26)
            name = chr(ord("A") + rest) + name
        letters[key] = name
    return letters


def card_payload(card: Scorecard) -> dict[str, object]:
    """A reviewer's own card, as they get it back."""
    return {
        "item_id": card.item_id,
        "values": dict(card.values),
        "recommendation": card.recommendation,
        "comment": card.comment,
        "revision": card.revision,
        "at": card.at.isoformat(),
    }


def result_payload(
    result: ItemResult, *, names: Mapping[str, str], letters: Mapping[str, str] | None = None
) -> dict[str, object]:
    """A closed item's table for someone allowed to see it. ``letters``: a double-blind
    review names reviewers "Reviewer A, B…" (the viewer's own row keeps their name)."""

    def named(key: str) -> str:
        if letters is not None and key in letters:
            return letters[key]
        return names.get(key, key.partition(":")[0])

    return {
        "item_id": result.item_id,
        "rows": [
            {
                "reviewer": named(row.reviewer_key),
                "submitted": row.card is not None,
                "values": dict(row.card.values) if row.card else None,
                "recommendation": row.card.recommendation if row.card else None,
                "comment": row.card.comment if row.card else None,
                "total": row.total,
                "outlier": row.outlier,
            }
            for row in result.rows
        ],
        "criterion_means": dict(result.criterion_means),
        "mean": result.mean,
        "median": result.median,
        "spread": result.spread,
        "stdev": result.stdev,
        "submitted": result.submitted,
        "missing": len(result.missing),
        "recommendations": dict(result.recommendations),
    }
