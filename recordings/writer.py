"""Writing a recording: encoded frames into Matroska/WebM track files, lines into the timeline.

Nothing here decodes or encodes. A ``TrackWriter`` takes one track's frames as the media plane
assembled them (RTP payloads with their payload descriptors), strips the descriptors (VP8:
RFC 7741; H.264: RFC 6184 to Annex B; Opus as it is) and hands the frame to PyAV's muxer
with its time on the recording's clock (milliseconds). Each writer has a thread of its own
and a queue: the event loop only puts frames in the queue, the thread depayloads, muxes and
writes, so a slow disk never slows the room. The thread takes what has gathered in the queue
at most every ``BATCH_SECONDS`` (a wake-up per frame cost more than the muxing:
``make bench-record``).

Crash safety: the muxer closes a Matroska cluster at least every ``CLUSTER_MS`` and every
packet written is flushed to the operating system at once (``flush_packets``), so a web
process killed with ``kill -9`` loses at most the cluster it was filling (about a second)
and the frames still queued (a tenth of a second);
what was written before plays, since Matroska is read cluster by cluster (a killed file
only lacks its index and duration, which players do without).
"""

import fractions
import logging
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path

import av
from aiortc.codecs.h264 import H264PayloadDescriptor
from aiortc.codecs.vpx import VpxPayloadDescriptor

from recordings.timeline import FORMATS, TrackFile

log = logging.getLogger(__name__)

CLUSTER_MS = 1000
BATCH_SECONDS = 0.1  # a writer thread wakes at most this often while frames come
MS = fractions.Fraction(1, 1000)
MUX_NAMES = {"VP8": "vp8", "H264": "h264", "OPUS": "opus"}


def depayload(codec: str, payloads: tuple[bytes, ...]) -> bytes:
    """A frame's bytes from its RTP payloads (their payload descriptors removed)."""
    name = codec.upper()
    if name == "VP8":
        return b"".join(VpxPayloadDescriptor.parse(p)[1] for p in payloads)
    if name == "H264":
        return b"".join(H264PayloadDescriptor.parse(p)[1] for p in payloads)
    return b"".join(payloads)


def vp8_size(frame: bytes) -> tuple[int, int] | None:
    """Width and height from a VP8 key frame's header (RFC 6386 9.1), None for others."""
    if len(frame) < 10 or frame[0] & 0x01 or frame[3:6] != b"\x9d\x01\x2a":
        return None
    return (frame[6] | frame[7] << 8) & 0x3FFF, (frame[8] | frame[9] << 8) & 0x3FFF


class _Bits:
    """An H.264 RBSP read bit by bit, with Exp-Golomb codes (ITU-T H.264 9.1)."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def u(self, n: int) -> int:
        value = 0
        for _ in range(n):
            byte = self.data[self.pos >> 3]  # IndexError past the end: not a whole SPS
            value = value << 1 | (byte >> (7 - (self.pos & 7))) & 1
            self.pos += 1
        return value

    def ue(self) -> int:
        zeros = 0
        while not self.u(1):
            zeros += 1
            if zeros > 31:
                raise ValueError("not an Exp-Golomb code")
        return (1 << zeros) - 1 + self.u(zeros)

    def se(self) -> int:
        code = self.ue()
        return (code + 1) // 2 if code & 1 else -(code // 2)


_HIGH_PROFILES = {100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135}


def h264_size(frame: bytes) -> tuple[int, int] | None:
    """Width and height from the sequence parameter set in an Annex B access unit (H.264
    7.3.2.1.1), None when it has none; the muxer needs them before the first frame."""
    for nal in frame.split(b"\x00\x00\x01"):
        if nal and nal[0] & 0x1F == 7:
            try:
                return _sps_size(nal[1:].replace(b"\x00\x00\x03", b"\x00\x00"))
            except (IndexError, ValueError):
                return None
    return None


def _sps_size(rbsp: bytes) -> tuple[int, int]:
    bits = _Bits(rbsp)
    profile = bits.u(8)
    bits.u(16)  # constraint flags, level
    bits.ue()  # seq_parameter_set_id
    chroma = 1
    if profile in _HIGH_PROFILES:
        chroma = bits.ue()
        if chroma == 3:
            bits.u(1)  # separate_colour_plane_flag
        bits.ue(), bits.ue(), bits.u(1)  # bit depths, qpprime_y_zero_transform_bypass
        if bits.u(1):  # seq_scaling_matrix_present_flag
            for i in range(8 if chroma != 3 else 12):
                if bits.u(1):
                    last = next_ = 8
                    for _ in range(16 if i < 6 else 64):
                        if next_:
                            next_ = (last + bits.se() + 256) % 256
                        last = next_ or last
    bits.ue()  # log2_max_frame_num_minus4
    poc_type = bits.ue()
    if poc_type == 0:
        bits.ue()
    elif poc_type == 1:
        bits.u(1), bits.se(), bits.se()
        for _ in range(bits.ue()):
            bits.se()
    bits.ue(), bits.u(1)  # max_num_ref_frames, gaps_in_frame_num_value_allowed_flag
    width_mbs, height_units = bits.ue() + 1, bits.ue() + 1
    frame_mbs_only = bits.u(1)
    if not frame_mbs_only:
        bits.u(1)  # mb_adaptive_frame_field_flag
    bits.u(1)  # direct_8x8_inference_flag
    crop = (bits.ue(), bits.ue(), bits.ue(), bits.ue()) if bits.u(1) else (0, 0, 0, 0)
    unit_x = 1 if chroma in (0, 3) else 2
    unit_y = (2 - frame_mbs_only) * (2 if chroma == 1 else 1)
    width = width_mbs * 16 - (crop[0] + crop[1]) * unit_x
    height = (2 - frame_mbs_only) * height_units * 16 - (crop[2] + crop[3]) * unit_y
    return width, height


class TrackWriter:
    """One track file, written by a thread of its own."""

    def __init__(self, path: Path, track: TrackFile, *, on_error: Callable[[str], None]) -> None:
        self.path = path
        self.track = track
        self._codec = track.codec.upper()
        self._queue: queue.SimpleQueue[tuple[tuple[bytes, ...], int, bool] | None] = (
            queue.SimpleQueue()
        )
        self._on_error = on_error
        self._container: av.container.OutputContainer | None = None
        self._stream: av.stream.Stream | None = None
        self.written = 0
        self._thread = threading.Thread(target=self._run, name=f"rec:{path.name}", daemon=True)
        self._thread.start()

    def write(self, payloads: tuple[bytes, ...], at_ms: int, keyframe: bool) -> None:
        """Queue a frame (called on the event loop: never blocks)."""
        self._queue.put((payloads, at_ms, keyframe))

    def finish(self) -> None:
        """No more frames: the thread writes what is queued and closes the file."""
        self._queue.put(None)

    def close(self) -> None:
        """Finish and wait until the file is closed (blocks: call it off the event loop)."""
        if self._thread.is_alive():
            self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        try:
            while self._drain():
                time.sleep(BATCH_SECONDS)  # let frames gather: one wake-up for several
        except Exception:  # a broken frame or a full disk: stop this file, keep the rest
            log.exception("recording %s failed", self.path)
            self._on_error(self.path.name)
            while self._queue.get() is not None:
                pass
        finally:
            if self._container is not None:
                self._container.close()

    def _drain(self) -> bool:
        """Mux every frame queued (waiting for the first); False once told to finish."""
        item = self._queue.get()
        while item is not None:
            self._mux(*item)
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return True
        return False

    def _open(self, frame: bytes) -> None:
        fmt = FORMATS[self.path.suffix.lstrip(".")]
        options = {"cluster_time_limit": str(CLUSTER_MS), "flush_packets": "1"}
        container = av.open(str(self.path), "w", format=fmt, options=options)
        name = MUX_NAMES[self._codec]
        if self.track.kind == "audio":
            stream = container.add_mux_stream(name, rate=48000)
        else:
            found = vp8_size(frame) if self._codec == "VP8" else h264_size(frame)
            width, height = found or (0, 0)
            stream = container.add_mux_stream(name, width=width, height=height)
        stream.time_base = MS
        self._container, self._stream = container, stream

    def _mux(self, payloads: tuple[bytes, ...], at_ms: int, keyframe: bool) -> None:
        frame = depayload(self._codec, payloads)
        if not frame:
            return
        if self._container is None:
            self._open(frame)
        packet = av.Packet(frame)
        packet.stream = self._stream
        packet.pts = packet.dts = at_ms
        packet.time_base = MS
        packet.is_keyframe = keyframe or self.track.kind == "audio"
        assert self._container is not None
        self._container.mux(packet)
        self.written += 1


class LineWriter:
    """A text file of lines (the timeline), appended and flushed by a thread of its own."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._queue: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=f"rec:{path.name}", daemon=True)
        self._thread.start()

    def write(self, text: str) -> None:
        self._queue.put(text)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        with self.path.open("a", encoding="utf-8") as out:
            while (text := self._queue.get()) is not None:
                out.write(text + "\n")
                if self._queue.empty():
                    out.flush()
