"""A replay in headless Chromium, as an attendee meets it after the class: from their invite
link to the session's recordings, then the player. The video (H.264 and AAC in MP4: Debian's
Chromium plays it) reaches HAVE_CURRENT_DATA, the chapters track is listed, and when a signed
URL has expired (410) the page's script fetches fresh ones and the video still plays. A
stranger's browser is refused."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.async_api import Route, expect

from recordings.sample import write_sample
from rooms.roles import Role
from server.invitations import issue_invite, sign_invite
from tests.browser.conftest import LiveServer, NewPage
from tests.server.fixtures_login import create_staff
from tests.server.pages_world import make_event, make_session
from tests.server.recordings_world import VIDEO, finished_recording

H264 = 'video/mp4; codecs="avc1.42E01E, mp4a.40.2"'


async def test_an_attendee_plays_the_replay_and_a_stranger_cannot(
    live_server: LiveServer, new_page: NewPage, tmp_path: Path
) -> None:
    store, settings = live_server.store, live_server.settings
    _org, host = await create_staff(store, email="host@example.org")
    event = await make_event(store, host)
    lesson = await make_session(
        store, event, title="数据管理 Data", start="2030-05-01T09:00", end="2030-05-01T10:00"
    )
    sample = write_sample(tmp_path / VIDEO, seconds=4.0)
    started = datetime.now(UTC) - timedelta(hours=2)
    recording = await finished_recording(store, settings, lesson, sample=sample, started=started)
    invite = await issue_invite(
        store, session=lesson, role=Role.ATTENDEE, name="林晓", email="lin@example.org",
        single_use=False, days=3, created_by=host.account_id, now=datetime.now(UTC),
    )  # fmt: skip
    refused: list[str] = []

    async def first_fetch_expired(route: Route) -> None:
        if not refused:  # as if the page had been open longer than the URL lasts
            refused.append(route.request.url)
            await route.fulfill(status=410, body="gone")
        else:
            await route.continue_()

    page = await new_page(lang="zh_CN")
    await page.route("**/media/session.mp4*", first_fetch_expired)
    await page.goto(f"/invite/{sign_invite(settings, invite)}/recordings")
    async with page.expect_response(lambda r: r.url.endswith("/player.json")) as renewed:
        await page.locator("ol.recordings h2 a").click()
        await page.wait_for_function(
            "() => document.getElementById('replay').readyState >= 2", timeout=15_000
        )

    can_play = "(type) => document.createElement('video').canPlayType(type)"
    assert await page.evaluate(can_play, H264) in (
        "probably", "maybe",
    )  # fmt: skip
    assert (len(refused), (await renewed.value).status) == (1, 200)
    await expect(page.locator("nav.chapters li button")).to_have_count(2)
    assert await page.evaluate("() => document.getElementById('replay').videoWidth") == 320

    stranger = await new_page()
    answer = await stranger.goto(f"/recordings/{recording.recording_id}")
    assert answer is not None and answer.status == 403
