"""The console's notifications (the scheduler's reminders: a list, a header badge, a JSON
endpoint) and the signed-in person's secret calendar feed, shown and rotated."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from rooms.agenda import PersonType, RosterEntry, Session, person_key
from rooms.notifications import Notification, NotificationKind
from rooms.roles import Role
from server import agenda
from server.calendar import feed_url_for
from server.i18n import load_catalogs
from server.scheduler import Scheduler
from server.store import keys
from server.store.codec import dump
from tests.server.pages_world import (
    csrf_of,
    make_event,
    make_session,
    now,
    sign_in,
    staff_of_new_org,
)

NOTIFICATION = re.compile(r'<li class="card notification [^"]*">\s*<a href="([^"]+)">(.*?)</a>')
BADGE = re.compile(
    r'<a class="badge notifications-badge" href="([^"]+)" aria-label="([^"]+)">(\d+)</a>'
)
LOCAL_INSTANT = re.compile(r'<span class="local-time" data-start="([^"]+)" data-zone="([^"]+)"')
FEED_INPUT = re.compile(r'<input id="feed-url" type="text" readonly value="([^"]+)"')
TEMPLATES = Path(__file__).parents[2] / "web" / "templates"


@pytest.fixture
async def host(store):  # type: ignore[no-untyped-def]
    return await staff_of_new_org(store, email="host@example.org", name="Hu Host")


@pytest.fixture
async def sessions(store, host) -> list[Session]:  # type: ignore[no-untyped-def]
    """Two sessions of an event in Berlin with the host on their rosters."""
    event = await make_event(
        store, host, zone="Europe/Berlin", start_date="2030-05-01", end_date="2030-05-01"
    )
    made = [
        await make_session(store, event, title=title, start=start, end=end)
        for title, start, end in (
            ("Opening", "2030-05-01T09:30", "2030-05-01T10:30"),
            ("Keynote & panel", "2030-05-01T11:00", "2030-05-01T12:00"),
        )
    ]
    entry = RosterEntry(
        person_key=person_key(PersonType.ACCOUNT, host.account_id),
        role=Role.HOST,
        name=host.name,
        email=host.email,
    )
    for session in made:
        await agenda.add_to_roster(store, session=session, entry=entry, now=now())
    return made


async def remind(store, settings, sessions: list[Session]) -> None:  # type: ignore[no-untyped-def]
    """Run the real scheduler five minutes before each session, in order."""
    scheduler = Scheduler(store, settings)
    for session in sessions:
        report = await scheduler.tick(session.start - timedelta(minutes=5))
        assert report.reminders == 1


def account_key(account) -> str:  # type: ignore[no-untyped-def]
    return person_key(PersonType.ACCOUNT, account.account_id)


# the notifications panel and badge


async def test_console_lists_reminders_newest_first_in_the_event_zone(
    client, store, settings, host, sessions
) -> None:
    await remind(store, settings, sessions)
    await sign_in(client, host)

    html = await (await client.get("/console")).text()

    opening, keynote = sessions
    assert NOTIFICATION.findall(html) == [
        (f"/sessions/{keynote.session_id}", "Keynote &amp; panel starts at May 1, 2030 11:00"),
        (f"/sessions/{opening.session_id}", "Opening starts at May 1, 2030 09:30"),
    ]
    assert LOCAL_INSTANT.findall(html) == [
        ("2030-05-01T09:00:00Z", "Europe/Berlin"),
        ("2030-05-01T07:30:00Z", "Europe/Berlin"),
    ]


async def test_console_says_when_there_are_no_notifications(client, host) -> None:
    await sign_in(client, host)

    html = await (await client.get("/console")).text()

    assert NOTIFICATION.findall(html) == []
    assert (
        '<p class="empty">No notifications. Reminders of your sessions will appear here.</p>'
    ) in html
    assert BADGE.findall(html) == []


async def test_header_badge_counts_the_notifications_on_every_page(
    client, store, settings, host, sessions
) -> None:
    await remind(store, settings, sessions)
    await sign_in(client, host)
    pages = ["/console", "/", f"/events/{sessions[0].event_id}"]

    badges = [BADGE.findall(await (await client.get(page)).text()) for page in pages]

    assert badges == [[("/console#notifications", "Notifications: 2", "2")]] * 3


async def test_header_badge_is_not_shown_to_anonymous_viewers(
    client, store, settings, sessions
) -> None:
    await remind(store, settings, sessions)

    html = await (await client.get(f"/events/{sessions[0].event_id}")).text()

    assert BADGE.findall(html) == []


async def test_notifications_are_shown_in_chinese(client, store, settings, host, sessions) -> None:
    await remind(store, settings, sessions[:1])
    await sign_in(client, host)
    client.session.cookie_jar.update_cookies({"lang": "zh_CN"})

    html = await (await client.get("/console")).text()

    assert NOTIFICATION.findall(html) == [
        (f"/sessions/{sessions[0].session_id}", "Opening 将于 2030年5月1日 09:30 开始")
    ]
    assert BADGE.findall(html) == [("/console#notifications", "通知：1 条", "1")]
    assert '<h2 id="feed-heading">您的日历订阅</h2>' in html


def _template_messages(name: str) -> list[str]:
    source = (TEMPLATES / name).read_text()
    return re.findall(r"""_\((?:"([^"]+)"|'([^']+)')\)""", source)


@pytest.mark.parametrize("name", ["console/index.html", "_pages.html"])
def test_every_string_of_the_console_home_has_a_chinese_translation(name) -> None:
    chinese = load_catalogs()["zh_CN"]
    messages = [double or single for double, single in _template_messages(name)]

    untranslated = [message for message in messages if chinese.gettext(message) == message]

    assert untranslated == []


# the JSON endpoint


async def test_api_lists_my_notifications_newest_first(
    client, store, settings, host, sessions
) -> None:
    await remind(store, settings, sessions)
    await sign_in(client, host)
    stored = await store.notifications.of_person(account_key(host))

    response = await client.get("/api/me/notifications")

    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert await response.json() == {
        "count": 2,
        "notifications": [
            {
                "notification_id": notification.notification_id,
                "kind": "reminder",
                "session_id": session.session_id,
                "title": session.title,
                "start": start,
                "zone": "Europe/Berlin",
                "created_at": created_at,
                "url": f"http://127.0.0.1:8080/sessions/{session.session_id}",
            }
            for notification, session, start, created_at in zip(
                stored,
                reversed(sessions),
                ["2030-05-01T09:00:00Z", "2030-05-01T07:30:00Z"],
                ["2030-05-01T08:55:00Z", "2030-05-01T07:25:00Z"],
                strict=True,
            )
        ],
    }


async def test_api_notifications_need_a_signed_in_account(client) -> None:
    response = await client.get("/api/me/notifications")

    assert response.status == 401
    assert (await response.json())["error"]["code"] == "unauthorized"


async def test_api_notifications_of_a_session_gone_are_in_utc(client, store, host) -> None:
    stray = Notification(
        notification_id="n1",
        person_key=account_key(host),
        kind=NotificationKind.REMINDER,
        session_id="gone",
        title="Old",
        start=datetime(2030, 1, 1, 8, 0, tzinfo=UTC),
        created_at=datetime(2030, 1, 1, 7, 45, tzinfo=UTC),
    )
    await store.redis.lpush(keys.notifications(account_key(host)), dump(stray))
    await sign_in(client, host)

    body = await (await client.get("/api/me/notifications")).json()

    assert [(n["title"], n["zone"], n["start"]) for n in body["notifications"]] == [
        ("Old", "UTC", "2030-01-01T08:00:00Z")
    ]


# the calendar feed


async def _feed_url_shown(client) -> str:  # type: ignore[no-untyped-def]
    found = FEED_INPUT.search(await (await client.get("/console")).text())
    assert found is not None, "the console shows no feed URL"
    return found.group(1)


def _path(url: str) -> str:
    return url.removeprefix("http://127.0.0.1:8080")


async def test_console_shows_my_feed_url_which_serves_my_sessions(
    client, store, settings, host, sessions
) -> None:
    await sign_in(client, host)

    shown = await _feed_url_shown(client)
    feed = await client.get(_path(shown))

    assert shown == await feed_url_for(store, settings, account_key(host))
    assert re.fullmatch(r"http://127\.0\.0\.1:8080/feeds/[\w-]+\.ics", shown)
    assert (feed.status, feed.content_type) == (200, "text/calendar")
    events = Calendar.from_ical(await feed.read()).walk("VEVENT")
    assert sorted(str(e["UID"]) for e in events) == sorted(
        f"{s.session_id}@yunhui" for s in sessions
    )


async def test_new_feed_url_replaces_the_old_one(client, host) -> None:
    await sign_in(client, host)
    old = await _feed_url_shown(client)
    token = csrf_of(await (await client.get("/console")).text())

    response = await client.post("/console/feed", data={"csrf_token": token}, allow_redirects=False)

    new = await _feed_url_shown(client)
    assert (response.status, response.headers["Location"]) == (303, "/console#feed")
    assert new != old
    assert (await client.get(_path(old))).status == 404
    assert (await client.get(_path(new))).status == 200


async def test_new_feed_url_without_the_csrf_token_is_refused(client, host) -> None:
    await sign_in(client, host)
    old = await _feed_url_shown(client)

    response = await client.post("/console/feed", data={}, allow_redirects=False)

    assert response.status == 403
    assert await _feed_url_shown(client) == old


async def test_new_feed_url_needs_a_signed_in_account(client) -> None:
    page = await (await client.get("/login")).text()

    response = await client.post(
        "/console/feed", data={"csrf_token": csrf_of(page)}, allow_redirects=False
    )

    assert (response.status, response.headers["Location"]) == (303, "/login?next=/")
