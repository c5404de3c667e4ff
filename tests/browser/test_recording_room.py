"""Recording in real Chromium: a host starts it from the host controls, everyone sees the
indicator in the top bar, someone about to join reads the notice before entering, and the
indicator goes when the host stops."""

from playwright.async_api import expect

from tests.browser.axe import serious_violations
from tests.browser.room_ui import open_panel
from tests.browser.test_room import HOST_EMAIL, join_as_guest, open_meeting, room_path


async def test_recording_indicator_and_the_notice_before_joining(
    live_server, new_page, sign_in
) -> None:
    session = await open_meeting(live_server.store, lobby=False, recording_allowed=True)
    host, guest = await new_page(), await new_page(lang="zh_CN")
    await sign_in(host, email=HOST_EMAIL)
    await host.goto(room_path(session))
    await host.click("#join-button")
    await expect(host.locator("#flag-recording")).to_be_hidden()
    await open_panel(host, "host")
    await host.click("#record-toggle")
    await expect(host.locator("#flag-recording")).to_be_visible()
    await expect(host.locator("#record-toggle")).to_have_text("Stop recording")
    assert await serious_violations(host) == []

    await guest.goto(room_path(session))
    await expect(guest.locator("#prejoin-recording")).to_contain_text("本会议正在录制")
    assert await serious_violations(guest) == []
    await join_as_guest(guest, session, "Li Lei")
    await expect(guest.locator("#flag-recording")).to_have_text("正在录制")
    await expect(guest.locator("#record-toggle")).to_be_hidden()  # not a host's

    await host.click("#record-toggle")
    await expect(guest.locator("#flag-recording")).to_be_hidden()
    await expect(host.locator("#record-toggle")).to_have_text("Start recording")
