"""A relay link's edge end: ``RelayIn`` (the socket, gathering the owner's batches, asking
for holes again) and a ``RelayedSource`` per relayed source (the edge's copy of the owner's
source, forwarding to the edge's viewers). What a relay link is: ``server.media.relay``."""

import contextlib
import socket
from collections.abc import Callable, Iterable, Mapping

from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from pylibsrtp._binding import ffi, lib

from server.media.config import MediaConfig
from server.media.errors import MediaError
from server.media.packets import (
    AUDIO_LEVELS,
    P_BIT,
    SILENCE,
    Packet,
    abs_send_time,
    ntp_now,
)
from server.media.relay import (
    DATAGRAM,
    END,
    FRAME,
    KEY,
    LARGEST,
    MAX_NACKED,
    MEDIA_AT,
    PADDED,
    RESTART,
    UDP_GRO,
    LinkEnd,
    LinkKeys,
    link_session,
    nack_packet,
)
from server.media.source import Clock, Source


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


class RelayIn(LinkEnd):
    """An edge's end of a relay link from a room's owner."""

    def __init__(self, *, keys: LinkKeys, host: str, config: MediaConfig, clock: Clock) -> None:
        # each read goes straight into the memory SRTP unprotects in place (no copy)
        self._plain = ffi.new("char[]", LARGEST)
        self._plain_view = ffi.buffer(self._plain)
        super().__init__(host, self._plain_view)
        with contextlib.suppress(OSError):  # a kernel without it: one datagram a read
            self._sock.setsockopt(socket.SOL_UDP, UDP_GRO, 1)
        self._down = link_session(keys.down, outbound=False)
        self._unprotect = lib.srtp_unprotect
        self._context = self._down._srtp[0]
        self._length = ffi.new("int *")
        self._protect_rtcp = link_session(keys.up, outbound=True).protect_rtcp
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
        if size > DATAGRAM:
            return
        length = self._length
        length[0] = size
        # pylibsrtp's unprotect() allocates and copies twice on every call; this is the
        # same C call (pylibsrtp 1.0.0) on the session's context, in place (as hooks.Wire)
        if self._unprotect(self._context, self._plain + start, length):
            self.forged += 1
            return
        size = length[0]
        if size < MEDIA_AT:
            return
        view = self._plain_view
        _first, marker_pt, link_seq, ts, ssrc, media_seq, flags, level = FRAME.unpack_from(
            view, start
        )
        source = self._by_ssrc.get(ssrc)
        if source is None:
            return
        packet = (
            media_seq, ts, marker_pt >> 7, view[start + MEDIA_AT : start + size],
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
