"""ICS calendars: an event's agenda, one session, a person's secret feed."""

from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient
from icalendar import Calendar

from rooms.accounts import Account
from rooms.agenda import Event, RosterEntry, Session
from rooms.roles import Role
from server import agenda
from server.calendar import feed_url_for, rotate_feed_url
from server.settings import Settings
from server.store import Store
from tests.server.pages_world import make_event, make_session, staff_of_new_org

BASE = "http://127.0.0.1:8080"
GUEST = "guest:li.wei@example.org"


@pytest.fixture
async def host(store: Store) -> Account:
    return await staff_of_new_org(store, email="host@example.org")


@pytest.fixture
async def event(store: Store, host: Account) -> Event:
    return await make_event(store, host, title_en="Forum on Materials", title_zh="材料论坛")


@pytest.fixture
async def session(store: Store, event: Event) -> Session:
    """09:00-10:30 in Shanghai: 01:00-02:30 UTC."""
    return await make_session(
        store, event, title="Opening", start="2030-05-01T09:00", end="2030-05-01T10:30"
    )


async def ics(client: TestClient, url: str, **headers: str) -> Calendar:
    response = await client.get(url, headers=headers)
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(await response.read())


async def test_event_calendar_has_one_vevent_per_session_with_its_fields(
    client, event: Event, session: Session
) -> None:
    before = datetime.now(UTC).replace(microsecond=0)

    calendar = await ics(client, f"/events/{event.event_id}/calendar.ics")

    header = {k: str(calendar[k]) for k in ("VERSION", "PRODID", "METHOD", "X-WR-CALNAME")}
    assert header == {
        "VERSION": "2.0",
        "PRODID": "-//Yunhui//Yunhui calendar//EN",
        "METHOD": "PUBLISH",
        "X-WR-CALNAME": "Forum on Materials",
    }
    [vevent] = calendar.events
    join = f"{BASE}/sessions/{session.session_id}"
    assert {k: str(vevent[k]) for k in ("UID", "SUMMARY", "DESCRIPTION", "URL", "STATUS")} == {
        "UID": f"{session.session_id}@yunhui",
        "SUMMARY": "Opening",
        "DESCRIPTION": f"Join online: {join}",
        "URL": join,
        "STATUS": "CONFIRMED",
    }
    assert (vevent["DTSTART"].dt, vevent["DTEND"].dt, vevent["SEQUENCE"]) == (
        datetime(2030, 5, 1, 1, 0, tzinfo=UTC),
        datetime(2030, 5, 1, 2, 30, tzinfo=UTC),
        0,
    )
    assert before <= vevent["DTSTAMP"].dt <= datetime.now(UTC)
    [alarm] = vevent.walk("VALARM")
    assert (str(alarm["ACTION"]), alarm["TRIGGER"].dt) == ("DISPLAY", timedelta(minutes=-15))


async def test_event_calendar_is_named_in_the_readers_language(
    client: TestClient, event: Event
) -> None:
    calendar = await ics(
        client, f"/events/{event.event_id}/calendar.ics", **{"Accept-Language": "zh-CN"}
    )

    assert str(calendar["X-WR-CALNAME"]) == "材料论坛"


async def test_unlisted_event_calendar_is_reached_by_its_id(
    client, store: Store, host: Account
) -> None:
    unlisted = await make_event(store, host, visibility="unlisted")
    await make_session(
        store, unlisted, title="Closed door", start="2030-05-01T09:00", end="2030-05-01T10:00"
    )

    calendar = await ics(client, f"/events/{unlisted.event_id}/calendar.ics")

    assert [str(e["SUMMARY"]) for e in calendar.events] == ["Closed door"]


async def test_unknown_event_or_session_calendar_is_not_found(client: TestClient) -> None:
    responses = [
        await client.get("/events/nope/calendar.ics"),
        await client.get("/sessions/nope/calendar.ics"),
    ]

    assert [r.status for r in responses] == [404, 404]


async def test_session_calendar_sequence_increases_after_an_update(
    client, store: Store, session: Session
) -> None:
    url = f"/sessions/{session.session_id}/calendar.ics"
    await agenda.update_session(
        store, session=session, fields={"start": "2030-05-01T09:30"}, now=datetime.now(UTC)
    )

    [vevent] = (await ics(client, url)).events

    assert (vevent["SEQUENCE"], vevent["DTSTART"].dt) == (
        1,
        datetime(2030, 5, 1, 1, 30, tzinfo=UTC),
    )


async def test_cancelled_session_stays_in_the_calendar_as_cancelled(
    client, store: Store, event: Event, session: Session
) -> None:
    cancelled = await agenda.cancel_session(store, session=session, now=datetime.now(UTC))

    [vevent] = (await ics(client, f"/events/{event.event_id}/calendar.ics")).events

    assert (str(vevent["STATUS"]), vevent["SEQUENCE"]) == ("CANCELLED", cancelled.sequence)
    assert cancelled.sequence > session.sequence
    assert vevent.walk("VALARM") == []


# a person's feed


async def put_guest_on(store: Store, session: Session) -> None:
    entry = RosterEntry(
        person_key=GUEST, role=Role.ATTENDEE, name="Li Wei", email="li.wei@example.org"
    )
    await agenda.add_to_roster(store, session=session, entry=entry, now=datetime.now(UTC))


async def test_feed_lists_the_persons_sessions(
    client, store: Store, settings: Settings, session: Session
) -> None:
    await put_guest_on(store, session)
    url = await feed_url_for(store, settings, GUEST)

    calendar = await ics(client, url.removeprefix(BASE))

    assert [str(e["UID"]) for e in calendar.events] == [f"{session.session_id}@yunhui"]
    assert str(calendar["X-WR-CALNAME"]) == "My Yunhui sessions"


async def test_feed_url_is_made_once_and_kept(store: Store, settings: Settings) -> None:
    first = await feed_url_for(store, settings, GUEST)
    second = await feed_url_for(store, settings, GUEST)

    assert first == second
    assert first.startswith(f"{BASE}/feeds/") and first.endswith(".ics")


async def test_feed_of_a_cancelled_session_says_cancelled(
    client, store: Store, settings: Settings, session: Session
) -> None:
    await put_guest_on(store, session)
    await agenda.cancel_session(store, session=session, now=datetime.now(UTC))

    calendar = await ics(client, (await feed_url_for(store, settings, GUEST)).removeprefix(BASE))

    assert [str(e["STATUS"]) for e in calendar.events] == ["CANCELLED"]


async def test_unknown_feed_token_is_not_found(
    client: TestClient, store: Store, settings: Settings
) -> None:
    await feed_url_for(store, settings, GUEST)

    response = await client.get("/feeds/not-a-token.ics")

    assert response.status == 404


async def test_rotating_the_feed_retires_the_old_url(
    client, store: Store, settings: Settings
) -> None:
    old = await feed_url_for(store, settings, GUEST)

    new = await rotate_feed_url(store, settings, GUEST)

    statuses = [(await client.get(u.removeprefix(BASE))).status for u in (old, new)]
    assert (statuses, new == old, await feed_url_for(store, settings, GUEST)) == (
        [404, 200],
        False,
        new,
    )
