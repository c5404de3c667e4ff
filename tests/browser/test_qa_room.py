"""The Q&A panel in headless Chromium against the real server: in a class, a student asks,
another upvotes, the teacher marks it being answered (highlighted for all), then answered."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.async_api import Locator, Page, expect

from rooms.agenda import Session
from server import agenda
from server.store import Store
from tests.browser.room_ui import open_panel
from tests.browser.test_room import HOST_EMAIL, ZONE, join_as_guest, room_path
from tests.server.fixtures_login import create_staff

QUESTION = "Why is <b>the sky</b> blue?"  # a question is text, never markup


async def open_class(store: Store) -> Session:
    """A public class starting in 5 minutes, no lobby: its room is open."""
    org, account = await create_staff(store, email=HOST_EMAIL, name="Hu Host")
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo(ZONE)).date()
    event = await agenda.create_event(
        store,
        org_id=org.org_id,
        organizer=account.account_id,
        fields={
            "title_zh": "云课堂", "title_en": "Cloud class", "description": "", "zone": ZONE,
            "visibility": "public", "start_date": str(today - timedelta(days=1)),
            "end_date": str(today + timedelta(days=1)),
        },
        now=now,
    )  # fmt: skip
    start = (now + timedelta(minutes=5)).astimezone(ZoneInfo(ZONE))
    fields = {
        "kind": "class", "title": "Research data", "description": "", "lobby": False,
        "start": f"{start:%Y-%m-%dT%H:%M}", "end": f"{start + timedelta(hours=1):%Y-%m-%dT%H:%M}",
    }  # fmt: skip
    session = await agenda.create_session(store, event=event, fields=fields, now=now)
    await store.schedule.advance(session.session_id, now)
    return session


def item(page: Page) -> Locator:
    return page.locator("#qa-list .qa-item", has_text="the sky")


async def test_a_question_is_asked_upvoted_answered_in_a_class(
    live_server, new_page, sign_in
) -> None:
    session = await open_class(live_server.store)
    teacher, li, han = await new_page(), await new_page(), await new_page(lang="zh_CN")
    await sign_in(teacher, email=HOST_EMAIL)
    await teacher.goto(room_path(session))
    await teacher.click("#join-button")
    await open_panel(teacher, "qa")
    await expect(teacher.locator("#qa-panel")).to_be_visible()
    await expect(teacher.locator("#qa-moderation")).to_be_visible()
    await expect(teacher.locator("#qa-form")).to_be_hidden()  # the teacher moderates
    for page, name in ((li, "Li Lei"), (han, "Han Mei")):
        await join_as_guest(page, session, name)
        await open_panel(page, "qa")
        await expect(page.locator("#qa-form")).to_be_visible()
    await expect(li.locator("#qa-moderation")).to_be_hidden()

    # a student asks: everyone sees the question, as text, with its asker's name
    await li.fill("#qa-text", QUESTION)
    await li.click("#qa-ask")
    await expect(li.locator("#qa-status")).to_have_text("Your question was sent.")
    for page in (teacher, li, han):
        await expect(item(page).locator(".qa-text")).to_have_text(QUESTION)
        await expect(item(page).locator(".qa-name")).to_have_text("Li Lei")
    assert await han.locator("#qa-list b").count() == 0
    await expect(item(li).locator(".qa-upvote")).to_have_count(0)  # not one's own

    # another upvotes, once
    await item(han).locator(".qa-upvote").click()
    await expect(item(han).locator(".qa-upvote")).to_be_disabled()
    await expect(item(han).locator(".qa-upvote")).to_have_text("已点赞")
    for page, votes in ((teacher, "Votes: 1"), (li, "Votes: 1"), (han, "赞：1")):
        await expect(item(page).locator(".qa-votes")).to_have_text(votes)

    # the teacher answers it: highlighted for all, then answered
    await item(teacher).locator(".qa-answering").click()
    for page in (teacher, li, han):
        await expect(item(page)).to_have_class("qa-item answering")
    await expect(item(han).locator(".qa-state")).to_have_text("正在回答")
    await li.screenshot(path="/tmp/qa-answering.png", full_page=True)
    await item(teacher).locator(".qa-answered").click()
    for page in (teacher, li, han):
        await expect(item(page)).to_have_class("qa-item answered")
    await expect(item(li).locator(".qa-state")).to_have_text("Answered")
    await expect(item(han).locator(".qa-upvote")).to_have_count(0)

    # a reload (a reconnect) shows the list once, as it is
    await join_as_guest(han, session, "Han Mei")
    await expect(han.locator("#qa-list .qa-item")).to_have_count(1)
    await expect(item(han).locator(".qa-state")).to_have_text("已回答")


async def test_pre_moderation_and_anonymous_questions_from_the_teachers_controls(
    live_server, new_page, sign_in
) -> None:
    session = await open_class(live_server.store)
    teacher, li, han = await new_page(), await new_page(), await new_page()
    await sign_in(teacher, email=HOST_EMAIL)
    await teacher.goto(room_path(session))
    await teacher.click("#join-button")
    for page, name in ((li, "Li Lei"), (han, "Han Mei")):
        await join_as_guest(page, session, name)
        await open_panel(page, "qa")
        await expect(page.locator("#qa-form")).to_be_visible()

    await open_panel(teacher, "qa")
    await teacher.check("#qa-premoderated")
    await li.fill("#qa-text", "Is the sky blue at night?")
    await li.check("#qa-anonymous")
    await li.click("#qa-ask")
    await expect(li.locator("#qa-status")).to_have_text(
        "Your question was sent; a host will approve it."
    )
    await expect(item(teacher).locator(".qa-state")).to_have_text("Awaiting approval")
    await expect(item(teacher).locator(".qa-name")).to_have_text("Anonymous")
    await expect(item(li).locator(".qa-state")).to_have_text("Awaiting approval")
    await expect(han.locator("#qa-empty")).to_be_visible()

    await item(teacher).locator(".qa-visible").click()
    await expect(item(han).locator(".qa-state")).to_have_text("Visible")
    await expect(item(han).locator(".qa-name")).to_have_text("Anonymous")

    # the teacher turns anonymous questions off: the choice goes from the students' form
    await teacher.uncheck("#qa-allow-anonymous")
    await expect(li.locator("#qa-anonymous-label")).to_be_hidden()
