"""Streaming in real Chromium: a host (on a phone-sized page) types the ingest's URL and key
in the host controls and starts the stream to a local nginx RTMP ingest, everyone sees the
live indicator, the key field is emptied and nothing shows the key, and the indicator goes
when the host stops."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.browser.axe import serious_violations
from tests.browser.room_ui import open_panel
from tests.browser.test_room import HOST_EMAIL, join_as_guest, open_meeting, room_path
from tests.server.media.ingest import Ingest, running_ingest

KEY = "browser-key-51c2"


@pytest.fixture
def ingest(tmp_path: Path) -> Iterator[Ingest]:
    with running_ingest(tmp_path / "nginx") as started:
        yield started


async def test_a_host_starts_and_stops_the_live_stream_and_everyone_sees_it(
    live_server, new_page, sign_in, ingest: Ingest
) -> None:
    session = await open_meeting(live_server.store, lobby=False, recording_allowed=True)
    host, guest = await new_page(width=375, height=812), await new_page(lang="zh_CN")
    await sign_in(host, email=HOST_EMAIL)
    await host.goto(room_path(session))
    await host.click("#join-button")
    await join_as_guest(guest, session, "Li Lei")
    await expect(guest.locator("#flag-streaming")).to_be_hidden()
    await open_panel(host, "host")
    await host.fill("#stream-url", "http://example.com/live")
    await host.fill("#stream-key", KEY)
    await host.click("#stream-start")
    await expect(host.locator("#stream-error")).to_contain_text("rtmp://")

    await host.fill("#stream-url", ingest.url())
    await host.click("#stream-start")
    await expect(host.locator("#flag-streaming")).to_contain_text("Live since", timeout=10_000)
    await expect(guest.locator("#flag-streaming")).to_contain_text("直播中")
    await expect(host.locator("#stream-key")).to_have_value("")
    await expect(host.locator("#stream-stop")).to_be_visible()
    await expect(guest.locator("#stream-form")).to_be_hidden()  # not a host's
    assert await serious_violations(host) == []
    assert KEY not in await guest.content() and KEY not in await host.content()

    await host.click("#stream-stop")
    await expect(guest.locator("#flag-streaming")).to_be_hidden()
    await expect(host.locator("#stream-start")).to_be_visible()
