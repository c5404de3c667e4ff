"""Relay links: a room's sources sent from its owner process to an edge process, over SRTP.

A **relay link** joins the owner of a room to one edge for that room: one UDP socket at
each end, each connected to the other's (the kernel drops datagrams from anyone else), and
two SRTP keys made afresh for the link (``LinkKeys``), passed through Redis, never on the
wire: ``down`` protects the media (SRTP, owner → edge), ``up`` the feedback (SRTCP,
edge → owner). A datagram that fails authentication is dropped and counted (``forged``).

- Owner end (``RelayOut``): each relayed source gets a ``RelayTap``, a consumer in the
  source's outlet list like any viewer's outlet, so it sees exactly what the owner's
  viewers see (a muted source sends it nothing; an unmute restarts it). Every packet goes
  as one datagram: an RTP header of the link's own (a relay SSRC per source, a sequence
  number per link that never jumps, so SRTP's packet index is always right), then the
  publisher's sequence number, flags (end of the owner's batch, key frame start, restart,
  padded) and the audio level, then the payload as the owner's outlets got it. The last
  ``HISTORY`` datagrams per tap are kept as sent, for the edge's NACKs.
- Edge end (``RelayIn``): unprotects, finds the source by relay SSRC, gathers the owner's
  batch again (a video frame: one segmented send per viewer, as on the owner) and hands it
  to a ``RelayedSource``, the edge's copy of the owner's source, whose outlets are the
  edge's viewers' exactly as on the owner. A hole in the link's sequence numbers is asked
  for again at once (generic NACK up the link); a viewer's key-frame request goes up as a
  PLI and reaches the publisher through the owner's source (rate-limited there).
"""

import asyncio
import contextlib
import os
import random
import socket
import struct
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import pylibsrtp
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from pylibsrtp._binding import ffi, lib

from server.media.config import MediaConfig
from server.media.errors import MediaError
from server.media.hooks import _NO_SEGMENTATION, _segments
from server.media.packets import (
    AUDIO_LEVELS,
    KEY_FRAME,
    P_BIT,
    SILENCE,
    Packet,
    abs_send_time,
    feedback,
    ntp_now,
)
from server.media.source import Clock, Source

# AES-128 in GCM (RFC 7714): one pass that encrypts and authenticates (a 128-bit tag),
# cheaper per datagram than AES-CM followed by HMAC-SHA1-80
PROFILE = pylibsrtp.Policy.SRTP_PROFILE_AEAD_AES_128_GCM
KEY_BYTES = 28  # an AES-128 key and a 96-bit salt
RELAY_PT = 100  # the payload type of every relay datagram (the source is its SSRC)
# a relay datagram's plain header: RTP's (V2, marker | PT, link sequence, timestamp, relay
# SSRC), then the publisher's sequence number, flags and the audio level
_FRAME = struct.Struct("!BBHIIHBB")
_MEDIA_AT = _FRAME.size
_TRAILER = 16 + 128  # room for SRTP's authentication tag (and MKI) after a datagram
END, KEY, RESTART, PADDED = 1, 2, 4, 8  # flags
HISTORY = 256  # datagrams kept per relayed source for the edge's NACKs
MAX_NACKED = 32  # link sequence numbers asked for again at most per hole
BUFFER_BYTES = 1 << 20  # each end's socket buffers: a key frame burst fits
UDP_GRO = 104  # linux/udp.h: a segmented send arrives whole, with its segment size
_GRO_SIZE = struct.Struct("@i")
_ANCILLARY = socket.CMSG_SPACE(_GRO_SIZE.size)
_LARGEST = 1 << 16  # a datagram, or a segmented send received whole (UDP_GRO)
_DATAGRAM = 2048  # one relay datagram at most (RTP payloads are 1,472 bytes at most)
_FCI = struct.Struct("!HH")
_RTCP_HEAD = struct.Struct("!BBHII")


@dataclass(frozen=True, slots=True)
class LinkKeys:
    """A relay link's two SRTP master keys (with salts): media down, feedback up."""

    down: bytes
    up: bytes

    @classmethod
    def new(cls) -> "LinkKeys":
        return cls(down=os.urandom(KEY_BYTES), up=os.urandom(KEY_BYTES))

    def text(self) -> str:
        return self.down.hex() + self.up.hex()

    @classmethod
    def from_text(cls, text: str) -> "LinkKeys":
        raw = bytes.fromhex(text)
        if len(raw) != 2 * KEY_BYTES:
            raise ValueError(f"a relay link's keys are two {KEY_BYTES}-byte keys")
        return cls(down=raw[:KEY_BYTES], up=raw[KEY_BYTES:])


def _session(key: bytes, *, outbound: bool) -> pylibsrtp.Session:
    kind = pylibsrtp.Policy.SSRC_ANY_OUTBOUND if outbound else pylibsrtp.Policy.SSRC_ANY_INBOUND
    return pylibsrtp.Session(pylibsrtp.Policy(key=key, ssrc_type=kind, srtp_profile=PROFILE))


def nack_packet(sender_ssrc: int, media_ssrc: int, lost: Iterable[int]) -> bytes:
    """An RTCP generic NACK (RFC 4585 6.2.1), one FCI entry per lost sequence number."""
    fci = b"".join(_FCI.pack(seq, 0) for seq in lost)
    return _RTCP_HEAD.pack(0x81, 205, 2 + len(fci) // 4, sender_ssrc, media_ssrc) + fci


def _bind(host: str) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.setblocking(False)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, BUFFER_BYTES)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, BUFFER_BYTES)
    sock.bind((host, 0))
    return sock


class _LinkEnd:
    """One end of a relay link: its socket, connected to the other end's, read as datagrams
    arrive (a reader on the event loop, added by ``connect``, removed by ``close``).

    Each wake-up reads once (``_read``): a datagram, or a whole segmented send (a video
    frame; the socket asks for them whole, ``UDP_GRO``), made of datagrams of one size.
    Whatever else waits wakes the loop again at once; a second read that finds nothing
    would cost an exception on every wake-up, and an edge is woken by every audio packet
    and video frame.
    """

    def __init__(self, host: str, buffer: object) -> None:
        self._sock = _bind(host)
        self.address: tuple[str, int] = self._sock.getsockname()[:2]
        self.forged = 0  # datagrams that failed SRTP authentication (dropped)
        self._into = [buffer]  # what each read fills (_LARGEST bytes)
        self._reading = False
        self.closed = False

    def connect(self, other: tuple[str, int]) -> None:
        self._sock.connect(other)
        asyncio.get_running_loop().add_reader(self._sock.fileno(), self._readable)
        self._reading = True

    def _read(self) -> tuple[int, int]:
        """One read into the buffer: the bytes read and the size of each datagram in them
        (the last may be shorter); (0, 1) when there was nothing to read."""
        try:
            size, ancillary, _flags, _from = self._sock.recvmsg_into(self._into, _ANCILLARY)
        except OSError:  # nothing there, or the other end is gone (ICMP): UDP being UDP
            return 0, 1
        for level, kind, data in ancillary:
            if level == socket.SOL_UDP and kind == UDP_GRO and len(data) >= _GRO_SIZE.size:
                return size, _GRO_SIZE.unpack_from(data)[0] or size
        return size, size or 1

    def _readable(self) -> None:
        raise NotImplementedError

    def _emit(self, datagram: bytes) -> bool:
        try:
            self._sock.send(datagram)
        except BlockingIOError:
            return False
        except OSError:
            pass  # refused or unreachable: lost on the way
        return True

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self._reading:
            asyncio.get_running_loop().remove_reader(self._sock.fileno())
        self._sock.close()


# --- the owner's end ----------------------------------------------------------------------


class RelayOut(_LinkEnd):
    """The owner's end of a relay link to one edge, for one room."""

    def __init__(self, *, keys: LinkKeys, host: str) -> None:
        self._buffer = bytearray(_LARGEST)
        super().__init__(host, self._buffer)
        # pylibsrtp's protect() allocates and copies twice on every call; this is the same
        # C call (pylibsrtp 1.0.0) on the session's context, in place (as hooks.Wire)
        self._down = _session(keys.down, outbound=True)
        self._protect = lib.srtp_protect
        self._context = self._down._srtp[0]
        self._plain = ffi.new("char[]", _DATAGRAM + _TRAILER)
        self._plain_view = ffi.buffer(self._plain)
        self._length = ffi.new("int *")
        self._unprotect_rtcp = _session(keys.up, outbound=False).unprotect_rtcp
        self.taps: dict[str, RelayTap] = {}  # by source_id
        self._by_ssrc: dict[int, RelayTap] = {}
        self.blocked = 0  # datagrams the socket would not take (the link is behind)
        self._segmented = True  # UDP GSO works here (until the kernel says otherwise)

    def relay(self, sources: Iterable[Source]) -> None:
        """Relay exactly these sources from now on."""
        wanted = {s.source_id: s for s in sources}
        for source_id, tap in list(self.taps.items()):
            if source_id not in wanted:
                tap.detach()
        for source_id, source in wanted.items():
            if source_id not in self.taps and not self.closed:
                ssrc = random.getrandbits(32)
                while ssrc in self._by_ssrc:
                    ssrc = random.getrandbits(32)
                tap = RelayTap(self, source, ssrc)
                self.taps[source_id] = self._by_ssrc[ssrc] = tap
                source.outlets.append(tap)  # type: ignore[arg-type]

    def forget(self, tap: "RelayTap") -> None:
        self.taps.pop(tap.source.source_id, None)
        self._by_ssrc.pop(tap.ssrc, None)

    def describe(self) -> list[dict[str, object]]:
        """What the edge needs to know of each relayed source."""
        return [tap.description() for tap in self.taps.values()]

    def send(self, datagram: bytes) -> None:
        if not self._emit(datagram):
            self.blocked += 1

    def send_batch(self, datagrams: list[bytes]) -> None:
        """A batch (a video frame's datagrams, all but the last of one size, as the owner
        evens them) in one segmented send where the kernel can: one system call here, one
        wake-up of the edge."""
        size = len(datagrams[0])
        if (
            self._segmented
            and len(datagrams) > 1
            and all(len(d) == size for d in datagrams[:-1])
            and len(datagrams[-1]) <= size
        ):
            try:
                self._sock.sendmsg([b"".join(datagrams)], _segments(size))
                return
            except BlockingIOError:
                self.blocked += len(datagrams)
                return
            except OSError as exc:
                if exc.errno not in _NO_SEGMENTATION:
                    return  # refused or unreachable: lost on the way
                self._segmented = False  # this kernel or device cannot: one at a time
        for datagram in datagrams:
            self.send(datagram)

    def _readable(self) -> None:
        size, step = self._read()
        for start in range(0, size, step):
            self.received(bytes(self._buffer[start : min(start + step, size)]))

    def received(self, data: bytes) -> None:
        """Feedback from the edge: key frames to ask the publisher for, datagrams to resend."""
        try:
            plain = self._unprotect_rtcp(data)
        except pylibsrtp.Error:
            self.forged += 1
            return
        for ssrc, seq in feedback(plain):
            tap = self._by_ssrc.get(ssrc)
            if tap is None:
                continue
            if seq == KEY_FRAME:
                tap.source.request_keyframe()
            else:
                tap.resend(seq)

    def close(self) -> None:
        for tap in list(self.taps.values()):
            tap.detach()
        super().close()


class RelayTap:
    """One relayed source on a link: in the source's outlet list, as a viewer's outlet is
    (``send``, ``restart``, ``detach``), writing relay datagrams instead of a viewer's."""

    __slots__ = ("link", "source", "ssrc", "seq", "restarting", "history", "packets")

    def __init__(self, link: RelayOut, source: Source, ssrc: int) -> None:
        self.link = link
        self.source = source
        self.ssrc = ssrc
        self.seq = random.getrandbits(15)
        self.restarting = False
        self.history: list[tuple[int, bytes] | None] = [None] * HISTORY
        self.packets = 0

    def send(self, packets: list[Packet], ext: bytes, ntp: int) -> None:
        link = self.link
        protect, context, length = link._protect, link._context, link._length
        plain, view, pack = link._plain, link._plain_view, _FRAME.pack_into
        level = ext[0] if self.source.media_kind == "audio" and ext else SILENCE
        restart = RESTART if self.restarting else 0
        self.restarting = False
        last = len(packets) - 1
        history, seq, ssrc = self.history, self.seq, self.ssrc
        datagrams = []
        for i, (media_seq, ts, marker, payload, key, pad) in enumerate(packets):
            flags = (END if i == last else 0) | (KEY if key else 0) | (PADDED if pad else 0)
            seq = (seq + 1) & 0xFFFF
            pack(view, 0, 0x80, marker << 7 | RELAY_PT, seq, ts, ssrc,
                 media_seq, flags | restart, level)  # fmt: skip
            end = _MEDIA_AT + len(payload)
            view[_MEDIA_AT:end] = payload
            length[0] = end
            if protect(context, plain, length):
                raise pylibsrtp.Error("SRTP protect failed")
            datagram = view[: length[0]]
            restart = 0
            history[seq % HISTORY] = (seq, datagram)
            datagrams.append(datagram)
        self.seq = seq
        if last == 0:
            link.send(datagrams[0])
        else:
            link.send_batch(datagrams)
        self.packets += len(packets)

    def restart(self) -> None:
        """The source starts over (unmuted): the edge's outlets start over too."""
        self.restarting = True

    def detach(self) -> None:
        if self in self.source.outlets:  # type: ignore[comparison-overlap]
            self.source.outlets.remove(self)  # type: ignore[arg-type]
        self.link.forget(self)

    def resend(self, seq: int) -> None:
        """The edge lost this datagram: send it again, as it was (same SRTP index)."""
        item = self.history[seq % HISTORY]
        if item is not None and item[0] == seq:
            self.link.send(item[1])

    def description(self) -> dict[str, object]:
        source, codec = self.source, self.source.codec
        return {
            "source_id": source.source_id,
            "ssrc": self.ssrc,
            "participant_id": source.participant_id,
            "kind": source.kind,
            "stream_id": source.stream_id,
            "codec": {
                "mimeType": codec.mimeType,
                "clockRate": codec.clockRate,
                "channels": codec.channels,
                "payloadType": codec.payloadType,
                "parameters": dict(codec.parameters),
            },
        }


# --- the edge's end -----------------------------------------------------------------------


def _codec(described: Mapping[str, object]) -> RTCRtpCodecParameters:
    codec = described["codec"]
    assert isinstance(codec, Mapping)
    return RTCRtpCodecParameters(
        mimeType=str(codec["mimeType"]),
        clockRate=int(codec["clockRate"]),
        channels=codec.get("channels"),
        payloadType=int(codec["payloadType"]),
        parameters=dict(codec.get("parameters") or {}),
    )


def _unheard(participant_id: str, level: int) -> None:
    """An edge does not find the active speaker: the owner does."""


class RelayedSource(Source):
    """An edge's copy of one of the owner's sources: fed by the relay link, forwarded to the
    edge's viewers by the same outlets as on the owner; its key-frame requests go up the
    link (``RelayIn.send_rtcp``) to the owner's source."""

    def __init__(
        self, *, described: Mapping[str, object], config: MediaConfig, clock: Clock, up: "RelayIn"
    ) -> None:
        kind = str(described["kind"])
        if kind not in ("audio", "video", "screen"):
            raise MediaError("A relayed source has no such kind.", code="bad_relay")
        super().__init__(
            participant_id=str(described["participant_id"]),
            kind=kind,  # type: ignore[arg-type]
            codec=_codec(described),
            stream_id=str(described["stream_id"]),
            config=config,
            clock=clock,
            heard=_unheard,
        )
        self.source_id = str(described["source_id"])
        self.relay_ssrc = int(described["ssrc"])  # type: ignore[call-overload]
        self.started(up, rtcp_ssrc=0)  # type: ignore[arg-type]
        self._media_ssrc = self.relay_ssrc
        self.batch: list[Packet] = []
        self.next_seq: int | None = None  # the link sequence number expected next

    def relayed(self, packet: Packet, flags: int, level: int) -> None:
        """A packet of the owner's batch; the batch goes to the viewers with its last."""
        batch = self.batch
        if batch and batch[-1][1] != packet[1]:
            self.batch = []  # the batch's last datagram was lost: what came goes now
            self.forward(batch, SILENCE)
            batch = self.batch
        if flags & RESTART:
            for outlet in self.outlets:
                outlet.restart()
        batch.append(packet)
        if flags & END:
            self.batch = []
            self.forward(batch, level)

    def forward(self, packets: list[Packet], level: int) -> None:
        """To every viewer's outlet as the owner's source sends them (``Source._fan``: the
        compiled fan-out where it is built), less what the owner did already: a video
        batch's payloads are evened (``even_frame``; part of a batch, or a datagram sent
        again, is even too), and an edge keeps no frames (the recorder and the streamer run
        on the owner)."""
        self.packets += len(packets)
        ntp = ntp_now()
        ext = AUDIO_LEVELS[level & 0x7F] if self.media_kind == "audio" else abs_send_time(ntp)
        self._fan(packets, ext, ntp)


class RelayIn(_LinkEnd):
    """An edge's end of a relay link from a room's owner."""

    def __init__(self, *, keys: LinkKeys, host: str, config: MediaConfig, clock: Clock) -> None:
        # each read goes straight into the memory SRTP unprotects in place (no copy)
        self._plain = ffi.new("char[]", _LARGEST)
        self._plain_view = ffi.buffer(self._plain)
        super().__init__(host, self._plain_view)
        with contextlib.suppress(OSError):  # a kernel without it: one datagram a read
            self._sock.setsockopt(socket.SOL_UDP, UDP_GRO, 1)
        self._down = _session(keys.down, outbound=False)
        self._unprotect = lib.srtp_unprotect
        self._context = self._down._srtp[0]
        self._length = ffi.new("int *")
        self._protect_rtcp = _session(keys.up, outbound=True).protect_rtcp
        self._config = config
        self._clock = clock
        self.sources: dict[str, RelayedSource] = {}  # by the owner's source_id
        self._by_ssrc: dict[int, RelayedSource] = {}
        self.nacked = 0  # datagrams asked for again
        self.on_sources_changed: Callable[[], None] | None = None

    def follow(self, described: Iterable[Mapping[str, object]]) -> None:
        """The sources the owner relays now (each as ``RelayTap.description`` says)."""
        listed = {str(d["source_id"]): d for d in described}
        for source_id in [s for s in self.sources if s not in listed]:
            source = self.sources.pop(source_id)
            self._by_ssrc.pop(source.relay_ssrc, None)
            source.close()
        for source_id, d in listed.items():
            if source_id not in self.sources:
                source = RelayedSource(described=d, config=self._config, clock=self._clock, up=self)
                self.sources[source_id] = self._by_ssrc[source.relay_ssrc] = source

    def _readable(self) -> None:
        size, step = self._read()
        if step >= size:  # one datagram (an audio packet, a frame of one), or nothing
            if size:
                self.received(0, size)
            return
        for start in range(0, size, step):
            self.received(start, min(step, size - start))

    def received(self, start: int, size: int) -> None:
        """The datagram of ``size`` bytes at ``start`` in the read buffer."""
        if size > _DATAGRAM:
            return
        length = self._length
        length[0] = size
        # pylibsrtp's unprotect() allocates and copies twice on every call; this is the
        # same C call (pylibsrtp 1.0.0) on the session's context, in place (as hooks.Wire)
        if self._unprotect(self._context, self._plain + start, length):
            self.forged += 1
            return
        size = length[0]
        if size < _MEDIA_AT:
            return
        view = self._plain_view
        _first, marker_pt, link_seq, ts, ssrc, media_seq, flags, level = _FRAME.unpack_from(
            view, start
        )
        source = self._by_ssrc.get(ssrc)
        if source is None:
            return
        packet = (
            media_seq, ts, marker_pt >> 7, view[start + _MEDIA_AT : start + size],
            bool(flags & KEY), P_BIT if flags & PADDED else 0,
        )  # fmt: skip
        expected = source.next_seq
        if expected is not None and (link_seq - expected) & 0x8000:
            source.forward([packet], level)  # a datagram asked for again: at once
            return
        if expected is not None and link_seq != expected:
            lost = min((link_seq - expected) & 0xFFFF, MAX_NACKED)
            self.nacked += lost
            missing = ((link_seq - lost + i) & 0xFFFF for i in range(lost))
            self.send_rtcp(nack_packet(0, ssrc, missing))
        source.next_seq = (link_seq + 1) & 0xFFFF
        if flags & (END | RESTART) == END and not source.batch:
            source.forward([packet], level)  # a batch of one (an audio packet): at once
        else:
            source.relayed(packet, flags, level)

    def send_rtcp(self, packet: bytes) -> None:
        """Feedback up the link (what a publisher's wire does for a source on the owner)."""
        self._emit(self._protect_rtcp(packet))

    def close(self) -> None:
        for source in self.sources.values():
            source.close()
        self.sources.clear()
        self._by_ssrc.clear()
        super().close()
