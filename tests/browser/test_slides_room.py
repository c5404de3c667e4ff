"""Slides on the stage in headless Chromium against the real server: a teacher uploads a
deck in a class's room and turns its pages; a student's page follows, and a late joiner
opens at the page the room is on.

The deck fills the stage as far as its shape allows (at a laptop's size with a side panel
open, without it, and on a phone held upright and turned), drawn again sharp at the screen's
density after each change of size; its controls are one row over the slides, with no
serious axe-core violation.
With YUNHUI_SHOTS set to a folder, the test also writes screenshots there for review."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.async_api import Page, expect

from rooms.agenda import Session
from server import agenda
from server.store import Store
from tests.browser.room_ui import open_panel
from tests.browser.test_room import HOST_EMAIL, ZONE, join_as_guest, room_path
from tests.browser.test_room_app import LAPTOP, PHONE, serious_violations, shoot
from tests.fixtures_files import make_pdf
from tests.server.fixtures_login import create_staff


async def open_class(store: Store, *, recording_allowed: bool = False) -> Session:
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
        "recording_allowed": recording_allowed,
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


# where the stage, the slide and the slides' controls are; the canvas's own pixels per CSS
# pixel (devicePixelRatio once it is drawn again for its size)
SLIDES_LAYOUT = """() => {
  const box = (node) => node.getBoundingClientRect().toJSON();
  const canvas = document.querySelector("#slides-page canvas");
  const controls = [...document.getElementById("slides-controls").children]
    .filter((node) => node.checkVisibility()).map(box);
  return {
    stage: box(document.getElementById("stage")), canvas: box(canvas),
    controls: box(document.getElementById("slides-controls")), items: controls,
    density: canvas.width / canvas.getBoundingClientRect().width, dpr: window.devicePixelRatio,
  };
}"""


def contained(layout: dict, what: str) -> None:
    """The slide fills the stage's width or its height (at least 80 %) keeping its shape
    (4:3), inside the stage, sharp; the controls one row inside the stage."""
    stage, canvas, bar = layout["stage"], layout["canvas"], layout["controls"]
    assert canvas["width"] >= 0.8 * stage["width"] or canvas["height"] >= 0.8 * stage["height"], (
        what, layout,
    )  # fmt: skip
    assert abs(canvas["width"] / canvas["height"] - 4 / 3) < 0.02, (what, layout)
    for box in (canvas, bar):
        assert stage["left"] <= box["left"] and box["right"] <= stage["right"], (what, layout)
        assert stage["top"] <= box["top"] and box["bottom"] <= stage["bottom"], (what, layout)
    first = layout["items"][0]
    for item in layout["items"]:  # one row: every control level with the first
        assert item["top"] < first["bottom"] and item["bottom"] > first["top"], (what, layout)
    assert abs(layout["density"] - layout["dpr"]) < 0.05, (what, layout)


# the slide contained in its box (as wide or as tall as the box) and drawn sharp at that size
SETTLED = """() => {
  const canvas = document.querySelector("#slides-page canvas");
  if (canvas === null) return false;
  const page = document.getElementById("slides-page");
  const box = canvas.getBoundingClientRect();
  const fits = box.width <= page.clientWidth && box.height <= page.clientHeight
    && (page.clientWidth - box.width < 2 || page.clientHeight - box.height < 2);
  return fits && Math.abs(canvas.width / box.width - window.devicePixelRatio) < 0.05;
}"""


async def settled(page: Page) -> dict:
    """The layout once the slide fits its box as it is now and is drawn sharp at that size."""
    await page.wait_for_function(SETTLED)
    return dict(await page.evaluate(SLIDES_LAYOUT))


async def test_a_students_page_follows_the_teachers_slides(
    live_server, new_page, sign_in, tmp_path
) -> None:
    session = await open_class(live_server.store)
    teacher, student = await new_page(**LAPTOP, scale=2), await new_page(**PHONE)
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
    await expect(student.locator("#slides-position")).to_be_visible()

    # the deck as large as the stage allows: a laptop with the panel open, and without;
    # a phone held upright, then turned
    await shoot(teacher, "slides-laptop-panel")
    await shoot(student, "slides-phone")
    laptop = await settled(teacher)
    contained(laptop, "laptop, a panel open")
    assert len(laptop["items"]) == 6  # name, previous, page, next, download, stop
    assert await serious_violations(teacher) == []
    await teacher.set_viewport_size({"width": 1100, "height": 800})
    narrower = await settled(teacher)
    await shoot(teacher, "slides-1100-panel")
    contained(narrower, "1100 px wide, a panel open")
    await teacher.locator("#panel-slides .panel-close").click()
    wider = await settled(teacher)
    contained(wider, "1100 px wide, no panel")
    assert wider["canvas"]["width"] > narrower["canvas"]["width"]
    await shoot(teacher, "slides-1100")
    phone = await settled(student)
    contained(phone, "phone")
    assert len(phone["items"]) == 1  # the page (the deck's name left out where narrow)
    assert await serious_violations(student) == []
    await student.set_viewport_size({"width": PHONE["height"], "height": PHONE["width"]})
    turned = await settled(student)
    contained(turned, "phone turned")
    await shoot(student, "slides-phone-turned")

    await teacher.click("#slides-next")
    await shows_page(student, 2)
    await shows_page(teacher, 2)

    late = await new_page()
    await join_as_guest(late, session, "Han Mei")
    await expect(late.locator("#room")).to_be_visible()
    await shows_page(late, 2)

    await teacher.keyboard.press("ArrowRight")
    await shows_page(late, 3)
    await expect(teacher.locator("#slides-prev")).to_be_focused()  # "next" went off under it
    await teacher.keyboard.press("PageUp")
    await shows_page(late, 2)
    await teacher.keyboard.press("PageDown")
    await shows_page(late, 3)

    # the teacher points: the others see where; then takes the deck off the stage
    await teacher.locator("#slides-page canvas").hover(position={"x": 20, "y": 20})
    await expect(student.locator("#slides-pointer")).to_be_visible()
    await teacher.click("#slides-stop")
    await expect(student.locator("#slides-view")).to_be_hidden()
    await expect(late.locator("#slides")).to_be_hidden()
