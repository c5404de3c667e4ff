"""A recording's video made by the worker (server/compositions.py) on a real Redis: queued
when the recording stops, composed with its progress, named on the record, the staff told
and shown it in the console; a killed worker's composition is done again by another; a
recording still going on, or someone else's, is refused."""

import asyncio
import shutil
from datetime import UTC, datetime
from pathlib import Path

import av
import pytest

from recordings.compose import VIDEO_NAME
from recordings.layout import Chapter
from recordings.timeline import Recording, deck_file_name
from rooms.agenda import PersonType, person_key
from rooms.jobs import JobState
from rooms.notifications import NotificationKind
from server.compositions import COMPOSE_KIND, chapter_title
from server.files import file_path, files_root
from server.recorder import RecordingService
from server.settings import Settings
from server.store import Store
from server.worker import Worker
from tests.recordings.tracks import (
    DECK,
    GREEN,
    MAGENTA,
    RED,
    near,
    rgb_at,
    three_people,
    two_people_and_slides,
)
from tests.server.pages_world import csrf_of, make_event, make_session, sign_in, staff_of_new_org

NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("recorded") / "files"
    three_people(folder)
    return folder


async def stopped_recording(store: Store, settings: Settings, recorded: Path):  # type: ignore[no-untyped-def]
    """A session whose recording a crash stopped (its files found in its folder): the
    staff member, the session, the record."""
    host = await staff_of_new_org(store, email="host@example.org")
    event = await make_event(store, host)
    session = await make_session(
        store, event, title="Materials panel", start="2030-05-01T09:00", end="2030-05-01T10:00"
    )
    folder = f"recordings/{session.session_id}/r1"
    record = Recording(
        recording_id="r1", session_id=session.session_id, folder=folder,
        started_at=NOW.isoformat(), started_by="p1",
    )  # fmt: skip
    shutil.copytree(recorded, settings.data_dir / record.folder)
    await store.recordings.begin(record)
    done = await RecordingService(store=store, data_dir=settings.data_dir).recover(record, at=NOW)
    return host, session, done


async def test_a_stopped_recordings_video_is_made_by_the_worker_and_the_staff_told(
    client, store: Store, settings: Settings, recorded: Path
) -> None:  # type: ignore[no-untyped-def]
    host, session, record = await stopped_recording(store, settings, recorded)
    [(job, queued)] = await store.jobs.of_owner(session.session_id)
    await sign_in(client, host)
    waiting = await (await client.get(f"/console/sessions/{session.session_id}/recordings")).text()

    assert await Worker(store, settings).run_once() is True

    [(_job, progress)] = await store.jobs.of_owner(session.session_id)
    stored = await store.recordings.get(record.recording_id)
    [told] = await store.notifications.of_person(person_key(PersonType.ACCOUNT, host.account_id))
    page = await (await client.get(f"/console/sessions/{session.session_id}/recordings")).text()
    home = await (await client.get("/console")).text()
    assert (job.kind, queued.state, len(record.tracks)) == (COMPOSE_KIND, JobState.QUEUED, 8)
    assert (progress.state, progress.done, progress.total) == (JobState.DONE, 10, 10)
    assert stored is not None and stored.video == VIDEO_NAME
    assert (settings.data_dir / record.folder / VIDEO_NAME).is_file()
    assert (told.kind, told.session_id, told.title) == (
        NotificationKind.RECORDING, session.session_id, "Materials panel",
    )  # fmt: skip
    assert 'http-equiv="refresh"' in waiting and "Waiting for the worker" in waiting
    assert 'http-equiv="refresh"' not in page and "Ready" in page and "Make the video again" in page
    assert "The video of Materials panel is ready" in home


class Killed(Worker):
    """A worker killed after its first second of video (no acknowledgement, no end)."""

    async def handle(self, job, advance):  # type: ignore[no-untyped-def]
        async def die(done: int, total: int) -> None:
            raise asyncio.CancelledError

        return await super().handle(job, die)


async def test_a_killed_workers_composition_is_done_again_by_another(
    client, store: Store, settings: Settings, recorded: Path
) -> None:  # type: ignore[no-untyped-def]
    host, session, record = await stopped_recording(store, settings, recorded)
    with pytest.raises(asyncio.CancelledError):
        await Killed(store, settings, consumer="dead").run_once()
    folder = settings.data_dir / record.folder
    (folder / f".{VIDEO_NAME}.dead0001").write_bytes(b"half a video")  # as kill -9 leaves it
    await asyncio.sleep(0.3)

    assert await Worker(store, settings, reclaim_seconds=0.2).run_once() is True

    [(_job, progress)] = await store.jobs.of_owner(session.session_id)
    assert (progress.state, progress.attempts) == (JobState.DONE, 2)
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []
    assert (folder / VIDEO_NAME).is_file()


async def test_staff_queue_a_video_again_and_not_twice_at_once(
    client, store: Store, settings: Settings, recorded: Path
) -> None:  # type: ignore[no-untyped-def]
    host, session, record = await stopped_recording(store, settings, recorded)
    other = await staff_of_new_org(store, email="other@example.org")
    page = f"/console/sessions/{session.session_id}/recordings"
    await sign_in(client, host)
    form = {"csrf_token": csrf_of(await (await client.get(page)).text())}

    twice = await client.post(f"{page}/{record.recording_id}/compose", data=form)
    await store.jobs.ensure_group()
    await Worker(store, settings).run_once()
    again = await client.post(f"{page}/{record.recording_id}/compose", data=form)
    unknown = await client.post(f"{page}/nope/compose", data=form)
    await client.post("/logout", data=form)
    await sign_in(client, other)
    foreign = await client.get(page)

    jobs = await store.jobs.of_owner(session.session_id)
    assert twice.status == 409 and "being made already" in await twice.text()
    assert again.status == 200 and "The video will be made by the worker" in await again.text()
    assert [p.state for _j, p in jobs] == [JobState.QUEUED, JobState.DONE]
    assert jobs[0][0].created_by == person_key(PersonType.ACCOUNT, host.account_id)
    assert unknown.status == 400 and "There is no such recording." in await unknown.text()
    assert foreign.status == 404


def test_a_slide_pages_chapter_is_titled_by_its_deck_and_page() -> None:
    page = Chapter(0, 1000, {"source": "slides", "name": "week1.pdf", "page": 3})
    unnamed = Chapter(0, 1000, {"source": "slides", "name": None, "page": 2})
    zh = {"Page {page}": "第 {page} 页"}

    def t(text: str) -> str:
        return zh.get(text, text)

    assert chapter_title(page, t=t, lang="zh_CN", session=None) == "week1.pdf · 第 3 页"
    assert chapter_title(unnamed, t=lambda text: text, lang="en", session=None) == "Page 2"


async def test_staff_choose_a_grid_at_1280x720_and_the_slides_take_its_stage(
    client, store: Store, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    host = await staff_of_new_org(store, email="host@example.org")
    session = await make_session(
        store, await make_event(store, host), title="Seminar", start="2030-05-01T09:00",
        end="2030-05-01T10:00",
    )  # fmt: skip
    record = Recording(
        recording_id="r2", session_id=session.session_id,
        folder=f"recordings/{session.session_id}/r2", started_at=NOW.isoformat(),
        started_by="p1", stopped_at=NOW.isoformat(),
    )  # fmt: skip
    folder = settings.data_dir / record.folder
    two_people_and_slides(folder)
    # made before decks were kept with recordings: the deck is found where the room stores it
    stored = file_path(files_root(settings), DECK)
    stored.parent.mkdir(parents=True)
    (folder / deck_file_name(DECK)).rename(stored)
    await store.recordings.begin(record)
    await store.recordings.end(record)
    page = f"/console/sessions/{session.session_id}/recordings"
    await sign_in(client, host)
    html = await (await client.get(page)).text()
    form = {"csrf_token": csrf_of(html)}

    odd = await client.post(f"{page}/r2/compose", data={**form, "layout": "mosaic"})
    chosen = await client.post(
        f"{page}/r2/compose", data={**form, "layout": "grid", "size": "1280x720"},
        allow_redirects=False,
    )  # fmt: skip
    await store.jobs.ensure_group()
    assert await Worker(store, settings).run_once() is True

    [(job, progress)] = await store.jobs.of_owner(session.session_id)
    with av.open(str(folder / VIDEO_NAME)) as container:
        frames = {round(f.time * 1000): f for f in container.decode(container.streams.video[0])}
    grid, slide = frames[480], frames[1480]
    assert '<option value="speaker" selected>' in html and '<option value="grid">' in html
    assert odd.status == 400 and "Choose a layout and a size from the lists." in await odd.text()
    assert chosen.status == 303
    assert (job.params["layout"], job.params["size"], progress.state) == (
        "grid", "1280x720", JobState.DONE,
    )  # fmt: skip
    assert (grid.width, grid.height) == (1280, 720)
    assert near(rgb_at(grid, 320, 360), RED) and near(rgb_at(grid, 960, 360), GREEN)
    assert near(rgb_at(slide, 640, 270), MAGENTA)
