"""The streamer: a subscriber of a room's media plane that streams the composed room out.

A ``Streamer`` follows the router's sources as the recorder does (``follow``, called whenever
they change): each track with a codec it can decode (VP8, H.264, Opus) is handed to the
stream's pipeline (``recordings.stream_out.StreamOutput``, a process of its own) with its
encoded frames as the media plane assembles them (the source keeps them for it,
``Source.keep_frames``, and it takes them every ``TAKE_EVERY`` seconds); a video track from
its first key frame, which it asks the publisher for (PLI) when it starts following the
source and again every ``KEYFRAME_RETRY`` seconds while it waits. The active speaker comes
from what the room sends (``observe``, read with the recording's ``Timeline``). The event
loop only queues frames; decoding, drawing, encoding and sending are the process's.

The pipeline's state (live, reconnecting, stopped) is handed back to the event loop
(``on_state``, called there), with the time the stream went live.
"""

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from recordings.stream_out import StreamOutput
from recordings.stream_pipeline import DECODERS, FPS, SIZE, VIDEO_BITRATE, LiveTrack
from recordings.streaming import LIVE, RECONNECTING, StreamTarget
from recordings.timeline import Timeline
from server.media.frames import Frame
from server.media.router import Router
from server.media.source import Source

KEYFRAME_RETRY = 1.0  # seconds between two key frame requests while a video track waits
TAKE_EVERY = 0.04  # seconds between two takes of the sources' kept frames (a frame at 25 fps)
CONSUMER = "streamer"  # its name among the consumers of a source's frames


@dataclass(frozen=True, slots=True)
class StreamShape:
    """The stream's picture: its size, frames a second and video bit rate."""

    size: tuple[int, int] = SIZE
    fps: int = FPS
    bitrate: int = VIDEO_BITRATE


@dataclass(slots=True)
class _Follow:
    source: Source
    listener: Callable[[Frame], None]
    waiting: bool  # video: no key frame handed on yet


class Streamer:
    """One live stream of one room's media plane to one target."""

    def __init__(
        self,
        *,
        router: Router,
        target: StreamTarget,
        on_state: Callable[[str, datetime | None], None],
        clock: Callable[[], datetime],
        shape: StreamShape = StreamShape(),
    ) -> None:
        self.router = router
        self.on_state = on_state  # (state, live since) on the event loop
        self._clock = clock
        self.output = StreamOutput(
            target.address,
            on_state=self._heard,
            size=shape.size,
            fps=shape.fps,
            bitrate=shape.bitrate,
        )
        self._loop = asyncio.get_running_loop()
        self._follows: dict[str, _Follow] = {}  # source_id -> its frames being handed on
        self._observer = Timeline()
        self._task: asyncio.Task[None] | None = None
        self._pump: asyncio.Task[None] | None = None
        self.state: str | None = None

    def start(self) -> None:
        self.output.start()
        self.follow()
        self._task = asyncio.create_task(self._watch(), name="streamer-watch")
        self._pump = asyncio.create_task(self._take(), name="streamer-frames")

    # --- the media plane's sources ---------------------------------------------------------

    def follow(self) -> None:
        """Bring the stream's tracks up to date with the router's sources."""
        sources = self.router.sources
        for source_id in [s for s in self._follows if s not in sources]:
            self._unfollow(source_id)
        for source_id, source in sources.items():
            if source_id not in self._follows and source.codec.name.upper() in DECODERS:
                self._attach(source)

    def _attach(self, source: Source) -> None:
        self.output.add_track(
            LiveTrack(source.source_id, source.participant_id, source.kind, source.codec.name)
        )
        follow = _Follow(source, lambda frame: None, waiting=source.media_kind == "video")

        def take(frame: Frame) -> None:
            if follow.waiting and not frame.keyframe:
                return
            follow.waiting = False
            self.output.frame(source.source_id, frame.payloads)

        follow.listener = take
        self._follows[source.source_id] = follow
        source.keep_frames(CONSUMER)
        source.request_keyframe()

    def _unfollow(self, source_id: str) -> None:
        follow = self._follows.pop(source_id)
        follow.source.drop_frames(CONSUMER)
        self.output.remove_track(source_id)

    async def _take(self) -> None:
        """Every ``TAKE_EVERY`` seconds: each followed source's frames since the last take,
        handed on in order."""
        while True:
            await asyncio.sleep(TAKE_EVERY)
            for follow in list(self._follows.values()):
                for frame, _at in follow.source.take_frames(CONSUMER):
                    follow.listener(frame)

    async def _watch(self) -> None:
        """Every ``KEYFRAME_RETRY`` seconds: a key frame asked of each video track still
        waiting, and a connection to an ingest that stopped reading cut."""
        while True:
            await asyncio.sleep(KEYFRAME_RETRY)
            self.output.check_stall()
            for follow in self._follows.values():
                if follow.waiting:
                    follow.source.request_keyframe()

    # --- the room --------------------------------------------------------------------------

    def observe(self, event: str, payload: Mapping[str, Any]) -> None:
        """Something the room sent: the active speaker, for the stream's layout."""
        for entry, data in self._observer.observe(event, payload):
            if entry == "speaker":
                self.output.speaker(data.get("participant_id"))

    def _heard(self, state: str) -> None:
        """The stream's state, from the output's threads, handed to the event loop."""
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody to tell
            self._loop.call_soon_threadsafe(self._changed, state)

    def _changed(self, state: str) -> None:
        if state == RECONNECTING:  # a new connection (or process) starts at a key frame
            for follow in self._follows.values():
                follow.waiting = follow.source.media_kind == "video"
        if state != self.state:
            self.state = state
            self.on_state(state, self._clock() if state == LIVE else None)

    # --- the end ---------------------------------------------------------------------------

    async def stop(self) -> None:
        """Stop following the sources and end the stream (its process and threads are
        joined off the event loop)."""
        for task in (self._task, self._pump):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._task = self._pump = None
        for source_id in list(self._follows):
            self._unfollow(source_id)
        await asyncio.to_thread(self.output.stop)
