"""A live stream's pipeline: the room's encoded frames in, one composed FLV stream out.

A ``StreamOutput`` owns a thread that does all the work, so the room's event loop only puts
frames in a queue (``add_track``, ``frame``, ``remove_track``, ``speaker``: callable from any
thread). The thread depayloads and decodes each track as its frames come (VP8 or H.264
video, Opus audio, with PyAV's decoders), and every ``1 / fps`` seconds draws the present
scene (``recordings.layout.live_scene``: the screen share, else the active speaker, with the
other cameras in a row below) on the composer's canvas (``recordings.compose.Canvas``), mixes
the audio tracks, encodes H.264 (libx264 veryfast, zero latency, a key frame every two
seconds) and AAC, and muxes FLV to the ingest's RTMP(S) address.

The stream's clock is the wall clock from each connection: a frame's time is its tick. A
write or connection error (the ingest dropped or refused the stream) closes the connection
and the thread connects again after a pause that grows (``BACKOFF``), decoding all the
while, so the picture is current when it is back. ``on_state`` hears ``live`` on each
connection, ``reconnecting`` on each failure and ``stopped`` at the end, from the thread.
"""

import contextlib
import logging
import queue
import threading
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass

import av
from av.video.frame import VideoFrame

from recordings import layout
from recordings.compose import RATE, Canvas, Picture, add_samples, mixed_frame
from recordings.layout import Showing
from recordings.streaming import LIVE, RECONNECTING, STOPPED
from recordings.writer import depayload

log = logging.getLogger(__name__)

FPS = 25
SIZE = (1280, 720)
VIDEO_BITRATE = 1_500_000
AUDIO_BITRATE = 64_000
BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0)  # seconds before each further try; the last repeats
AUDIO_KEEP_TICKS = 5  # an audio track's decoded samples beyond this are dropped (latency)
TIMEOUT = 5.0  # seconds for connecting, and for any one write
DECODERS = {"VP8": "vp8", "H264": "h264", "OPUS": "opus"}
_STOP = object()


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
        options = {"rw_timeout": str(int(TIMEOUT * 1_000_000))}
        self.out = av.open(address, "w", format="flv", options=options, timeout=TIMEOUT)
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


class StreamOutput:
    """The pipeline's thread and its inbox, for one stream to one address."""

    def __init__(
        self,
        address: str,
        *,
        on_state: Callable[[str], None],
        size: tuple[int, int] = SIZE,
        fps: int = FPS,
        bitrate: int = VIDEO_BITRATE,
    ) -> None:
        self._address = address  # holds the stream key: never logged
        self._on_state = on_state
        self.size, self.fps, self.bitrate = size, fps, bitrate
        self._inbox: queue.SimpleQueue[tuple[object, ...]] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="stream-out", daemon=True)
        self._videos: dict[str, _Video] = {}
        self._audios: dict[str, _Audio] = {}
        self._order = 0
        self._speaker: str | None = None
        self._last: str | None = None  # who had the stage last (a camera)
        self.cpu_seconds = 0.0  # the thread's own CPU time (x264's threads not included)
        self.sent_ticks = 0  # video frames sent, over all connections
        self.connections = 0
        self.undecodable = 0  # frames that did not decode

    # --- any thread ------------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def add_track(self, track: LiveTrack) -> None:
        self._inbox.put(("add", track))

    def frame(self, track_id: str, payloads: tuple[bytes, ...]) -> None:
        self._inbox.put(("frame", track_id, payloads))

    def remove_track(self, track_id: str) -> None:
        self._inbox.put(("remove", track_id))

    def speaker(self, participant_id: str | None) -> None:
        self._inbox.put(("speaker", participant_id))

    def stop(self) -> None:
        """End the stream and wait for the thread (blocks: call it off the event loop)."""
        self._inbox.put((_STOP,))
        self._thread.join()

    # --- the thread ------------------------------------------------------------------------

    def _run(self) -> None:
        canvas = Canvas(*self.size)
        sink: _Sink | None = None
        failures, retry_at, started, tick = 0, 0.0, 0.0, 0
        try:
            while True:
                now = time.monotonic()
                if sink is None and now >= retry_at:
                    sink = self._connect()
                    if sink is None:
                        failures += 1
                        retry_at = now + BACKOFF[min(failures, len(BACKOFF)) - 1]
                        continue
                    failures, started, tick = 0, now, 0
                due = started + tick / self.fps if sink is not None else retry_at
                if not self._drain(until=due):
                    return
                if sink is None or time.monotonic() < due:
                    continue
                ticks = max(1, int((time.monotonic() - started) * self.fps) - tick + 1)
                try:
                    sink.send(self._picture(canvas), tick + ticks - 1, self._sound(ticks, tick))
                except (av.FFmpegError, OSError) as error:
                    log.warning("the stream's ingest dropped (%s)", type(error).__name__)
                    sink.close()
                    sink, failures, retry_at = None, 1, time.monotonic() + BACKOFF[0]
                    self._on_state(RECONNECTING)
                    continue
                tick += ticks
                self.sent_ticks += 1
        finally:
            if sink is not None:
                sink.close()
            self.cpu_seconds = time.thread_time()
            self._on_state(STOPPED)

    def _connect(self) -> _Sink | None:
        try:
            sink = _Sink(self._address, size=self.size, fps=self.fps, bitrate=self.bitrate)
        except (av.FFmpegError, OSError) as error:
            log.warning("the stream's ingest refused a connection (%s)", type(error).__name__)
            self._on_state(RECONNECTING)
            return None
        self.connections += 1
        self._on_state(LIVE)
        return sink

    def _drain(self, *, until: float) -> bool:
        """Take what comes until ``until``; False once told to stop."""
        while True:
            wait = until - time.monotonic()
            try:
                message = self._inbox.get(timeout=wait) if wait > 0 else self._inbox.get_nowait()
            except queue.Empty:
                return True
            if message[0] is _STOP:
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
        if track.codec.upper() not in DECODERS:
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
