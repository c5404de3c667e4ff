"""The polls panel of the room page in headless Chromium against the real server: a teacher
launches a timed poll, two students (one on a Chinese page) vote, the server closes the poll
by itself, and the results the teacher shares appear on the students' pages."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.async_api import Page, expect

from rooms.agenda import Session
from rooms.roles import Role
from server import agenda
from server.invitations import issue_invite, sign_invite
from server.store import Store
from tests.browser.conftest import LiveServer
from tests.browser.room_ui import open_panel
from tests.browser.test_review_room import join, join_by_invite
from tests.server.fixtures_login import create_staff

ZONE = "Asia/Shanghai"
TEACHER_EMAIL = "teacher@example.org"
CLOSES_MS = 25_000  # the poll's 10 seconds, and a margin


async def open_class(
    store: Store, *, kind: str = "class", email: str = TEACHER_EMAIL, name: str = "Teacher Tang"
) -> Session:
    """A class session (or one of another kind) whose room is open now, without a lobby,
    its event's staff ``email`` its host."""
    org, account = await create_staff(store, email=email, name=name)
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo(ZONE)).date()
    event = await agenda.create_event(
        store, org_id=org.org_id, organizer=account.account_id,
        fields={
            "title_zh": "数据课", "title_en": "Data class", "description": "", "zone": ZONE,
            "visibility": "unlisted", "start_date": str(today - timedelta(days=1)),
            "end_date": str(today + timedelta(days=1)),
        },
        now=now,
    )  # fmt: skip
    start = (now + timedelta(minutes=5)).astimezone(ZoneInfo(ZONE))
    fields = {
        "kind": kind, "title": "Lesson", "description": "", "lobby": False,
        "start": f"{start:%Y-%m-%dT%H:%M}", "end": f"{start + timedelta(hours=1):%Y-%m-%dT%H:%M}",
    }  # fmt: skip
    session = await agenda.create_session(store, event=event, fields=fields, now=now)
    await store.schedule.advance(session.session_id, now)
    return session


async def student_invite(live: LiveServer, session: Session, name: str, email: str) -> str:
    invite = await issue_invite(
        live.store, session=session, role=Role.ATTENDEE, name=name, email=email,
        single_use=False, days=1, created_by="test", now=datetime.now(UTC),
    )  # fmt: skip
    return sign_invite(live.settings, invite)


def first_poll(page: Page):  # noqa: ANN201 - a Playwright locator
    return page.locator("#poll-list li.poll").first


async def test_a_timed_poll_closes_by_itself_and_shared_results_reach_students(
    live_server, new_page, sign_in
) -> None:
    session = await open_class(live_server.store)
    teacher, li, han = await new_page(), await new_page(), await new_page(lang="zh_CN")
    await sign_in(teacher, email=TEACHER_EMAIL)
    await join(teacher, session)
    for page, name, email in [(li, "Li Lei", "li@school.cn"), (han, "Han Mei", "han@school.cn")]:
        await join_by_invite(page, session, await student_invite(live_server, session, name, email))
        await open_panel(page, "polls")
        await expect(page.locator("#polls-panel")).to_be_visible()
    await expect(li.locator("#poll-launch")).to_be_hidden()
    await expect(li.locator("#polls-empty")).to_have_text("No poll yet.")

    # the teacher launches a poll that closes in 10 seconds
    await open_panel(teacher, "polls")
    await teacher.click("#poll-launch summary")
    await teacher.fill("#poll-question", "Which is a prime?")
    await teacher.fill("#poll-options", "4\n7\n9")
    await teacher.fill("#poll-seconds", "10")
    await teacher.click("#poll-launch-button")
    await expect(teacher.locator("#poll-form-status")).to_have_text("Poll launched.")
    await expect(first_poll(li).locator(".poll-question")).to_have_text("Which is a prime?")
    await expect(first_poll(han).locator(".poll-state")).to_have_text("投票进行中")
    await expect(first_poll(li).locator(".poll-countdown")).to_have_text(
        re.compile(r"^Closes in 0:\d\d$")
    )

    # both vote; the teacher's bars follow live, the students see no results yet
    await first_poll(li).get_by_label("7").check()
    await first_poll(li).locator("button[type=submit]").click()
    await expect(first_poll(li).locator(".poll-status")).to_have_text("Your vote is in.")
    await first_poll(han).get_by_label("4").check()
    await first_poll(han).locator("button[type=submit]").click()
    await expect(first_poll(teacher).locator(".poll-count")).to_have_text(["1", "1", "0"])
    await expect(first_poll(teacher).locator(".poll-summary")).to_have_text("2 voted")
    await expect(first_poll(li).locator(".poll-results")).to_have_count(0)

    # the server closes it by itself
    await expect(first_poll(li).locator(".poll-state")).to_have_text("Closed", timeout=CLOSES_MS)
    await expect(first_poll(han).locator(".poll-state")).to_have_text("已结束")
    await expect(first_poll(li).locator("button[type=submit]")).to_have_count(0)

    # the teacher shares the results: they appear for the students
    await first_poll(teacher).get_by_role("button", name="Share results").click()
    await expect(first_poll(li).locator(".poll-count")).to_have_text(["1", "1", "0"])
    await expect(first_poll(han).locator(".poll-summary")).to_have_text("2 人已投票")
    await expect(first_poll(li).locator(".poll-names")).to_have_text(["Han Mei", "Li Lei"])
