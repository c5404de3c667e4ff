"""Time rules: IANA zones, local times entered in an event's zone, session spans.

Rules (documented in ARCHITECTURE.md):
- only aware datetimes leave this module; storage is UTC;
- a local time in a DST gap (it never happens on the wall clock) is refused;
- an ambiguous local time (a DST fold, it happens twice) means the *first* occurrence, as
  RFC 5545 (iCalendar) prescribes;
- a session lasts more than zero minutes and at most 24 hours.
"""

import re
import zoneinfo
from datetime import UTC, date, datetime, timedelta
from functools import cache

from rooms.errors import DomainError

MAX_SESSION = timedelta(hours=24)
# a wall-clock time as forms and the API send it (no offset): 2026-05-01T09:30[:15]
LOCAL_TIME = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?"
_LOCAL_TIME = re.compile(LOCAL_TIME)
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory", "posix", "right"})
_ZONE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,2}$")


class TimeError(DomainError):
    code = "invalid_time"


@cache
def zone_names() -> tuple[str, ...]:
    """Every zone name parse_zone accepts, sorted: the IANA database's, less its files."""
    names = frozenset(zoneinfo.available_timezones()) - _NOT_ZONES
    return tuple(sorted(name for name in names if _ZONE_NAME.match(name)))


@cache
def _zone_set() -> frozenset[str]:
    return frozenset(zone_names())


def parse_zone(name: object) -> zoneinfo.ZoneInfo:
    """An IANA zone by name; anything else (paths, files, unknown names) is refused."""
    if not isinstance(name, str) or not name.strip():
        raise TimeError("A time zone is required, e.g. Asia/Shanghai.", code="invalid_zone")
    if name not in _zone_set():
        raise TimeError(
            "{name!r} is not an IANA time zone name (e.g. Asia/Shanghai).",
            code="invalid_zone",
            name=name[:64],
        )
    return zoneinfo.ZoneInfo(name)


def parse_local(text: object) -> datetime:
    """A wall-clock time ``LOCAL_TIME`` with no offset (it is in the event's zone)."""
    if not isinstance(text, str):
        raise TimeError("A local time must be a string like 2026-05-01T09:30.")
    not_one = TimeError("{text!r} is not a date and time like 2026-05-01T09:30.", text=text[:40])
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise not_one from None
    if value.tzinfo is not None:
        raise TimeError("Enter the local time in the event's time zone, without an offset.")
    if not _LOCAL_TIME.fullmatch(text.strip()):
        raise not_one  # another ISO 8601 form: a date alone, week dates, no separators...
    return value


def parse_date(text: object) -> date:
    if not isinstance(text, str):
        raise TimeError("A date must be a string like 2026-05-01.")
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise TimeError("{text!r} is not a date like 2026-05-01.", text=text[:40]) from None


def local_to_utc(local: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time in zone; gaps refused, folds -> first occurrence."""
    if local.tzinfo is not None:
        raise TimeError("Expected a wall-clock time without an offset.")
    first = local.replace(tzinfo=zone, fold=0)
    instant = first.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local:
        raise TimeError(
            "{local} does not exist in {zone}: the clocks skip it "
            "(daylight saving time starts). Choose a time outside the gap.",
            code="nonexistent_local_time",
            local=f"{local:%Y-%m-%d %H:%M}",
            zone=zone.key,
        )
    return instant


def utc_to_local(instant: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    if instant.tzinfo is None:
        raise TimeError("Expected an aware datetime.")
    return instant.astimezone(zone)


def check_span(start: datetime, end: datetime) -> None:
    """A session's span: aware, end after start, at most 24 hours."""
    if start.tzinfo is None or end.tzinfo is None:
        raise TimeError("Times must carry a time zone.")
    if end == start:
        raise TimeError("A session must last longer than zero minutes.", code="invalid_span")
    if end < start:
        raise TimeError("A session's end must come after its start.", code="invalid_span")
    if end - start > MAX_SESSION:
        raise TimeError("A session may last at most 24 hours.", code="invalid_span")


def check_dates(start: date, end: date) -> None:
    if end < start:
        raise TimeError("An event's end date must not come before its start date.")
    if (end - start).days > 366:
        raise TimeError("An event may span at most a year.")


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open spans overlap: back-to-back sessions do not."""
    return a_start < b_end and b_start < a_end
