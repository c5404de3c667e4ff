"""The recordings library over the real app and Redis: who may watch (staff, the session's
people by their invite, the public once published; a stranger 403), the media with range
requests (206), signed URLs that expire (410) and cannot be forged (403), the staff's forms
with their CSRF token (rename, publish, delete: files and record, logged), and the
retention the scheduler applies."""

import html
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from recordings.library import Access
from recordings.sample import write_sample
from rooms.roles import Role
from server.invitations import issue_invite, sign_invite
from server.pages.recordings import URLS_PER_MINUTE
from server.recording_access import Watcher, media_token
from server.scheduler import Scheduler
from server.seed import seed_demo
from tests.server.fixtures_login import Staff, create_staff, csrf_token, sign_in, sign_in_staff
from tests.server.pages_world import make_event, make_session
from tests.server.recordings_world import VIDEO, finished_recording
from tests.tokens import tampered

VIDEO_SRC = re.compile(r'<video id="replay"[^>]*\ssrc="([^"]+)"')
TRACK_SRC = re.compile(r'<track kind="chapters" src="([^"]+)"')


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sample(tmp_path_factory.mktemp("sample") / VIDEO, seconds=4.0)


@pytest.fixture
async def staff(client, store) -> Staff:
    return await sign_in_staff(client, store, email="host@example.org")


@pytest.fixture
async def session(staff, store):
    event = await make_event(store, staff.account)
    return await make_session(
        store, event, title="Opening", start="2030-05-01T09:00", end="2030-05-01T10:00"
    )


@pytest.fixture
async def recording(store, settings, session, sample):
    started = datetime.now(UTC) - timedelta(hours=1)
    return await finished_recording(store, settings, session, sample=sample, started=started)


@pytest.fixture
async def stranger(aiohttp_client, client):
    return await aiohttp_client(client.server)


def video_url(page: str) -> str:
    found = VIDEO_SRC.search(page)
    assert found is not None, page
    return html.unescape(found.group(1))


async def test_a_stranger_is_refused_403_everywhere(stranger, session, recording) -> None:
    pages = [f"/recordings/{recording.recording_id}", f"/sessions/{session.session_id}/recordings"]

    answers = [(await stranger.get(path)).status for path in pages]
    player = await stranger.get(f"/recordings/{recording.recording_id}/player.json")

    assert answers == [403, 403]
    assert player.status == 403


async def test_staff_play_the_video_with_range_requests(staff, recording, sample) -> None:
    page = await staff.client.get(f"/recordings/{recording.recording_id}")
    url = video_url(await page.text())
    whole = sample.read_bytes()

    part = await staff.client.get(url, headers={"Range": "bytes=100-1099"})
    tail = await staff.client.get(url, headers={"Range": "bytes=-500"})
    full = await staff.client.get(url)
    outside = await staff.client.get(url, headers={"Range": f"bytes={len(whole) + 10}-"})

    assert page.status == 200
    assert (part.status, part.headers["Content-Range"], part.content_type) == (
        206, f"bytes 100-1099/{len(whole)}", "video/mp4",
    )  # fmt: skip
    assert await part.read() == whole[100:1100]
    assert (tail.status, await tail.read()) == (206, whole[-500:])
    assert (full.status, full.headers["Accept-Ranges"], await full.read()) == (200, "bytes", whole)
    assert outside.status == 416


async def test_fresh_player_urls_are_rate_limited_per_address(staff, recording) -> None:
    path = f"/recordings/{recording.recording_id}/player.json"

    first = await (await staff.client.get(path)).json()
    answers = [(await staff.client.get(path)).status for _ in range(URLS_PER_MINUTE)]

    assert first["video"].startswith(f"/recordings/{recording.recording_id}/media/{VIDEO}?token=")
    assert answers == [200] * (URLS_PER_MINUTE - 1) + [429]


async def test_the_player_has_the_chapters_track(staff, recording) -> None:
    page = await (await staff.client.get(f"/recordings/{recording.recording_id}")).text()
    found = TRACK_SRC.search(page)
    assert found is not None

    chapters = await staff.client.get(html.unescape(found.group(1)))

    assert chapters.status == 200
    assert chapters.content_type == "text/vtt"
    assert (await chapters.text()).startswith("WEBVTT")


async def test_an_invited_person_watches_by_their_invite_link_after_the_session(
    store, settings, stranger, session, recording, sample
) -> None:
    invite = await issue_invite(
        store, session=session, role=Role.ATTENDEE, name="Li Lei", email="li@example.org",
        single_use=False, days=3, created_by="a1", now=datetime.now(UTC),
    )  # fmt: skip
    token = sign_invite(settings, invite)
    base = f"/invite/{token}/recordings"

    listing = await stranger.get(base)
    page = await stranger.get(f"{base}/{recording.recording_id}")
    media = await stranger.get(video_url(await page.text()), headers={"Range": "bytes=0-99"})

    assert listing.status == 200 and recording.recording_id in await listing.text()
    assert page.status == 200
    assert (media.status, await media.read()) == (206, sample.read_bytes()[:100])


async def test_an_invite_this_browser_accepted_opens_the_sessions_recordings(
    store, settings, stranger, session, recording
) -> None:
    invite = await issue_invite(
        store, session=session, role=Role.ATTENDEE, name="Li Lei", email="li@example.org",
        single_use=True, days=3, created_by="a1", now=datetime.now(UTC),
    )  # fmt: skip
    form = {"csrf_token": await csrf_token(stranger)}
    accepted = await stranger.post(
        f"/invite/{sign_invite(settings, invite)}/accept", data=form, allow_redirects=False
    )

    listing = await stranger.get(f"/sessions/{session.session_id}/recordings")
    page = await stranger.get(f"/recordings/{recording.recording_id}")

    assert accepted.status == 303
    assert (listing.status, page.status) == (200, 200)


async def test_a_withdrawn_invite_opens_nothing(store, settings, stranger, session, recording):
    invite = await issue_invite(
        store, session=session, role=Role.ATTENDEE, name="Li Lei", email="li@example.org",
        single_use=False, days=3, created_by="a1", now=datetime.now(UTC),
    )  # fmt: skip
    await store.invites.revoke(invite.invite_id)
    token = sign_invite(settings, invite)

    page = await stranger.get(f"/invite/{token}/recordings/{recording.recording_id}")

    assert page.status == 410


async def test_an_expired_signed_url_is_410_and_a_forged_one_403(
    staff, settings, recording, sample, session, store
) -> None:
    other = await finished_recording(
        store, settings, session, sample=sample, started=datetime.now(UTC)
    )
    watcher = Watcher(Access.STAFF, "account:x", "X")
    base = f"/recordings/{recording.recording_id}/media/{VIDEO}?token="
    old, _ = media_token(
        settings, recording.recording_id, watcher, now=datetime.now(UTC) - timedelta(minutes=6)
    )
    fresh, _ = media_token(settings, recording.recording_id, watcher, now=datetime.now(UTC))
    others, _ = media_token(settings, other.recording_id, watcher, now=datetime.now(UTC))

    answers = [
        (await staff.client.get(base + token)).status
        for token in (old, tampered(fresh), others, "", fresh)
    ]

    assert answers == [410, 403, 403, 403, 200]


async def test_publishing_makes_a_replay_public_and_unpublishing_takes_it_back(
    staff, stranger, session, recording
) -> None:
    one = f"/console/recordings/{recording.recording_id}"
    before = await stranger.get(f"/recordings/{recording.recording_id}")

    published = await staff.call(
        "POST", f"{one}/publish", data={"public": "1"}, allow_redirects=False
    )
    page = await stranger.get(f"/recordings/{recording.recording_id}")
    public_url = video_url(await page.text())
    event_page = await (await stranger.get(f"/events/{session.event_id}")).text()
    media = await stranger.get(public_url, headers={"Range": "bytes=0-9"})
    taken_back = await staff.call(
        "POST", f"{one}/publish", data={"public": ""}, allow_redirects=False
    )
    after = [
        (await stranger.get(path)).status
        for path in (f"/recordings/{recording.recording_id}", public_url)
    ]

    assert before.status == 403
    assert (published.status, page.status, media.status) == (303, 200, 206)
    assert f'href="/recordings/{recording.recording_id}"' in event_page
    assert taken_back.status == 303
    assert after == [403, 403]


async def test_a_recording_without_its_video_cannot_be_published_nor_half_changed(
    staff, store, settings, session, sample
) -> None:
    started = datetime.now(UTC)
    composing = await finished_recording(
        store, settings, session, sample=sample, started=started, composed=False
    )
    path = f"/api/recordings/{composing.recording_id}"

    answer = await staff.call("PATCH", path, json={"title": "Opening", "public": True})
    kept = await store.recordings.get(composing.recording_id)
    renamed = await staff.call("PATCH", path, json={"title": "开幕 Opening"})

    assert answer.status == 409
    assert (await answer.json())["error"]["code"] == "not_ready"
    assert kept is not None and (kept.title, kept.published_at) == ("", None)
    assert renamed.status == 200
    assert [(await renamed.json())[key] for key in ("title", "status", "video_url")] == [
        "开幕 Opening", "composing", None,
    ]  # fmt: skip


async def test_rename_and_delete_need_the_csrf_token(staff, store, settings, recording) -> None:
    one = f"/console/recordings/{recording.recording_id}"
    folder = settings.data_dir / recording.folder
    forged = [
        (await staff.client.post(f"{one}/{action}", data=form)).status
        for action, form in (("title", {"title": "Forged"}), ("delete", {}))
    ]

    renamed = await staff.call(
        "POST", f"{one}/title", data={"title": "  开幕式   Opening  "}, allow_redirects=False
    )
    kept = await store.recordings.get(recording.recording_id)
    deleted = await staff.call("POST", f"{one}/delete", data={}, allow_redirects=False)
    [line] = await store.recording_library.deletions(staff.org.org_id)

    assert forged == [403, 403]
    assert renamed.status == 303 and kept is not None and kept.title == "开幕式 Opening"
    assert deleted.status == 303
    assert await store.recordings.get(recording.recording_id) is None
    assert await store.recordings.of_session(recording.session_id) == []
    assert not folder.exists()
    assert (line.recording_id, line.title, line.by, line.reason) == (
        recording.recording_id, "开幕式 Opening", staff.account.name, "staff",
    )  # fmt: skip
    gone = await staff.client.get(f"/recordings/{recording.recording_id}")
    assert gone.status == 404


async def test_a_too_long_title_is_refused_with_the_page_again(staff, recording) -> None:
    one = f"/console/recordings/{recording.recording_id}"

    refused = await staff.call("POST", f"{one}/title", data={"title": "x" * 201})

    assert refused.status == 400
    assert "at most 200 characters" in await refused.text()


async def test_another_organizations_staff_find_nothing_to_change(
    aiohttp_client, client, store, recording
) -> None:
    other = await sign_in_staff(
        await aiohttp_client(client.server), store, email="other@example.org"
    )

    answers = [
        (await other.call("PATCH", f"/api/recordings/{recording.recording_id}", json={})).status,
        (await other.call("DELETE", f"/api/recordings/{recording.recording_id}")).status,
        (await other.client.get(f"/recordings/{recording.recording_id}")).status,
    ]

    assert answers == [404, 404, 403]


async def test_the_api_lists_an_events_recordings_with_signed_urls(
    staff, settings, session, recording
) -> None:
    answer = await staff.call("GET", f"/api/events/{session.event_id}/recordings")
    [listed] = await answer.json()
    url = listed["video_url"].removeprefix(settings.base_url)
    media = await staff.client.get(url, headers={"Range": "bytes=0-0"})

    assert (listed["recording_id"], listed["status"], listed["title"]) == (
        recording.recording_id, "ready", "Opening",
    )  # fmt: skip
    assert (listed["duration_seconds"], listed["public"]) == (4, False)
    assert media.status == 206


async def test_retention_deletes_recordings_past_the_organizations_days(
    staff, store, settings, session, sample
) -> None:
    now = datetime.now(UTC)
    old = await finished_recording(
        store, settings, session, sample=sample, started=now - timedelta(days=31)
    )
    recent = await finished_recording(
        store, settings, session, sample=sample, started=now - timedelta(days=29)
    )
    answer = await staff.call("PUT", "/api/organization/recording-retention", json={"days": 30})
    scheduler = Scheduler(store, settings)

    first = await scheduler.tick(now)
    second = await scheduler.tick(now + timedelta(days=5))  # within the sweep's ten minutes

    assert (answer.status, await answer.json()) == (200, {"days": 30})
    assert (first.recordings_deleted, second.recordings_deleted) == (1, 0)
    assert await store.recordings.get(old.recording_id) is None
    assert not (settings.data_dir / old.folder).exists()
    assert await store.recordings.get(recent.recording_id) is not None
    [line] = await store.recording_library.deletions(staff.org.org_id)
    assert (line.recording_id, line.reason) == (old.recording_id, "retention")


async def test_only_an_administrator_sets_the_retention(
    aiohttp_client, client, store, staff
) -> None:
    await create_staff(store, email="clerk@example.org", org=staff.org)
    clerk = await aiohttp_client(client.server)
    token = await sign_in(clerk, email="clerk@example.org")

    refused = await clerk.put(
        "/api/organization/recording-retention",
        json={"days": 30},
        headers={"X-CSRF-Token": token},
    )
    form = await staff.call(
        "POST", "/console/organization/retention", data={"days": "90"}, allow_redirects=False
    )
    cleared = await staff.call(
        "POST", "/console/organization/retention", data={"days": ""}, allow_redirects=False
    )

    assert refused.status == 403
    assert form.status == 303 and cleared.status == 303
    assert await store.recording_library.retention(staff.org.org_id) is None


async def test_the_demo_seed_leaves_a_replay_its_attendee_plays(
    stranger, store, settings, capsys
) -> None:
    await seed_demo(store, settings)
    printed = capsys.readouterr().out
    found = re.search(rf"{re.escape(settings.base_url)}(/invite/\S+/recordings)", printed)
    assert found is not None, printed

    listing = await stranger.get(found.group(1))
    [recording_id] = re.findall(r'href="/invite/\S+/recordings/(\w+)"', await listing.text())
    page = await stranger.get(f"{found.group(1)}/{recording_id}")
    text = await page.text()
    media = await stranger.get(video_url(text), headers={"Range": "bytes=4-7"})

    assert (listing.status, page.status, media.status) == (200, 200, 206)
    assert await media.read() == b"ftyp"  # an MP4's first box
    assert TRACK_SRC.search(text) is not None
