"""Recording a room over real sockets: a host starts and stops it where the session allows
it, everyone (and anyone about to join) is told, the record and timeline are kept; nobody
else may, and a session that does not allow it refuses in the person's language."""

import json
from collections.abc import AsyncIterator

import av
import pytest

from recordings.timeline import deck_file_name
from rooms.roles import Role
from server import agenda
from server.files import files_root
from server.realtime.live import LiveRooms
from tests.fixtures_files import make_pdf
from tests.server.media.synthetic import Clip, encode_clip
from tests.server.realtime.media_world import MediaWorld, until
from tests.server.realtime.room_world import World, utcnow
from tests.server.realtime.test_slides_room import files_in, host_browser, upload

NOTICE = "This session is being recorded."


@pytest.fixture(scope="module")
def clip() -> Clip:
    return encode_clip(seconds=1, width=160, height=120, bitrate=200_000)


@pytest.fixture
async def media(rooms_world: World, clip: Clip) -> AsyncIterator[MediaWorld]:
    media = MediaWorld(rooms_world, clip)
    yield media
    await media.close()


async def test_a_host_records_everyone_sees_it_and_the_recording_is_kept(
    rooms_world: World,
) -> None:
    world = rooms_world
    room = await world.session(lobby=False, recording_allowed=True)
    host = await world.enter(room, invite=await world.invite(room, Role.HOST, "Host"))
    li = await world.enter(room, invite=await world.invite(room, Role.ATTENDEE, "Li Lei"))
    browser = await world.browser()
    before = await (await browser.get(f"/sessions/{room.session_id}/room")).text()

    refused = await li.call("start_recording", {})
    started = await host.call("start_recording", {})
    await li.sync()
    page = await (await browser.get(f"/sessions/{room.session_id}/room")).text()
    han = await world.enter(room, invite=await world.invite(room, Role.ATTENDEE, "Han Mei"))
    again = await host.call("start_recording", {})
    stopped = await host.call("stop_recording", {})
    await li.sync(), await han.sync()
    after = await (await browser.get(f"/sessions/{room.session_id}/room")).text()

    assert refused["error"]["code"] == "forbidden"
    assert again["error"]["code"] == "already_recording"
    assert stopped == started
    assert [r["recording"] for r in li.of("recording")] == [True, False]
    assert han.of("joined")[0]["room"]["recording"] is True
    assert [r["recording"] for r in han.of("recording")] == [False]
    assert (NOTICE in before, NOTICE in page, NOTICE in after) == (False, True, False)
    [record] = await world.store.recordings.of_session(room.session_id)
    assert record.recording_id == started["recording_id"]
    assert record.started_by == host.me["participant_id"] and record.stopped_at is not None
    assert await world.store.recordings.going_on(room.session_id) is None
    folder = world.settings.data_dir / record.folder
    lines = [json.loads(x) for x in (folder / record.timeline).read_text().splitlines()]
    names = {line.get("name") for line in lines if line["event"] == "join"}
    assert lines[0]["event"] == "start" and lines[-1]["event"] == "stop"
    assert names == {"Host", "Li Lei", "Han Mei"}


async def test_recording_is_refused_where_the_session_does_not_allow_it(
    rooms_world: World,
) -> None:
    world = rooms_world
    review = await world.session(kind="review", lobby=False)  # reviews: off unless allowed
    chair = await world.enter(
        review, invite=await world.invite(review, Role.HOST, "主席"), auth_extra={"lang": "zh_CN"}
    )

    refused = await chair.call("start_recording", {})
    not_on = await chair.call("stop_recording", {})

    assert review.session.recording_allowed is False
    assert refused["error"] == {
        "code": "recording_not_allowed",
        "message": "本评审不允许录制。",
        "event": "start_recording",
    }
    assert not_on["error"]["code"] == "not_recording"
    assert await world.store.recordings.of_session(review.session_id) == []


async def test_the_room_records_what_is_published_while_it_records(media: MediaWorld) -> None:
    world = media.world
    room = await world.session(lobby=False, recording_allowed=True)
    host = await world.enter(room, invite=await world.invite(room, Role.HOST, "Host"))
    alice = await media.user(room, Role.PRESENTER, "Alice")
    await alice.start()
    await alice.publish()
    live = world.live.rooms[room.session_id]
    await until(lambda: len(live.media.router.sources) == 2)

    started = await host.call("start_recording", {})
    recorder = live.media.recorder
    assert recorder is not None
    await until(lambda: len(recorder.files) + sum(1 for _ in recorder._tracks.values()) == 2)
    await until(lambda: all(t.file.frames >= 20 for t in recorder._tracks.values()))
    await alice.peer.send("media_stop")  # she leaves the stage and comes back
    await alice.publisher.close()  # type: ignore[union-attr]
    await alice.start()
    await alice.publish()
    await until(lambda: len(recorder._tracks) == 2)
    await until(lambda: all(t.file.frames >= 20 for t in recorder._tracks.values()))
    await host.call("stop_recording", {})

    record = await world.store.recordings.get(started["recording_id"])
    assert record is not None and live.media.recorder is None
    pid = alice.participant_id
    assert sorted(f.name for f in record.tracks) == [
        f"{pid}-{kind}-{n}.webm" for kind in ("audio", "video") for n in (1, 2)
    ]
    folder = world.settings.data_dir / record.folder
    for file in record.tracks:
        with av.open(str(folder / file.name)) as container:
            assert sum(1 for p in container.demux() if p.pts is not None) == file.frames
    lines = [json.loads(x) for x in (folder / record.timeline).read_text().splitlines()]
    ended = sorted(x["file"] for x in lines if x["event"] == "track_end")
    assert ended == sorted(f.name for f in record.tracks)
    # the room's own news reach the timeline: who was there, who spoke
    assert {(x["event"], x.get("participant_id")) for x in lines} >= {
        ("join", pid), ("join", host.me["participant_id"]), ("speaker", pid),
    }  # fmt: skip


async def test_a_recording_a_crash_left_on_is_stopped_at_the_last_heartbeat(
    rooms_world: World,
) -> None:
    world = rooms_world
    room = await world.session(lobby=False, recording_allowed=True)
    clock = world.stop_clock()
    host = await world.enter(room, invite=await world.invite(room, Role.HOST, "Host"))
    started = await host.call("start_recording", {})
    await world.live.sweep()  # the heartbeat
    beat = clock.now
    record = await world.store.recordings.going_on(room.session_id)
    assert record is not None
    folder = world.settings.data_dir / record.folder
    (folder / "p1-video-1.webm").write_bytes(b"")  # what the dead process had written
    clock.advance(600)  # ... then it dies (kill -9)
    crashed = world.live
    restarted = LiveRooms(
        crashed.sio, crashed.store, crashed.settings, crashed.catalogs, clock=clock
    )

    await restarted.recover()

    found = await world.store.recordings.get(started["recording_id"])
    assert found is not None and found.stopped_at == beat.isoformat()
    assert [(t.name, t.participant_id, t.kind, t.segment) for t in found.tracks] == [
        ("p1-video-1.webm", "p1", "video", 1)
    ]
    assert await world.store.recordings.going_on(room.session_id) is None


async def test_a_recording_stops_when_the_staff_no_longer_allow_it(rooms_world: World) -> None:
    world = rooms_world
    room = await world.session(lobby=False, recording_allowed=True)
    host = await world.enter(room, invite=await world.invite(room, Role.HOST, "Host"))
    started = await host.call("start_recording", {})
    await agenda.update_session(
        world.store, session=room.session, fields={"recording_allowed": False}, now=utcnow()
    )

    await world.live.sweep()
    await host.sync()

    assert [r["recording"] for r in host.of("recording")] == [True, False]
    found = await world.store.recordings.get(started["recording_id"])
    assert found is not None and found.stopped_at is not None
    assert world.live.rooms[room.session_id].recording is None


async def test_the_decks_shown_while_recording_are_kept_with_their_pages(
    rooms_world: World,
) -> None:
    world = rooms_world
    room = await world.session(kind="class", lobby=False, recording_allowed=True)
    host = await world.enter(room, invite=await world.invite(room, Role.HOST, "Teacher"))
    browser, csrf = await host_browser(world, room)
    first_pdf, second_pdf = make_pdf(pages=3), make_pdf(pages=1)
    _, first = await upload(browser, csrf, room, first_pdf)  # on the stage before it records

    await host.call("start_recording", {})
    await host.call("slide_page", {"page": 2})
    _, second = await upload(browser, csrf, room, second_pdf)  # replaces the first: deleted
    await host.call("slides_stop", {})
    await host.call("stop_recording", {})

    [record] = await world.store.recordings.of_session(room.session_id)
    folder = world.settings.data_dir / record.folder
    lines = [json.loads(x) for x in (folder / record.timeline).read_text().splitlines()]
    shown = [(e["file_id"], e["page"]) for e in lines if e["event"] == "slides"]
    assert shown == [(first["file_id"], 1), (first["file_id"], 2), (second["file_id"], 1),
                     (None, None)]  # fmt: skip
    assert (folder / deck_file_name(first["file_id"])).read_bytes() == first_pdf
    assert (folder / deck_file_name(second["file_id"])).read_bytes() == second_pdf
    assert files_in(files_root(world.settings)) == []  # the room's own copies are gone
