"""The real-browser media scenario, run inside a network namespace (see netns.py).

    echo '{"redis_url": "unix:///…/redis.sock", "subnet": 42, "data_dir": "/tmp/…"}' \\
        | unshare --net python -m tests.browser.netns_scenario

Inside the namespace it brings the network up, makes a public meeting in Redis (a staff host,
guests, an observer's invite), runs the whole app on the veth address and drives headless
Chromium (fake camera and microphone) through the room page:

1. the host and two guests join with camera and microphone on (the pre-join preview shows the
   camera and the microphone's level); each page must decode the other two's video; figures
   are taken over the rest of a 10 s window (frame rates, freezes);
2. 10 s after the third joined, a fourth person joins (camera and microphone off) and
   decodes everyone's first frame; an active speaker is highlighted on every page;
3. the host shares a screen, which reaches the others at the screen's size on the stage,
   then stops sharing;
4. an observer tries to publish: the server's refusal reaches the page, no one gets video;
5. the controls (tests/browser/media_checks.py): camera off and on, another microphone, the
   layout picker, a host muting a guest, a host stopping a presenter's screen share and
   camera from the roster.

With ``"screenshots": "<folder>"`` in the configuration it also saves screenshots there.
It prints one JSON object (the figures and what each page saw) as the last line of stdout;
tests/browser/test_media.py judges it. It measures and records; it asserts only what it
must to go on (a step that never completes ends the run with "failed": the step).
"""

import asyncio
import json
import socket
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    async_playwright,
)
from playwright.async_api import Error as PlaywrightError

from rooms.roles import Role
from server.app import make_app
from server.invitations import issue_invite, sign_invite
from server.settings import Settings
from server.store import Store, connect
from tests.browser import conftest, netns
from tests.browser import media_checks as checks
from tests.browser.media_checks import SETUP_TIMEOUT, Person, StepFailed, decoding, until
from tests.browser.test_room import HOST_EMAIL, open_meeting, room_path
from tests.server.fixtures_login import PASSWORD

CHROMIUM_ARGS = [
    *conftest.CHROMIUM_ARGS,
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--autoplay-policy=no-user-gesture-required",
]
PROBE = Path(__file__).with_name("media_probe.js")
LATE_JOIN_AFTER = 10.0  # seconds after the third person joined
SECRET = "test-secret-key-0123456789-abcdefghijklmnop"


class Scenario:
    def __init__(self, config: dict[str, Any], subnet: netns.Subnet) -> None:
        self.config = config
        self.subnet = subnet
        self.result: dict[str, Any] = {"subnet": str(subnet.third)}
        self.people: list[Person] = []
        self.contexts: list[BrowserContext] = []
        self.started = time.monotonic()

    def mark(self, step: str) -> None:
        self.result.setdefault("timeline", []).append(
            [step, round(time.monotonic() - self.started, 2)]
        )
        print(f"[{time.monotonic() - self.started:6.2f}] {step}", file=sys.stderr, flush=True)

    # --- the world --------------------------------------------------------------------------

    def settings(self, port: int, redis_url: str) -> Settings:
        base_url = f"http://{self.subnet.server_address}:{port}"
        return Settings(
            production=False,
            host=self.subnet.server_address,
            port=port,
            base_url=base_url,
            redis_url=redis_url,
            data_dir=Path(self.config["data_dir"]),
            secret_key=SECRET,
            run_scheduler=False,
            seed_demo=False,
        )

    async def open_person(self, browser: Browser, label: str, base_url: str) -> Person:
        context = await browser.new_context(
            base_url=base_url, locale="en-US", viewport={"width": 1100, "height": 800}
        )
        context.set_default_timeout(SETUP_TIMEOUT * 1000)
        await context.add_init_script(path=str(PROBE))
        self.contexts.append(context)
        person = Person(label=label, page=await context.new_page())
        person.page.on("pageerror", lambda error: person.problems.append(f"{label}: {error}"))
        person.page.on("console", lambda message: self._console(person, message))
        self.people.append(person)
        return person

    def _console(self, person: Person, message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            person.problems.append(f"{person.label}: {message.text}")
        if message.type in {"error", "warning"}:
            person.console.append(message.text[:300])

    # --- joining ----------------------------------------------------------------------------

    async def sign_in(self, person: Person) -> None:
        page = person.page
        await page.goto("/login")
        await page.fill("input[name=email]", HOST_EMAIL)
        await page.fill("input[name=password]", PASSWORD)
        async with page.expect_navigation():
            await page.click("form[action='/login'] button[type=submit]")

    async def join(
        self, person: Person, path: str, *, name: str | None, camera: bool, mic: bool
    ) -> None:
        page = person.page
        await page.goto(path)
        if name is not None:
            await page.fill("#prejoin-name", name)
        await page.wait_for_selector("#preview:not([hidden])")
        for selector, on in (("#prejoin-camera", camera), ("#prejoin-mic", mic)):
            await page.set_checked(selector, on)
        if camera:
            await page.wait_for_selector("#preview-box:not(.off)")
        if mic:
            preview = await checks.preview_seen(person)
            self.result.setdefault("previews", {})[person.label] = preview
        await self.shoot(person, "prejoin")
        await page.click("#join-button")
        await page.wait_for_selector("#room:not([hidden])")

    async def shoot(self, person: Person, moment: str) -> None:
        """A screenshot, when the configuration names a folder for them (for people)."""
        if folder := self.config.get("screenshots"):
            await person.page.screenshot(
                path=f"{folder}/{person.label}-{moment}.png", full_page=True
            )

    # --- steps ------------------------------------------------------------------------------

    async def three_publish(self, browser: Browser, base_url: str, path: str) -> list[Person]:
        host = await self.open_person(browser, "host", base_url)
        await self.sign_in(host)
        await self.join(host, path, name=None, camera=True, mic=True)
        li = await self.open_person(browser, "li", base_url)
        await self.join(li, path, name="Li Lei", camera=True, mic=True)
        wang = await self.open_person(browser, "wang", base_url)
        await self.join(wang, path, name="Wang Fang", camera=True, mic=True)
        self.third_joined = time.monotonic()
        self.mark("three joined")
        return [host, li, wang]

    async def all_decode(self, people: list[Person], count: int, *, min_width: int = 0) -> None:
        async def check() -> bool:
            summaries = [await person.summary() for person in people]
            return all(len(decoding(s, min_width=min_width)) >= count for s in summaries)

        await until(f"every page decodes {count} videos", check)

    async def steady(self, people: list[Person]) -> None:
        """Figures over the rest of the 10 s after the third person joined."""
        before = [await person.summary() for person in people]
        await asyncio.sleep(max(0.0, self.third_joined + LATE_JOIN_AFTER - time.monotonic()))
        after = [await person.summary() for person in people]
        self.result["steady"] = {
            person.label: window(first, last)
            for person, first, last in zip(people, before, after, strict=True)
        }
        self.mark("steady window done")

    async def late_joiner(self, browser: Browser, base_url: str, path: str) -> Person:
        zhao = await self.open_person(browser, "zhao", base_url)
        await self.join(zhao, path, name="Zhao Min", camera=False, mic=False)
        self.mark("fourth joined")

        async def three_frames() -> list[dict[str, Any]] | None:
            frames: list[dict[str, Any]] = (await zhao.summary())["first_frames"]
            return frames if len(frames) >= 3 else None

        self.result["late_first_frames"] = await until("the fourth decodes 3 videos", three_frames)
        self.mark("fourth decodes")
        return zhao

    async def screen_share(self, host: Person, viewers: list[Person]) -> None:
        clicked = time.monotonic()
        await host.page.click("#screen-button")
        await host.page.wait_for_selector("#screen-button[aria-pressed=true]")
        shared = (await host.summary())["screens"][-1]
        self.result["screen_shared"] = shared
        await self.all_decode(viewers, 1, min_width=shared["width"])
        self.result["screen_ms"] = round((time.monotonic() - clicked) * 1000)
        self.result["screen_received"] = {
            person.label: [v["frame_width"] for v in decoding(await person.summary())]
            for person in viewers
        }
        self.result["screen_layout"] = {
            person.label: await person.page.evaluate(SCREEN_LAYOUT_JS) for person in viewers
        }
        self.mark("screen reaches everyone")
        for person in (host, *viewers):
            await self.shoot(person, "screen")

    async def observer_refused(
        self, browser: Browser, base_url: str, path: str, token: str, viewers: list[Person]
    ) -> None:
        olga = await self.open_person(browser, "olga", base_url)
        await olga.page.goto(f"/invite/{token}")
        async with olga.page.expect_navigation():
            await olga.page.click("form.join button[type=submit]")
        await self.join(olga, path, name=None, camera=False, mic=False)
        self.mark("observer joined")
        self.result["observer_buttons_hidden"] = await olga.page.evaluate(BUTTONS_JS)
        await olga.page.dispatch_event("#cam-button", "click")  # a hidden button, clicked anyway
        toast = olga.page.locator(".toast.error")
        await toast.first.wait_for()
        self.result["observer_toast"] = await toast.first.text_content()
        self.result["observer_camera_after"] = await olga.page.evaluate(OBSERVER_JS)
        self.mark("observer refused")
        before = [await p.summary() for p in viewers]
        await asyncio.sleep(2.0)  # a window in which nothing may arrive from the observer
        after = [await p.summary() for p in viewers]
        self.result["observer_videos"] = {
            p.label: len(flowing(first, last))
            for p, first, last in zip(viewers, before, after, strict=True)
        }
        self.result["observer_tiles"] = {
            p.label: await p.page.locator(".tile", has_text="Olga").count() for p in viewers
        }

    async def speakers(self, people: list[Person]) -> None:
        async def highlighted() -> bool:
            counts = [await p.page.locator(".tile.speaking").count() for p in people]
            return all(count == 1 for count in counts)

        await until("an active speaker is highlighted", highlighted, within=10)
        self.result["speaker_highlighted"] = True

    # --- the run ----------------------------------------------------------------------------

    async def run(self) -> None:
        self.result["namespace"] = {
            "interfaces": netns.interfaces(),
            "addresses": netns.addresses(),
            "routes": netns.routes(),
        }
        data_dir = Path(self.config["data_dir"])
        with netns.reachable_redis(self.config["redis_url"], data_dir) as redis_url:
            await self.in_world(redis_url)

    async def in_world(self, redis_url: str) -> None:
        store = Store(connect(redis_url))
        await store.redis.flushdb()
        session = await open_meeting(store, lobby=False)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self.subnet.server_address, 0))
        settings = self.settings(sock.getsockname()[1], redis_url)
        invite = await issue_invite(
            store, session=session, role=Role.OBSERVER, name="Olga Observer", email="",
            single_use=False, days=1, created_by="test", now=datetime.now(UTC),
        )  # fmt: skip
        runner = web.AppRunner(make_app(settings), handle_signals=False)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        try:
            await self.drive(settings.base_url, room_path(session), sign_invite(settings, invite))
        finally:
            await runner.cleanup()
            await store.close()

    async def drive(self, base_url: str, path: str, token: str) -> None:
        args = [*CHROMIUM_ARGS, f"--unsafely-treat-insecure-origin-as-secure={base_url}"]
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=conftest.CHROMIUM, args=args)
            try:
                await self.steps(browser, base_url, path, token)
            finally:
                self.result["pages"] = await self.collect()
                await browser.close()

    async def steps(self, browser: Browser, base_url: str, path: str, token: str) -> None:
        self.mark("browser up")
        three = await self.three_publish(browser, base_url, path)
        await self.all_decode(three, 2)
        self.mark("three decode each other")
        await self.shoot(three[0], "grid")
        await self.steady(three)
        zhao = await self.late_joiner(browser, base_url, path)
        await self.speakers([*three, zhao])
        host, li, wang = three
        await self.screen_share(host, [li, wang, zhao])
        self.result["screen_stop"] = await checks.stop_screen(host, [li, wang, zhao])
        await self.observer_refused(browser, base_url, path, token, [*three, zhao])
        self.result["camera_toggle"] = await checks.camera_off_and_on(li, host)
        self.result["mic_switch"] = await checks.switch_microphone(wang)
        self.result["layouts"] = await checks.pick_layouts(li)
        self.result["mute"] = await checks.host_mutes(host, li)
        self.result["host_stops"] = await checks.host_stops_screen_and_camera(host, wang, li)
        self.mark("controls checked")

    async def collect(self) -> dict[str, Any]:
        pages = {}
        for person in self.people:
            try:
                summary = await person.summary()
            except PlaywrightError as exc:  # a page that died is reported, not fatal
                summary = {"error": str(exc)}
            pages[person.label] = {
                "problems": person.problems,
                "console": person.console[-20:],
                "summary": summary,
            }
        return pages


def flowing(first: dict[str, Any], last: dict[str, Any]) -> list[str]:
    """The remote videos (track ids) that decoded frames between two summaries."""
    earlier = {video["track"]: video["frames_decoded"] for video in first["videos"]}
    return [
        video["track"]
        for video in last["videos"]
        if video["frames_decoded"] > earlier.get(video["track"], 0)
    ]


def window(first: dict[str, Any], last: dict[str, Any]) -> dict[str, Any]:
    """Per remote video: frames decoded per second and new freezes between two summaries."""
    seconds = (last["now_ms"] - first["now_ms"]) / 1000
    earlier = {video["track"]: video for video in first["videos"]}
    videos = []
    for video in last["videos"]:
        start = earlier.get(video["track"])
        if start is None or start["frames_decoded"] == 0:
            continue
        videos.append({
            "fps": round((video["frames_decoded"] - start["frames_decoded"]) / seconds, 1),
            "new_freezes": video["freeze_count"] - start["freeze_count"],
            "frame_width": video["frame_width"],
            "packets_lost": video["packets_lost"] - start["packets_lost"],
        })  # fmt: skip
    return {"seconds": round(seconds, 2), "videos": videos, "pairs": last["pairs"]}


SCREEN_LAYOUT_JS = """() => ({
  stage: document.getElementById("tiles").classList.contains("layout-stage"),
  featured_screen: Boolean(document.querySelector(".tile.featured.screen")),
  screen_tiles: document.querySelectorAll(".tile.screen").length,
})"""
BUTTONS_JS = """() => ["mic-button", "cam-button", "screen-button"].every(
  (id) => document.getElementById(id).hidden)"""
OBSERVER_JS = """() => document.getElementById("cam-button").getAttribute("aria-pressed")"""


async def play(kind: type["Scenario"]) -> None:
    """A scenario process's whole life: the config from stdin, the network namespace's
    addresses, the run, and its result (with how it failed, if it did) as JSON on stdout."""
    config = json.loads(sys.stdin.read())
    subnet = netns.bring_up(netns.Subnet.from_config(config))
    scenario = kind(config, subnet)
    try:
        await scenario.run()
    except StepFailed as exc:
        scenario.result["failed"] = str(exc)
    except (AssertionError, PlaywrightError) as exc:  # e.g. a wait that timed out: after which step
        last = scenario.result.get("timeline", [["start", 0]])[-1][0]
        scenario.result["failed"] = f"after {last!r}: {exc}"
    scenario.result["seconds"] = round(time.monotonic() - scenario.started, 1)
    print(json.dumps(scenario.result, ensure_ascii=False))


async def main() -> None:
    await play(Scenario)


if __name__ == "__main__":
    asyncio.run(main())
