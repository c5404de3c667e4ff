"""Synthetic media clients on aiortc: a publisher of pre-encoded VP8 + Opus, and viewers.

The clip is encoded once (libvpx, libopus through PyAV); the publisher then sends those
encoded frames as they are, paced in real time, through aiortc's own send loop (its sender's
``_next_encoded_frame`` returns them), and restarts the clip at its key frame when asked for
one (PLI), as a browser would send a key frame. Viewers either decode with aiortc's real
decoder or count packets through a receiver tap. Used by the tests and by bench/sfu.py.
"""

import asyncio
import fcntl
import fractions
import math
import random
import struct
import time
from collections import deque
from dataclasses import dataclass, field

import av
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtcrtpsender import RTCEncodedFrame
from aiortc.rtp import RtpPacket

from server.media import hooks

LOOPBACK = ("127.0.0.1",)
STAMP = struct.Struct("!d")  # bench: send time appended to each payload
SIOCGSTAMP = 0x8906  # linux/sockios.h: the time the last datagram reached the socket
_TIMEVAL = struct.Struct("@ll")
_RTP_SEQ_TS = struct.Struct("!HI")  # an RTP header's sequence number and timestamp, at byte 2


@dataclass(frozen=True, slots=True)
class Clip:
    video: tuple[bytes, ...]  # VP8 frames; the first is a key frame
    audio: tuple[bytes, ...]  # 20 ms Opus packets
    width: int
    height: int
    fps: int


def _picture(width: int, height: int, n: int, rng: random.Random) -> av.VideoFrame:
    frame = av.VideoFrame(width, height, "yuv420p")
    row = bytes((x * 2 + n * 5) % 256 for x in range(width))  # a gradient sliding sideways
    luma = bytearray(row * height)
    for _ in range(24):  # and some noisy blocks, so there is something to encode
        y, x = rng.randrange(height - 16), rng.randrange(width - 16)
        for line in range(16):
            luma[(y + line) * width + x : (y + line) * width + x + 16] = rng.randbytes(16)
    frame.planes[0].update(bytes(luma))
    frame.planes[1].update(bytes([(n * 3) % 256]) * (width * height // 4))
    frame.planes[2].update(bytes([128]) * (width * height // 4))
    frame.pts = n
    frame.time_base = fractions.Fraction(1, 30)
    return frame


def encode_clip(*, seconds: float, width: int, height: int, bitrate: int, fps: int = 30) -> Clip:
    """Encode a clip once: VP8 at ``bitrate`` (one key frame, at the start) and Opus."""
    rng = random.Random(7)
    vp8 = av.CodecContext.create("libvpx", "w")
    vp8.width, vp8.height, vp8.pix_fmt = width, height, "yuv420p"
    vp8.bit_rate, vp8.time_base = bitrate, fractions.Fraction(1, fps)
    vp8.gop_size = 100000
    vp8.options = {
        "deadline": "realtime",
        "cpu-used": "8",
        "lag-in-frames": "0",
        "minrate": str(bitrate),
        "maxrate": str(bitrate),
        "bufsize": str(bitrate),
    }
    video = []
    for n in range(int(seconds * fps)):
        video += [bytes(p) for p in vp8.encode(_picture(width, height, n, rng))]
    video += [bytes(p) for p in vp8.encode(None)]
    opus = av.CodecContext.create("libopus", "w")
    opus.sample_rate, opus.layout, opus.format = 48000, "stereo", "s16"
    opus.bit_rate = 32000
    audio = []
    for n in range(int(seconds * 50)):
        frame = av.AudioFrame(format="s16", layout="stereo", samples=960)
        tone = [int(6000 * math.sin((n * 960 + i) * 0.05)) for i in range(960)]
        noise = struct.unpack("<1920h", rng.randbytes(3840))  # unique packets, every one
        frame.planes[0].update(
            struct.pack("<1920h", *(tone[i // 2] + noise[i] // 16 for i in range(1920)))
        )
        frame.sample_rate, frame.pts = 48000, n * 960
        audio += [bytes(p) for p in opus.encode(frame)]
    return Clip(video=tuple(video), audio=tuple(audio), width=width, height=height, fps=fps)


def vp8_payloads(frame: bytes, picture_id: int, size: int = 1200) -> list[bytes]:
    """RFC 7741 packetization: extended descriptor with a 15-bit picture id."""
    chunks = [frame[i : i + size] for i in range(0, len(frame), size)]
    pid = struct.pack("!H", 0x8000 | picture_id)
    return [bytes((0x90 if i == 0 else 0x80, 0x80)) + pid + c for i, c in enumerate(chunks)]


class _Silent(MediaStreamTrack):
    """A sender needs a track; the hooked sender never reads it."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    async def recv(self) -> av.frame.Frame:  # pragma: no cover
        raise MediaStreamError


def new_pc() -> RTCPeerConnection:
    return RTCPeerConnection(RTCConfiguration(iceServers=[]))  # never Google's STUN server


async def set_local(
    pc: RTCPeerConnection, description: RTCSessionDescription, addresses: tuple[str, ...] = LOOPBACK
) -> str:
    for gatherer in hooks.gatherers(pc):
        if gatherer.state == "new":
            hooks.limit_host_addresses(gatherer, addresses)
    await pc.setLocalDescription(description)
    return pc.localDescription.sdp


CATCH_UP = 1.0  # s: a publisher this far behind skips frames instead of sending them late


class SyntheticPublisher:
    """Publishes a clip's encoded frames as they are, looping, restarting on PLI."""

    def __init__(
        self,
        clip: Clip,
        *,
        audio_level: int = 30,
        stamp: bool = False,
        addresses: tuple[str, ...] = LOOPBACK,
    ) -> None:
        self.clip = clip
        self.audio_level = audio_level  # -dBov put in each audio packet's header
        self.stamp = stamp
        self.addresses = addresses  # where it gathers host candidates
        self.keyframe_requests = 0
        self.pc = new_pc()
        video = self.pc.addTransceiver(_Silent("video"), direction="sendonly").sender
        audio = self.pc.addTransceiver(_Silent("audio"), direction="sendonly").sender
        video._next_encoded_frame = self._next_video  # type: ignore[method-assign]
        audio._next_encoded_frame = self._next_audio  # type: ignore[method-assign]
        video._send_keyframe = self._keyframe_requested  # type: ignore[method-assign]
        self._video_at = self._audio_at = 0
        self._picture_id = 0
        self._clock: dict[str, float] = {}  # kind -> when its next frame is due
        self._first: dict[str, float] = {}  # kind -> when its first frame was
        self._going = asyncio.Event()  # cleared: the publisher holds its frames (``hold``)
        self._going.set()

    def hold(self) -> None:
        """Send nothing until ``go`` (bench/cluster.py: one room at a time sends); the time
        goes on meanwhile, as after a stall longer than ``CATCH_UP``."""
        self._going.clear()

    def go(self) -> None:
        self._going.set()

    async def offer(self) -> str:
        return await set_local(self.pc, await self.pc.createOffer(), self.addresses)

    async def accept(self, answer_sdp: str) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(answer_sdp, "answer"))

    async def close(self) -> None:
        await self.pc.close()

    def _keyframe_requested(self) -> None:
        self.keyframe_requests += 1
        self._video_at = 0

    async def _pace(self, kind: str, interval: float) -> float:
        """Wait until the next frame of ``kind`` is due; the seconds from the first frame to
        the moment it stands for (its RTP timestamp). Frames this process made late (a
        stall) go out at once, with their own timestamps, as a camera's and a microphone's
        frames come late from a busy capture; after a stall longer than ``CATCH_UP`` the
        time goes on without them. Either way both tracks' timestamps stay on the wall clock
        together, and a track's frames fill its time."""
        await self._going.wait()
        now = time.monotonic()
        due = self._clock.get(kind, now) + interval
        if due < now - CATCH_UP:
            due = now
        self._clock[kind] = due
        first = self._first.setdefault(kind, due - interval)
        await asyncio.sleep(max(0.0, due - now))
        return due - first

    def media_ms(self, kind: str) -> int:
        """Where the track of ``kind`` is: the milliseconds from its first frame to the last
        it made (what its RTP timestamps say; the wall clock's time but for a stall of this
        process, whose frames come after it)."""
        return round((self._clock[kind] - self._first[kind]) * 1000)

    def _payloads(self, payloads: list[bytes]) -> list[bytes]:
        if not self.stamp:
            return payloads
        sent = STAMP.pack(time.monotonic())
        return [p + sent for p in payloads]

    async def _next_video(self, codec: RTCRtpCodecParameters) -> RTCEncodedFrame:
        at = await self._pace("video", 1 / self.clip.fps)
        frame = self.clip.video[self._video_at % len(self.clip.video)]
        self._video_at += 1
        self._picture_id = (self._picture_id + 1) & 0x7FFF
        timestamp = round(at * 90000)
        payloads = vp8_payloads(frame, self._picture_id)
        return RTCEncodedFrame(self._payloads(payloads), timestamp, None)  # type: ignore[arg-type]

    async def _next_audio(self, codec: RTCRtpCodecParameters) -> RTCEncodedFrame:
        at = await self._pace("audio", 0.02)
        packet = self.clip.audio[self._audio_at % len(self.clip.audio)]
        self._audio_at += 1
        timestamp = round(at * 48000)
        return RTCEncodedFrame(self._payloads([packet]), timestamp, -self.audio_level)


@dataclass(slots=True)
class Received:
    """What a counting viewer saw of one kind of media."""

    seqs: list[int] = field(default_factory=list)
    timestamps: list[int] = field(default_factory=list)
    payloads: list[bytes] = field(default_factory=list)
    levels: list[int | None] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)

    @property
    def frames(self) -> int:
        return len(set(self.timestamps))

    @property
    def gaps(self) -> int:
        """Sequence numbers missing between the first and last received (wrap-aware)."""
        if not self.seqs:
            return 0
        span = ((self.seqs[-1] - self.seqs[0]) & 0xFFFF) + 1
        return span - len(set(self.seqs))


class SyntheticViewer:
    """Answers the SFU's subscribe offers; decodes (aiortc's decoder) or counts packets."""

    def __init__(
        self,
        *,
        decode: bool = False,
        keep: bool = True,
        stamp: bool = False,
        headers: bool = False,
        addresses: tuple[str, ...] = LOOPBACK,
    ) -> None:
        # ``headers``: count each RTP packet from its header, which SRTP leaves in the clear,
        # as the datagram arrives, and hand it no further (bench/cluster.py: a viewer then
        # costs its own process a fraction, so this machine holds several hundred). Nothing
        # reaches aiortc's receiver, so it sends no NACK; its timer still sends receiver
        # reports, and the server's sender reports and ICE consent checks still reach it.
        # A counting viewer has no bandwidth estimator (hooks.tap_receiver removes it), like
        # a browser with transport-cc it sends no REMB per packet; it still sends RRs, NACKs.
        self.decode = decode
        self.keep = keep  # keep payloads (tests); the bench only counts
        self.stamp = stamp
        self.headers = headers
        self.addresses = addresses  # where it gathers host candidates
        self.pc = new_pc()
        self.received = {"audio": Received(), "video": Received()}
        self.decoded: list[av.VideoFrame] = []
        self.decoded_audio = 0
        self._readers: list[asyncio.Task[None]] = []
        self._arrived = 0.0
        if decode:
            self.pc.on("track", self._read)

    async def answer(self, offer_sdp: str) -> str:
        await self.pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
        if not self.decode:
            for transceiver in self.pc.getTransceivers():
                hooks.tap_receiver(transceiver.receiver, self._sink(transceiver.kind))
        if self.stamp:
            self._note_arrivals()
        if self.headers:
            self._count_headers()
        return await set_local(self.pc, await self.pc.createAnswer(), self.addresses)

    def _count_headers(self) -> None:
        kinds = {
            codec.payloadType: self.received[transceiver.kind]
            for transceiver in self.pc.getTransceivers()
            for codec in hooks.negotiated_codecs(transceiver)
            if codec.mimeType.split("/")[1].lower() != "rtx"  # none come: no NACK is sent
        }
        connection = self.pc.getTransceivers()[0].receiver.transport.transport._connection
        queue = connection.data_received

        def data_received(data: bytes, component: int) -> None:
            # RTP and RTCP start 0b10; RTCP's second byte is 192-223 (RFC 5761, section 4).
            if len(data) >= 12 and data[0] >> 6 == 2 and not 192 <= data[1] <= 223:
                got = kinds.get(data[1] & 0x7F)
                if got is not None:
                    seq, timestamp = _RTP_SEQ_TS.unpack_from(data, 2)
                    got.seqs.append(seq)
                    got.timestamps.append(timestamp)
                return
            queue(data, component)

        connection.data_received = data_received

    def lose(self, kind: str) -> "asyncio.Future[int]":
        """Drop the next RTP packet of ``kind`` on arrival, as if lost on the way (before
        the receiver sees it); the future gets its sequence number (clear in SRTP)."""
        transceiver = next(t for t in self.pc.getTransceivers() if t.kind == kind)
        payload_type = hooks.negotiated_codecs(transceiver)[0].payloadType
        connection = transceiver.receiver.transport.transport._connection
        queue = connection.data_received
        lost: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def data_received(data: bytes, component: int) -> None:
            if not lost.done() and len(data) > 12 and data[1] & 0x7F == payload_type:
                lost.set_result(data[2] << 8 | data[3])
                return
            queue(data, component)

        connection.data_received = data_received
        return lost

    def _note_arrivals(self) -> None:
        """Bench: a packet's arrival is when the kernel queued it on this viewer's socket
        (SIOCGSTAMP), not when this busy process got round to reading it; aioice queues
        datagrams in order, so a FIFO pairs them with the packets the receiver sees."""
        ice = self.pc.getTransceivers()[0].receiver.transport.transport
        connection, arrivals = ice._connection, deque()
        queue_datagram, next_datagram = connection.data_received, ice._recv
        realtime_offset = time.time() - time.monotonic()  # the stamp is CLOCK_MONOTONIC
        fileno: list[int] = []  # the nominated pair's socket, looked up once

        def data_received(data: bytes, component: int) -> None:
            try:
                if not fileno:
                    pair = connection._nominated[1]
                    fileno.append(pair.protocol.transport.get_extra_info("socket").fileno())
                stamp = fcntl.ioctl(fileno[0], SIOCGSTAMP, bytes(_TIMEVAL.size))
                seconds, micros = _TIMEVAL.unpack(stamp)
                arrivals.append(seconds + micros / 1e6 - realtime_offset)
            except (KeyError, OSError):  # no timestamp yet (the first call turns them on)
                arrivals.append(time.monotonic())
            queue_datagram(data, component)

        async def recv() -> bytes:
            data = await next_datagram()
            self._arrived = arrivals.popleft() if arrivals else time.monotonic()
            return data

        connection.data_received = data_received
        ice._recv = recv

    def _sink(self, kind: str):  # noqa: ANN202
        got = self.received[kind]

        def sink(packet: RtpPacket) -> None:
            got.seqs.append(packet.sequence_number)
            got.timestamps.append(packet.timestamp)
            if self.keep:
                got.payloads.append(packet.payload)
                got.levels.append(packet.extensions.audio_level)
            if self.stamp and len(packet.payload) >= 8:
                sent = STAMP.unpack_from(packet.payload, len(packet.payload) - 8)[0]
                got.latencies.append(self._arrived - sent)

        return sink

    def _read(self, track: MediaStreamTrack) -> None:
        self._readers.append(asyncio.ensure_future(self._drain(track)))

    async def _drain(self, track: MediaStreamTrack) -> None:
        try:
            while True:
                frame = await track.recv()
                if isinstance(frame, av.VideoFrame):
                    self.decoded.append(frame)
                else:
                    self.decoded_audio += 1
        except MediaStreamError:
            return

    async def close(self) -> None:
        for reader in self._readers:
            reader.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)
        await self.pc.close()
