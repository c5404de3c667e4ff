"""rooms.results: a review's ranking, closed items' tables, conflict records, reviewer names
in a double-blind review, and the audit log."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from rooms.conflicts import ConflictNote, NoteKind, Standing
from rooms.items import Item, ReviewSettings
from rooms.results import (
    AuditLine,
    ConflictRecord,
    audit_lines,
    expected_reviewers,
    for_reviewer,
    number_text,
    recommendation_label,
    score_cells,
    session_results,
    shown_names,
)
from rooms.review_book import AuditEntry, ItemRun, Phase, ReviewBook
from rooms.rubric import new_rubric
from rooms.scores import ReviewerRow, Scorecard

NOW = datetime(2026, 5, 1, 1, 30, tzinfo=UTC)
# one criterion on 0..10: a reviewer's weighted total is ten times their value
RUBRIC = new_rubric(
    {"criteria": [{"name_en": "Merit", "weight": 1, "scale_min": 0, "scale_max": 10}]}
)
TWO = new_rubric(
    {
        "criteria": [
            {
                "name_zh": "创新性",
                "name_en": "Novelty",
                "weight": 2,
                "scale_min": 1,
                "scale_max": 5,
            },
            {"name_en": "Team", "weight": 1, "scale_min": 0, "scale_max": 10},
        ]
    }
)
A, B, C, D = "expert:a", "expert:b", "expert:c", "expert:d"


def item(item_id: str) -> Item:
    return Item(
        item_id=item_id, session_id="s1", title_zh=f"项目{item_id}", title_en=f"Project {item_id}",
        applicant_name="Zhang Wei", applicant_org="Lab", applicant_email="zhang@lab.cn",
        disciplines=(), present_minutes=10, qa_minutes=5, created_at=NOW, updated_at=NOW,
    )  # fmt: skip


def card(item_id: str, reviewer: str, value: float, comment: str = "") -> Scorecard:
    return Scorecard(item_id, reviewer, {"c1": value}, "fund", comment, NOW)


def closed(item_id: str, *, released: bool = False) -> ItemRun:
    return ItemRun(item_id, Phase.CLOSED, since=NOW, released=released)


def book(*item_ids: str, **changes: object) -> ReviewBook:
    made = ReviewBook(
        items=tuple(item(i) for i in item_ids),
        rubric=RUBRIC,
        reviewers=(A, B, C),
        table={i: {} for i in item_ids},
    )
    return replace(made, **changes)  # type: ignore[arg-type]


# a closed item's table ----------------------------------------------------------------------


def test_a_reviewer_who_did_not_score_is_missing_not_zero() -> None:
    results = session_results(
        book=book("i1"), runs={"i1": closed("i1")}, cards=[card("i1", A, 8), card("i1", B, 6)]
    )

    result = results.items[0].result
    assert result is not None
    assert [(r.reviewer_key, r.total) for r in result.rows] == [(A, 80.0), (B, 60.0), (C, None)]
    assert (result.mean, result.median, result.submitted, result.missing) == (70.0, 70.0, 2, (C,))
    assert score_cells(RUBRIC, result.rows[2], missing="missing") == ("missing", "missing")


@pytest.mark.parametrize(
    ("values", "flagged"),
    [
        ((8, 8.2, 2), [False, False, True]),  # 20 points off a median of 80
        ((8, 7, 6), [False, False, False]),  # a spread of 20 is no outlier at 15 from the middle
        ((9, 1), [False, False]),  # two reviewers: nobody is far from "the others"
        ((5, 5, 5, 10), [False, False, False, True]),
    ],
)
def test_a_reviewer_far_from_the_others_is_flagged(values: tuple[float, ...], flagged) -> None:
    reviewers = (A, B, C, D)[: len(values)]
    cards = [card("i1", key, value) for key, value in zip(reviewers, values, strict=True)]

    results = session_results(
        book=book("i1", reviewers=reviewers), runs={"i1": closed("i1")}, cards=cards
    )

    assert results.items[0].result is not None
    assert [row.outlier for row in results.items[0].result.rows] == flagged


def test_the_statistics_of_a_closed_item() -> None:
    cards = [card("i1", A, 9), card("i1", B, 6), card("i1", C, 6)]

    result = session_results(book=book("i1"), runs={"i1": closed("i1")}, cards=cards).items[0]

    assert result.result is not None
    assert (result.result.mean, result.result.median, result.result.spread) == (70.0, 60.0, 30.0)
    assert result.result.stdev == 17.32


# the ranking --------------------------------------------------------------------------------


def test_ranking_by_mean_with_unscored_and_unclosed_items_last() -> None:
    runs = {
        "low": closed("low"),
        "open": ItemRun("open", Phase.SCORING, since=NOW),
        "high": closed("high"),
        "empty": closed("empty"),
    }
    cards = [card("low", A, 5), card("open", A, 10), card("high", A, 9), card("high", B, 8)]

    results = session_results(
        book=book("low", "open", "high", "empty", "waiting"), runs=runs, cards=cards
    )

    assert [(o.item.item_id, o.rank) for o in results.ranking] == [
        ("high", 1),
        ("low", 2),
        ("empty", None),
        ("open", None),
        ("waiting", None),
    ]
    assert [o.item.item_id for o in results.items] == ["low", "open", "high", "empty", "waiting"]


def test_an_item_not_closed_has_no_values_even_with_cards() -> None:
    runs = {"i1": ItemRun("i1", Phase.SCORING, since=NOW)}

    results = session_results(book=book("i1"), runs=runs, cards=[card("i1", A, 10)])

    assert (results.items[0].closed, results.items[0].result, results.items[0].rank) == (
        False,
        None,
        None,
    )


def test_equal_means_and_medians_share_a_rank() -> None:
    runs = {i: closed(i) for i in ("x", "y", "z")}
    cards = [card("x", A, 7), card("y", A, 7), card("z", A, 3)]

    results = session_results(book=book("x", "y", "z"), runs=runs, cards=cards)

    assert [(o.item.item_id, o.rank) for o in results.ranking] == [("x", 1), ("y", 1), ("z", 3)]


def test_a_conflicted_reviewer_is_not_expected_unless_they_scored() -> None:
    table = {"i1": {B: Standing(("org:Lab",)), C: Standing(("org:Lab",), waived=True)}}
    scored_before = [card("i1", B, 4)]

    assert expected_reviewers(book("i1", table=table), "i1", []) == [A, C]
    assert expected_reviewers(book("i1", table=table), "i1", scored_before) == [A, C, B]


# conflict records ---------------------------------------------------------------------------


def test_the_conflict_record_keeps_reasons_waivers_and_who_wrote_them() -> None:
    waiver = ConflictNote("i1", B, NoteKind.WAIVED, "Left Lab in 2019", "account:chair", NOW)
    declared = ConflictNote("i1", C, NoteKind.DECLARED, "Co-author", C, NOW)
    table = {
        "i1": {
            A: Standing(()),
            B: Standing(("org:Lab",), waived=True),
            C: Standing(("declared:Co-author",)),
        }
    }

    results = session_results(
        book=book("i1", table=table, notes=(waiver, declared)), runs={}, cards=[]
    )

    assert results.items[0].conflicts == (
        ConflictRecord(B, ("org:Lab",), True, (waiver,)),
        ConflictRecord(C, ("declared:Co-author",), False, (declared,)),
    )
    assert [r.conflicted for r in results.items[0].conflicts] == [False, True]


# what a reviewer may see --------------------------------------------------------------------

NAMES = {A: "Li Na", B: "Wang Fang", C: "Zhao Lei"}


@pytest.mark.parametrize(
    ("settings", "viewer", "expected"),
    [
        (ReviewSettings(), None, {A: "Li Na", B: "Wang Fang", C: "Zhao Lei"}),
        (ReviewSettings(double_blind=True, blind=True), None, NAMES),  # staff see everything
        (ReviewSettings(blind=True), B, NAMES),  # blind hides applicants, not reviewers
        (
            ReviewSettings(double_blind=True, blind=True),
            B,
            {A: "Reviewer A", B: "Wang Fang", C: "Reviewer C"},
        ),
    ],
)
def test_reviewers_are_named_as_the_review_allows(settings, viewer, expected) -> None:
    assert shown_names(reviewers=(A, B, C), names=NAMES, settings=settings, viewer=viewer) == (
        expected
    )


def test_double_blind_labels_come_translated_and_unnamed_people_by_their_key() -> None:
    shown = shown_names(
        reviewers=(A, "guest:li@x.org"),
        names={},
        settings=ReviewSettings(double_blind=True, blind=True),
        viewer=A,
        label="评审专家 {letter}",
    )

    assert shown == {A: "a", "guest:li@x.org": "评审专家 B"}


def test_a_reviewer_sees_only_released_items_they_are_not_conflicted_on() -> None:
    table = {"i1": {}, "i2": {B: Standing(("org:Lab",))}, "i3": {}}
    runs = {"i1": closed("i1", released=True), "i2": closed("i2", released=True)}
    runs["i3"] = closed("i3")
    cards = [card(i, A, 5) for i in ("i1", "i2", "i3")]
    results = session_results(
        book=book("i1", "i2", "i3", table=table, settings=ReviewSettings(blind=True)),
        runs=runs,
        cards=cards,
    )

    for_a, for_b = for_reviewer(results, viewer=A), for_reviewer(results, viewer=B)

    assert [o.item.item_id for o in for_a] == ["i1", "i2"]
    assert [o.item.item_id for o in for_b] == ["i1"]
    assert {(o.item.applicant_name, o.item.applicant_org, o.conflicts) for o in for_a} == {
        ("", "", ())
    }


# cells --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [(4.0, "4"), (3.5, "3.5"), (72.456, "72.46"), (0.0, "0"), (-0.001, "0"), (None, "")],
)
def test_numbers_are_written_as_people_write_them(value, text) -> None:
    assert number_text(value) == text


def test_a_row_is_its_values_then_its_weighted_total() -> None:
    row = ReviewerRow(A, Scorecard("i1", A, {"c1": 4, "c2": 7.5}, "fund", "", NOW), 81.67)

    assert score_cells(TWO, row, missing="—") == ("4", "7.5", "81.67")


@pytest.mark.parametrize(
    ("code", "lang", "label"),
    [("fund", "zh_CN", "建议资助"), ("fund", "en", "Fund"), ("unknown", "en", "unknown")],
)
def test_recommendations_are_shown_by_their_label(code, lang, label) -> None:
    assert recommendation_label(RUBRIC, code, lang) == label


# the audit log ------------------------------------------------------------------------------


def test_the_audit_log_merges_notes_made_outside_the_room_once() -> None:
    later = NOW + timedelta(minutes=5)
    in_room = ConflictNote("i1", B, NoteKind.WAIVED, "Old tie", "account:chair", later)
    declared = ConflictNote("i1", C, NoteKind.DECLARED, "Co-author", C, NOW - timedelta(days=1))
    entries = [
        AuditEntry("item_started", "account:chair", "i1", NOW),
        AuditEntry("score_submitted", A, "i1", NOW + timedelta(minutes=1), {"values": "9"}),
        AuditEntry(
            "conflict_waived",
            "account:chair",
            "i1",
            later,
            {"person": B, "name": "Wang Fang", "reason": "Old tie"},
        ),  # fmt: skip
    ]

    lines = audit_lines(entries, [declared, in_room])

    assert lines == (
        AuditLine(declared.at, "conflict_declared", C, "i1", C, "", "Co-author"),
        AuditLine(NOW, "item_started", "account:chair", "i1"),
        AuditLine(NOW + timedelta(minutes=1), "score_submitted", A, "i1"),
        AuditLine(later, "conflict_waived", "account:chair", "i1", B, "Wang Fang", "Old tie"),
    )
