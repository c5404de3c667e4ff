"""The room as an app in real Chromium, at a laptop's and a phone's size: the stage fills
the window with the toolbar in view, every toolbar button has a name, a side panel opens and
closes (one at a time), the chat's button counts messages that came while the chat was
closed, a chat message over the limit is refused visibly, and leaving asks once.

axe-core (npm, pinned in package.json) checks the pre-join screen, the room with each of
its panels open (chat, people, hands, host controls, shortcuts) and the screen after leaving,
in both languages: no serious or critical WCAG 2.1 A/AA violation. At both sizes, in both
languages, every toolbar control is inside the window and nothing covers it; on a phone
each of the toolbar's own buttons shows its label (touch has no hover for a tooltip).

The test writes screenshots of the room at both sizes in both languages for review, to
YUNHUI_SHOTS or else <temp>/yunhui-shots, and prints the folder.
"""

import os
import re
import tempfile
from pathlib import Path

from playwright.async_api import Page, expect

from rooms.limits import CHAT_TEXT_MAX_BYTES
from tests.browser.axe import serious_violations
from tests.browser.room_ui import open_panel
from tests.browser.test_room import HOST_EMAIL, join_as_guest, open_meeting, room_path

LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}

# where the stage, the toolbar and the page are, and the toolbar's controls without a name
LAYOUT_JS = """() => {
  const box = (id) => document.getElementById(id).getBoundingClientRect();
  const controls = [...document.querySelectorAll("#room-bar button, #room-bar summary")]
    .filter((node) => node.checkVisibility());
  const name = (c) => c.id || c.outerHTML.slice(0, 60);
  // outside the window, or under something else at its centre (a label around it is itself)
  const hidden = (c) => {
    const r = c.getBoundingClientRect();
    if (r.left < 0 || r.top < 0 || r.right > innerWidth || r.bottom > innerHeight) return true;
    const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return !top || !(c === top || c.contains(top) || top.contains(c));
  };
  const own = [...document.querySelectorAll("#room-bar > .tool")]
    .filter((c) => c.checkVisibility());
  return {
    stage: box("stage").toJSON(),
    bar: box("room-bar").toJSON(),
    scroll: document.documentElement.scrollHeight - window.innerHeight,
    controls: controls.length,
    unnamed: controls.filter((c) => !(c.getAttribute("aria-label") || "").trim() || !c.dataset.tip)
      .map(name),
    covered: controls.filter(hidden).map(name),
    labels: own.map((c) => c.querySelector(".tool-label")?.checkVisibility() ?
      c.querySelector(".tool-label").textContent : null),
  };
}"""


SHOTS = Path(os.environ.get("YUNHUI_SHOTS") or Path(tempfile.gettempdir()) / "yunhui-shots")


async def shoot(page: Page, name: str) -> None:
    """A screenshot for review, in SHOTS (the folder is printed)."""
    await page.screenshot(path=SHOTS / f"{name}.png")  # Playwright makes the folder
    print(f"screenshot: {SHOTS / name}.png")


async def check_layout(page: Page, size: dict[str, int]) -> dict:
    layout = await page.evaluate(LAYOUT_JS)
    assert layout["scroll"] <= 0, "the room needs no page scroll"
    assert layout["bar"]["bottom"] <= size["height"] and layout["bar"]["top"] > size["height"] / 2
    assert layout["stage"]["height"] >= size["height"] * 0.5
    assert layout["stage"]["width"] >= size["width"] * (0.5 if size is LAPTOP else 0.9)
    assert layout["controls"] >= 5 and layout["unnamed"] == [] and layout["covered"] == []
    if size is PHONE:  # a phone's toolbar says what each button is, under its icon
        assert len(layout["labels"]) >= 6 and None not in layout["labels"]
    return layout


async def test_room_app_at_laptop_and_phone_size(live_server, new_page, sign_in) -> None:
    session = await open_meeting(live_server.store, lobby=False)
    host = await new_page(**LAPTOP)
    guest = await new_page(lang="zh_CN", **PHONE)
    await sign_in(host, email=HOST_EMAIL)
    await host.goto(room_path(session))
    await shoot(host, "prejoin-laptop-en")
    assert await serious_violations(host) == []
    await host.click("#join-button")
    await expect(host.locator("#room")).to_be_visible()
    await join_as_guest(guest, session, "Li Lei")
    await expect(guest.locator("#room")).to_be_visible()
    await expect(host.locator("#roster-list .person-name")).to_have_count(2)

    # a laptop: the stage fills the window beside the chat, open from the start
    await expect(host.locator("#panel-chat")).to_be_visible()
    await check_layout(host, LAPTOP)
    await expect(host.get_by_role("button", name="Mic", exact=True)).to_have_attribute(
        "aria-pressed", "false"
    )
    await shoot(host, "room-laptop-en-chat")
    assert await serious_violations(host) == []

    # the reactions menu and a reaction floating over the guest's stage (emoji drawn by Noto
    # Color Emoji: `make fonts`; without it they are boxes in these screenshots)
    await host.click("#reactions-menu summary")
    await shoot(host, "room-laptop-en-reactions")
    await host.locator("#reactions-menu .reaction").first.click()
    await expect(guest.locator("#reaction-layer .floating-reaction")).to_have_count(1)
    await shoot(guest, "room-phone-zh-reaction")
    for page in (host, guest):  # it fades away (axe would measure it half transparent)
        await expect(page.locator("#reaction-layer .floating-reaction")).to_have_count(0)

    # a tile's menu pins it to the stage
    mine = host.locator(".tile.mine")
    await mine.hover()
    await mine.locator(".tile-menu-button").click()
    await host.locator(".tile-menu [data-action=pin]").click()
    await expect(mine).to_have_class(re.compile(r"\bpinned\b"))
    await expect(mine.locator(".tile-pin")).to_be_visible()

    # one panel at a time: people replaces the chat; Escape closes it
    await host.click("#people-button")
    await expect(host.locator("#panel-people")).to_be_visible()
    await expect(host.locator("#panel-chat")).to_be_hidden()
    await expect(host.locator("#people-button")).to_have_attribute("aria-expanded", "true")
    assert await serious_violations(host) == []
    for name in ("hands", "host"):  # the other panels a host opens, each checked by axe
        await open_panel(host, name)
        assert await serious_violations(host) == [], name
    await host.keyboard.press("Escape")
    await expect(host.locator("#side")).to_be_hidden()
    await expect(host.locator("#people-button")).to_have_attribute("aria-expanded", "false")

    # a phone: no panel at first; the chat is a bottom sheet over the stage
    await expect(guest.locator("#side")).to_be_hidden()
    await check_layout(guest, PHONE)
    await shoot(guest, "room-phone-zh")
    await open_panel(guest, "chat")
    sheet = await guest.locator("#side").bounding_box()
    bar = await guest.locator("#room-bar").bounding_box()
    assert sheet and bar and sheet["width"] == PHONE["width"]
    assert sheet["y"] + sheet["height"] <= bar["y"] + 1
    await guest.fill("#chat-text", "你好")
    await guest.press("#chat-text", "Enter")
    await expect(guest.locator("#chat-text")).to_be_in_viewport()
    await shoot(guest, "room-phone-zh-chat")
    assert await serious_violations(guest) == []
    # over the chat's limit (bytes of UTF-8, as the server counts): refused here, saying so,
    # and kept to be shortened (the host's log below shows it never went)
    too_long = "长" * (CHAT_TEXT_MAX_BYTES // 3 + 1)
    await guest.fill("#chat-text", too_long)
    await guest.press("#chat-text", "Enter")
    await expect(guest.locator("#chat-limit")).to_contain_text(f"最多 {CHAT_TEXT_MAX_BYTES} 字节")
    await expect(guest.locator("#chat-limit")).to_be_in_viewport()
    await expect(guest.locator("#chat-text")).to_have_attribute("aria-invalid", "true")
    await expect(guest.locator("#chat-text")).to_have_value(too_long)
    await guest.fill("#chat-text", "")

    # the chat closed on the laptop: its button counts the message, opening clears it
    count = host.locator("#chat-button .count")
    await expect(count).to_have_attribute("data-count", "1")
    await expect(host.locator("#chat-button")).to_have_attribute("aria-label", "Chat (1)")
    await shoot(host, "room-laptop-en-unread")
    await host.keyboard.press("c")  # the shortcut
    await expect(host.locator("#panel-chat")).to_be_visible()
    await expect(count).to_be_hidden()
    await expect(host.locator("#chat-log .text")).to_have_text(["你好"])

    # shortcuts: M turns the microphone on and off again
    await host.keyboard.press("m")
    await expect(host.locator("#mic-button")).to_have_attribute("aria-pressed", "true")
    await host.keyboard.press("m")
    await expect(host.locator("#mic-button")).to_have_attribute("aria-pressed", "false")

    # a question asked while the host's Q&A is closed: counted on its button
    await open_panel(guest, "qa")
    await guest.fill("#qa-text", "什么时候开始？")
    await guest.click("#qa-ask")
    await expect(host.locator("#qa-button .count")).to_have_attribute("data-count", "1")

    # the phone's "More" sheet holds the rest, each with its label; the shortcuts' help
    await guest.locator("#panel-qa .panel-close").click()
    await guest.click("#more-button")
    await expect(guest.locator("#help-button")).to_be_visible()
    await shoot(guest, "room-phone-zh-more")
    await guest.click("#help-button")
    await expect(guest.locator("#panel-help")).to_be_visible()
    await expect(guest.locator("#help-title")).to_have_text("键盘快捷键")
    assert await serious_violations(guest) == []

    # each language at the other size: the host's English on a phone, the guest's Chinese
    # on a laptop, measured and shot the same way
    await guest.locator("#panel-help .panel-close").click()
    await host.set_viewport_size(PHONE)
    await guest.set_viewport_size(LAPTOP)
    await check_layout(host, PHONE)
    await check_layout(guest, LAPTOP)
    await shoot(host, "room-phone-en")
    await shoot(guest, "room-laptop-zh")
    await open_panel(guest, "people")
    await shoot(guest, "room-laptop-zh-people")
    assert await serious_violations(guest) == []
    await open_panel(host, "chat")
    await expect(host.locator("#chat-text")).to_be_in_viewport()
    await shoot(host, "room-phone-en-chat")
    assert await serious_violations(host) == []
    await host.locator("#panel-chat .panel-close").click()
    await host.set_viewport_size(LAPTOP)

    # leaving asks once; the host's dialog also offers ending for everyone, apart
    await host.click("#leave-button")
    await expect(host.locator("#leave-dialog")).to_be_visible()
    await expect(host.locator("#leave-end-all")).to_be_visible()
    await shoot(host, "room-laptop-en-leave")
    await host.click("#leave-cancel")
    await expect(host.locator("#leave-dialog")).to_be_hidden()
    await expect(host.locator("#room")).to_be_visible()
    await guest.click("#leave-button")
    await expect(guest.locator("#leave-end-all")).to_be_hidden()
    await guest.click("#leave-confirm")
    await expect(guest.locator("#gone")).to_be_visible()
    assert await serious_violations(guest) == []
    await expect(host.locator("#roster-list .person-name")).to_have_count(1)


# (packets lost over the last seconds, round trip in seconds) -> the level a tile shows
QUALITY_CASES = [
    ((0.0, 0.05), "good"),
    ((0.01, 0.29), "good"),
    ((0.03, 0.05), "fair"),
    ((0.0, 0.4), "fair"),
    ((0.1, 0.05), "poor"),
    ((0.0, 0.8), "poor"),
]

QUALITY_JS = """async (cases) => {
  const { qualityLevel } = await import("/static/js/room/network.js");
  return cases.map(([loss, rtt]) => qualityLevel(loss, rtt));
}"""


async def test_room_app_network_quality_levels(live_server, new_page) -> None:
    page = await new_page()
    await page.goto("/")

    levels = await page.evaluate(QUALITY_JS, [list(case) for case, _ in QUALITY_CASES])

    assert levels == [level for _, level in QUALITY_CASES]


# the stage (stage.js) fed as the room feeds it: who has a tile, how many are shown
STAGE_JS = (Path(__file__).parent / "stage_probe.js").read_text()


async def test_room_app_stage_tiles_for_who_may_speak_capped(live_server, new_page) -> None:
    page = await new_page()
    await page.goto("/")

    stage = await page.evaluate(STAGE_JS)

    assert stage == {
        "max": 25,
        "crowd": {"tiles": 50, "shown": 24, "more": "+26"},  # no listener has a tile
        "opened": 1,
        "camera_on": {"shown": True, "same": True, "video": True},
        "camera_gone": {"kept": True, "shown": False},
        "left": {"tiles": 2, "shown": 2, "more": None, "leaver": False},
        "by_media": True,
        "media_closed": False,
    }
