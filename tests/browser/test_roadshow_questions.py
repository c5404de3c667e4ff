"""A roadshow's Q&A in headless Chromium against the real server: questions belong to the
pitch on stage when they were asked; the list shows the current pitch's by default, and all
of them, or one pitch's, on request."""

from datetime import UTC, datetime

from playwright.async_api import Page, expect

from server import reviews
from tests.browser.room_ui import open_panel
from tests.browser.test_room import HOST_EMAIL, join_as_guest, open_meeting, room_path


async def ask(page: Page, text: str) -> None:
    await page.fill("#qa-text", text)
    await page.click("#qa-ask")
    await expect(page.locator("#qa-status")).to_have_text("Your question was sent.")


def texts(page: Page):  # noqa: ANN201 - a Playwright locator
    return page.locator("#qa-list .qa-item .qa-text")


async def test_roadshow_questions_are_listed_by_the_pitch_they_were_asked_in(
    live_server, new_page, sign_in
) -> None:
    session = await open_meeting(live_server.store, lobby=False, kind="roadshow")
    for n in (1, 2):
        fields = {
            "title_en": f"Pitch {n}", "title_zh": f"路演{n}", "applicant_name": f"Founder {n}",
            "applicant_email": "", "present_minutes": 3, "qa_minutes": 2,
        }  # fmt: skip
        await reviews.add_item(
            live_server.store, session=session, fields=fields, now=datetime.now(UTC)
        )
    chair, investor = await new_page(), await new_page()
    await sign_in(chair, email=HOST_EMAIL)
    await chair.goto(room_path(session))
    await chair.click("#join-button")
    await join_as_guest(investor, session, "Ivy Investor")
    await open_panel(investor, "qa")
    await expect(investor.locator("#qa-pitch-label")).to_be_visible()

    await chair.click("#show-start")
    await expect(investor.locator("#show-pitch")).to_have_text("Pitch 1")
    await ask(investor, "How big is the market?")
    await expect(investor.locator("#qa-list .qa-pitch")).to_have_text(["Pitch 1"])

    await chair.click("#show-end-stage")  # pitch 1's Q&A: still pitch 1's questions
    await chair.click("#show-end-stage")  # pitch 2
    await expect(investor.locator("#show-pitch")).to_have_text("Pitch 2")
    await expect(texts(investor)).to_have_count(0)
    await ask(investor, "Who is on the team?")
    await expect(texts(investor)).to_have_text(["Who is on the team?"])
    await expect(texts(chair)).to_have_text(["Who is on the team?"])

    await investor.select_option("#qa-pitch", "all")
    await expect(texts(investor)).to_have_text(["How big is the market?", "Who is on the team?"])
    await expect(investor.locator("#qa-list .qa-pitch")).to_have_text(["Pitch 1", "Pitch 2"])
    await investor.select_option("#qa-pitch", label="Pitch 1")
    await expect(texts(investor)).to_have_text(["How big is the market?"])
