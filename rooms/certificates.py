"""Attendance records rolled up, and certificates of attendance.

A person's **attendance record** in an event is their time in each of its sessions (from
``rooms.attendance.totals``): present and active (their page seen). A **certificate
threshold** is the active minutes needed for a certificate, set on a session (a certificate
for that session) or on an event (a certificate for the event, over all its sessions). A
**certificate** records, when issued, what it certifies: the association, the event, the
sessions, the active time (``active_time``: minutes under an hour, else hours) and the
person's name, with a printed number and an unguessable id for its public verification
page. Issuing is once per person and scope: a second download gives the same certificate.
"""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from rooms.attendance import Presence
from rooms.chat import defuse
from rooms.errors import DomainError

THRESHOLD_MINUTES_MAX = 100_000  # about 70 days of sessions
NUMBER_PREFIX = "YH"


class Scope(StrEnum):
    SESSION = "session"
    EVENT = "event"


def threshold_minutes(text: str) -> int | None:
    """A threshold as typed in a form or sent in the API: whole minutes of active time,
    1..THRESHOLD_MINUTES_MAX; empty means none (no certificates)."""
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= THRESHOLD_MINUTES_MAX:
        raise DomainError(
            "The threshold is a whole number of minutes from 1 to {most}.",
            code="invalid_threshold",
            most=THRESHOLD_MINUTES_MAX,
        )
    return int(text)


@dataclass(frozen=True, slots=True)
class Sitting:
    """One person's time in one session."""

    session_id: str
    title: str
    seconds: int
    active_seconds: int


@dataclass(frozen=True, slots=True)
class AttendanceRecord:
    """One person's attendance in an event: their time in each session they came to."""

    person_key: str
    name: str
    sittings: tuple[Sitting, ...]

    @property
    def seconds(self) -> int:
        return sum(s.seconds for s in self.sittings)

    @property
    def active_seconds(self) -> int:
        return sum(s.active_seconds for s in self.sittings)

    def sitting(self, session_id: str) -> Sitting | None:
        return next((s for s in self.sittings if s.session_id == session_id), None)


def roll_up(sessions: list[tuple[str, str, list[Presence]]]) -> list[AttendanceRecord]:
    """Each person's record over the sessions ``(session_id, title, totals)``, in the
    sessions' order; people in order of their first arrival, their latest name kept."""
    names: dict[str, str] = {}
    sittings: dict[str, list[Sitting]] = {}
    for session_id, title, people in sessions:
        for p in people:
            names[p.person_key] = p.name
            sitting = Sitting(session_id, title, p.seconds, p.active_seconds)
            sittings.setdefault(p.person_key, []).append(sitting)
    return [AttendanceRecord(key, names[key], tuple(sittings[key])) for key in sittings]


def earned(record: AttendanceRecord, *, scope: Scope, scope_id: str, minutes: int | None) -> bool:
    """Whether the record reaches the threshold of a session (its active time there) or of
    the event (its active time over all sessions)."""
    if minutes is None:
        return False
    if scope == Scope.SESSION:
        sitting = record.sitting(scope_id)
        return sitting is not None and sitting.active_seconds >= minutes * 60
    return record.active_seconds >= minutes * 60


def hours_text(seconds: int) -> str:
    """Hours with one decimal, rounded down: never more than was earned."""
    return f"{seconds // 360 / 10:.1f}"


@dataclass(frozen=True, slots=True)
class ActiveTime:
    """Active time as a certificate prints it: whole minutes under an hour (``hours`` is
    ""), else hours with one decimal (``minutes`` is 0); rounded down, never more than was
    earned, and never "0.0 hours" for a short class."""

    minutes: int = 0
    hours: str = ""


def active_time(seconds: int) -> ActiveTime:
    if seconds < 3600:
        return ActiveTime(minutes=seconds // 60)
    return ActiveTime(hours=hours_text(seconds))


@dataclass(frozen=True, slots=True, kw_only=True)
class Certificate:
    """A certificate of attendance as issued (what its PDF and its verification page say)."""

    certificate_id: str  # unguessable: names the public verification page
    number: str  # printed on it: ``YH-<year>-<serial>``
    scope: Scope
    scope_id: str  # the session's or the event's id
    person_key: str
    name: str
    org_name_zh: str
    org_name_en: str
    event_title_zh: str
    event_title_en: str
    sessions: tuple[str, ...]  # the titles of the sessions it covers
    active_seconds: int
    issued_at: datetime
    zone: str = "UTC"  # the event's: the day it was issued is that zone's

    @property
    def hours(self) -> str:
        return hours_text(self.active_seconds)

    @property
    def active_time(self) -> ActiveTime:
        return active_time(self.active_seconds)

    @property
    def issued_on(self) -> date:
        return self.issued_at.astimezone(ZoneInfo(self.zone)).date()


def certificate_number(*, year: int, serial: int) -> str:
    return f"{NUMBER_PREFIX}-{year}-{serial:06d}"


def covered(record: AttendanceRecord, *, scope: Scope, scope_id: str) -> tuple[Sitting, ...]:
    """The sittings a certificate of that scope covers (those with active time)."""
    if scope == Scope.SESSION:
        return tuple(s for s in record.sittings if s.session_id == scope_id)
    return tuple(s for s in record.sittings if s.active_seconds > 0)


ROLLUP_HEADER = ("name", "session", "minutes", "active_minutes")


def rollup_rows(records: list[AttendanceRecord], *, total: str) -> list[tuple[str, ...]]:
    """An event's attendance as CSV rows, header first: per person one row per session,
    then their total (``total`` names it in the reader's language)."""
    rows: list[tuple[str, ...]] = [ROLLUP_HEADER]
    for record in records:
        for s in record.sittings:
            rows.append(_row(record.name, s.title, s.seconds, s.active_seconds))
        rows.append(_row(record.name, total, record.seconds, record.active_seconds))
    return rows


def _row(name: str, what: str, seconds: int, active: int) -> tuple[str, ...]:
    return (defuse(name), defuse(what), f"{seconds / 60:.1f}", f"{active / 60:.1f}")
