"""A review session's items: the projects a panel works through, each with its applicant,
disciplines and time box, in the order the staff set. A roadshow's item (a pitch) may name
its **founders**: people on the session's roster (person keys) who pitch it; an item that
names none is pitched by its applicant (``guest:<applicant e-mail>``, ``founder_keys``).

``new_item`` and ``edit_item`` build one from plain values (JSON or a form). The order is
kept apart from the items (``check_order``: a new order must name exactly the items there
are, so two staff reordering at once never lose one). In a blind review reviewers see an
item as "Item 3" without its applicant (``item_label``, ``shown_item``).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from rooms.accounts import normalize_email
from rooms.agenda import PersonType, person_key, split_person_key
from rooms.errors import Conflict, DomainError
from rooms.experts import clean_disciplines
from rooms.fields import flag_field, text_field, whole_field
from rooms.limits import EMAIL_MAX, NAME_MAX, TITLE_MAX

ITEMS_MAX = 200
MINUTES_MAX = 240
ORG_MAX = 200
FOUNDERS_MAX = 10  # founders who pitch one item together
BUFFER_MINUTES_MAX = 30  # a roadshow's break after a pitch
SHOW_BUFFER = -1  # a pitch's buffer_minutes: the show's buffer (as the API writes "none")
PERSON_KEY_MAX = 300
ITEM_FIELDS = (
    "title_zh", "title_en", "applicant_name", "applicant_org", "applicant_email",
    "disciplines", "present_minutes", "qa_minutes", "achievement_id", "founders",
    "buffer_minutes",
)  # fmt: skip
SETTINGS = ("blind", "double_blind", "downloads_allowed")


@dataclass(frozen=True, slots=True)
class Item:
    item_id: str
    session_id: str
    title_zh: str
    title_en: str
    applicant_name: str
    applicant_org: str
    applicant_email: str  # lower case; "" when unknown
    disciplines: tuple[str, ...]
    present_minutes: int
    qa_minutes: int
    created_at: datetime
    updated_at: datetime
    achievement_id: str = ""  # a roadshow pitch's achievement in the library ("" when none)
    founders: tuple[str, ...] = ()  # a pitch's founders: person keys on the session's roster
    buffer_minutes: int | None = None  # a pitch's break after it (None: the show's buffer)

    def title(self, lang: str) -> str:
        return (
            (self.title_zh if lang.startswith("zh") else self.title_en)
            or self.title_zh
            or self.title_en
        )


@dataclass(frozen=True, slots=True)
class ReviewSettings:
    """How a review shows its items: blind (reviewers do not see applicants), double blind
    (reviewers are also "Reviewer A, B…" to each other), and whether materials download."""

    blind: bool = False
    double_blind: bool = False
    downloads_allowed: bool = False


def _minutes(fields: Mapping[str, object], name: str, default: int) -> int:
    if fields.get(name) in (None, ""):
        return default
    minutes = whole_field(fields, name)
    if not 0 <= minutes <= MINUTES_MAX:
        raise DomainError(
            "{field} must be between 0 and {most} minutes.",
            code="invalid_field",
            field=name,
            most=MINUTES_MAX,
        )
    return minutes


def _listing_id(value: object) -> str:
    """An achievement's id as the library names it ("" or None: none)."""
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or not value.isascii() or not value.isalnum() or len(value) > 40:
        raise DomainError(
            "{field} must be an achievement's id.", code="invalid_field", field="achievement_id"
        )
    return value


def clean_buffer(value: object) -> int | None:
    """A pitch's buffer in minutes; blank, None or -1: the show's buffer."""
    if value in (None, "", SHOW_BUFFER, str(SHOW_BUFFER)):
        return None
    minutes = whole_field({"buffer_minutes": value}, "buffer_minutes")
    if not 0 <= minutes <= BUFFER_MINUTES_MAX:
        raise DomainError(
            "{field} must be between 0 and {most} minutes.", code="invalid_field",
            field="buffer_minutes", most=BUFFER_MINUTES_MAX,
        )  # fmt: skip
    return minutes


def clean_founders(value: object) -> tuple[str, ...]:
    """Founders as person keys, each once, in the order given (None or "": none)."""
    if value in (None, ""):
        return ()
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise DomainError(
            "{field} must be a list of people on the roster.", code="invalid_field",
            field="founders",
        )  # fmt: skip
    if len(value) > FOUNDERS_MAX:
        raise DomainError(
            "A pitch can have at most {most} founders.", code="too_many_founders",
            most=FOUNDERS_MAX,
        )  # fmt: skip
    keys: list[str] = []
    for key in value:
        if not isinstance(key, str) or not key.strip() or len(key) > PERSON_KEY_MAX:
            raise DomainError(
                "{field} must be a list of people on the roster.", code="invalid_field",
                field="founders",
            )  # fmt: skip
        split_person_key(key.strip())
        if key.strip() not in keys:
            keys.append(key.strip())
    return tuple(keys)


def founder_keys(item: Item) -> tuple[str, ...]:
    """Who pitches the item: its founders, or else its applicant by e-mail (items stored
    before founders existed, and reviews, keep this rule)."""
    if item.founders:
        return item.founders
    if item.applicant_email:
        return (person_key(PersonType.GUEST, item.applicant_email),)
    return ()


def pitched_by(item: Item, names: Mapping[str, str]) -> str:
    """Who an item is by, as pages and files show it: its founders' names (``names``: person
    key -> name on the roster), or else its applicant's, then the organization."""
    people = ", ".join(n for n in (names.get(k, "") for k in item.founders) if n)
    return " · ".join(p for p in (people or item.applicant_name, item.applicant_org) if p)


def _values(fields: Mapping[str, object]) -> dict[str, object]:
    title_zh = text_field(fields, "title_zh", max_length=TITLE_MAX)
    title_en = text_field(fields, "title_en", max_length=TITLE_MAX)
    if not (title_zh or title_en):
        raise DomainError("An item needs a title.", code="missing_field", field="title")
    email = text_field(fields, "applicant_email", max_length=EMAIL_MAX)
    return {
        "title_zh": title_zh,
        "title_en": title_en,
        "applicant_name": text_field(fields, "applicant_name", max_length=NAME_MAX),
        "applicant_org": text_field(fields, "applicant_org", max_length=ORG_MAX),
        "applicant_email": normalize_email(email) if email else "",
        "disciplines": clean_disciplines(fields.get("disciplines", ())),
        "present_minutes": _minutes(fields, "present_minutes", 10),
        "qa_minutes": _minutes(fields, "qa_minutes", 5),
        "achievement_id": _listing_id(fields.get("achievement_id")),
        "founders": clean_founders(fields.get("founders")),
        "buffer_minutes": clean_buffer(fields.get("buffer_minutes")),
    }


def new_item(fields: Mapping[str, object], *, item_id: str, session_id: str, now: datetime) -> Item:
    values = _values(fields)
    return Item(item_id=item_id, session_id=session_id, created_at=now, updated_at=now, **values)  # type: ignore[arg-type]


def edit_item(item: Item, *, fields: Mapping[str, object], now: datetime) -> Item:
    """The item with the given fields changed (the others as they were)."""
    current = item_fields(item)
    merged = {**current, **{k: v for k, v in fields.items() if k in ITEM_FIELDS}}
    changed = replace(item, **_values(merged))  # type: ignore[arg-type]
    return changed if changed == item else replace(changed, updated_at=now)


def item_fields(item: Item) -> dict[str, object]:
    return {name: getattr(item, name) for name in ITEM_FIELDS}


def check_order(current: Sequence[str], wanted: Sequence[str]) -> None:
    """A new order must name exactly the items there are, each once."""
    if len(set(wanted)) != len(wanted) or set(wanted) != set(current):
        raise Conflict(
            "The items changed meanwhile (added, removed or reordered by someone else); "
            "reload and try again.",
            code="items_changed",
        )


def check_count(count: int) -> None:
    if count >= ITEMS_MAX:
        raise DomainError(
            "A review can have at most {most} items.", code="too_many_items", most=ITEMS_MAX
        )


def item_label(position: int) -> str:
    """An item as a blind review shows it: its place in the order (1-based)."""
    return f"#{position}"


def shown_item(item: Item, *, position: int, blind: bool, lang: str = "en") -> dict[str, object]:
    """An item for someone who may see it: without its applicant in a blind review."""
    shown: dict[str, object] = {
        "item_id": item.item_id,
        "position": position,
        "label": item_label(position),
        "title_zh": item.title_zh,
        "title_en": item.title_en,
        "disciplines": list(item.disciplines),
        "present_minutes": item.present_minutes,
        "qa_minutes": item.qa_minutes,
    }
    if not blind:
        shown |= {"applicant_name": item.applicant_name, "applicant_org": item.applicant_org}
    return shown


def new_settings(fields: Mapping[str, object]) -> ReviewSettings:
    """Review settings from plain values (a flag left out is off); a double-blind review is
    blind too."""
    flags = {name: flag_field(fields, name) if name in fields else False for name in SETTINGS}
    return ReviewSettings(
        blind=flags["blind"] or flags["double_blind"],
        double_blind=flags["double_blind"],
        downloads_allowed=flags["downloads_allowed"],
    )
