"""Demand and achievement CSV files: a round trip, Chinese headers, every bad row by line."""

from datetime import UTC, datetime

import pytest

from rooms.expert_csv import CsvError
from rooms.listing_csv import format_csv, parse_csv
from rooms.listings import DemandStatus, build_achievement, build_demand

NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


def errors_of(data: bytes, kind: str) -> list[tuple[int, str]]:
    with pytest.raises(CsvError) as caught:
        parse_csv(data, kind=kind)
    return [(row.line, row.error.code) for row in caught.value.rows]


def test_demand_round_trip_keeps_every_field_and_defuses_formulas() -> None:
    fields = {"title": "=HYPERLINK(\"x\")", "description": "一段\n\n两段", "disciplines": ["0805"],
              "enterprise": "华东", "industry": "汽车", "budget_min": 5, "budget_max": 9,
              "deadline": "2027-01-02", "contact": "+86 138", "public": True}  # fmt: skip
    made = build_demand(fields, demand_id="d1", org_id="o", created=NOW, now=NOW)

    text = format_csv([made], kind="demand")
    (row,) = parse_csv(text.encode(), kind="demand")

    assert text.startswith("\ufeffdemand_id,title,")
    assert "'=HYPERLINK" in text and "'+86 138" in text
    assert (row.line, row.listing_id, row.status) == (2, "d1", DemandStatus.OPEN)
    assert row.fields["title"] == '=HYPERLINK("x")' and row.fields["contact"] == "+86 138"
    assert row.fields["description"] == "一段\n\n两段" and row.fields["budget_max"] == 9


def test_achievement_file_with_chinese_headers_is_read() -> None:
    data = (
        "标题,描述,成熟度,转化方式,学科,专利\n"
        "再生技术,直接再生,6,许可;转让,材料科学与工程,CN1;CN2\n"
    )

    (row,) = parse_csv(data.encode("gb18030"), kind="achievement")

    assert row.listing_id == ""
    assert row.fields == {"title": "再生技术", "description": "直接再生", "trl": 6,
                          "transfer_modes": ("license", "transfer"), "disciplines": ("0805",),
                          "patents": ("CN1", "CN2")}  # fmt: skip


def test_every_bad_row_is_listed_by_its_line() -> None:
    data = (
        b"title,description,trl,transfer_modes,disciplines\n"
        b"ok,fine,5,license,0812\n"
        b"bad discipline,x,5,license,9999\n"
        b'"multi\nline",x,5,license,\n'
        b"no mode,x,5,,\n"
    )

    assert errors_of(data, "achievement") == [
        (3, "unknown_discipline"), (4, "invalid"), (6, "missing_field"),
    ]  # fmt: skip


def test_header_problems_and_repeated_ids_are_refused() -> None:
    assert errors_of(b"title,colour\nx,red\n", "demand") == [(1, "invalid"), (1, "invalid")]
    repeated = b"demand_id,title,description\nd1,a,b\nd1,c,d\n"
    assert errors_of(repeated, "demand") == [(3, "invalid")]


def test_achievement_export_lists_modes_and_flags() -> None:
    fields = {"title": "T", "description": "D", "trl": 3, "transfer_modes": ["joint", "license"],
              "contact_public": True}  # fmt: skip
    made = build_achievement(fields, achievement_id="a1", org_id="o", created=NOW, now=NOW)

    lines = format_csv([made], kind="achievement").splitlines()

    assert lines[1] == "a1,T,,D,3,,,license;joint,,yes,no"
