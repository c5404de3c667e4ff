"""ICS calendars (RFC 5545): an event's agenda, one session, and a person's own feed.

Every session is one VEVENT with a stable UID, its SEQUENCE and STATUS, so a subscribed
calendar updates a moved session and removes a cancelled one (cancelled sessions stay in
the feeds for that reason). Times are written in UTC. An event's calendar is reached by its
id (an unlisted event's id is its secret); a person's feed by a random token that can be
rotated (``keys.feed_owner``/``keys.person_feed``). The routes that serve them are in
server/pages/feeds.py.
"""

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar
from icalendar import Event as VEvent

from rooms.agenda import Session
from rooms.lifecycle import State
from server.settings import Settings
from server.store import Store

PRODID = "-//Yunhui//Yunhui calendar//EN"
ALARM_BEFORE = timedelta(minutes=15)


def session_url(settings: Settings, session_id: str) -> str:
    return f"{settings.base_url}/sessions/{session_id}"


def vevent(session: Session, *, settings: Settings, join_label: str, now: datetime) -> VEvent:
    """One session as a VEVENT; a cancelled one says so and sets no alarm."""
    url = session_url(settings, session.session_id)
    description = f"{session.description}\n\n{join_label}: {url}".strip()
    cancelled = session.state is State.CANCELLED
    event = VEvent.new(
        uid=f"{session.session_id}@yunhui",
        stamp=now.astimezone(UTC),
        start=session.start.astimezone(UTC),
        end=session.end.astimezone(UTC),
        created=session.created_at.astimezone(UTC),
        last_modified=session.updated_at.astimezone(UTC),
        summary=session.title,
        description=description,
        url=url,
        sequence=session.sequence,
        status="CANCELLED" if cancelled else "CONFIRMED",
    )
    if not cancelled:
        alarm = Alarm.new(description=session.title)
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", -ALARM_BEFORE)
        event.add_component(alarm)
    return event


def calendar_of(
    sessions: Iterable[Session],
    *,
    name: str,
    uid: str,
    settings: Settings,
    join_label: str,
    now: datetime,
) -> bytes:
    """The ICS text of a calendar holding these sessions."""
    calendar = Calendar.new(name=name, uid=uid, prodid=PRODID, method="PUBLISH")
    for session in sessions:
        calendar.add_component(vevent(session, settings=settings, join_label=join_label, now=now))
    return calendar.to_ical()


async def feed_url_for(store: Store, settings: Settings, person_key: str) -> str:
    """The secret URL of the person's calendar feed, its token created on first use."""
    return _feed_url(settings, await store.invites.feed_token(person_key))


async def rotate_feed_url(store: Store, settings: Settings, person_key: str) -> str:
    """A new secret URL for the person's feed; the old URL stops working."""
    return _feed_url(settings, await store.invites.rotate_feed(person_key))


def _feed_url(settings: Settings, token: str) -> str:
    return f"{settings.base_url}/feeds/{token}.ics"


def person_feed_uid(person_key: str) -> str:
    """A stable UID for a person's feed that does not show who the person is."""
    return f"feed-{hashlib.sha256(person_key.encode()).hexdigest()[:16]}@yunhui"
