"""The demand library (需求库) and the achievement library (成果库): their entries, the
listings, and the checks of their fields.

A **demand** is an enterprise's technology need; an **achievement** a research result
offered for transfer. Both belong to one organization, are classified by discipline codes
(``rooms.disciplines``), carry a contact that only the organization's staff see unless the
entry's ``contact_public`` switch is on, and show on the public pages only when ``public``.
A demand's status moves open → matched → closed (or straight to closed); an achievement has
a maturity (TRL 1-9) and the transfer modes its holder offers. CSV in and out is
``rooms.listing_csv``; search and matching are ``rooms.relevance`` and ``rooms.matching``.
"""

import dataclasses
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from rooms.accounts import normalize_email
from rooms.errors import DomainError
from rooms.experts import clean_disciplines, collapse
from rooms.limits import DESCRIPTION_MAX, TITLE_MAX


class DemandStatus(StrEnum):
    OPEN = "open"
    MATCHED = "matched"
    CLOSED = "closed"


class TransferMode(StrEnum):
    LICENSE = "license"  # 许可
    TRANSFER = "transfer"  # 转让
    JOINT = "joint"  # 合作开发 joint development


NEXT_STATUS = {
    DemandStatus.OPEN: (DemandStatus.MATCHED, DemandStatus.CLOSED),
    DemandStatus.MATCHED: (DemandStatus.CLOSED,),
    DemandStatus.CLOSED: (),
}
MAX_PARTY, MAX_INDUSTRY, MAX_CONTACT = 200, 100, 300
MAX_PATENTS, MAX_PATENT = 20, 60
MAX_SHARED = 50  # people a demand's enterprise lets see its contact
MAX_BUDGET = 10_000_000  # 万元 (ten thousand yuan): a budget is entered in these
TRL_MIN, TRL_MAX = 1, 9
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # tabs and newlines allowed in a description
_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LIST_SPLIT = re.compile(r"[;；\n]")
DEMAND_FIELDS = (
    "title", "enterprise", "description", "disciplines", "industry", "budget_min",
    "budget_max", "deadline", "contact", "contact_public", "public", "contact_shared",
)  # fmt: skip
ACHIEVEMENT_FIELDS = (
    "title", "holder", "description", "trl", "patents", "disciplines", "transfer_modes",
    "contact", "contact_public", "public",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Demand:
    demand_id: str
    org_id: str
    title: str
    enterprise: str  # the enterprise that has the need
    description: str
    disciplines: tuple[str, ...]
    industry: str
    budget_min: int | None  # 万元
    budget_max: int | None
    deadline: date | None
    contact: str
    contact_public: bool
    public: bool
    status: DemandStatus
    created_at: datetime
    updated_at: datetime
    # the e-mail addresses of those the enterprise approved to see the contact (signed in)
    contact_shared: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Achievement:
    achievement_id: str
    org_id: str
    title: str
    holder: str  # the university, institute or team that owns it
    description: str
    trl: int  # technology readiness level, 1-9
    patents: tuple[str, ...]  # patent numbers, e.g. CN202310012345.6
    disciplines: tuple[str, ...]
    transfer_modes: tuple[TransferMode, ...]
    contact: str
    contact_public: bool
    public: bool
    created_at: datetime
    updated_at: datetime


Listing = Demand | Achievement


@dataclass(frozen=True, slots=True)
class PitchCard:
    """What a roadshow slot shows of the achievement it pitches."""

    achievement_id: str
    title: str
    holder: str
    trl: int
    disciplines: tuple[str, ...]
    transfer_modes: tuple[TransferMode, ...]
    patents: int
    summary: str  # the description's start, at most SUMMARY_MAX characters


SUMMARY_MAX = 140


def listing_id(listing: Listing) -> str:
    return listing.demand_id if isinstance(listing, Demand) else listing.achievement_id


def _text(value: object, field: str, limit: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise DomainError("Field {field} must be text.", field=field)
    if _LINE_CONTROL.search(value.strip()):
        raise DomainError("Field {field} must be a single line of text.", field=field)
    return _limited(collapse(value), field, limit, required=required)


def _limited(text: str, field: str, limit: int, *, required: bool) -> str:
    if required and not text:
        raise DomainError("Field {field} is required.", code="missing_field", field=field)
    if len(text) > limit:
        raise DomainError(
            "Field {field} must have at most {n} characters.", code="too_long", field=field, n=limit
        )
    return text


def clean_description(value: object) -> str:
    """Paragraphs kept (one blank line between them at most), spaces in lines collapsed."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise DomainError("Field {field} must be text.", field="description")
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if _CONTROL.search(value):
        raise DomainError("Field {field} holds control characters.", field="description")
    lines = [collapse(line) for line in value.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return _limited(text, "description", DESCRIPTION_MAX, required=True)


def _flag(value: object, field: str) -> bool:
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().casefold()
    if text in ("", "0", "no", "false", "否", "n"):
        return False
    if text in ("1", "yes", "true", "是", "y"):
        return True
    raise DomainError("Field {field} must be yes or no.", code="invalid_flag", field=field)


def _whole(value: object, field: str, low: int, high: int) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"\s*[0-9]{1,9}\s*", value):
        number = int(value)
    if number is None or not low <= number <= high:
        raise DomainError(
            "Field {field} must be a whole number from {low} to {high}.",
            code="out_of_range",
            field=field,
            low=low,
            high=high,
        )
    return number


def clean_trl(value: object) -> int:
    trl = _whole(value, "trl", TRL_MIN, TRL_MAX)
    if trl is None:
        raise DomainError("Field {field} is required.", code="missing_field", field="trl")
    return trl


def clean_deadline(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise DomainError("Field {field} must be text.", field="deadline")
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise DomainError(
            "The deadline must be a date like 2027-06-30.", code="invalid_date"
        ) from None


def _list(value: object, field: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = _LIST_SPLIT.split(value)
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise DomainError("Field {field} must be a list of text.", field=field)
    return [collapse(v) for v in value if v.strip()]


def clean_patents(value: object) -> tuple[str, ...]:
    patents = _list(value, "patents")
    if len(patents) > MAX_PATENTS:
        raise DomainError(
            "Field {field} takes at most {n} items.",
            code="too_many",
            field="patents",
            n=MAX_PATENTS,
        )
    for patent in patents:
        _text(patent, "patents", MAX_PATENT)
    return tuple(dict.fromkeys(patents))


def clean_transfer_modes(value: object) -> tuple[TransferMode, ...]:
    modes = []
    for text in _list(value, "transfer_modes"):
        mode = _TRANSFER_ALIASES.get(text.casefold())
        if mode is None:
            raise DomainError(
                "Unknown transfer mode {name!r}; use license, transfer or joint.",
                code="unknown_transfer_mode",
                name=text[:40],
            )
        modes.append(mode)
    if not modes:
        raise DomainError("Choose at least one transfer mode.", code="missing_field")
    return tuple(sorted(set(modes), key=list(TransferMode).index))


_TRANSFER_ALIASES = {
    **{mode.value: mode for mode in TransferMode},
    "许可": TransferMode.LICENSE, "转让": TransferMode.TRANSFER,
    "合作开发": TransferMode.JOINT, "joint development": TransferMode.JOINT,
}  # fmt: skip


def clean_shared(value: object) -> tuple[str, ...]:
    """E-mail addresses (a list, or text split at ; or new lines), each once, lower case."""
    if value in (None, ""):
        return ()
    items = _LIST_SPLIT.split(value) if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        raise DomainError(
            "{field} must be a list of e-mail addresses.", code="invalid_field",
            field="contact_shared",
        )  # fmt: skip
    emails = list(dict.fromkeys(normalize_email(i) for i in items if i.strip()))
    if len(emails) > MAX_SHARED:
        raise DomainError(
            "The contact can be shared with at most {most} people.", code="too_many",
            most=MAX_SHARED,
        )  # fmt: skip
    return tuple(emails)


def _unknown(fields: Mapping[str, object], known: tuple[str, ...]) -> None:
    unknown = sorted(set(fields) - set(known))
    if unknown:
        raise DomainError("Unknown field: {names}.", code="unknown_field", names=", ".join(unknown))


def _budget(fields: Mapping[str, object]) -> tuple[int | None, int | None]:
    low = _whole(fields.get("budget_min"), "budget_min", 0, MAX_BUDGET)
    high = _whole(fields.get("budget_max"), "budget_max", 0, MAX_BUDGET)
    if low is not None and high is not None and low > high:
        raise DomainError("The budget's lower end is above its upper end.", code="invalid_budget")
    return low, high


def build_demand(
    fields: Mapping[str, object],
    *,
    demand_id: str,
    org_id: str,
    status: DemandStatus = DemandStatus.OPEN,
    created: datetime,
    now: datetime,
) -> Demand:
    """A checked, normalized demand from raw fields; DomainError names the first bad one."""
    _unknown(fields, DEMAND_FIELDS)
    low, high = _budget(fields)
    return Demand(
        demand_id=demand_id,
        org_id=org_id,
        title=_text(fields.get("title"), "title", TITLE_MAX, required=True),
        enterprise=_text(fields.get("enterprise"), "enterprise", MAX_PARTY),
        description=clean_description(fields.get("description")),
        disciplines=clean_disciplines(fields.get("disciplines")),
        industry=_text(fields.get("industry"), "industry", MAX_INDUSTRY),
        budget_min=low,
        budget_max=high,
        deadline=clean_deadline(fields.get("deadline")),
        contact=_text(fields.get("contact"), "contact", MAX_CONTACT),
        contact_public=_flag(fields.get("contact_public"), "contact_public"),
        public=_flag(fields.get("public"), "public"),
        status=status,
        created_at=created,
        updated_at=now,
        contact_shared=clean_shared(fields.get("contact_shared")),
    )


def build_achievement(
    fields: Mapping[str, object],
    *,
    achievement_id: str,
    org_id: str,
    created: datetime,
    now: datetime,
) -> Achievement:
    """A checked, normalized achievement from raw fields; DomainError names the first bad one."""
    _unknown(fields, ACHIEVEMENT_FIELDS)
    return Achievement(
        achievement_id=achievement_id,
        org_id=org_id,
        title=_text(fields.get("title"), "title", TITLE_MAX, required=True),
        holder=_text(fields.get("holder"), "holder", MAX_PARTY),
        description=clean_description(fields.get("description")),
        trl=clean_trl(fields.get("trl")),
        patents=clean_patents(fields.get("patents")),
        disciplines=clean_disciplines(fields.get("disciplines")),
        transfer_modes=clean_transfer_modes(fields.get("transfer_modes")),
        contact=_text(fields.get("contact"), "contact", MAX_CONTACT),
        contact_public=_flag(fields.get("contact_public"), "contact_public"),
        public=_flag(fields.get("public"), "public"),
        created_at=created,
        updated_at=now,
    )


def fields_of(listing: Listing) -> dict[str, object]:
    names = DEMAND_FIELDS if isinstance(listing, Demand) else ACHIEVEMENT_FIELDS
    return {name: getattr(listing, name) for name in names}


def edit_listing(listing: Listing, *, fields: Mapping[str, object], now: datetime) -> Listing:
    """The listing with some fields replaced, checked again as a whole."""
    merged = {**fields_of(listing), **fields}
    if isinstance(listing, Demand):
        return build_demand(
            merged,
            demand_id=listing.demand_id,
            org_id=listing.org_id,
            status=listing.status,
            created=listing.created_at,
            now=now,
        )
    return build_achievement(
        merged,
        achievement_id=listing.achievement_id,
        org_id=listing.org_id,
        created=listing.created_at,
        now=now,
    )


def clean_status(value: object) -> DemandStatus:
    try:
        return DemandStatus(str(value).strip().lower())
    except ValueError:
        raise DomainError(
            "Unknown status {name!r}; use open, matched or closed.",
            code="unknown_status",
            name=str(value)[:40],
        ) from None


def change_status(demand: Demand, status: object, *, now: datetime) -> Demand:
    """The demand in its next status; a step back or a repeat is refused."""
    new = clean_status(status)
    if new not in NEXT_STATUS[demand.status]:
        raise DomainError(
            "A demand's status only moves on: open, then matched, then closed.",
            code="invalid_status_change",
        )
    return _replace_status(demand, new, now)


def _replace_status(demand: Demand, status: DemandStatus, now: datetime) -> Demand:
    return dataclasses.replace(demand, status=status, updated_at=now)


def with_status(demand: Demand, status: DemandStatus, *, now: datetime) -> Demand:
    """The demand in any status (an import sets it as the file says)."""
    return demand if demand.status == status else _replace_status(demand, status, now)


def shown_contact(
    listing: Listing, *, staff: bool, viewer: str = "", invited: Collection[str] = ()
) -> str:
    """The contact a viewer may read: staff of the organization always, others when the
    entry's contact is public, or (a demand) when the enterprise approved them: ``viewer``,
    the signed-in person's e-mail address, or one of ``invited``, the addresses of the
    invites to the organization's sessions this browser holds."""
    addresses = {a for a in (viewer, *invited) if a}
    shared = isinstance(listing, Demand) and not addresses.isdisjoint(listing.contact_shared)
    return listing.contact if staff or listing.contact_public or shared else ""


def pitch_card(achievement: Achievement) -> PitchCard:
    first = achievement.description.split("\n\n")[0]
    summary = first if len(first) <= SUMMARY_MAX else first[: SUMMARY_MAX - 1].rstrip() + "…"
    return PitchCard(
        achievement_id=achievement.achievement_id,
        title=achievement.title,
        holder=achievement.holder,
        trl=achievement.trl,
        disciplines=achievement.disciplines,
        transfer_modes=achievement.transfer_modes,
        patents=len(achievement.patents),
        summary=summary,
    )


def search_text(listing: Listing) -> tuple[str, str]:
    """The text a listing is found by: its title, and its body (everything else worded)."""
    party = listing.enterprise if isinstance(listing, Demand) else listing.holder
    extra = listing.industry if isinstance(listing, Demand) else " ".join(listing.patents)
    return listing.title, "\n".join(p for p in (listing.description, party, extra) if p)


@dataclass(frozen=True, slots=True)
class Filters:
    """What a library's list is narrowed to; empty values leave a filter off."""

    discipline: str = ""  # a discipline code
    industry: str = ""  # demands: exact, any case
    status: str = ""  # demands: a DemandStatus value
    trl_min: int = 0  # achievements: at least this mature
    transfer_mode: str = ""  # achievements: a TransferMode value


def passes(listing: Listing, filters: Filters) -> bool:
    if filters.discipline and filters.discipline not in listing.disciplines:
        return False
    if isinstance(listing, Demand):
        industry = filters.industry.casefold()
        return (not industry or listing.industry.casefold() == industry) and (
            not filters.status or listing.status.value == filters.status
        )
    modes = {mode.value for mode in listing.transfer_modes}
    return listing.trl >= filters.trl_min and (
        not filters.transfer_mode or filters.transfer_mode in modes
    )


def newest_first(listings: list[Listing]) -> list[Listing]:
    return sorted(listings, key=lambda item: (item.created_at, listing_id(item)), reverse=True)
