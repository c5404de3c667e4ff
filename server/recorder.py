"""The recorder: a subscriber of a room's media plane that writes what it receives.

A ``Recorder`` follows the router's sources (``follow``, called whenever they change): each
published track with a codec it can keep (VP8, H.264, Opus) gets a track file, fed by the
source's assembled frames (``Source.take_frames``) — the encoded frames as the publisher sent
them, never decoded or encoded. A video file starts at a key frame: the recorder asks the
publisher for one (PLI, through the source's own path) when it starts following a source and
again, every ``KEYFRAME_RETRY`` seconds, while it still waits. Each frame's time on the
recording's clock comes from ``recordings.timeline.TrackClock`` (where it arrived, and its
RTP timestamp): a track's first ``HOLD_MS`` of frames are held, then placed by the least
delayed of them. The source only keeps what it sent its viewers as packets go
(``Source.keep_frames``); every ``BATCH_SECONDS`` the recorder takes the frames
(``Source.take_frames``) and muxes them, into memory; the recording's one disk thread
(``recordings.writer.DiskWriter``) writes the bytes, so the event loop never waits for the
disk.

The room's moments go to the timeline (``observe``: what the room sends; ``note``: what the
recorder sees itself, tracks starting and ending). The PDF of each deck shown while it
records is kept in the recording's folder (``deck_file_name``; a hard link, else a copy, made
by a thread), since the room deletes its own once the deck leaves the stage and the
composer puts its pages on the video's stage.

``RecordingService`` starts and stops a room's recording and keeps its record in Redis;
a stopped recording's video is queued for the worker at once (``server/compositions.py``).
"""

import asyncio
import logging
import os
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from recordings.timeline import (
    RECORDABLE,
    Recording,
    Timeline,
    TrackClock,
    TrackFile,
    deck_file_name,
    line,
    parse_track_file_name,
    track_file_name,
)
from recordings.writer import DiskWriter, LineWriter, TrackWriter
from server.compositions import LANG, RECORDER, queue_composition
from server.files import file_path
from server.media.frames import Frame
from server.media.router import Router
from server.media.source import Source
from server.process import stop_tasks
from server.store import Store
from server.store.owners import Fence

log = logging.getLogger(__name__)

KEYFRAME_RETRY = 1.0  # seconds between two key frame requests while a video file waits
# seconds between two batches of frames written: a batch costs less per frame than a frame
# written as it comes (``make bench-record``); a crash loses it too, beside the cluster
BATCH_SECONDS = 0.25
# a track's first frames are held this long, then placed by the least delayed of them
# (``TrackClock.settle``): a late first frame does not put the whole track late
HOLD_MS = 1000


@dataclass(slots=True)
class _Track:
    source: Source
    named: TrackFile  # its name and what it holds; the times and count are kept below
    writer: TrackWriter
    clock: TrackClock
    waiting: bool  # video: no key frame written yet
    started_ms: int | None = None
    ended_ms: int | None = None
    frames: int = 0  # counted per frame without making a new TrackFile each time
    held: list[tuple[Frame, int]] = field(default_factory=list)  # first frames, arrived ms

    @property
    def file(self) -> TrackFile:
        return replace(
            self.named, started_ms=self.started_ms, ended_ms=self.ended_ms, frames=self.frames
        )


def _linked(source: Path, kept: Path) -> bool:
    """A hard link to the deck's file (the same bytes, none copied); False where there can
    be none (another file system) or the file is gone."""
    try:
        os.link(source, kept)
    except FileExistsError:
        return True
    except OSError:
        return False
    return True


def keep_deck(source: Path, kept: Path) -> None:
    """A deck's PDF into the recording's folder: a hard link, else a copy under a private
    name renamed into place."""
    if _linked(source, kept):
        return
    part = kept.with_name(f".{kept.name}.part")
    try:
        shutil.copyfile(source, part)
        os.replace(part, kept)
    except OSError:
        log.warning("the deck %s could not be kept with the recording", source.name)
        part.unlink(missing_ok=True)


class Recorder:
    """One recording of one room's media plane, into ``folder``; ``stored``: where the
    stored files are (the decks shown are kept from there)."""

    def __init__(
        self, *, router: Router, folder: Path, clock: Callable[[], float] = time.monotonic,
        stored: Path | None = None,
    ) -> None:  # fmt: skip
        self.router = router
        self.folder = folder
        self.stored = stored
        self._decks: dict[str, asyncio.Task[None]] = {}  # file id -> its keeping
        self._clock = clock
        self._started = clock()
        self._tracks: dict[str, _Track] = {}  # source_id -> its track file being written
        self._segments: Counter[tuple[str, str]] = Counter()
        self.files: list[TrackFile] = []  # finished track files
        self.failed: list[str] = []  # files that stopped on an error
        self._disk: DiskWriter | None = None
        self._timeline: LineWriter | None = None
        self._observer = Timeline()
        self._task: asyncio.Task[None] | None = None

    def now_ms(self) -> int:
        return int((self._clock() - self._started) * 1000)

    def start(self, present: Sequence[tuple[str, str]] = ()) -> None:
        """Start recording: the timeline (with who is ``present``: id, name) and every
        source the room has now."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._disk = DiskWriter(self.folder.name)
        self._timeline = LineWriter(self.folder / "timeline.jsonl", self._disk)
        self.note("start")
        for event, data in self._observer.present(list(present)):
            self.note(event, **data)
        self.follow()
        self._task = asyncio.create_task(self._run(), name="recorder")

    # --- the media plane's sources ---------------------------------------------------------

    def follow(self) -> None:
        """Bring the track files up to date with the router's sources."""
        sources = self.router.sources
        for source_id in [s for s in self._tracks if s not in sources]:
            self._finish(source_id)
        for source_id, source in sources.items():
            if source_id not in self._tracks and source.codec.name.upper() in RECORDABLE:
                self._attach(source)

    def _attach(self, source: Source) -> None:
        key = (source.participant_id, source.kind)
        self._segments[key] += 1
        segment = self._segments[key]
        name = track_file_name(source.participant_id, source.kind, segment, source.codec.name)
        file = TrackFile(
            name=name,
            participant_id=source.participant_id,
            kind=source.kind,
            codec=source.codec.name,
            segment=segment,
        )
        writer = TrackWriter(self.folder / name, file, on_error=self.failed.append, disk=self._disk)
        track = _Track(
            source=source,
            named=file,
            writer=writer,
            clock=TrackClock(source.codec.clockRate),
            waiting=source.media_kind == "video",
        )
        self._tracks[source.source_id] = track
        source.keep_frames()
        source.request_keyframe()
        self.note("track", participant_id=source.participant_id, kind=source.kind, file=name)

    def write_batch(self) -> None:
        """Write every frame the sources kept since the last batch."""
        for track in self._tracks.values():
            self._write(track)

    def _write(self, track: _Track, *, last: bool = False) -> None:
        """A track's frames kept since its last batch, muxed (into memory, at once); its
        first ``HOLD_MS`` of frames held until then (``last``: the track ends, no more)."""
        frames = track.source.take_frames()
        if not frames and not track.held:
            return
        now_ms, now = self.now_ms(), self.router.clock()
        for frame, arrived in frames:
            if track.waiting:
                if not frame.keyframe:
                    continue
                track.waiting = False
            arrived_ms = now_ms - int((now - arrived) * 1000)
            if track.clock.anchored:  # settled: frames are written as they come
                self._put(track, frame, arrived_ms)
            else:
                track.held.append((frame, arrived_ms))
        if track.held and (last or now_ms - track.held[0][1] >= HOLD_MS):
            held, track.held = track.held, []
            track.clock.settle([(frame.timestamp, arrived_ms) for frame, arrived_ms in held])
            for frame, arrived_ms in held:
                self._put(track, frame, arrived_ms)

    def _put(self, track: _Track, frame: Frame, arrived_ms: int) -> None:
        at = track.clock.at(frame.timestamp, arrived_ms)
        track.writer.write(frame.payloads, at, frame.keyframe)
        if track.started_ms is None:
            track.started_ms = at
        track.ended_ms = at
        track.frames += 1

    def _finish(self, source_id: str) -> None:
        track = self._tracks.pop(source_id)
        self._write(track, last=True)
        track.source.drop_frames()
        track.writer.finish()
        file = track.file
        self.note("track_end", participant_id=file.participant_id, kind=file.kind, file=file.name)
        if file.frames:
            self.files.append(file)

    async def _run(self) -> None:
        """A batch of frames every ``BATCH_SECONDS``; a key frame asked for every
        ``KEYFRAME_RETRY`` of every video file still waiting for one."""
        asked = self._clock()
        while True:
            await asyncio.sleep(BATCH_SECONDS)
            try:
                self.write_batch()
            except Exception:  # a bug here must not stop the batches of every file
                log.exception("recording %s: a batch failed", self.folder)
            if self._clock() - asked >= KEYFRAME_RETRY:
                asked = self._clock()
                for track in self._tracks.values():
                    if track.waiting:
                        track.source.request_keyframe()

    # --- the timeline ----------------------------------------------------------------------

    def observe(self, event: str, payload: Mapping[str, Any]) -> None:
        """Something the room sent: a timeline line if it is one of its moments."""
        for entry, data in self._observer.observe(event, payload):
            self.note(entry, **data)
            if entry == "slides" and data.get("file_id"):
                self._keep_deck(str(data["file_id"]))

    def _keep_deck(self, file_id: str) -> None:
        if self.stored is None or file_id in self._decks:
            return
        try:
            source, kept = file_path(self.stored, file_id), self.folder / deck_file_name(file_id)
        except ValueError:
            return
        work = asyncio.to_thread(keep_deck, source, kept)
        self._decks[file_id] = asyncio.create_task(work, name=f"recorder-deck-{file_id}")

    def note(self, event: str, **data: Any) -> None:
        if self._timeline is not None:
            self._timeline.write(line(self.now_ms(), event, **data))

    # --- the end ---------------------------------------------------------------------------

    async def stop(self) -> list[TrackFile]:
        """Stop following the sources, close every file (off the event loop); the files."""
        if self._task is not None:
            await stop_tasks([self._task])
            self._task = None
        for source_id in list(self._tracks):
            self._finish(source_id)
        self.note("stop")
        await asyncio.gather(*self._decks.values())
        if self._timeline is not None:
            self._timeline.close()
            self._timeline = None
        if self._disk is not None:  # every file closed, then the thread ends
            await asyncio.to_thread(self._disk.close)
            self._disk = None
        return sorted(self.files, key=lambda f: (f.started_ms or 0, f.name))


class RecordingService:
    """Starting and stopping a room's recording; its record in Redis (``store.recordings``)."""

    def __init__(self, *, store: Store, data_dir: Path, stored: Path | None = None) -> None:
        self.store = store
        self.data_dir = data_dir
        self.stored = stored  # the stored files (the decks shown are kept from there)

    async def start(
        self,
        router: Router,
        *,
        session_id: str,
        by: str,
        now: datetime,
        present: list[tuple[str, str]],
        fence: Fence | None = None,
    ) -> tuple[Recording, Recorder]:
        recording_id = uuid.uuid4().hex
        folder = Path("recordings") / session_id / recording_id
        record = Recording(
            recording_id=recording_id,
            session_id=session_id,
            folder=folder.as_posix(),
            started_at=now.isoformat(),
            started_by=by,
        )
        await self.store.recordings.begin(record, fence=fence)
        recorder = Recorder(router=router, folder=self.data_dir / folder, stored=self.stored)
        recorder.start(present)
        return record, recorder

    async def stop(
        self, record: Recording, recorder: Recorder, *, now: datetime, fence: Fence | None = None
    ) -> Recording:
        files = await recorder.stop()
        done = replace(record, stopped_at=now.isoformat(), tracks=tuple(files))
        await self.store.recordings.end(done, fence=fence)
        await self._compose(done, now)
        return done

    async def _compose(self, record: Recording, now: datetime) -> None:
        """Its video, made by the worker."""
        if record.tracks:
            await queue_composition(self.store, record, by=RECORDER, lang=LANG, now=now)

    async def recover(
        self, record: Recording, *, at: datetime, fence: Fence | None = None
    ) -> Recording:
        """A recording a crash left going on: stopped at ``at`` (the process's last
        heartbeat), with the track files its folder holds (their times unknown)."""
        folder = self.data_dir / record.folder

        def found() -> list[TrackFile]:
            names = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
            return [f for f in map(parse_track_file_name, names) if f is not None]

        tracks = tuple(await asyncio.to_thread(found))
        done = replace(record, stopped_at=at.isoformat(), tracks=tracks)
        await self.store.recordings.end(done, fence=fence)
        await self._compose(done, at)
        return done
