"""A roadshow's run of show in real browsers, with media, in a network namespace (as
netns_review.py):

    echo '{"redis_url": "unix:///…/redis.sock", "subnet": 44, "data_dir": "/tmp/…"}' \\
        | unshare --net python -m tests.browser.netns_roadshow

Two 1-minute pitches, no Q&A, a 1-minute break after each (tests/browser/roadshow_world.py);
the app runs its scheduler. The chair (signed-in staff) and an investor join; founders A and B
join with their cameras and wait for their pitches (their own countdowns). Then:

1. the chair starts the show: A is let in, their camera comes on, and the investor decodes
   A's video in the tile shown big;
2. the chair ends A's stage ("End this stage"): the server takes it back — A's media is
   closed with reason ``stage`` and, through the break, no more video reaches the investor;
3. the chair ends the break: B, let in from the lobby, gets the stage, and the investor
   decodes their video, shown big.

It prints one JSON object (what each page saw, per step) as its last line of stdout;
tests/browser/test_roadshow_media.py judges it.
"""

import asyncio
import socket
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from playwright.async_api import Browser

from rooms.roles import Role
from server.app import make_app
from server.store import Store, connect
from tests.browser.media_checks import Person, decoding, until
from tests.browser.netns_scenario import Scenario, play
from tests.browser.roadshow_world import (
    CHAIR_EMAIL,
    FOUNDER_A,
    FOUNDER_B,
    invite,
    open_roadshow,
    room_path,
)
from tests.server.fixtures_login import PASSWORD

QUIET = 2.5  # seconds of the break over which no frame may reach the investor
SETTLE = 1.0  # seconds for frames already on the way when the stage is taken back

# test instrumentation: the Socket.IO frames this page received that close its media, and
# the error toasts it showed
CLOSED_PROBE = """(() => {
  window.__closed = [];
  window.__errors = [];
  document.addEventListener("DOMContentLoaded", () => {
    new MutationObserver((records) => {
      for (const record of records) {
        for (const node of record.addedNodes) {
          if (node.classList?.contains("toast") && node.classList.contains("error")) {
            window.__errors.push(node.textContent);
          }
        }
      }
    }).observe(document.body, { childList: true, subtree: true });
  });
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        if (typeof event.data === "string" && event.data.includes('"media_closed"')) {
          window.__closed.push(event.data.slice(event.data.indexOf("[")));
        }
      });
    }
  };
})();"""

# what the investor's page shows big: the featured tile's name and its video's frame
FEATURED_JS = """() => {
  const tile = document.querySelector("#tiles .tile.featured");
  const video = tile?.querySelector("video");
  const track = video?.srcObject?.getVideoTracks?.()[0];
  return tile ? { caption: tile.textContent.trim(), width: video?.videoWidth ?? 0,
                  track: track?.id ?? null } : null;
}"""


# the show bar is where everyone looks: above the stage
BAR_ABOVE_STAGE_JS = """() =>
  document.getElementById("show-bar").getBoundingClientRect().bottom
  <= document.getElementById("stage").getBoundingClientRect().top"""

# a founder's own page: whether it offers to publish, and the errors it showed
CONTROLS_JS = """() => ({
  camera: !document.getElementById("cam-button").hidden,
  microphone: !document.getElementById("mic-button").hidden,
  errors: window.__errors,
})"""


class RoadshowScenario(Scenario):
    async def in_world(self, redis_url: str) -> None:
        store = Store(connect(redis_url))
        await store.redis.flushdb()
        session = await open_roadshow(store, pitch_minutes=1, qa_minutes=0)
        await store.shows.set_buffer(session, 1, now=datetime.now(UTC))
        self.session_id = session.session_id
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self.subnet.server_address, 0))
        settings = replace(
            self.settings(sock.getsockname()[1], redis_url),
            run_scheduler=True,
            scheduler_interval=0.2,
        )
        self.tokens = {
            "investor": await invite(store, settings, session, Role.ATTENDEE, "Investor Wu"),
            FOUNDER_A: await invite(store, settings, session, Role.PRESENTER, "Li Na", FOUNDER_A),
            FOUNDER_B: await invite(
                store, settings, session, Role.PRESENTER, "Zhou Jie", FOUNDER_B
            ),
        }
        runner = web.AppRunner(make_app(settings), handle_signals=False)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        try:
            await self.drive(settings.base_url, room_path(session), "")
        finally:
            await runner.cleanup()
            await store.close()

    async def by_invite(self, browser: Browser, label: str, base_url: str, key: str) -> Person:
        person = await self.open_person(browser, label, base_url)
        await person.page.add_init_script(CLOSED_PROBE)
        await person.page.goto(f"/invite/{self.tokens[key]}")
        async with person.page.expect_navigation():
            await person.page.click("form.join button[type=submit]")
        return person

    async def enter(self, person: Person, path: str, *, camera: bool, held: bool) -> None:
        page = person.page
        await page.goto(path)
        await page.wait_for_selector("#preview:not([hidden])")
        await page.set_checked("#prejoin-camera", camera)
        await page.set_checked("#prejoin-mic", camera)
        if camera:
            await page.wait_for_selector("#preview-box:not(.off)")
        await page.click("#join-button")
        screen = "#stepped-out" if held else "#room"
        await page.wait_for_selector(f"{screen}:not([hidden])")

    async def featured(self, viewer: Person, name: str) -> dict[str, Any]:
        """The investor's big tile, once it is this person's with a decoded frame."""

        async def shown() -> dict[str, Any] | None:
            seen = await viewer.js(FEATURED_JS)
            return seen if seen and name in seen["caption"] and seen["width"] > 0 else None

        found: dict[str, Any] = await until(f"{name} is shown big with video", shown)
        return found

    async def frames(self, viewer: Person) -> int:
        summary = await viewer.summary()
        return sum(v["frames_decoded"] for v in summary["videos"])

    async def steps(self, browser: Browser, base_url: str, path: str, token: str) -> None:
        self.mark("browser up")
        chair = await self.open_person(browser, "chair", base_url)
        await chair.page.goto("/login")
        await chair.page.fill("input[name=email]", CHAIR_EMAIL)
        await chair.page.fill("input[name=password]", PASSWORD)
        async with chair.page.expect_navigation():
            await chair.page.click("form[action='/login'] button[type=submit]")
        await self.enter(chair, path, camera=False, held=False)
        investor = await self.by_invite(browser, "investor", base_url, "investor")
        await self.enter(investor, path, camera=False, held=False)
        a = await self.by_invite(browser, "a", base_url, FOUNDER_A)
        await self.enter(a, path, camera=True, held=True)
        b = await self.by_invite(browser, "b", base_url, FOUNDER_B)
        await self.enter(b, path, camera=True, held=True)
        self.result["waiting"] = {
            "a": await a.page.text_content("#stepped-out-countdown"),
            "b": await b.page.text_content("#stepped-out-countdown"),
        }
        self.mark("founders wait in the lobby")

        # the chair starts the show: A on stage, shown big to the investor
        await chair.page.click("#show-start")
        await a.page.wait_for_selector("#room:not([hidden])")
        a_big = await self.featured(investor, "Li Na")
        self.result["a_on_stage"] = {
            "featured": a_big,
            "phase": await investor.page.text_content("#show-phase"),
            "pitch": await investor.page.text_content("#show-pitch"),
            "b_countdown": await b.page.text_content("#stepped-out-countdown"),
            "a_closed": await a.js("window.__closed"),
            "bar_above_stage": await investor.js(BAR_ABOVE_STAGE_JS),
        }
        self.mark("A on stage, decoded by the investor")

        # the stage is taken back from A: a break, nobody on stage
        await chair.page.click("#show-end-stage")

        async def closed() -> list[str] | None:
            frames: list[str] = await a.js("window.__closed")
            return frames or None

        a_closed = await until("A's media is closed", closed)
        await asyncio.sleep(SETTLE)
        before = await self.frames(investor)
        await asyncio.sleep(QUIET)
        after = await self.frames(investor)
        self.result["break"] = {
            "a_closed": a_closed,
            "frames": after - before,
            "phase": await investor.page.text_content("#show-phase"),
            "b_held": await b.page.is_visible("#stepped-out"),
            "a_controls": await a.js(CONTROLS_JS),
        }
        self.mark("the break: nothing on stage")

        # the chair ends the break: B is let in and gets the stage
        await chair.page.click("#show-end-stage")
        await b.page.wait_for_selector("#room:not([hidden])")
        b_big = await self.featured(investor, "Zhou Jie")
        self.result["b_on_stage"] = {
            "featured": b_big,
            "pitch": await investor.page.text_content("#show-pitch"),
            "investor_decodes": len(decoding(await investor.summary())),
        }
        self.mark("B on stage, decoded by the investor")


async def main() -> None:
    await play(RoadshowScenario)


if __name__ == "__main__":
    asyncio.run(main())
