"""How pages show time: an event's days, a session's times in the event's zone, and the
UTC instants that web/static/js/localtime.js turns into the viewer's own local time.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_interval

from rooms.agenda import Event, Session

WALL_CLOCK = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends and shows


@dataclass(frozen=True, slots=True)
class Span:
    """A session's start and end, as a page shows them."""

    start_utc: str  # for <time datetime="...">
    end_utc: str
    start_local: str  # "09:30", in the event's zone
    end_local: str  # "10:30", or "May 2, 2026 01:30" when it ends on a later day
    day: date  # the start's date in the event's zone
    zone: str


def utc_iso(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def babel_locale(lang: str) -> str:
    return "zh_CN" if lang == "zh_CN" else "en"


def span_of(session: Session, zone: str, lang: str) -> Span:
    tz = ZoneInfo(zone)
    start, end = session.start.astimezone(tz), session.end.astimezone(tz)
    end_local = f"{end:%H:%M}"
    if end.date() != start.date():
        end_local = f"{format_date(end.date(), 'medium', locale=babel_locale(lang))} {end_local}"
    return Span(
        start_utc=utc_iso(session.start),
        end_utc=utc_iso(session.end),
        start_local=f"{start:%H:%M}",
        end_local=end_local,
        day=start.date(),
        zone=zone,
    )


def days_of(sessions: list[Session], zone: str) -> list[tuple[date, list[Session]]]:
    """Sessions grouped by the day they start on in the zone, days in order."""
    tz = ZoneInfo(zone)
    days: dict[date, list[Session]] = {}
    for session in sorted(sessions, key=lambda s: (s.start, s.end, s.title)):
        days.setdefault(session.start.astimezone(tz).date(), []).append(session)
    return sorted(days.items())


def day_label(day: date, lang: str) -> str:
    """'Friday, May 1, 2026' / '2026年5月1日星期五'."""
    return format_date(day, "full", locale=babel_locale(lang))


def date_range(start: date, end: date, lang: str) -> str:
    """'May 1 – 3, 2026' / '2026年5月1日 – 3日'."""
    return format_interval(start, end, "yMMMd", locale=babel_locale(lang))


def instant_label(instant: datetime, zone: str, lang: str) -> str:
    """'May 1, 2026 09:30' in the zone."""
    local = instant.astimezone(ZoneInfo(zone))
    return f"{format_date(local.date(), 'medium', locale=babel_locale(lang))} {local:%H:%M}"


def wall_clock(instant: datetime, zone: str) -> str:
    """The value of a datetime-local input showing instant in the zone."""
    return instant.astimezone(ZoneInfo(zone)).strftime(WALL_CLOCK)


def opens_at(session: Session) -> datetime:
    """When the session's room opens (its lobby), by the schedule."""
    return session.start - timedelta(minutes=session.lobby_minutes)


def event_today(event: Event, now: datetime) -> date:
    return now.astimezone(ZoneInfo(event.zone)).date()


def event_title(event: Event, lang: str) -> str:
    """The title in the page's language, else the other one."""
    first, second = (
        (event.title_zh, event.title_en) if lang == "zh_CN" else (event.title_en, event.title_zh)
    )
    return first or second
