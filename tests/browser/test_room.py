"""The room page in headless Chromium against the real server: a host and two guests.

One browser, one context per person (their own cookies): the host signs in as staff of the
organization, the guests are anonymous guests of a public meeting whose lobby is on.
"""

import asyncio
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.async_api import Dialog, Page, expect

from rooms.agenda import Session
from server import agenda
from server.store import Store
from tests.browser.axe import serious_violations
from tests.browser.room_ui import open_panel, person_action
from tests.server.fixtures_login import create_staff

ZONE = "Asia/Shanghai"
HOST_EMAIL = "host@example.org"
ZHANG = "Zhang <i>Wei</i>"  # a name is text, never markup
TEXT = "Hello <b>all</b> & welcome — see https://example.org/agenda?day=1&room=2."


async def open_meeting(
    store: Store,
    *,
    starts_in: timedelta = timedelta(minutes=5),
    lobby: bool = True,
    kind: str = "meeting",
    recording_allowed: bool = False,
) -> Session:
    """A public meeting (or a session of another kind), by default with a lobby and starting
    in 5 minutes: its room is open."""
    org, account = await create_staff(store, email=HOST_EMAIL, name="Hu Host")
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo(ZONE)).date()
    event = await agenda.create_event(
        store,
        org_id=org.org_id,
        organizer=account.account_id,
        fields={
            "title_zh": "材料论坛", "title_en": "Forum on Materials", "description": "",
            "zone": ZONE, "visibility": "public", "start_date": str(today - timedelta(days=1)),
            "end_date": str(today + timedelta(days=1)),
        },
        now=now,
    )  # fmt: skip
    start = (now + starts_in).astimezone(ZoneInfo(ZONE))
    fields = {
        "kind": kind, "title": "Open Meeting", "description": "", "lobby": lobby,
        "start": f"{start:%Y-%m-%dT%H:%M}", "end": f"{start + timedelta(hours=1):%Y-%m-%dT%H:%M}",
        "recording_allowed": recording_allowed,
    }  # fmt: skip
    session = await agenda.create_session(store, event=event, fields=fields, now=now)
    await store.schedule.advance(session.session_id, now)  # to open (the lobby), when it is
    return session


def room_path(session: Session) -> str:
    return f"/sessions/{session.session_id}/room"


async def join_as_guest(page: Page, session: Session, name: str) -> None:
    await page.goto(room_path(session))
    await page.fill("#prejoin-name", name)
    await page.click("#join-button")


async def say(page: Page, text: str) -> None:
    await page.fill("#chat-text", text)
    await page.press("#chat-text", "Enter")


async def accept_dialogs(dialog: Dialog) -> None:
    await dialog.accept()


# the stage's camera tiles: [caption, initials, camera off, microphone off shown]
TILES_JS = """() => [...document.querySelectorAll("#tiles .tile:not(.screen)")]
  .filter((tile) => tile.checkVisibility())
  .map((tile) => [tile.querySelector(".tile-name").textContent,
    tile.querySelector(".avatar").textContent, tile.classList.contains("no-video"),
    tile.querySelector(".tile-mic-off").checkVisibility()])"""


async def tiles_become(page: Page, expected: list[list[object]]) -> list[list[object]]:
    """The page's camera tiles once they are `expected` (or as they are after 5 s)."""
    tiles: list[list[object]] = []
    for _ in range(100):
        tiles = sorted(await page.evaluate(TILES_JS))
        if tiles == sorted(expected):
            break
        await asyncio.sleep(0.05)
    return tiles


async def test_room_host_admits_guests_who_chat_raise_hands_and_one_is_removed(
    live_server, new_page, sign_in
) -> None:
    session = await open_meeting(live_server.store)
    host, li, zhang = await new_page(), await new_page(), await new_page(width=390, height=844)
    await sign_in(host, email=HOST_EMAIL)
    await host.goto(room_path(session))
    await expect(host.locator(".joining-as")).to_have_text("You join as Hu Host.")
    await host.click("#join-button")
    await expect(host.locator("#room")).to_be_visible()
    await expect(host.locator("#host-button")).to_be_visible()  # the host controls' panel

    # a guest waits in the lobby and is admitted
    await join_as_guest(li, session, "Li Lei")
    await expect(li.locator("#lobby-place")).to_have_text("You are number 1 in the queue.")
    await join_as_guest(zhang, session, ZHANG)
    await expect(zhang.locator("#lobby-place")).to_have_text("You are number 2 in the queue.")
    queue = host.locator("#queue-list li .person-name")
    await expect(queue).to_have_text(["Li Lei", ZHANG])
    assert await serious_violations(zhang) == []  # the lobby, on a phone
    assert await serious_violations(host) == []  # the host's lobby queue over the stage
    await host.locator("#queue-list li", has_text="Li Lei").locator("[data-action=admit]").click()
    await expect(li.locator("#room")).to_be_visible()
    await expect(zhang.locator("#lobby-place")).to_have_text("You are number 1 in the queue.")
    await host.click("#admit-all")
    await expect(zhang.locator("#room")).to_be_visible()
    people = ["Hu Host", "Li Lei", ZHANG]
    for page in (host, li, zhang):
        await expect(page.locator("#roster-list .person-name")).to_have_text(people)
    # everyone who may speak has a tile, camera and microphone off: initials, name, mic off
    host_tile, li_tile = ["Hu Host", "HH", True, True], ["Li Lei", "LL", True, True]
    zhang_tile = [ZHANG, "Z<", True, True]  # its initials too are text
    li_sees = [host_tile, ["Li Lei (you)", "LL", True, True], zhang_tile]
    assert await tiles_become(li, li_sees) == sorted(li_sees)

    # a guest chats: everyone sees exactly the text, with the link as a safe link
    await li.fill("#chat-text", TEXT)
    await li.press("#chat-text", "Enter")
    for page in (host, li, zhang):
        await expect(page.locator("#chat-log .chat-message .text")).to_have_text([TEXT])
        await expect(page.locator("#chat-log .author")).to_have_text(["Li Lei"])
    link = zhang.locator("#chat-log .text a")
    await expect(link).to_have_attribute("href", "https://example.org/agenda?day=1&room=2")
    await expect(link).to_have_attribute("rel", "noopener noreferrer")
    await expect(link).to_have_attribute("target", "_blank")
    assert await zhang.locator("#chat-log b").count() == 0
    assert await host.locator("#room i").count() == 0

    # hands: the host sees them in the order they went up, and lowers one
    await li.click("#hand-button")
    await expect(host.locator("#hands-list .person-name")).to_have_text(["Li Lei"])
    await zhang.click("#hand-button")
    await expect(host.locator("#hands-list .person-name")).to_have_text(["Li Lei", ZHANG])
    await open_panel(host, "hands")
    await host.locator("#hands-list li", has_text="Li Lei").locator("[data-action=lower]").click()
    await expect(host.locator("#hands-list .person-name")).to_have_text([ZHANG])
    await expect(li.locator("#hand-button")).to_have_attribute("aria-pressed", "false")

    # the host removes the other guest, who sees the removal screen
    host.on("dialog", accept_dialogs)
    await person_action(host, host.locator("#roster-list li", has_text="Zhang"), "remove")
    await expect(zhang.locator("#gone")).to_be_visible()
    await expect(zhang.locator("#gone-message")).not_to_be_empty()
    assert await serious_violations(zhang) == []
    await expect(zhang.locator("#room")).to_be_hidden()
    await expect(host.locator("#roster-list .person-name")).to_have_text(["Hu Host", "Li Lei"])
    await expect(li.locator("#roster-list .person-name")).to_have_text(["Hu Host", "Li Lei"])
    # the removed guest's tile goes from every stage
    host_sees = [["Hu Host (you)", "HH", True, True], li_tile]
    assert await tiles_become(host, host_sees) == sorted(host_sees)
    li_sees = [host_tile, ["Li Lei (you)", "LL", True, True]]
    assert await tiles_become(li, li_sees) == sorted(li_sees)


async def test_room_class_gives_a_tile_to_the_teacher_not_to_a_listener(
    live_server, new_page, sign_in
) -> None:
    session = await open_meeting(live_server.store, lobby=False, kind="class")
    host, student = await new_page(), await new_page()
    await sign_in(host, email=HOST_EMAIL)
    await host.goto(room_path(session))
    await host.click("#join-button")
    await expect(host.locator("#room")).to_be_visible()

    await join_as_guest(student, session, "Li Lei")  # a class's guest listens
    await expect(host.locator("#roster-list .person-name")).to_have_text(["Hu Host", "Li Lei"])

    teacher = ["Hu Host", "HH", True, True]  # camera and microphone off: still on the stage
    assert await tiles_become(student, [teacher]) == [teacher]
    assert await tiles_become(host, [["Hu Host (you)", "HH", True, True]]) == [
        ["Hu Host (you)", "HH", True, True]
    ]


async def test_room_page_in_chinese_down_to_the_lobby(live_server, new_page) -> None:
    session = await open_meeting(live_server.store)
    guest = await new_page(lang="zh_CN", width=390, height=844)

    await guest.goto(room_path(session))
    await expect(guest.locator("label[for=prejoin-name]")).to_have_text("你的名字")
    assert await serious_violations(guest) == []
    # on a phone the camera and microphone switches are in the first screen, above Join
    await expect(guest.locator("#preview")).to_be_visible()
    join = await guest.locator("#join-button").bounding_box()
    for switch in ("#prejoin-camera", "#prejoin-mic"):
        box = await guest.locator(switch).bounding_box()
        assert box and join and 0 <= box["y"] and box["y"] + box["height"] <= join["y"], switch
    await guest.click("#join-button")
    await expect(guest.locator("#prejoin-error")).to_have_text("请输入你的名字。")
    await guest.fill("#prejoin-name", "王芳")
    await guest.click("#join-button")

    await expect(guest.locator("#lobby-title")).to_have_text("等候室")
    await expect(guest.locator("#lobby-place")).to_have_text("你在队列中排第 1 位。")
    await expect(guest.locator("#lobby-status")).to_have_text("请稍候，主持人会让你进入。")
    assert await serious_violations(guest) == []


async def test_room_guest_reconnects_and_gets_the_missed_chat_once(
    live_server, new_page, sign_in
) -> None:
    session = await open_meeting(live_server.store)
    host, guest = await new_page(), await new_page()
    await sign_in(host, email=HOST_EMAIL)
    await host.goto(room_path(session))
    await host.click("#join-button")
    await expect(host.locator("#room")).to_be_visible()
    await join_as_guest(guest, session, "Li Lei")
    await host.click("#admit-all")
    await expect(guest.locator("#room")).to_be_visible()
    await say(host, "before the blip")
    await expect(guest.locator("#chat-log .text")).to_have_text(["before the blip"])

    await guest.context.set_offline(True)  # Chromium drops the websocket at once
    await expect(guest.locator("#banner")).to_have_text("Connection lost. Reconnecting…")
    await say(host, "while you were away 1")
    await say(host, "while you were away 2")
    await say(guest, "typed while offline")
    await guest.context.set_offline(False)

    everything = ["before the blip", "while you were away 1", "while you were away 2",
                  "typed while offline"]  # fmt: skip
    await expect(guest.locator("#banner")).to_have_text("Connected again.")
    for page in (guest, host):
        await expect(page.locator("#chat-log .text")).to_have_text(everything)
    await expect(guest.locator("#roster-list .person-name")).to_have_text(["Hu Host", "Li Lei"])


async def test_room_refuses_to_open_before_its_time_on_the_prejoin_screen(
    live_server, new_page
) -> None:
    session = await open_meeting(live_server.store, starts_in=timedelta(hours=3))
    guest = await new_page()

    await join_as_guest(guest, session, "Li Lei")

    await expect(guest.locator("#prejoin-error")).to_contain_text("This room opens at")
    await expect(guest.locator("#join-button")).to_be_enabled()
    await expect(guest.locator("#lobby")).to_be_hidden()


async def test_room_shows_a_refused_message_as_a_toast_and_keeps_its_text(
    live_server, new_page
) -> None:
    session = await open_meeting(live_server.store, lobby=False)
    guest = await new_page()
    await join_as_guest(guest, session, "Li Lei")
    await expect(guest.locator("#room")).to_be_visible()

    for n in range(10):  # more than the chat's rate limit lets through at once
        await say(guest, f"message {n}")

    await expect(guest.locator(".toast.error").first).to_have_text(
        "You are sending too fast; wait a moment."
    )
    # a refused text comes back to the empty composer (the test types faster than a person,
    # so it may land next to the next message typed)
    await expect(guest.locator("#chat-text")).to_have_value(re.compile(r"message \d"))


# chat text -> its parts: plain text as a str, a link as (text, href)
LINKIFY_CASES = [
    ("plain text", ["plain text"]),
    (
        "see https://example.org/a?b=1&c=2.",
        ["see ", ("https://example.org/a?b=1&c=2", "https://example.org/a?b=1&c=2"), "."],
    ),
    (
        "（http://example.org/路）",
        ["（", ("http://example.org/路", "http://example.org/%E8%B7%AF"), "）"],
    ),
    ("javascript:alert(1)", ["javascript:alert(1)"]),
    ("data:text/html,<b>x</b>", ["data:text/html,<b>x</b>"]),
    (
        "<a href=https://evil.example>x</a>",
        ["<a href=", ("https://evil.example", "https://evil.example/"), ">x</a>"],
    ),
    ("ftp://example.org/file", ["ftp://example.org/file"]),
]


def as_nodes(parts: list[str | tuple[str, str]]) -> list[list[str]]:
    """What SPLIT_TEXT gives for these parts: text nodes, and links opening a new tab."""
    return [
        ["#text", part] if isinstance(part, str) else ["A", *part, "noopener noreferrer", "_blank"]
        for part in parts
    ]


SPLIT_TEXT = """async (texts) => {
  const { linkify } = await import("/static/js/room/linkify.js");
  return texts.map((text) => linkify(text).map((node) =>
    node.nodeName === "A"
      ? ["A", node.textContent, node.href, node.rel, node.target]
      : [node.nodeName, node.textContent]));
}"""


async def test_room_chat_links_only_http_and_https_urls(live_server, new_page) -> None:
    page = await new_page()
    await page.goto("/")

    split = await page.evaluate(SPLIT_TEXT, [text for text, _ in LINKIFY_CASES])

    assert split == [as_nodes(parts) for _, parts in LINKIFY_CASES]


async def test_room_page_beats_while_seen_and_goes_idle_when_hidden(live_server, new_page) -> None:
    session = await open_meeting(live_server.store, lobby=False)
    li = await new_page()
    await join_as_guest(li, session, "Li Lei")
    await expect(li.locator("#room")).to_be_visible()

    async def movements_become(expected: list[str]) -> list[str]:
        for _ in range(100):
            passages = await live_server.store.attendance.passages(session.session_id)
            if [str(p.movement) for p in passages] == expected:
                break
            await asyncio.sleep(0.05)
        return [str(p.movement) for p in passages]

    assert await movements_become(["join", "active"]) == ["join", "active"]  # seen on entering
    await li.evaluate(
        """() => {
          Object.defineProperty(document, "visibilityState", {value: "hidden", configurable: true});
          document.dispatchEvent(new Event("visibilitychange"));
        }"""
    )

    assert await movements_become(["join", "active", "idle"]) == ["join", "active", "idle"]


# the microphone answers only after a while (a slow device, or a permission prompt)
SLOW_MICROPHONE_JS = """(() => {
  const open = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    if (constraints?.audio) await new Promise((done) => setTimeout(done, 1500));
    return open(constraints);
  };
})()"""


async def test_room_a_microphone_that_opens_after_join_is_on_for_everyone(
    live_server, new_page, sign_in
) -> None:
    session = await open_meeting(live_server.store, lobby=False, kind="class")
    host, student = await new_page(), await new_page()
    await host.add_init_script(script=SLOW_MICROPHONE_JS)
    await sign_in(host, email=HOST_EMAIL)
    await host.goto(room_path(session))
    await host.check("#prejoin-mic")  # still opening when Join is clicked
    await host.click("#join-button")
    await expect(host.locator("#room")).to_be_visible()

    await expect(host.locator("#mic-button")).to_have_attribute("aria-pressed", "true")
    await join_as_guest(student, session, "Li Lei")
    teacher = ["Hu Host", "HH", True, False]  # the microphone on, for the room too
    assert await tiles_become(student, [teacher]) == [teacher]
