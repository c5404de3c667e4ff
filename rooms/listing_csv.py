"""Demand and achievement CSV files, in and out, as the expert pool's (``rooms.expert_csv``:
UTF-8 with or without a BOM, or GB18030; ``;``-separated lists; formulas defused on the way
out and restored on the way in; at most ``MAX_CSV_ROWS`` rows).

The first column is the entry's id: a row with the id of an entry of the organization
updates it, a row with no id adds one. Every row is checked as a new entry would be, and a
file with any bad row imports nothing: ``CsvError`` lists every bad row by its line.
"""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from rooms.errors import DomainError
from rooms.expert_csv import MAX_CSV_ROWS, CsvError, RowError
from rooms.expert_csv import _decoded as decoded
from rooms.expert_csv import _records as records
from rooms.expert_csv import _safe as safe
from rooms.expert_csv import _unescaped as unescaped
from rooms.listings import (
    ACHIEVEMENT_FIELDS,
    DEMAND_FIELDS,
    Achievement,
    Demand,
    DemandStatus,
    Listing,
    build_achievement,
    build_demand,
    clean_status,
)

DEMAND_COLUMNS = ("demand_id", *DEMAND_FIELDS, "status")
ACHIEVEMENT_COLUMNS = ("achievement_id", *ACHIEVEMENT_FIELDS)
_ALIASES = {
    "编号": "id", "标题": "title", "名称": "title", "企业": "enterprise", "需求单位": "enterprise",
    "描述": "description", "简介": "description", "学科": "disciplines", "行业": "industry",
    "预算下限": "budget_min", "预算上限": "budget_max", "截止日期": "deadline",
    "联系方式": "contact", "公开联系方式": "contact_public", "公开": "public", "状态": "status",
    "联系方式可见人": "contact_shared",
    "持有单位": "holder", "成熟度": "trl", "专利": "patents", "转化方式": "transfer_modes",
}  # fmt: skip
_REQUIRED = {"demand": ("title", "description"), "achievement": ("title", "description", "trl")}


@dataclass(frozen=True, slots=True)
class ListingRow:
    line: int  # where the row starts in the file, the header being line 1
    listing_id: str  # "" for a new entry
    fields: dict[str, object]  # the row's fields, checked
    status: DemandStatus | None  # a demand's status column, if the file has one


def _header(cells: list[str], kind: str) -> list[str]:
    columns = DEMAND_COLUMNS if kind == "demand" else ACHIEVEMENT_COLUMNS
    names = [_ALIASES.get(c.strip(), c.strip().lower()) for c in cells]
    names = [columns[0] if name == "id" else name for name in names]
    errors = [
        DomainError("Unknown column {name!r}.", name=c[:40]) for c in names if c not in columns
    ]
    errors += [
        DomainError("Column {name} is required.", name=c) for c in _REQUIRED[kind] if c not in names
    ]
    if len(set(names)) != len(names):
        errors.append(DomainError("A column appears twice in the header."))
    if errors:
        raise CsvError(RowError(1, e) for e in errors)
    return names


def _row(kind: str, line: int, columns: list[str], cells: list[str]) -> ListingRow:
    if len(cells) > len(columns):
        raise DomainError(
            "The row has {n} cells but the header has {m} columns.", n=len(cells), m=len(columns)
        )
    raw: dict[str, object] = {c: unescaped(cell) for c, cell in zip(columns, cells, strict=False)}
    listing_id = str(raw.pop(f"{kind}_id", "")).strip()
    status_cell = str(raw.pop("status", "")).strip()
    status = clean_status(status_cell) if status_cell else None
    if kind == "demand":
        checked: Listing = build_demand(raw, demand_id="", org_id="", created=_ZERO, now=_ZERO)
    else:
        checked = build_achievement(raw, achievement_id="", org_id="", created=_ZERO, now=_ZERO)
    return ListingRow(line, listing_id, {name: getattr(checked, name) for name in raw}, status)


_ZERO = datetime.min


def parse_csv(data: bytes, *, kind: str) -> list[ListingRow]:
    """The rows of a demand or achievement CSV file, each checked; CsvError lists every bad
    row (a repeated id too)."""
    rows_in = records(decoded(data))
    header = next(rows_in, None)
    if header is None:
        raise DomainError("The file is empty.", code="invalid_csv")
    columns = _header(header[1], kind)
    rows: list[ListingRow] = []
    errors: list[RowError] = []
    first: dict[str, int] = {}
    for count, (line, cells) in enumerate(rows_in, start=1):
        if count > MAX_CSV_ROWS:
            raise DomainError("The file has more than {n} rows.", code="too_many", n=MAX_CSV_ROWS)
        try:
            row = _row(kind, line, columns, cells)
        except DomainError as error:
            errors.append(RowError(line, error))
            continue
        if row.listing_id and first.setdefault(row.listing_id, line) != line:
            again = DomainError(
                "Id {id} is also on line {first}.", id=row.listing_id, first=first[row.listing_id]
            )
            errors.append(RowError(line, again))
        rows.append(row)
    if errors:
        raise CsvError(errors)
    return rows


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return ";".join(str(v) for v in value)
    return str(value)


def format_csv(listings: Iterable[Listing], *, kind: str) -> str:
    """The entries as CSV text with a BOM (Excel reads it as UTF-8), header first."""
    columns = DEMAND_COLUMNS if kind == "demand" else ACHIEVEMENT_COLUMNS
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for listing in listings:
        assert isinstance(listing, Demand if kind == "demand" else Achievement)
        writer.writerow(safe(_cell(getattr(listing, name))) for name in columns)
    return "\ufeff" + out.getvalue()
