"""Expert CSV files, in and out.

A file (UTF-8, a BOM from Excel tolerated, GB18030 as Chinese Excel writes it accepted) has
the columns of ``CSV_COLUMNS`` (Chinese headers accepted too) with ``;``-separated lists, at
most ``MAX_CSV_ROWS`` rows. Each row is checked as a new expert would be; an import with any
bad row imports nothing: ``CsvError`` lists every bad row by its line number. An export
defuses spreadsheet formulas (``'`` before ``= + - @``) and an import undoes it.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from rooms.errors import DomainError
from rooms.experts import FIELDS, Expert, new_expert

CSV_COLUMNS = FIELDS
MAX_CSV_ROWS = 5000
MAX_CSV_BYTES = 2 * 1024 * 1024
_HEADER_ALIASES = {
    "姓名": "name", "职称": "title", "单位": "affiliation", "工作单位": "affiliation",
    "学科": "disciplines", "标签": "tags", "邮箱": "email", "电子邮箱": "email",
    "回避": "conflicts", "利益冲突": "conflicts",
}  # fmt: skip
_RISKY_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int  # where the row starts in the file, counting the header as line 1
    fields: dict[str, object]  # checked, normalized profile fields


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    error: DomainError


class CsvError(DomainError):
    """Rows of an import that were refused; nothing of the file was imported."""

    code = "invalid_rows"

    def __init__(self, rows: Iterable[RowError]) -> None:
        self.rows = tuple(sorted(rows, key=lambda row: row.line))
        super().__init__("Errors in the file: {count}. Nothing was imported.", count=len(self.rows))


def _decoded(data: bytes) -> str:
    if len(data) > MAX_CSV_BYTES:
        raise DomainError(
            "The file is larger than {n} MiB.", code="too_large", n=MAX_CSV_BYTES // 2**20
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise DomainError("The file is not UTF-8 text.", code="invalid_csv") from None


def _header(cells: list[str]) -> list[str]:
    columns = [_HEADER_ALIASES.get(c.strip(), c.strip().lower()) for c in cells]
    errors = [
        DomainError("Unknown column {name!r}.", name=c[:40])
        for c in columns
        if c not in CSV_COLUMNS
    ]
    errors += [
        DomainError("Column {name} is required.", name=c)
        for c in ("name", "email")
        if c not in columns
    ]
    if len(set(columns)) != len(columns):
        errors.append(DomainError("A column appears twice in the header."))
    if errors:
        raise CsvError(RowError(1, e) for e in errors)
    return columns


def _unescaped(cell: str) -> str:
    """Undo the formula guard of format_csv, so an export imports back unchanged."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_RISKY_START) else cell


def _row_fields(columns: list[str], cells: list[str]) -> dict[str, object]:
    if len(cells) > len(columns):
        raise DomainError(
            "The row has {n} cells but the header has {m} columns.", n=len(cells), m=len(columns)
        )
    raw = {column: _unescaped(cell) for column, cell in zip(columns, cells, strict=False)}
    checked = new_expert(expert_id="", org_id="", fields=raw, now=datetime.min)
    return {name: getattr(checked, name) for name in columns}


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    end = 0
    try:
        for cells in reader:
            start, end = end + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                yield start, cells
    except csv.Error as exc:
        error = DomainError("Unreadable CSV: {why}.", why=str(exc))
        raise CsvError([RowError(end + 1, error)]) from None


def parse_csv(data: bytes) -> list[CsvRow]:
    """The rows of an expert CSV file, each checked; CsvError lists every bad row."""
    records = _records(_decoded(data))
    header = next(records, None)
    if header is None:
        raise DomainError("The file is empty.", code="invalid_csv")
    columns = _header(header[1])
    rows: list[CsvRow] = []
    errors: list[RowError] = []
    for count, (line, cells) in enumerate(records, start=1):
        if count > MAX_CSV_ROWS:
            raise DomainError("The file has more than {n} rows.", code="too_many", n=MAX_CSV_ROWS)
        try:
            rows.append(CsvRow(line, _row_fields(columns, cells)))
        except DomainError as error:
            errors.append(RowError(line, error))
    errors += _repeated_emails(rows)
    if errors:
        raise CsvError(errors)
    return rows


def _repeated_emails(rows: list[CsvRow]) -> list[RowError]:
    first: dict[str, int] = {}
    errors = []
    for row in rows:
        email = str(row.fields["email"])
        if first.setdefault(email, row.line) != row.line:
            again = DomainError("{email} is also on line {first}.", email=email, first=first[email])
            errors.append(RowError(row.line, again))
    return errors


def _safe(cell: str) -> str:
    """A cell that a spreadsheet will not run as a formula."""
    return "'" + cell if cell.startswith(_RISKY_START) else cell


def format_csv(experts: Iterable[Expert]) -> str:
    """The experts as CSV text with a BOM (so Excel reads it as UTF-8), header first."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for expert in experts:
        cells = [getattr(expert, name) for name in CSV_COLUMNS]
        writer.writerow(_safe(c if isinstance(c, str) else ";".join(c)) for c in cells)
    return "\ufeff" + out.getvalue()
