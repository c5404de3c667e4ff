"""The expert pool (专家库): an expert's record, its checks, and conflicts of interest.

An expert belongs to one organization. Disciplines are codes from the discipline list
(``rooms.disciplines``); tags are free. Declared conflicts are typed:
``expert:<expert_id>``, ``org:<name>``, ``project:<name>``; working for an organization is a
conflict with it too (``conflict_reasons``). CSV in and out is ``rooms.expert_csv``.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from rooms.accounts import normalize_email
from rooms.disciplines import discipline_code
from rooms.errors import DomainError
from rooms.limits import EMAIL_MAX, NAME_MAX

FIELDS = ("name", "title", "affiliation", "disciplines", "tags", "email", "conflicts")
CONFLICT_TYPES = ("expert", "org", "project")
MAX_NAME, MAX_EMAIL = NAME_MAX, EMAIL_MAX  # rooms/limits.py: the same for every person
MAX_TITLE, MAX_AFFILIATION = 100, 200
MAX_DISCIPLINES, MAX_TAGS, MAX_TAG, MAX_CONFLICTS, MAX_CONFLICT = 10, 20, 40, 50, 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
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
    """The site's one e-mail rule (``rooms.accounts.normalize_email``)."""
    return normalize_email(_text(value, "email", MAX_EMAIL, required=True))


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
