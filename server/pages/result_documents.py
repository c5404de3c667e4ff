"""A review's results as files: the CSV table (one row per item and reviewer) and the PDF
reports of the whole session and of one item (rubric, ranking, each item's scores, comments
and conflict record), from the translated rows of ``server.pages.result_views``.

CSV cells a spreadsheet would run as formulas are defused (``rooms.chat.defuse``); the file
itself is made by ``server.downloads``. PDFs embed the CJK font (``server.reports``).
"""

from datetime import datetime

from rooms.chat import defuse
from rooms.results import ItemOutcome, number_text
from rooms.rubric import Rubric
from server.pages.result_views import ItemView, Shaper
from server.reports import Heading, Paragraph, Report, Section, Table

# the CSV file ------------------------------------------------------------------------------


def csv_rows(shaper: Shaper) -> list[tuple[str, ...]]:
    """Header, then per item (in order) one row per reviewer once it is closed, or one row
    saying it is not closed yet (without any value); a roadshow's with its founders."""
    t, founders = shaper.t, shaper.roadshow  # a roadshow's rows name each pitch's founders
    by = (shaper.pitched_by_label,) if founders else ()
    header = (
        t("No."), t("Title"), *by, t("Reviewer"), *shaper.criteria(), t("Recommendation"),
        t("Comment"),
    )  # fmt: skip
    rows: list[tuple[str, ...]] = [header]
    blank = ("",) * (len(header) - 3 - len(by))
    for item in shaper.items():
        about = (str(item.position), item.title, *((item.applicant,) if founders else ()))
        if not item.closed:
            rows.append((*about, t("not closed yet"), *blank))
            continue
        for row in item.rows:
            cells = (*about, row.reviewer, *row.cells)
            rows.append((*cells, row.recommendation, row.comment))
    return [tuple(defuse(cell) for cell in row) for row in rows]


# the PDF reports ---------------------------------------------------------------------------


def _language_tag(lang: str) -> str:
    return "zh-CN" if lang.startswith("zh") else "en"


def rubric_sections(shaper: Shaper, rubric: Rubric | None) -> list[Section]:
    t = shaper.t
    if rubric is None:
        return [Heading(t("Rubric")), Paragraph(t("This review has no rubric yet."))]
    rows = tuple(
        (
            c.name(shaper.lang),
            number_text(c.weight),
            f"{c.scale_min}–{c.scale_max}",
            "; ".join(f"{a.value} = {a.label}" for a in c.anchors),
        )
        for c in rubric.criteria
    )
    columns = (t("Criterion"), t("Weight"), t("Scale"), t("Anchors"))
    choices = " / ".join(
        (r.label_zh if shaper.lang.startswith("zh") else r.label_en) or r.code
        for r in rubric.recommendations
    )
    return [
        Heading(t("Rubric")),
        Table(columns=columns, rows=rows, widths=(3, 1, 1, 5)),
        Paragraph(f"{t('Recommendations')}: {choices}"),
    ]


def ranking_table(shaper: Shaper) -> Table:
    t = shaper.t
    columns = (t("Rank"), t("No."), t("Title"), t("Mean"), t("Median"), t("Spread"), t("Status"))
    rows = tuple(
        (
            item.rank or "—",
            str(item.position),
            f"{item.title}\n{item.applicant}" if item.applicant else item.title,
            *((item.mean, item.median, item.spread) if item.closed else ("", "", "")),
            item.submitted if item.closed else f"{t('not closed yet')} ({item.phase})",
        )
        for item in shaper.ranking()
    )
    return Table(columns=columns, rows=rows, widths=(1, 1, 5, 1.3, 1.3, 1.3, 2.5))


def _scores_table(shaper: Shaper, item: ItemView) -> Table:
    t = shaper.t
    columns = (t("Reviewer"), *shaper.criteria(), t("Recommendation"))
    outlier = t("outlier")
    rows = tuple(
        (
            f"{row.reviewer} ({outlier})" if row.outlier else row.reviewer,
            *row.cells,
            row.recommendation,
        )
        for row in item.rows
    )
    return Table(columns=columns, rows=rows, widths=(2.5, *[1.5] * (len(columns) - 2), 2))


def _statistics(shaper: Shaper, item: ItemView) -> str:
    t = shaper.t
    parts = [
        (t("Mean"), item.mean),
        (t("Median"), item.median),
        (t("Spread"), item.spread),
        (t("Standard deviation"), item.stdev),
    ]
    shown = " · ".join(f"{name} {value or '—'}" for name, value in parts)
    return f"{item.submitted} · {shown}"


def _conflict_sections(shaper: Shaper, item: ItemView) -> list[Section]:
    t = shaper.t
    if not item.conflicts:
        return [
            Paragraph(f"{t('Conflicts of interest')}: {t('No conflict of interest recorded.')}")
        ]
    columns = (t("Reviewer"), t("Why"), t("Standing"), t("Record"))
    rows = tuple(
        (
            c.reviewer,
            "\n".join(c.reasons),
            t("waived") if c.waived else (t("kept out") if c.conflicted else ""),
            "\n".join(c.notes),
        )
        for c in item.conflicts
    )
    return [
        Paragraph(t("Conflicts of interest")),
        Table(columns=columns, rows=rows, widths=(2, 3, 1.2, 4)),
    ]


def item_sections(shaper: Shaper, item: ItemView) -> list[Section]:
    t = shaper.t
    by = f"{shaper.pitched_by_label}: {item.applicant}" if item.applicant else ""
    about = [part for part in (item.other_title, by) if part]
    rank = f" · {t('Rank')} {item.rank}" if item.rank else ""
    about.append(f"{t('Phase')}: {item.phase}{rank}")
    sections: list[Section] = [
        Heading(f"#{item.position} {item.title}"),
        Paragraph("\n".join(about)),
    ]
    if not item.closed:
        sections.append(Paragraph(t("Not closed yet: no scores are shown.")))
    else:
        sections += [_scores_table(shaper, item), Paragraph(_statistics(shaper, item))]
        comments = [f"{row.reviewer}: {row.comment}" for row in item.rows if row.comment]
        if comments:
            sections += [Paragraph(t("Comments")), Paragraph("\n".join(comments))]
    return sections + _conflict_sections(shaper, item)


def _report(shaper: Shaper, title: str, sections: list[Section], now: datetime) -> Report:
    """A report titled "Review results: <what>", under the session's name and start."""
    session = shaper.review.session
    return Report(
        title=f"{shaper.t('Review results')}: {title}",
        subtitle=f"{session.title} · {shaper.when(session.start)} ({session.zone})",
        lang=_language_tag(shaper.lang),
        sections=tuple(sections),
        created=now,
    )


def session_report(shaper: Shaper, *, now: datetime) -> Report:
    """The whole session: rubric, ranking, then every item with its scores, comments and
    conflict record."""
    sections: list[Section] = rubric_sections(shaper, shaper.rubric)
    sections += [Heading(shaper.t("Ranking")), ranking_table(shaper)]
    for item in shaper.items():
        sections += item_sections(shaper, item)
    return _report(shaper, shaper.review.session.title, sections, now)


def item_report(shaper: Shaper, outcome: ItemOutcome, *, now: datetime) -> Report:
    """One item: its scores, comments and conflict record, and the rubric."""
    item = shaper.item(outcome)
    sections = [*item_sections(shaper, item), *rubric_sections(shaper, shaper.rubric)]
    return _report(shaper, f"#{item.position} {item.title}", sections, now)
