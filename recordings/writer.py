"""Writing a recording: encoded frames into Matroska/WebM track files, lines into the timeline.

Nothing here decodes or encodes. A ``TrackWriter`` takes one track's frames as the media plane
assembled them (RTP payloads with their payload descriptors), strips the descriptors (VP8:
RFC 7741; H.264: RFC 6184 to Annex B; Opus as it is) and hands the frame to PyAV's muxer
with its time on the recording's clock (milliseconds), at once, where it is given (the
recorder's batches, on the event loop). The muxer writes into memory: it keeps a
Matroska cluster until the cluster closes and then hands its bytes over whole. Those bytes go
to the recording's ``DiskWriter``, one thread for all its files, which alone waits for the
disk, so a slow disk never slows the room. A thread per file that muxed frames taken from a
queue cost several times more (every packet made, muxed and freed let the event loop and
that thread hand the interpreter lock back and forth: ``make bench-record``).

Crash safety: the muxer closes a Matroska cluster at least every ``CLUSTER_MS`` and hands it
over at once (``flush_packets``), and the disk thread writes it with ``os.write`` as it comes,
so a web process killed with ``kill -9`` loses at most the cluster it was filling (about a
second); what was written before plays, since Matroska is read cluster by cluster (a killed
file only lacks its index and duration, which players do without).
"""

import contextlib
import fractions
import io
import logging
import os
import queue
import threading
from collections.abc import Callable
from pathlib import Path

import av
from aiortc.codecs.h264 import H264PayloadDescriptor

from recordings.timeline import FORMATS, TrackFile

log = logging.getLogger(__name__)

CLUSTER_MS = 1000
MS = fractions.Fraction(1, 1000)
MUX_NAMES = {"VP8": "vp8", "H264": "h264", "OPUS": "opus"}


def depayload(codec: str, payloads: tuple[bytes, ...]) -> bytes:
    """A frame's bytes from its RTP payloads (their payload descriptors removed)."""
    name = codec.upper()
    if name == "VP8":
        return b"".join([_vp8_data(p) for p in payloads])
    if name == "H264":
        return b"".join(H264PayloadDescriptor.parse(p)[1] for p in payloads)
    return payloads[0] if len(payloads) == 1 else b"".join(payloads)


def _vp8_data(payload: bytes) -> bytes:
    """A VP8 payload after its descriptor (RFC 7741 4.2: X, then I with a 7- or 15-bit
    picture id, L, T or K); what is cut off gives nothing."""
    if not payload[0] & 0x80:
        return payload[1:]
    if len(payload) < 3:
        return b""
    bits, pos = payload[1], 2
    if bits & 0x80:
        pos += 2 if payload[2] & 0x80 else 1
    if bits & 0x40:
        pos += 1
    if bits & 0x30:
        pos += 1
    return payload[pos:]


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


class DiskWriter:
    """A recording's one thread that writes its files' bytes to disk, in the order given
    (what the muxers made, the timeline's lines): the only code of a recording that waits
    for the disk. ``do`` never blocks."""

    def __init__(self, name: str = "rec") -> None:
        self._queue: queue.SimpleQueue[tuple[Callable[..., object], tuple] | None] = (
            queue.SimpleQueue()
        )
        self._thread = threading.Thread(target=self._run, name=f"rec:{name}", daemon=True)
        self._thread.start()

    def do(self, work: Callable[..., object], *args: object) -> None:
        """Run ``work(*args)`` on the thread, after everything given before (at once when
        given by the thread's own work: a muxer closing there)."""
        if threading.get_ident() == self._thread.ident:
            work(*args)
        else:
            self._queue.put((work, args))

    def close(self) -> None:
        """Finish what is queued and end the thread (blocks: call it off the event loop)."""
        if self._thread.is_alive():
            self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            work, args = item
            try:
                work(*args)
            except Exception:  # each file's own errors are caught by it: keep the rest going
                log.exception("recording: %s failed", work)


class _DiskFile:
    """What PyAV's muxer writes a track file into: its bytes, and the seeks of the header's
    last touches at the end, handed to the ``DiskWriter`` in order (written with ``os.write``
    as they come: a closed cluster is in the file at once)."""

    def __init__(self, path: Path, disk: DiskWriter, failed: Callable[[BaseException], None]):
        self.path = path
        self._disk = disk
        self._failed = failed
        self._fd: int | None = None
        self._pos = self._end = 0
        disk.do(self._open)

    # PyAV calls these (on the thread muxing)
    def write(self, data: bytes) -> int:
        self._disk.do(self._write, data)
        self._pos += len(data)
        self._end = max(self._end, self._pos)
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        self._pos = offset + (0, self._pos, self._end)[whence]
        self._disk.do(self._seek, self._pos)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._disk.do(self._close)

    # the disk thread's
    def _open(self) -> None:
        self._fd = self._guard(os.open, self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view and self._fd is not None:
            done = self._guard(os.write, self._fd, view)
            view = view[done:] if done else view[:0]

    def _seek(self, pos: int) -> None:
        if self._fd is not None:
            self._guard(os.lseek, self._fd, pos, os.SEEK_SET)

    def _close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

    def _guard(self, call: Callable[..., int], *args: object) -> int | None:
        try:
            return call(*args)
        except OSError as error:  # a full disk: this file stops, the rest goes on
            self._close_quietly()
            self._failed(error)
            return None

    def _close_quietly(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)


class TrackWriter:
    """One track file: frames muxed where they are given (into memory: the muxer keeps a
    cluster until it closes), the bytes written by a ``DiskWriter`` (the recording's, or one
    of its own when none is given)."""

    def __init__(
        self,
        path: Path,
        track: TrackFile,
        *,
        on_error: Callable[[str], None],
        disk: DiskWriter | None = None,
    ) -> None:
        self.path = path
        self.track = track
        self._codec = track.codec.upper()
        self._audio = track.kind == "audio"
        self._on_error = on_error
        self._own_disk = disk is None
        self._disk = DiskWriter(path.name) if disk is None else disk
        self._file: _DiskFile | None = None
        self._container: av.container.OutputContainer | None = None
        self._stream: av.stream.Stream | None = None
        self._broken = False
        self._finished = False
        self.written = 0

    def write(self, payloads: tuple[bytes, ...], at_ms: int, keyframe: bool) -> None:
        """Mux a frame (no disk I/O here, and nothing raised: a broken frame or file stops
        this file only)."""
        if self._broken or self._finished:
            return
        try:
            self._mux(payloads, at_ms, keyframe)
        except Exception:  # a frame the muxer refuses: stop this file, keep the rest
            log.exception("recording %s failed", self.path)
            self._fail()

    def finish(self) -> None:
        """No more frames: the disk thread closes the file (its index and duration)."""
        if not self._finished:
            self._finished = True
            if self._container is not None:
                self._disk.do(self._close_container)

    def close(self) -> None:
        """Finish; with a disk of its own, wait until the file is closed (blocks: call it off
        the event loop). A shared disk's ``close`` waits for all its files."""
        self.finish()
        if self._own_disk:
            self._disk.close()

    def _fail(self, error: BaseException | None = None) -> None:
        if not self._broken:
            if error is not None:
                log.error("recording %s failed: %s", self.path, error)
            self._broken = True
            self._on_error(self.path.name)

    def _close_container(self) -> None:
        assert self._container is not None
        try:
            self._container.close()  # its last writes queue behind this work, then the close
        except Exception:
            log.exception("recording %s: closing failed", self.path)
            self._fail()

    def _open(self, frame: bytes) -> None:
        fmt = FORMATS[self.path.suffix.lstrip(".")]
        options = {"cluster_time_limit": str(CLUSTER_MS), "flush_packets": "1"}
        self._file = _DiskFile(self.path, self._disk, self._fail)
        container = av.open(self._file, "w", format=fmt, options=options)
        name = MUX_NAMES[self._codec]
        if self._audio:
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
        packet.is_keyframe = keyframe or self._audio
        assert self._container is not None
        self._container.mux_one(packet)
        self.written += 1


class LineWriter:
    """A text file of lines (the timeline), appended by a ``DiskWriter`` (the recording's,
    or one of its own)."""

    def __init__(self, path: Path, disk: DiskWriter | None = None) -> None:
        self.path = path
        self._own_disk = disk is None
        self._disk = DiskWriter(path.name) if disk is None else disk
        self._out: io.TextIOWrapper | None = None
        self._disk.do(self._open)

    def write(self, text: str) -> None:
        self._disk.do(self._append, text)

    def close(self) -> None:
        """Close the file (blocks until it is, with a disk of its own: off the event loop)."""
        self._disk.do(self._close)
        if self._own_disk:
            self._disk.close()

    def _open(self) -> None:
        self._out = self.path.open("a", encoding="utf-8")

    def _append(self, text: str) -> None:
        if self._out is not None:
            self._out.write(text + "\n")
            self._out.flush()

    def _close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
