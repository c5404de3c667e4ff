"""A live stream's pipeline, in a process of its own: the room's encoded frames in, one
composed FLV stream out.

``run_pipeline`` is the child process's whole life (``recordings.stream_out`` starts and
watches it). Its reader thread takes the messages the room's process sends down the pipe
(tracks added and removed, frames, the active speaker, stop) into a queue; the main thread
depayloads and decodes each track as its frames come (VP8 or H.264 video, Opus audio, with
PyAV's decoders) and every ``1 / fps`` seconds draws the present scene
(``recordings.layout.live_scene``: the screen share, else the active speaker, with the other
cameras in a row below) on the composer's canvas (``recordings.compose.Canvas``), mixes the
audio tracks, encodes H.264 (libx264 veryfast, zero latency, a key frame every two seconds)
and AAC, and muxes FLV to the ingest's RTMP(S) address.

The stream's clock is the wall clock from each connection: a frame's time is its tick. A
write or connection error (the ingest dropped or refused the stream) closes the connection,
and the pipeline connects again after a pause that grows (``BACKOFF``), decoding all the
while, so the picture is current when it is back. It tells the room's process ``live`` on
each connection, ``reconnecting`` on each failure, and beats at least once a second while it
works: PyAV connects with the GIL held and without a time limit, so a hung ingest stops the
beats, and the room's process ends this process and starts another.
"""

import contextlib
import logging
import queue
import threading
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection

import av
from av.video.frame import VideoFrame

from recordings import layout
from recordings.compose import RATE, Canvas, Picture, add_samples, mixed_frame
from recordings.layout import Showing
from recordings.streaming import LIVE, RECONNECTING
from recordings.writer import depayload

log = logging.getLogger(__name__)

FPS = 25
SIZE = (1280, 720)
VIDEO_BITRATE = 1_500_000
AUDIO_BITRATE = 64_000
BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0)  # seconds before each further try; the last repeats
AUDIO_KEEP_TICKS = 5  # an audio track's decoded samples beyond this are dropped (latency)
BEAT = 1.0  # seconds between two beats to the room's process, at most
DECODERS = {"VP8": "vp8", "H264": "h264", "OPUS": "opus"}
STOP = "stop"
Shape = tuple[int, int, int, int]  # width, height, frames a second, video bit rate


@dataclass(frozen=True, slots=True)
class LiveTrack:
    """A published track the stream shows or mixes."""

    track_id: str
    participant_id: str
    kind: str  # "audio", "video" (a camera) or "screen"
    codec: str  # "VP8", "H264" or "OPUS"


class _Video(Picture):
    def __init__(self, track: LiveTrack, order: int) -> None:
        super().__init__()
        self.codec = track.codec.upper()
        self.showing = Showing(track.track_id, track.participant_id, track.kind, order, order)
        self._decoder = av.CodecContext.create(DECODERS[track.codec.upper()], "r")

    def feed(self, data: bytes) -> None:
        for frame in self._decoder.decode(av.Packet(data)):
            self.frame = frame  # type: ignore[assignment]


class _Audio:
    codec = "OPUS"

    def __init__(self) -> None:
        self._decoder = av.CodecContext.create("opus", "r")
        self._decoder.sample_rate, self._decoder.layout = RATE, "stereo"  # type: ignore[union-attr]
        self._resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        self.samples = array("f")
        self.primed = False  # enough gathered to play without running dry at once

    def feed(self, data: bytes) -> None:
        for frame in self._decoder.decode(av.Packet(data)):
            for out in self._resampler.resample(frame):  # type: ignore[arg-type]
                self.samples.frombytes(bytes(out.planes[0])[: out.samples * 4])

    def take(self, count: int) -> array | None:
        """The next ``count`` samples (fewer if it ran dry), None while it gathers."""
        if len(self.samples) > count * AUDIO_KEEP_TICKS:
            del self.samples[: len(self.samples) - count * 2]
        if not self.primed:
            self.primed = len(self.samples) >= count * 2
            if not self.primed:
                return None
        taken = self.samples[:count]
        del self.samples[:count]
        self.primed = len(self.samples) > 0
        return taken


class _Sink:
    """One connection to the ingest: the encoders and the FLV muxer."""

    def __init__(self, address: str, *, size: tuple[int, int], fps: int, bitrate: int) -> None:
        self.out = av.open(address, "w", format="flv")
        self.connected = False  # the first frame went (PyAV connects then)
        try:
            x264 = {"preset": "veryfast", "tune": "zerolatency", "bufsize": str(bitrate)}
            self.picture = self.out.add_stream("libx264", rate=fps, options=x264)
            self.picture.width, self.picture.height = size
            self.picture.pix_fmt, self.picture.bit_rate = "yuv420p", bitrate
            self.picture.gop_size = 2 * fps
            self.sound = self.out.add_stream("aac", rate=RATE, layout="mono")
            self.sound.bit_rate = AUDIO_BITRATE
        except BaseException:
            self.close()
            raise

    def send(self, picture: VideoFrame, tick: int, sound: av.AudioFrame) -> None:
        picture.pts = tick
        self.out.mux(self.picture.encode(picture))
        self.out.mux(self.sound.encode(sound))

    def close(self) -> None:
        with contextlib.suppress(av.FFmpegError, OSError):
            self.out.close()


class Pipeline:
    """The child process's work for one stream to one address; ``tell`` sends a message to
    the room's process."""

    def __init__(
        self,
        address: str,
        *,
        tell: Callable[[tuple[object, ...]], None],
        shape: Shape,
    ) -> None:
        self._address = address  # holds the stream key: never logged
        self._tell = tell
        width, height, self.fps, self.bitrate = shape
        self.size = (width, height)
        self.inbox: queue.SimpleQueue[tuple[object, ...]] = queue.SimpleQueue()
        self._videos: dict[str, _Video] = {}
        self._audios: dict[str, _Audio] = {}
        self._order = 0
        self._speaker: str | None = None
        self._last: str | None = None  # who had the stage last (a camera)
        self.sent_ticks = 0  # video frames sent, over all connections
        self.undecodable = 0  # frames that did not decode
        self._sink: _Sink | None = None
        self._failures, self._retry_at = 0, 0.0
        self._started, self._tick = 0.0, 0  # the connection's start; frames due since
        self._beat = 0.0

    def run(self) -> None:
        canvas = Canvas(*self.size)
        try:
            while self._step(canvas):
                pass
        finally:
            if self._sink is not None:
                self._sink.close()

    def _step(self, canvas: Canvas) -> bool:
        """Connect if it is time, take what came until the next frame is due, send it;
        False once told to stop."""
        if time.monotonic() - self._beat >= BEAT:
            self._beat = time.monotonic()
            self._tell(("beat", self.sent_ticks, self.undecodable))
        if self._sink is None and time.monotonic() >= self._retry_at:
            self._connect()
        sink = self._sink
        due = self._started + self._tick / self.fps if sink is not None else self._retry_at
        if not self._drain(until=due):
            return False
        if sink is not None and time.monotonic() >= due:
            self._send(sink, canvas)
        return True

    def _connect(self) -> None:
        try:
            self._sink = _Sink(self._address, size=self.size, fps=self.fps, bitrate=self.bitrate)
        except (av.FFmpegError, OSError) as error:
            self._failed("refused the stream", error)
            return
        self._started, self._tick = time.monotonic(), 0

    def _send(self, sink: _Sink, canvas: Canvas) -> None:
        """The frame (and the audio) due; any ticks missed are skipped, their audio kept."""
        ticks = max(1, int((time.monotonic() - self._started) * self.fps) - self._tick + 1)
        picture, sound = self._picture(canvas), self._sound(ticks, self._tick)
        try:
            sink.send(picture, self._tick + ticks - 1, sound)  # the first connects
        except (av.FFmpegError, OSError) as error:
            self._failed("dropped the stream", error)
            return
        if not sink.connected:
            sink.connected = True
            self._failures = 0
            self._tell(("state", LIVE))
        self._tick += ticks
        self.sent_ticks += 1

    def _failed(self, what: str, error: Exception) -> None:
        log.warning("the stream's ingest %s (%s)", what, type(error).__name__)
        if self._sink is not None:
            self._sink.close()
            self._sink = None
        self._failures += 1
        self._retry_at = time.monotonic() + BACKOFF[min(self._failures, len(BACKOFF)) - 1]
        self._tell(("state", RECONNECTING))

    def _drain(self, *, until: float) -> bool:
        """Take what comes until ``until``; False once told to stop."""
        while True:
            wait = until - time.monotonic()
            try:
                message = self.inbox.get(timeout=wait) if wait > 0 else self.inbox.get_nowait()
            except queue.Empty:
                return True
            if message[0] == STOP:
                return False
            self._take(message)

    def _take(self, message: tuple[object, ...]) -> None:
        what, subject, *rest = message
        if what == "add" and isinstance(subject, LiveTrack):
            self._add(subject)
        elif what == "frame" and isinstance(subject, str):
            self._feed(subject, rest[0])  # type: ignore[arg-type]
        elif what == "remove" and isinstance(subject, str):
            self._videos.pop(subject, None)
            self._audios.pop(subject, None)
        elif what == "speaker":
            self._speaker = subject if isinstance(subject, str) else None

    def _add(self, track: LiveTrack) -> None:
        known = track.track_id in self._videos or track.track_id in self._audios
        if known or track.codec.upper() not in DECODERS:
            return
        if track.kind == "audio":
            self._audios[track.track_id] = _Audio()
        else:
            self._order += 1
            self._videos[track.track_id] = _Video(track, self._order)

    def _feed(self, track_id: str, payloads: tuple[bytes, ...]) -> None:
        track: _Video | _Audio | None = self._videos.get(track_id) or self._audios.get(track_id)
        if track is None:
            return
        try:
            track.feed(depayload(track.codec, payloads))
        except (av.FFmpegError, ValueError, IndexError):
            self.undecodable += 1  # the next key frame repairs the picture

    def _picture(self, canvas: Canvas) -> VideoFrame:
        showing = [v.showing for v in self._videos.values() if v.frame is not None]
        scene = layout.live_scene(showing, speaker=self._speaker, last=self._last, size=self.size)
        if scene.stage is not None:
            stage = self._videos[scene.stage.name].showing
            if stage.kind != "screen":
                self._last = stage.participant_id
        return canvas.draw(scene, self._videos.__getitem__)

    def _sound(self, ticks: int, tick: int) -> av.AudioFrame:
        count = ticks * RATE // self.fps
        window = array("f", bytes(4 * count))
        for audio in self._audios.values():
            samples = audio.take(count)
            if samples:
                add_samples(window, 0, samples)
        return mixed_frame(window, tick * RATE // self.fps)


def _read(down: Connection, inbox: "queue.SimpleQueue[tuple[object, ...]]") -> None:
    """The reader thread: the room's messages into the pipeline's queue, until it stops or
    the room's process is gone."""
    try:
        while True:
            message = down.recv()
            inbox.put(message)
            if message[0] == STOP:
                return
    except (EOFError, OSError):
        inbox.put((STOP,))


def run_pipeline(down: Connection, up: Connection, address: str, shape: Shape) -> None:
    """The child process: the pipeline until told to stop (or the room's process goes);
    its CPU time is the last message up."""
    pipeline = Pipeline(address, tell=up.send, shape=shape)
    reader = threading.Thread(target=_read, args=(down, pipeline.inbox), daemon=True)
    reader.start()
    try:
        pipeline.run()
    finally:
        with contextlib.suppress(OSError):
            up.send(("done", time.process_time(), pipeline.sent_ticks))
