"""The smoke test of the foundation, in headless Chromium: the demo host signs in, creates a
session through the console's form, and finds it on the public agenda in English and then in
Chinese, with the viewer's own local time filled in by localtime.js; the console shows the
host's reminders and calendar feed."""

import re
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, expect

from rooms.agenda import Event, Session
from rooms.roles import Kind
from server.pages.timetable import instant_label
from server.scheduler import Scheduler
from server.seed import HOST_EMAIL, credentials_file, seed_demo

VIEWER_ZONE = "Europe/Berlin"
TIMEOUT_MS = 10_000
TITLE = "路演日 Pitch day"
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


@pytest.fixture
async def demo(live_server) -> tuple[str, Event]:  # type: ignore[no-untyped-def]
    """The demo data seeded as on a first start: the host's password and the demo event."""
    await seed_demo(live_server.store, live_server.settings)
    found = re.search(
        rf"{re.escape(HOST_EMAIL)} / (\S+)", credentials_file(live_server.settings).read_text()
    )
    assert found is not None, "the demo credentials name no host password"
    (event,) = await live_server.store.agenda.public_events()
    return found.group(1), event


@pytest.fixture
async def page(browser: Browser, live_server) -> AsyncIterator[Page]:  # type: ignore[no-untyped-def]
    """A page of a viewer in Berlin (English browser); script errors fail the test."""
    context = await browser.new_context(
        base_url=live_server.base_url, locale="en-US", timezone_id=VIEWER_ZONE
    )
    context.set_default_timeout(TIMEOUT_MS)
    problems: list[str] = []
    opened = await context.new_page()
    opened.on("pageerror", lambda error: problems.append(str(error)))
    opened.on("console", lambda message: problems.extend(console_errors(message)))
    yield opened
    await context.close()
    assert problems == []


def console_errors(message: ConsoleMessage) -> list[str]:
    """A console error, unless it is the browser's own request for /favicon.ico (none yet)."""
    if message.type != "error" or message.location.get("url", "").endswith("/favicon.ico"):
        return []
    return [f"{message.text} at {message.location.get('url')}"]


def berlin_span(start: datetime, end: datetime, weekdays: tuple[str, ...]) -> tuple[str, ...]:
    """The parts Intl.DateTimeFormat shows for a same-day span in Berlin."""
    start, end = start.astimezone(ZoneInfo(VIEWER_ZONE)), end.astimezone(ZoneInfo(VIEWER_ZONE))
    weekday = weekdays[start.weekday()]
    return weekday, str(start.month), str(start.day), f"{start:%H:%M}", f"{end:%H:%M}"


def local_time_en(start: datetime, end: datetime) -> str:
    weekday, month, day, begins, ends = berlin_span(start, end, WEEKDAYS_EN)
    month = MONTHS_EN[int(month) - 1]
    return f"Your time: {weekday}, {month} {day}, {begins}–{ends} ({VIEWER_ZONE})"


def local_time_zh(start: datetime, end: datetime) -> str:
    weekday, month, day, begins, ends = berlin_span(start, end, WEEKDAYS_ZH)
    return f"您的时间： {month}月{day}日{weekday} {begins}–{ends} ({VIEWER_ZONE})"


async def sign_in_as_demo_host(page: Page, password: str) -> None:
    await page.goto("/login")
    await page.fill("input[name=email]", HOST_EMAIL)
    await page.fill("input[name=password]", password)
    async with page.expect_navigation():
        await page.click("form[action='/login'] button[type=submit]")
    assert "/login" not in page.url


async def test_demo_host_creates_a_session_and_sees_it_on_the_agenda_in_both_languages(
    page, live_server, demo
) -> None:
    password, event = demo
    day: date = event.end_date  # the demo's own sessions are on the days before
    zone = ZoneInfo(event.zone)
    start = datetime.combine(day, datetime.min.time(), zone).replace(hour=20)
    end = start + timedelta(hours=1)

    await sign_in_as_demo_host(page, password)
    await page.goto("/console")
    async with page.expect_navigation():
        await page.click(f"a[href='/console/events/{event.event_id}']")
    form = page.locator("#new-session form")
    await form.locator("select[name=kind]").select_option(str(Kind.ROADSHOW))
    await form.locator("input[name=title]").fill(TITLE)
    await form.locator("input[name=start]").fill(f"{day.isoformat()}T20:00")
    await form.locator("input[name=end]").fill(f"{day.isoformat()}T21:00")
    async with page.expect_navigation():
        await form.locator("button[type=submit]").click()
    await expect(page.locator("#agenda h3 a", has_text=TITLE)).to_have_count(1)

    async with page.expect_navigation():
        await page.click(f"a[href='/events/{event.event_id}']")
    card = page.locator("li.card.session", has=page.locator("h4 a", has_text=TITLE))
    await expect(card.locator(".badges")).to_have_text("Roadshow Scheduled")
    await expect(card.locator(".event-time")).to_have_text(f"20:00–21:00 {event.zone}")
    await expect(card.locator(".local-time")).to_have_text(local_time_en(start, end))
    await expect(page.locator("h1")).to_have_text(event.title_en)

    async with page.expect_navigation():
        await page.click("header.site a.lang")
    await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    await expect(page).to_have_title(f"{event.title_zh} · 云会")
    await expect(page.locator("h1")).to_have_text(event.title_zh)
    await expect(page.locator("#agenda-heading")).to_have_text("日程")
    await expect(card.locator(".badges")).to_have_text("路演 未开始")
    await expect(card.locator("h4 a")).to_have_text(TITLE)
    await expect(card.locator(".local-time")).to_have_text(local_time_zh(start, end))


def demo_meeting(sessions: list[Session]) -> Session:
    (meeting,) = [session for session in sessions if session.kind is Kind.MEETING]
    return meeting


async def test_console_shows_the_hosts_reminder_and_a_new_feed_url(page, live_server, demo) -> None:
    password, event = demo
    store = live_server.store
    meeting = demo_meeting(await store.agenda.agenda_of(event.event_id))
    await Scheduler(store, live_server.settings).tick(meeting.start - timedelta(minutes=5))
    when = instant_label(meeting.start, event.zone, "en")

    await sign_in_as_demo_host(page, password)
    await page.goto("/console")
    await expect(page.locator("a.notifications-badge")).to_have_text("1")
    reminder = page.locator("#notifications li.notification a")
    await expect(reminder).to_have_text(f"{meeting.title} starts at {when}")
    await expect(reminder).to_have_attribute("href", f"/sessions/{meeting.session_id}")
    feed = page.locator("#feed-url")
    await expect(page.locator("button[data-copy=feed-url]")).to_be_visible()
    old = await feed.input_value()
    async with page.expect_navigation():
        await page.click("#feed form button[type=submit]")
    await expect(feed).not_to_have_value(old)

    gone = await page.request.get(old)
    served = await page.request.get(await feed.input_value())
    assert (gone.status, served.status) == (404, 200)
