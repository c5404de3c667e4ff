"""The expert pool (专家库): expert profiles, the discipline list, conflicts, CSV in and out.

An expert belongs to one organization. Disciplines come from a controlled list (China's
一级学科, by their official four-digit codes, short form); tags are free. Declared conflicts
are typed: ``expert:<expert_id>``, ``org:<name>``, ``project:<name>``.

A CSV file (UTF-8, a BOM from Excel tolerated, GB18030 as Chinese Excel writes it accepted)
has the columns of ``CSV_COLUMNS`` with ``;``-separated lists. An import with any bad row
imports nothing: ``CsvError`` lists every bad row by its line number.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from rooms.errors import DomainError


@dataclass(frozen=True, slots=True)
class Discipline:
    code: str  # stable: the official code of the 一级学科
    zh: str
    en: str

    @property
    def group(self) -> str:
        return self.code[:2]  # the 学科门类

    def label(self, lang: str) -> str:
        return self.zh if lang.startswith("zh") else self.en


D = Discipline
GROUPS: dict[str, Discipline] = {  # 学科门类, keyed by their two-digit code
    g.code: g
    for g in (
        D("01", "哲学", "Philosophy"), D("02", "经济学", "Economics"), D("03", "法学", "Law"),
        D("04", "教育学", "Education"), D("05", "文学", "Literature"), D("06", "历史学", "History"),
        D("07", "理学", "Natural Sciences"), D("08", "工学", "Engineering"),
        D("09", "农学", "Agriculture"), D("10", "医学", "Medicine"),
        D("12", "管理学", "Management"), D("13", "艺术学", "Arts"),
        D("14", "交叉学科", "Interdisciplinary"),
    )
}  # fmt: skip
DISCIPLINES: tuple[Discipline, ...] = (  # 一级学科, a short list
    D("0101", "哲学", "Philosophy"), D("0201", "理论经济学", "Theoretical Economics"),
    D("0202", "应用经济学", "Applied Economics"), D("0301", "法学", "Law"),
    D("0303", "社会学", "Sociology"), D("0401", "教育学", "Education"),
    D("0402", "心理学", "Psychology"),
    D("0501", "中国语言文学", "Chinese Language and Literature"),
    D("0503", "新闻传播学", "Journalism and Communication"),
    D("0602", "中国史", "Chinese History"), D("0701", "数学", "Mathematics"),
    D("0702", "物理学", "Physics"), D("0703", "化学", "Chemistry"),
    D("0704", "天文学", "Astronomy"), D("0705", "地理学", "Geography"),
    D("0706", "大气科学", "Atmospheric Sciences"), D("0707", "海洋科学", "Marine Sciences"),
    D("0709", "地质学", "Geology"), D("0710", "生物学", "Biology"), D("0713", "生态学", "Ecology"),
    D("0714", "统计学", "Statistics"), D("0801", "力学", "Mechanics"),
    D("0802", "机械工程", "Mechanical Engineering"),
    D("0805", "材料科学与工程", "Materials Science and Engineering"),
    D("0807", "动力工程及工程热物理", "Power and Thermal Engineering"),
    D("0808", "电气工程", "Electrical Engineering"),
    D("0810", "信息与通信工程", "Information and Communication Engineering"),
    D("0811", "控制科学与工程", "Control Science and Engineering"),
    D("0812", "计算机科学与技术", "Computer Science and Technology"),
    D("0814", "土木工程", "Civil Engineering"),
    D("0817", "化学工程与技术", "Chemical Engineering and Technology"),
    D("0825", "航空宇航科学与技术", "Aeronautics and Astronautics"),
    D("0830", "环境科学与工程", "Environmental Science and Engineering"),
    D("0831", "生物医学工程", "Biomedical Engineering"),
    D("0839", "网络空间安全", "Cyberspace Security"), D("0901", "作物学", "Crop Science"),
    D("1001", "基础医学", "Basic Medicine"), D("1002", "临床医学", "Clinical Medicine"),
    D("1004", "公共卫生与预防医学", "Public Health and Preventive Medicine"),
    D("1007", "药学", "Pharmacy"),
    D("1201", "管理科学与工程", "Management Science and Engineering"),
    D("1202", "工商管理", "Business Administration"),
    D("1204", "公共管理", "Public Administration"), D("1301", "艺术学", "Art Studies"),
    D("1401", "集成电路科学与工程", "Integrated Circuit Science and Engineering"),
)  # fmt: skip
_BY_CODE = {d.code: d for d in DISCIPLINES}
_BY_LABEL = {label.casefold(): d.code for d in DISCIPLINES for label in (d.zh, d.en)}

FIELDS = ("name", "title", "affiliation", "disciplines", "tags", "email", "conflicts")
CONFLICT_TYPES = ("expert", "org", "project")
MAX_NAME, MAX_TITLE, MAX_AFFILIATION, MAX_EMAIL = 100, 100, 200, 254
MAX_DISCIPLINES, MAX_TAGS, MAX_TAG, MAX_CONFLICTS, MAX_CONFLICT = 10, 20, 40, 50, 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s;,/]{1,64}@[^@\s;,/]+\.[^@\s;,/]+$")
_EXPERT_ID = r"[A-Za-z0-9_-]{1,64}"
_NAMED = "|".join(kind for kind in CONFLICT_TYPES if kind != "expert")
# a declared conflict as it is stored (clean_conflict tidies the type's case and the spaces)
CONFLICT = rf"expert:{_EXPERT_ID}|(?:{_NAMED}):[^\x00-\x1f\x7f]{{1,{MAX_CONFLICT}}}"
_CONFLICT = re.compile(CONFLICT)
_LIST_SPLIT = re.compile(r"[;；\n]")
_TAG_SPLIT = re.compile(r"[;；,，\n]")


@dataclass(frozen=True, slots=True)
class Expert:
    expert_id: str
    org_id: str
    name: str
    title: str  # 职称, e.g. 教授 / Professor
    affiliation: str
    disciplines: tuple[str, ...]  # codes from DISCIPLINES, first = main discipline
    tags: tuple[str, ...]
    email: str  # lower case, unique within the organization
    conflicts: tuple[str, ...]  # "expert:<expert_id>", "org:<name>", "project:<name>"
    created_at: datetime
    updated_at: datetime


def discipline(code: str) -> Discipline:
    if code not in _BY_CODE:
        raise DomainError("Unknown discipline {name!r}.", code="unknown_discipline", name=code)
    return _BY_CODE[code]


def discipline_code(text: str) -> str:
    """A discipline's code from its code or its Chinese or English label (any case)."""
    text = collapse(text)
    code = text if text in _BY_CODE else _BY_LABEL.get(text.casefold())
    if code is None:
        raise DomainError(
            "Unknown discipline {name!r}; use a code or a name from the discipline list.",
            code="unknown_discipline",
            name=text[:60],
        )
    return code


def collapse(text: str) -> str:
    """Whitespace runs to one space, ends trimmed."""
    return " ".join(text.split())


def fold(text: str) -> str:
    """The form two strings are compared in: collapsed, case folded."""
    return collapse(text).casefold()


def affiliation_key(affiliation: str) -> str:
    return fold(affiliation)


def _text(value: object, field: str, limit: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise DomainError("Field {field} must be text.", field=field)
    if _CONTROL.search(value.strip()):
        raise DomainError("Field {field} must be a single line of text.", field=field)
    text = collapse(value)
    if required and not text:
        raise DomainError("Field {field} is required.", code="missing_field", field=field)
    if len(text) > limit:
        raise DomainError(
            "Field {field} must have at most {n} characters.", code="too_long", field=field, n=limit
        )
    return text


def _items(value: object, field: str, split: re.Pattern[str], limit: int) -> list[str]:
    """A list given as a list of strings or as one string with separators; blanks dropped."""
    if value is None:
        return []
    if isinstance(value, str):
        value = split.split(value)
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise DomainError("Field {field} must be a list of text.", field=field)
    items = [collapse(v) for v in value if v.strip()]
    for item in items:
        if _CONTROL.search(item):
            raise DomainError("Field {field} must be a single line of text.", field=field)
        if split.search(item):
            raise DomainError(
                "Field {field}: {item!r} holds a separator; enter it as separate items.",
                code="invalid_item",
                field=field,
                item=item[:60],
            )
    if len(items) > limit:
        raise DomainError(
            "Field {field} takes at most {n} items.", code="too_many", field=field, n=limit
        )
    return items


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for item in items:
        seen.setdefault(item.casefold(), item)
    return tuple(seen.values())


def clean_disciplines(value: object) -> tuple[str, ...]:
    items = _items(value, "disciplines", _LIST_SPLIT, MAX_DISCIPLINES)
    return _unique(discipline_code(item) for item in items)


def clean_tags(value: object) -> tuple[str, ...]:
    tags = _items(value, "tags", _TAG_SPLIT, MAX_TAGS)
    for tag in tags:
        if len(tag) > MAX_TAG:
            raise DomainError("A tag has at most {n} characters.", code="too_long", n=MAX_TAG)
    return _unique(tags)


def clean_email(value: object) -> str:
    email = _text(value, "email", MAX_EMAIL, required=True).lower()
    if not _EMAIL.match(email):
        raise DomainError(
            "{email!r} is not an email address.", code="invalid_email", email=email[:60]
        )
    return email


def clean_conflict(text: str) -> str:
    """'org: Tsinghua  University' -> 'org:Tsinghua University'; refuses unknown types."""
    kind, sep, value = text.partition(":")
    kind, value = kind.strip().lower(), collapse(value)
    if not sep or kind not in CONFLICT_TYPES or not value:
        raise DomainError(
            "Conflict {text!r} must look like expert:<expert id>, org:<name> or project:<name>.",
            code="invalid_conflict",
            text=text[:60],
        )
    conflict = f"{kind}:{value}"
    if _CONFLICT.fullmatch(conflict):
        return conflict
    if kind == "expert":
        raise DomainError(
            "{value!r} is not an expert id.", code="invalid_conflict", value=value[:60]
        )
    raise DomainError(
        "A conflict's name must be one line of at most {n} characters.",
        code="invalid_conflict",
        n=MAX_CONFLICT,
    )


def clean_conflicts(value: object, *, expert_id: str = "") -> tuple[str, ...]:
    conflicts = _unique(
        clean_conflict(c) for c in _items(value, "conflicts", _LIST_SPLIT, MAX_CONFLICTS)
    )
    if expert_id and f"expert:{expert_id}" in conflicts:
        raise DomainError("An expert cannot conflict with themselves.", code="invalid_conflict")
    return conflicts


def fields_of(expert: Expert) -> dict[str, object]:
    return {name: getattr(expert, name) for name in FIELDS}


def _built(
    fields: Mapping[str, object], *, expert_id: str, org_id: str, created: datetime, now: datetime
) -> Expert:
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise DomainError("Unknown field: {names}.", code="unknown_field", names=", ".join(unknown))
    return Expert(
        expert_id=expert_id,
        org_id=org_id,
        name=_text(fields.get("name"), "name", MAX_NAME, required=True),
        title=_text(fields.get("title"), "title", MAX_TITLE),
        affiliation=_text(fields.get("affiliation"), "affiliation", MAX_AFFILIATION),
        disciplines=clean_disciplines(fields.get("disciplines")),
        tags=clean_tags(fields.get("tags")),
        email=clean_email(fields.get("email")),
        conflicts=clean_conflicts(fields.get("conflicts"), expert_id=expert_id),
        created_at=created,
        updated_at=now,
    )


def new_expert(
    *, expert_id: str, org_id: str, fields: Mapping[str, object], now: datetime
) -> Expert:
    """A checked, normalized expert from raw fields; DomainError names the first bad one."""
    return _built(fields, expert_id=expert_id, org_id=org_id, created=now, now=now)


def edit_expert(expert: Expert, *, fields: Mapping[str, object], now: datetime) -> Expert:
    """The expert with some fields replaced, checked again as a whole."""
    merged = {**fields_of(expert), **fields}
    return _built(
        merged, expert_id=expert.expert_id, org_id=expert.org_id, created=expert.created_at, now=now
    )


def _many(values: Iterable[str] | str) -> list[str]:
    return [values] if isinstance(values, str) else list(values)


def conflict_reasons(
    expert: Expert,
    *,
    expert_ids: Iterable[str] | str = (),
    orgs: Iterable[str] | str = (),
    projects: Iterable[str] | str = (),
) -> list[str]:
    """The expert's conflicts with these experts, organizations and projects, as typed
    strings. Working for one of the organizations (by affiliation) is a conflict too."""
    wanted = {f"expert:{i.strip()}" for i in _many(expert_ids) if i.strip() != expert.expert_id}
    wanted |= {f"org:{fold(o)}" for o in _many(orgs)}
    wanted |= {f"project:{fold(p)}" for p in _many(projects)}
    reasons = [c for c in expert.conflicts if _conflict_key(c) in wanted]
    if expert.affiliation and f"org:{affiliation_key(expert.affiliation)}" in wanted:
        affiliated = f"org:{expert.affiliation}"
        reasons += [] if _conflict_key(affiliated) in map(_conflict_key, reasons) else [affiliated]
    return reasons


def _conflict_key(conflict: str) -> str:
    kind, _, value = conflict.partition(":")
    return conflict if kind == "expert" else f"{kind}:{fold(value)}"


def has_conflict(
    expert: Expert,
    *,
    expert_ids: Iterable[str] | str = (),
    orgs: Iterable[str] | str = (),
    projects: Iterable[str] | str = (),
) -> bool:
    """Whether the expert must stay out of a panel with these experts, organizations, projects."""
    return bool(conflict_reasons(expert, expert_ids=expert_ids, orgs=orgs, projects=projects))


def matches_text(expert: Expert, text: str) -> bool:
    """Every word of text appears in the expert's name, title, affiliation, tags or email."""
    haystack = fold("\n".join((expert.name, expert.title, expert.affiliation, expert.email)))
    haystack += "\n" + "\n".join(fold(tag) for tag in expert.tags)
    return all(word in haystack for word in fold(text).split())


def sort_key(expert: Expert) -> tuple[str, str]:
    return fold(expert.name), expert.expert_id


# CSV import and export

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
