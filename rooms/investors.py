"""The investor directory (投资人库), beside the expert pool: investors and enterprises with
their focus (disciplines, industries, stages), so staff can find them for a roadshow and
invite them as they invite experts.

An investor belongs to one organization; the e-mail is unique within it. Disciplines are
codes of ``rooms.disciplines``, industries free words, stages from ``Stage``.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from rooms.errors import DomainError
from rooms.experts import clean_disciplines, clean_email, collapse, fold
from rooms.limits import EMAIL_MAX, NAME_MAX


class InvestorKind(StrEnum):
    INVESTOR = "investor"  # 投资机构 / 投资人
    ENTERPRISE = "enterprise"  # 企业


class Stage(StrEnum):
    SEED = "seed"
    ANGEL = "angel"
    SERIES_A = "series_a"
    SERIES_B = "series_b"
    GROWTH = "growth"


FIELDS = ("name", "kind", "organization", "title", "email", "disciplines", "industries",
          "stages", "notes")  # fmt: skip
MAX_NAME, MAX_EMAIL, MAX_ORGANIZATION, MAX_TITLE = NAME_MAX, EMAIL_MAX, 200, 100
MAX_INDUSTRIES, MAX_INDUSTRY, MAX_NOTES = 10, 40, 1000
_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SPLIT = re.compile(r"[;；,，\n]")


@dataclass(frozen=True, slots=True)
class Investor:
    investor_id: str
    org_id: str
    name: str  # the person to invite
    kind: InvestorKind
    organization: str  # the fund or the enterprise
    title: str  # e.g. 合伙人 / Partner
    email: str
    disciplines: tuple[str, ...]
    industries: tuple[str, ...]
    stages: tuple[Stage, ...]
    notes: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class InvestorFilters:
    text: str = ""
    discipline: str = ""
    industry: str = ""
    stage: str = ""
    kind: str = ""


def _line(value: object, field: str, limit: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise DomainError("Field {field} must be text.", field=field)
    if _LINE_CONTROL.search(value.strip()):
        raise DomainError("Field {field} must be a single line of text.", field=field)
    text = collapse(value)
    if required and not text:
        raise DomainError("Field {field} is required.", code="missing_field", field=field)
    if len(text) > limit:
        raise DomainError(
            "Field {field} must have at most {n} characters.", code="too_long", field=field, n=limit
        )
    return text


def _words(value: object, field: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = _SPLIT.split(value)
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise DomainError("Field {field} must be a list of text.", field=field)
    return [collapse(v) for v in value if v.strip()]


def clean_industries(value: object) -> tuple[str, ...]:
    industries = [_line(v, "industries", MAX_INDUSTRY) for v in _words(value, "industries")]
    if len(industries) > MAX_INDUSTRIES:
        raise DomainError(
            "Field {field} takes at most {n} items.",
            code="too_many",
            field="industries",
            n=MAX_INDUSTRIES,
        )
    seen: dict[str, str] = {}
    for industry in industries:
        seen.setdefault(fold(industry), industry)
    return tuple(seen.values())


def clean_stages(value: object) -> tuple[Stage, ...]:
    stages = set()
    for text in _words(value, "stages"):
        try:
            stages.add(Stage(text.lower()))
        except ValueError:
            raise DomainError(
                "Unknown stage {name!r}; use seed, angel, series_a, series_b or growth.",
                code="unknown_stage",
                name=text[:40],
            ) from None
    return tuple(sorted(stages, key=list(Stage).index))


def clean_kind(value: object) -> InvestorKind:
    try:
        return InvestorKind(str(value or "investor").strip().lower())
    except ValueError:
        raise DomainError(
            "Unknown kind {name!r}; use investor or enterprise.",
            code="unknown_kind",
            name=str(value)[:40],
        ) from None


def build_investor(
    fields: Mapping[str, object], *, investor_id: str, org_id: str, created: datetime, now: datetime
) -> Investor:
    """A checked, normalized investor from raw fields; DomainError names the first bad one."""
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise DomainError("Unknown field: {names}.", code="unknown_field", names=", ".join(unknown))
    notes = fields.get("notes")
    return Investor(
        investor_id=investor_id,
        org_id=org_id,
        name=_line(fields.get("name"), "name", MAX_NAME, required=True),
        kind=clean_kind(fields.get("kind")),
        organization=_line(fields.get("organization"), "organization", MAX_ORGANIZATION),
        title=_line(fields.get("title"), "title", MAX_TITLE),
        email=clean_email(fields.get("email")),
        disciplines=clean_disciplines(fields.get("disciplines")),
        industries=clean_industries(fields.get("industries")),
        stages=clean_stages(fields.get("stages")),
        notes=_line(
            notes.replace("\n", " ") if isinstance(notes, str) else notes, "notes", MAX_NOTES
        ),
        created_at=created,
        updated_at=now,
    )


def fields_of(investor: Investor) -> dict[str, object]:
    return {name: getattr(investor, name) for name in FIELDS}


def edit_investor(investor: Investor, *, fields: Mapping[str, object], now: datetime) -> Investor:
    merged = {**fields_of(investor), **fields}
    return build_investor(
        merged,
        investor_id=investor.investor_id,
        org_id=investor.org_id,
        created=investor.created_at,
        now=now,
    )


def passes(investor: Investor, filters: InvestorFilters) -> bool:
    """Whether the investor is in the filters' discipline, industry, stage and kind, and
    holds every word of their text in name, organization, title, email or industries."""
    haystack = fold("\n".join((investor.name, investor.organization, investor.title,
                               investor.email, *investor.industries)))  # fmt: skip
    return (
        (not filters.discipline or filters.discipline in investor.disciplines)
        and (not filters.industry or fold(filters.industry) in map(fold, investor.industries))
        and (not filters.stage or filters.stage in investor.stages)
        and (not filters.kind or filters.kind == investor.kind.value)
        and all(word in haystack for word in fold(filters.text).split())
    )


def sort_key(investor: Investor) -> tuple[str, str]:
    return fold(investor.name), investor.investor_id
