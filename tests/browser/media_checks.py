"""Looking at the pages of the media scenario (tests/browser/netns_scenario.py): a person's
page with its getStats() summary (tests/browser/media_probe.js), polling helpers, and the
checks of the room's media controls — camera off and on, another microphone, the end of a
screen share, the layout picker, a host's mute. Each check returns what it saw, for the
test to judge; a state that never comes raises StepFailed.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import Page

from tests.browser.room_ui import open_person_menu, person_action

POLL = 0.2  # seconds between two looks at a page
STEP_TIMEOUT = 25.0  # a step that takes longer than this is not going to happen
# Page actions and waits that only set the scene (load a page, join, click): on a loaded
# two-CPU machine (the rest of the suite, other runs) these can take far longer than on an
# idle one. What is measured (first frames, freezes, frame rates) has its own bounds.
SETUP_TIMEOUT = 60.0


class StepFailed(Exception):
    pass


@dataclass
class Person:
    label: str
    page: Page
    problems: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    async def summary(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.page.evaluate("window.__media.summary()")
        return result

    async def js(self, script: str, arg: object = None) -> Any:
        return await self.page.evaluate(script, arg)


def decoding(summary: dict[str, Any], *, min_width: int = 0) -> list[dict[str, Any]]:
    """The inbound videos that decoded at least one frame (of at least that width)."""
    return [
        video
        for video in summary["videos"]
        if video["frames_decoded"] > 0 and video["frame_width"] >= min_width
    ]


async def until(
    what: str, check: Callable[[], Awaitable[Any]], *, within: float = STEP_TIMEOUT
) -> Any:
    """Poll ``await check()`` until it returns something true (its value), for ``within`` s."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if value := await check():
            return value
        await asyncio.sleep(POLL)
    raise StepFailed(what)


PREVIEW_JS = """() => ({
  level: document.getElementById("mic-level").value,
  cameras: document.querySelectorAll("#camera-select option").length,
  microphones: document.querySelectorAll("#mic-select option").length,
  video_width: document.getElementById("preview-video").videoWidth,
})"""


async def preview_seen(person: Person) -> dict[str, Any]:
    """The pre-join preview: the camera's picture, the microphone's level, the devices."""

    async def heard() -> Any:
        preview = await person.js(PREVIEW_JS)
        return preview if preview["level"] > 0 and preview["video_width"] > 0 else None

    return dict(await until("the preview shows the camera and the microphone level", heard))


# the tile showing a person's camera, by the name in its caption
TILE_JS = """(name) => {
  const tile = [...document.querySelectorAll(".tile:not(.screen)")]
    .find((t) => t.querySelector(".tile-name").textContent === name);
  if (!tile) return null;
  const video = tile.querySelector("video");
  return {no_video: tile.classList.contains("no-video"),
          frames: video.getVideoPlaybackQuality().totalVideoFrames};
}"""


async def camera_off_and_on(owner: Person, viewer: Person, name: str = "Li Lei") -> dict[str, Any]:
    """The owner turns their camera off, then on: the viewer's tile shows it both times."""
    await owner.page.click("#cam-button")
    await owner.page.wait_for_selector("#cam-button[aria-pressed=false]")
    off = await until("the tile shows the camera off", _tile_is(viewer, name, no_video=True))
    await owner.page.click("#cam-button")
    turned_on = time.monotonic()
    await owner.page.wait_for_selector("#cam-button[aria-pressed=true]")
    await until("the tile shows the camera on", _tile_is(viewer, name, no_video=False))

    async def more_frames() -> bool:
        tile = await viewer.js(TILE_JS, name)
        return bool(tile and tile["frames"] > off["frames"])

    await until("frames come again", more_frames)
    return {"off": True, "frames_again_ms": round((time.monotonic() - turned_on) * 1000)}


def _tile_is(viewer: Person, name: str, *, no_video: bool) -> Callable[[], Awaitable[Any]]:
    async def check() -> Any:
        tile = await viewer.js(TILE_JS, name)
        return tile if tile and tile["no_video"] == no_video else None

    return check


SENDING_JS = """() => window.__media.sendingAudio()"""


async def switch_microphone(person: Person) -> dict[str, Any]:
    """The person picks another microphone in the room: the same sender gets a new track."""
    before = await person.js(SENDING_JS)
    options = await person.page.locator("#room-mic-select option").all()
    values = [await option.get_attribute("value") for option in options]
    chosen = next(value for value in values if value)
    await person.page.click("#device-settings summary")
    await person.page.select_option("#room-mic-select", chosen)

    async def switched() -> Any:
        now = await person.js(SENDING_JS)
        return now if now and now != before else None

    after = await until("another microphone is sent", switched)
    await person.page.click("#device-settings summary")
    return {"choices": len(values), "before": len(before), "after": len(after)}


LAYOUT_JS = """() => ({
  stage: document.getElementById("tiles").classList.contains("layout-stage"),
  featured: document.querySelectorAll(".tile.featured").length,
  screen_tiles: document.querySelectorAll(".tile.screen").length,
})"""


async def stop_screen(host: Person, viewers: list[Person]) -> dict[str, Any]:
    """The host stops sharing: the screen's tile goes away and the grid comes back."""
    await host.page.click("#screen-button")
    await host.page.wait_for_selector("#screen-button[aria-pressed=false]")
    layouts = {}
    for viewer in viewers:

        async def gone(viewer: Person = viewer) -> Any:
            layout = await viewer.js(LAYOUT_JS)
            return layout if layout["screen_tiles"] == 0 else None

        layouts[viewer.label] = await until("the screen's tile goes away", gone)
    return layouts


async def pick_layouts(person: Person) -> dict[str, Any]:
    """The layout picker: stage (one featured tile) and grid (none), whatever is shown."""
    seen = {}
    for layout in ("stage", "grid", "auto"):
        await person.page.click(f"#layout-picker [data-layout={layout}]")
        seen[layout] = await person.js(LAYOUT_JS)
    return seen


MIC_BUTTON_JS = """() => document.getElementById("mic-button").dataset.tip"""


async def host_mutes(host: Person, guest: Person, name: str = "Li Lei") -> dict[str, Any]:
    """The host mutes a guest: the guest's microphone stops, their page says why."""
    sending_before = len(await guest.js(SENDING_JS))
    person = host.page.locator("#roster-list li", has_text=name)
    await person_action(host.page, person, "mute")
    await guest.page.wait_for_selector("#mic-button[aria-pressed=false]")
    await guest.page.locator(".toast", has_text="mute").first.wait_for()
    return {
        "sending_before": sending_before,
        "mic_button": await guest.js(MIC_BUTTON_JS),
        "sending_after": len(await guest.js(SENDING_JS)),
    }


CAMERA_BUTTON_JS = """() => document.getElementById("cam-button").dataset.tip"""


async def host_stops_screen_and_camera(
    host: Person, guest: Person, viewer: Person, name: str = "Wang Fang"
) -> dict[str, Any]:
    """The host makes a guest a presenter, who shares a screen; from the roster the host
    stops that screen share, then the guest's camera: the guest's page turns each off and
    says why, and the viewer's tile of the guest shows the camera off."""
    row = host.page.locator("#roster-list li", has_text=name)
    await open_person_menu(host.page, row)
    await row.locator("select").select_option("presenter")
    await guest.page.wait_for_selector("#screen-button:not([hidden])", timeout=SETUP_TIMEOUT * 1000)
    await guest.page.click("#screen-button")
    await guest.page.wait_for_selector("#screen-button[aria-pressed=true]")
    await row.locator("[data-action=stop-screen]").click(timeout=SETUP_TIMEOUT * 1000)
    await guest.page.wait_for_selector("#screen-button[aria-pressed=false]")
    screen_toast = await guest.page.locator(".toast", has_text="screen").first.text_content()
    await row.locator("[data-action=stop-video]").click()
    await guest.page.wait_for_selector("#cam-button[aria-pressed=false]")
    camera_toast = await guest.page.locator(".toast", has_text="camera").first.text_content()
    await until("the viewer sees the guest's camera off", _tile_is(viewer, name, no_video=True))

    async def no_button_left() -> bool:
        return await row.locator("[data-action=stop-video]").count() == 0

    await until("the roster stops offering to stop the camera", no_button_left)
    return {
        "screen_toast": screen_toast,
        "camera_toast": camera_toast,
        "camera_button": await guest.js(CAMERA_BUTTON_JS),
        "viewer_tile_off": True,
    }
