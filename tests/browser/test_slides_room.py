"""Slides on the stage in headless Chromium against the real server: a teacher uploads a
deck in a class's room and turns its pages; a student's page follows, and a late joiner
opens at the page the room is on."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.async_api import Page, expect

from rooms.agenda import Session
from server import agenda
from server.store import Store
from tests.browser.room_ui import open_panel
from tests.browser.test_room import HOST_EMAIL, ZONE, join_as_guest, room_path
from tests.fixtures_files import make_pdf
from tests.server.fixtures_login import create_staff


async def open_class(store: Store) -> Session:
    """A public class without a lobby, starting in 5 minutes: its room is open."""
    org, account = await create_staff(store, email=HOST_EMAIL, name="Hu Teacher")
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo(ZONE)).date()
    event = await agenda.create_event(
        store, org_id=org.org_id, organizer=account.account_id, now=now,
        fields={"title_zh": "课程", "title_en": "Course", "description": "", "zone": ZONE,
                "visibility": "public", "start_date": str(today - timedelta(days=1)),
                "end_date": str(today + timedelta(days=1))},
    )  # fmt: skip
    start = (now + timedelta(minutes=5)).astimezone(ZoneInfo(ZONE))
    fields = {
        "kind": "class", "title": "Week 1", "description": "", "lobby": False,
        "start": f"{start:%Y-%m-%dT%H:%M}", "end": f"{start + timedelta(hours=1):%Y-%m-%dT%H:%M}",
    }  # fmt: skip
    session = await agenda.create_session(store, event=event, fields=fields, now=now)
    await store.schedule.advance(session.session_id, now)
    return session


async def shows_page(page: Page, number: int, pages: int = 3) -> None:
    await expect(page.locator("#slides-page")).to_have_attribute("data-page", str(number))
    await expect(page.locator("#slides-page canvas")).to_have_count(1)
    await expect(page.locator("#slides-position")).to_have_text(f"Page {number} of {pages}")
    drawn = await page.locator("#slides-page canvas").evaluate("c => c.width > 0 && c.height > 0")
    assert drawn


async def test_a_students_page_follows_the_teachers_slides(
    live_server, new_page, sign_in, tmp_path
) -> None:
    session = await open_class(live_server.store)
    teacher, student = await new_page(), await new_page()
    await sign_in(teacher, email=HOST_EMAIL)
    await teacher.goto(room_path(session))
    await teacher.click("#join-button")
    await expect(teacher.locator("#room")).to_be_visible()
    await join_as_guest(student, session, "Li Lei")
    await expect(student.locator("#room")).to_be_visible()
    await expect(student.locator("#slides-upload")).to_be_hidden()

    deck = tmp_path / "week-1.pdf"
    deck.write_bytes(make_pdf(pages=3))
    await open_panel(teacher, "slides")
    await teacher.set_input_files("#slides-file", str(deck))
    await teacher.click("#slides-upload-button")
    await shows_page(student, 1)
    await shows_page(teacher, 1)
    await expect(student.locator("#slides-download")).to_be_hidden()
    await expect(student.locator("#slides-next")).to_be_hidden()

    await teacher.click("#slides-next")
    await shows_page(student, 2)
    await shows_page(teacher, 2)

    late = await new_page()
    await join_as_guest(late, session, "Han Mei")
    await expect(late.locator("#room")).to_be_visible()
    await shows_page(late, 2)

    await teacher.keyboard.press("ArrowRight")
    await shows_page(late, 3)

    # the teacher points: the others see where; then takes the deck off the stage
    await teacher.locator("#slides-page canvas").hover(position={"x": 20, "y": 20})
    await expect(student.locator("#slides-pointer")).to_be_visible()
    await teacher.click("#slides-stop")
    await expect(student.locator("#slides-view")).to_be_hidden()
    await expect(late.locator("#slides")).to_be_hidden()
