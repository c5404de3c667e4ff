"""Follow-up requests: an investor's (or an enterprise guest's) request for a private meeting
with the founder of a roadshow pitch, with the times they propose.

A pitch may have several founders (``FollowUp.founders``: the first, then the others);
each is told and any one of them answers. A request is open until a founder picks one of its
times (it becomes **booked**, naming the meeting session made for it and who picked) or
declines it. Its times are wall-clock times in the
event's zone, stored as UTC: each in the future (at least ``LEAD`` ahead), at most
``HORIZON`` ahead, within the event's dates (the meeting is a session of the roadshow's
event), and clear of both people's bookings (``clash``); the booking itself is checked
again, atomically, when the founder picks (``server/followups.py``).
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from rooms.accounts import normalize_email
from rooms.errors import Conflict, DomainError
from rooms.limits import FOLLOW_UP_MESSAGE_MAX
from rooms.timing import local_to_utc, parse_local, parse_zone, utc_to_local

TIMES_MAX = 5
LEAD = timedelta(minutes=15)  # the earliest a proposed time may be, from now
HORIZON = timedelta(days=90)  # the latest
MINUTES = (15, 30, 45, 60, 90)  # how long a follow-up meeting may be
DEFAULT_MINUTES = 30


class FollowUpState(StrEnum):
    OPEN = "open"
    BOOKED = "booked"
    DECLINED = "declined"


@dataclass(frozen=True, slots=True)
class Party:
    """One side of a follow-up: a person key, a name and an e-mail address."""

    person_key: str
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class FollowUp:
    follow_up_id: str
    org_id: str
    event_id: str
    session_id: str  # the roadshow
    item_id: str  # the pitch
    project: str  # the pitch's title, as the investor saw it
    investor: Party
    founder: Party
    times: tuple[datetime, ...]  # UTC starts, in order
    minutes: int
    zone: str  # the event's zone
    message: str
    share_contact: bool  # the investor lets the founder see their e-mail address
    state: FollowUpState
    created_at: datetime
    picked: datetime | None = None
    meeting_id: str = ""  # the meeting session, once booked
    demand_id: str = ""  # made from a library match (no roadshow): the demand ...
    achievement_id: str = ""  # ... and the matched achievement
    co_founders: tuple[Party, ...] = ()  # the pitch's other founders, told and booked too
    picked_by: str = ""  # the person key of the founder who picked the time
    left_out: tuple[str, ...] = ()  # founders not booked (busy then): "Name (“Other”)"

    @property
    def founders(self) -> tuple[Party, ...]:
        """Everyone a request is addressed to: the first founder, then the others."""
        return (self.founder, *self.co_founders)

    def founder_of(self, person_key: str) -> Party | None:
        """The founder with this person key, if the request is addressed to them."""
        return next((p for p in self.founders if p.person_key == person_key), None)

    def founder_names(self) -> str:
        return ", ".join(p.name for p in self.founders if p.name)


@dataclass(frozen=True, slots=True)
class Busy:
    """A span one of the two people is booked for, and what it is."""

    start: datetime
    end: datetime
    title: str


def check_minutes(value: object) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value not in MINUTES:
        raise DomainError(
            "A follow-up meeting lasts 15, 30, 45, 60 or 90 minutes.", code="bad_minutes"
        )
    return value


def check_message(text: object) -> str:
    text = str(text or "").strip()
    if len(text) > FOLLOW_UP_MESSAGE_MAX:
        raise DomainError(
            "A message has at most {most} characters.",
            code="message_too_long",
            most=FOLLOW_UP_MESSAGE_MAX,
        )
    return text


def clash(start: datetime, end: datetime, busy: Iterable[Busy]) -> Busy | None:
    """The first booking overlapping the half-open span, if any."""
    return next((b for b in busy if b.start < end and start < b.end), None)


def parse_times(
    texts: Sequence[object],
    *,
    zone: str,
    minutes: int,
    first_day: date,
    last_day: date,
    busy: Iterable[Busy],
    now: datetime,
) -> tuple[datetime, ...]:
    """The proposed times (local, in ``zone``) as UTC starts, in order, duplicates dropped;
    DomainError naming the first bad one."""
    texts = [t for t in texts if str(t or "").strip()]
    if not 1 <= len(texts) <= TIMES_MAX:
        raise DomainError("Propose one to five times.", code="bad_times")
    tz, busy = parse_zone(zone), list(busy)
    starts = sorted({local_to_utc(parse_local(t).replace(second=0, microsecond=0), tz)
                     for t in texts})  # fmt: skip
    for start in starts:
        shown = utc_to_local(start, tz).strftime("%Y-%m-%d %H:%M")
        if start < now + LEAD:
            raise DomainError(
                "{time} has passed or is too soon: propose a time at least 15 minutes ahead.",
                code="time_past",
                time=shown,
            )
        if start > now + HORIZON:
            raise DomainError(
                "{time} is too far ahead: propose a time within 90 days.",
                code="time_too_far",
                time=shown,
            )
        if not first_day <= utc_to_local(start, tz).date() <= last_day:
            raise DomainError(
                "{time} is outside the event's dates ({first} to {last}).",
                code="outside_event_dates",
                time=shown,
                first=first_day.isoformat(),
                last=last_day.isoformat(),
            )
        taken = clash(start, start + timedelta(minutes=minutes), busy)
        if taken is not None:
            raise DomainError(
                "{time} is not free: one of you is booked for “{other}”.",
                code="outside_availability",
                time=shown,
                other=taken.title,
            )
    return tuple(starts)


def check_pick(follow_up: FollowUp, start: datetime, *, now: datetime) -> None:
    """Whether the founder may pick this time now."""
    check_open(follow_up)
    if start not in follow_up.times:
        raise DomainError("Pick one of the times proposed.", code="bad_time")
    if start < now:
        raise DomainError("That time has passed; pick another.", code="time_past")


def check_open(follow_up: FollowUp) -> None:
    if follow_up.state is not FollowUpState.OPEN:
        raise Conflict(
            "This follow-up request has been answered already.", code="follow_up_answered"
        )


def booked(
    follow_up: FollowUp,
    start: datetime,
    meeting_id: str,
    *,
    picked_by: str = "",
    left_out: Sequence[str] = (),
) -> FollowUp:
    return replace(
        follow_up, state=FollowUpState.BOOKED, picked=start, meeting_id=meeting_id,
        picked_by=picked_by, left_out=tuple(left_out),
    )  # fmt: skip


def declined(follow_up: FollowUp) -> FollowUp:
    return replace(follow_up, state=FollowUpState.DECLINED)


def investor_contact(follow_up: FollowUp) -> str:
    """The investor's e-mail address as the founder is shown it: only when shared."""
    return follow_up.investor.email if follow_up.share_contact else ""


EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def contact_email(contact: str, *, whose: str) -> str:
    """The first e-mail address in a listing's contact text; DomainError naming whose
    contact has none (a follow-up needs one for each side)."""
    found = EMAIL_IN_TEXT.search(contact)
    if found is None:
        raise DomainError(
            "The contact of “{whose}” has no e-mail address to send a follow-up to.",
            code="no_contact_email",
            whose=whose[:200],
        )
    return normalize_email(found.group(0))


def meeting_title(follow_up: FollowUp) -> str:
    return f"Follow-up 后续会谈: {follow_up.project} · {follow_up.investor.name}"[:200]
