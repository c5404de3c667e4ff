"""An outlet: one viewer's sender, forwarding the packets of one source at a time.

The outlet owns the outgoing stream's identity (SSRC, sequence numbers, timestamps, the
128-packet history NACKs are answered from) and writes what it is given straight to the
wire: per packet one header and one SRTP protect; per video frame one segmented ``sendmsg``
(``Wire.send_rtp``), per audio packet one ``sendto``. The stream's numbers live in its base
class, a ``Lane``: where the compiled fan-out is built, a source forwards to all its steady
outlets in one call (``server.media.lane``) and an outlet's ``send`` only does the rest
(starting, re-basing, a wire the fan-out cannot use). Sequence numbers follow the
publisher's with an offset, so a packet the publisher retransmits lands in the hole the
viewer is missing; the offset is re-based whenever the outlet (re)starts, so what the
viewer sees has no gaps.

A video outlet starts at a key frame (and asks for one). There is no per-viewer queue in
user space: a frame goes to the viewer's socket at once or not at all. When that socket's
buffer is full (the kernel says it would block) the viewer is behind: a video outlet drops
everything until the next key frame and asks for one, an audio outlet drops the packet and
resumes without a gap. The bound on a slow viewer's queue is the socket's send buffer.

An outlet knows its source only as an ``Upstream`` (a list of outlets to join, and a way to
ask for a key frame): ``server.media.source`` imports this module, never the other way.
"""

import random
import struct
from typing import Protocol

from aiortc import RTCRtpSender
from aiortc.rtcrtpparameters import RTCRtpSendParameters

from server.media import hooks
from server.media.lane import Lane
from server.media.packets import V2, HeaderWriter, Packet, rtx_packet, ticks_since

_SR = struct.Struct("!BBHIQIII")  # RTCP SR: header, SSRC, NTP, RTP timestamp, counts
_PER_REPORT = 12  # outlets per compound RTCP packet: 12 x ~72 bytes stays under the MTU
_REBASE_AFTER = 4096  # how far behind the newest packet the "too old" line may lag


class Upstream(Protocol):
    """What an outlet needs of the source it forwards (``server.media.source.Source``)."""

    @property
    def outlets(self) -> list["Outlet"]: ...

    def request_keyframe(self) -> None: ...


class Outlet(Lane):
    __slots__ = (
        "kind", "sender", "source", "wire", "closed", "header", "rtx_pt", "clock_rate", "cname",
        "ts_rebase", "rtx_seq", "drops",
    )  # fmt: skip

    def __init__(self, *, kind: str, sender: RTCRtpSender) -> None:
        super().__init__()
        self.kind = kind  # "audio" or "video" (the RTP media kind)
        self.sender = sender
        self.source: Upstream | None = None
        self.wire: hooks.Wire | None = None  # set when the sender starts (DTLS up)
        self.closed = False  # for good: a wire bound after close() is let go at once
        self.header: HeaderWriter | None = None
        self.pt = 0
        self.rtx_pt: int | None = None
        self.clock_rate = 90000
        self.cname = b""
        self.waiting = True  # video: for a key frame; audio: to re-base
        self.offset = 0
        self.base = 0
        self.ts_offset = random.getrandbits(32)
        self.ts_rebase = False
        self.last_seq = random.getrandbits(15)  # lower half, as aiortc (SRTP rollover)
        self.last_ts = 0
        self.last_ntp = 0
        self.rtx_seq = random.getrandbits(15)
        self.packets = 0
        self.octets = 0
        self.drops = 0  # times the viewer fell behind

    # --- life ------------------------------------------------------------------------------

    def bind(self, parameters: RTCRtpSendParameters, wire: hooks.Wire) -> None:
        """The sender started: negotiated codec, header extensions and the wire are known.

        aiortc starts the sender from a background task once DTLS is up, which can be while
        the connection is being closed, after ``close()``: such a wire is closed at once.
        """
        if self.closed:
            wire.close()
            return
        self._let_go()
        codec = parameters.codecs[0]
        self.pt = codec.payloadType
        self.clock_rate = codec.clockRate
        self.cname = (parameters.rtcp.cname or "").encode()[:255]
        self.rtx_pt = next(
            (
                c.payloadType
                for c in parameters.codecs
                if c.mimeType.lower().endswith("/rtx") and c.parameters.get("apt") == self.pt
            ),
            None,
        )
        extensions = {ext.uri: ext.id for ext in parameters.headerExtensions}
        self.header = HeaderWriter(
            ssrc=self.sender._ssrc,
            mid=parameters.muxId,
            extensions=extensions,
            audio=self.kind == "audio",
        )
        self.wire = wire
        if (handles := wire.handles()) is not None:
            self.plug(wire, *handles, self.header.template, self.header.ext_length)
        self.restart()

    def attach(self, source: Upstream) -> None:
        """Forward ``source`` from now on (from its next key frame, for video)."""
        self.detach()
        self.source = source
        self.ts_rebase = self.packets > 0
        source.outlets.append(self)
        self.restart()

    def detach(self) -> None:
        if self.source is not None:
            self.source.outlets.remove(self)
            self.source = None

    def close(self) -> None:
        """The viewer's connection is closing: stop and let go of the socket, for good."""
        self.closed = True
        self.detach()
        self._let_go()

    def _let_go(self) -> None:
        """Close the wire, after the lane stopped sending with it."""
        self.unplug()
        if self.wire is not None:
            self.wire.close()
            self.wire = None

    def restart(self) -> None:
        """Start over: at the next key frame for video, with the next packet for audio."""
        self.waiting = True
        if self.kind == "video" and self.source is not None and self.wire is not None:
            self.source.request_keyframe()

    # --- hot path --------------------------------------------------------------------------

    def send(self, packets: list[Packet], ext: bytes, ntp: int) -> None:
        """Forward packets of the source (one audio packet, or one video frame's packets):
        ``ext`` is the encoded header extension value they share, ``ntp`` when they left."""
        wire = self.wire
        if wire is None:
            return
        if len(packets) == 1 and not self.waiting:
            self._send_one(wire, packets[0], ext, ntp)
            return
        write = self.header.write  # type: ignore[union-attr]
        pt, remember = self.pt, self.remember
        offset, ts_offset, base = self.offset, self.ts_offset, self.base
        last_seq, last_ts = self.last_seq, self.last_ts
        items: list[tuple[bytes, bytes]] = []
        newest, octets = -1, 0
        for seq, ts, marker, payload, key, pad in packets:
            if self.waiting:
                if not key and self.kind == "video":
                    continue
                self._rebase(seq, ts)
                offset, ts_offset, base = self.offset, self.ts_offset, self.base
            elif (seq - base) & 0x8000:
                continue  # from before the point we (re)started at
            out_seq = (seq + offset) & 0xFFFF
            out_ts = (ts + ts_offset) & 0xFFFFFFFF
            item = (write(V2 | pad, marker << 7 | pt, out_seq, out_ts, ext), payload)
            remember(out_seq, item)
            items.append(item)
            octets += len(payload) - (payload[-1] if pad else 0)  # RFC 3550: no padding
            if (out_seq - last_seq) & 0xFFFF < 0x8000:
                last_seq, last_ts, newest = out_seq, out_ts, seq
        if not items:
            if self.waiting and self.kind == "video":
                self.source.request_keyframe()  # type: ignore[union-attr]
            return
        if not wire.send_rtp(items):
            self.fall_behind()
            return
        if newest >= 0:
            self.last_seq, self.last_ts, self.last_ntp = last_seq, last_ts, ntp
            if (newest - base) & 0xFFFF > _REBASE_AFTER:
                self.base = (newest - _REBASE_AFTER // 2) & 0xFFFF
        self.packets += len(items)
        self.octets += octets

    def _send_one(self, wire: hooks.Wire, packet: Packet, ext: bytes, ntp: int) -> None:
        """``send`` of one packet (every audio packet, a late video one) once started."""
        seq, ts, marker, payload, _key, pad = packet
        if (seq - self.base) & 0x8000:
            return  # from before the point we (re)started at
        out_seq = (seq + self.offset) & 0xFFFF
        out_ts = (ts + self.ts_offset) & 0xFFFFFFFF
        item = (self.header.write(V2 | pad, marker << 7 | self.pt, out_seq, out_ts, ext), payload)  # type: ignore[union-attr]
        self.remember(out_seq, item)
        if not wire.send_one(*item):
            self.fall_behind()
            return
        if (out_seq - self.last_seq) & 0xFFFF < 0x8000:
            self.last_seq, self.last_ts, self.last_ntp = out_seq, out_ts, ntp
            if (seq - self.base) & 0xFFFF > _REBASE_AFTER:
                self.base = (seq - _REBASE_AFTER // 2) & 0xFFFF
        self.packets += 1
        self.octets += len(payload) - (payload[-1] if pad else 0)  # RFC 3550: no padding

    def _rebase(self, seq: int, ts: int) -> None:
        self.waiting = False
        self.base = seq
        self.offset = (self.last_seq + 1 - seq) & 0xFFFF
        if self.ts_rebase:
            gap = ticks_since(self.last_ntp, self.clock_rate) if self.last_ntp else 0
            self.ts_offset = (self.last_ts + max(gap, 1) - ts) & 0xFFFFFFFF
            self.ts_rebase = False

    def fall_behind(self) -> None:
        """The viewer's socket would block: start over at the next key frame (video) or
        packet (audio)."""
        self.drops += 1
        self.waiting = True
        if self.kind == "video":
            self.source.request_keyframe()  # type: ignore[union-attr]

    # --- feedback from the viewer (RTCP, through the hooked sender) ------------------------

    def keyframe_requested(self) -> None:
        if self.source is not None:
            self.source.request_keyframe()

    def retransmit(self, sequence_number: int) -> None:
        item = self.recall(sequence_number)
        if item is None or self.wire is None:
            return
        header, payload = item
        if (header[2] << 8 | header[3]) != sequence_number:
            return
        if self.rtx_pt is not None:
            item = rtx_packet(
                header,
                payload,
                rtx_pt=self.rtx_pt,
                rtx_seq=self.rtx_seq,
                rtx_ssrc=self.sender._rtx_ssrc,
            )
            self.rtx_seq = (self.rtx_seq + 1) & 0xFFFF
        self.wire.send_rtp([item])


def sender_reports(outlets: list[Outlet]) -> list[bytes]:
    """Compound RTCP packets (RFC 3550 6.4.1, 6.5): sender reports of the outlets that have
    sent something, then their CNAMEs; at most ``_PER_REPORT`` outlets per packet (MTU)."""
    sending = [o for o in outlets if o.packets]
    return [_compound(sending[i : i + _PER_REPORT]) for i in range(0, len(sending), _PER_REPORT)]


def _compound(outlets: list[Outlet]) -> bytes:
    reports = b"".join(
        _SR.pack(
            0x80, 200, 6, o.sender._ssrc, o.last_ntp, o.last_ts,
            o.packets & 0xFFFFFFFF, o.octets & 0xFFFFFFFF,
        )
        for o in outlets
    )  # fmt: skip
    chunks = b"".join(_sdes_chunk(o.sender._ssrc, o.cname) for o in outlets)
    return reports + struct.pack("!BBH", 0x80 | len(outlets), 202, len(chunks) // 4) + chunks


def _sdes_chunk(ssrc: int, cname: bytes) -> bytes:
    chunk = struct.pack("!IBB", ssrc, 1, len(cname)) + cname + b"\0"
    return chunk + bytes(-len(chunk) % 4)
