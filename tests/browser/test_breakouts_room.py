"""The breakout groups panel of the room page in headless Chromium against the real server: a
teacher opens groups people choose; a student (on a Chinese page) picks one, sees where they
are, the countdown and that the chat is the group's, and may speak there; the group's chat
stays in the group; the teacher assigns another student by hand, broadcasts to every group
and returns everyone."""

import re

from playwright.async_api import expect

from tests.browser.room_ui import open_panel
from tests.browser.test_polls_room import TEACHER_EMAIL, open_class, student_invite
from tests.browser.test_review_room import join, join_by_invite


async def test_a_teacher_runs_breakout_groups_from_the_room_page(
    live_server, new_page, sign_in
) -> None:
    session = await open_class(live_server.store)
    teacher, li, han = await new_page(), await new_page(lang="zh_CN"), await new_page()
    await sign_in(teacher, email=TEACHER_EMAIL)
    await join(teacher, session)
    for page, name, email in [(li, "Li Lei", "li@school.cn"), (han, "Han Mei", "han@school.cn")]:
        await join_by_invite(page, session, await student_invite(live_server, session, name, email))
        await open_panel(page, "breakouts")
        await expect(page.locator("#breakouts-panel")).to_be_visible()
    await expect(li.locator("#breakout-host")).to_be_hidden()

    # the teacher opens two groups for ten minutes, people choose
    await open_panel(teacher, "breakouts")
    await teacher.fill("#breakout-count", "2")
    await teacher.select_option("#breakout-mode", "choose")
    await teacher.fill("#breakout-minutes", "10")
    await teacher.click("#breakout-open")
    await expect(teacher.locator("#breakout-running")).to_be_visible()

    # Li picks group 2: the panel, the countdown and the chat say so; a student may speak there
    await expect(li.locator("#mic-button")).to_be_hidden()
    await li.locator("#breakout-choices button[data-group='2']").click()
    await expect(li.locator("#mic-button")).to_be_visible()
    await expect(li.locator("#breakout-place")).to_have_text("你在第 2 组")
    await expect(li.locator("#breakout-countdown")).to_have_text(re.compile(r"\d+:\d\d"))
    await expect(li.locator("#chat-title")).to_have_text("聊天 · 第 2 组")

    # the group's chat stays in the group
    await open_panel(li, "chat")
    await li.fill("#chat-text", "Hello group two")
    await li.click("#chat-send")
    await expect(li.locator("#chat-log .chat-message .text")).to_have_text(["Hello group two"])
    await expect(li.locator("#chat-log .private")).to_have_text(["小组聊天"])
    await open_panel(han, "chat")
    await han.fill("#chat-text", "Main room here")
    await han.click("#chat-send")
    await expect(han.locator("#chat-log .text")).to_have_text(["Main room here"])

    # the teacher puts Han in group 2 by hand, and broadcasts to every group
    await open_panel(han, "breakouts")
    await teacher.get_by_label("Han Mei", exact=True).select_option("2")
    await expect(han.locator("#breakout-place")).to_have_text("You are in group 2")
    await teacher.fill("#breakout-broadcast-text", "Two minutes left")
    await teacher.click("#breakout-broadcast-send")
    shown = li.locator("#breakout-broadcast"), han.locator("#breakout-broadcast")
    await expect(shown[0]).to_have_text("Teacher Tang 对所有小组说：Two minutes left")
    await expect(shown[1]).to_have_text("Teacher Tang to all groups: Two minutes left")

    # return all: everyone is back in the main room, the chat is the room's again
    await teacher.click("#breakout-close")
    await expect(teacher.locator("#breakout-open-form")).to_be_visible()
    await expect(li.locator("#chat-title")).to_have_text("聊天")
    await expect(li.locator("#mic-button")).to_be_hidden()
    await expect(han.locator("#breakout-place")).to_be_hidden()
