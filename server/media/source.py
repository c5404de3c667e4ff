"""A source: one published track (a participant's microphone, camera or screen).

``Source.ingest`` is the hot path: the hooked receiver calls it for every media packet, and
it hands packets to every outlet synchronously, no task or queue in between. Audio goes
packet by packet. Video goes frame by frame: a source gathers a frame's packets until the
one with the marker bit (the frame's last) and then hands them over together, so each viewer
gets the frame in one segmented send (one system call and one wake-up instead of one per
packet). That adds nothing to when a viewer can show the frame, which needs its last
packet anyway. A packet of a frame already sent (late, or retransmitted by the publisher)
goes at once; a new frame's first packet sends what was gathered when the marker was lost;
at most ``FRAME_BATCH`` packets are held.

A consumer of whole frames (the recorder, the streamer) asks the source to keep them
(``keep_frames``, by the consumer's name): as packets go, the source then only keeps each
list it sent its viewers, with when it came; each consumer takes its frames a batch at a
time (``take_frames``), assembled then (``FrameAssembler``), so the hot path does no more
for it than an append.

A source knows nothing of the router that made it: it is given the media settings, the
clock and where to report audio levels.
"""

import uuid
from collections.abc import Callable
from typing import Literal

from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtp import RtpPacket

from server.media import hooks
from server.media.config import MediaConfig
from server.media.frames import Frame, FrameAssembler
from server.media.lane import fan_out
from server.media.outlet import Outlet
from server.media.packets import (
    AUDIO_LEVELS,
    SILENCE,
    Packet,
    abs_send_time,
    even_frame,
    keyframe_detector,
    not_after,
    ntp_now,
    pli_packet,
    remb_packet,
)

Kind = Literal["audio", "video", "screen"]
Clock = Callable[[], float]
Heard = Callable[[str, int], None]  # (participant_id, audio level in -dBov) per audio packet
FRAME_BATCH = 16  # video packets sent to a viewer together at most (UDP GSO allows 64)
# bytes: a larger RTP payload is not forwarded (browsers send about 1,200 at most); with
# FRAME_BATCH it bounds what one send puts in the wire's 64 KiB buffer
MAX_PAYLOAD = 1472


def _always(payload: bytes) -> bool:
    return True


class Source:
    """One published track: a participant's microphone, camera or screen."""

    def __init__(
        self,
        *,
        participant_id: str,
        kind: Kind,
        codec: RTCRtpCodecParameters,
        stream_id: str,
        config: MediaConfig,
        clock: Clock,
        heard: Heard,
    ) -> None:
        self.source_id = uuid.uuid4().hex
        self.participant_id = participant_id
        self.kind = kind
        self.media_kind = "audio" if kind == "audio" else "video"
        self.codec = codec
        self.stream_id = stream_id
        self.outlets: list[Outlet] = []
        self.muted = False
        self.packets = 0  # media packets taken from the publisher
        self.keyframe_requests = 0
        self._clock = clock
        self._heard = heard
        self._interval = config.keyframe_interval
        self._max_bitrate = config.max_video_bitrate
        self._is_keyframe = keyframe_detector(codec.name)
        self._wire: hooks.Wire | None = None
        self._rtcp_ssrc = 0
        self._media_ssrc: int | None = None
        self._requested_at = float("-inf")
        self._capped_at = float("-inf")
        self._keepers: dict[str, _Keeper] = {}  # consumers of whole frames, by name
        self._pending: list[Packet] = []  # video: packets of the frame being gathered
        self._frame_ts: int | None = None  # that frame's RTP timestamp
        self._done_ts: int | None = None  # the last frame sent whole (its last packet seen)

    def started(self, wire: hooks.Wire, rtcp_ssrc: int) -> None:
        """The publisher's receiver is up: keyframe requests can be sent to it."""
        self._wire = wire
        self._rtcp_ssrc = rtcp_ssrc

    def ingest(self, packet: RtpPacket) -> None:
        """A media packet from the publisher (after SRTP, RTX unwrapping and NACK handling)."""
        payload = packet.payload
        if (
            self.muted
            or not payload
            or len(payload) > MAX_PAYLOAD
            or packet.payload_type != self.codec.payloadType
        ):
            return
        self._media_ssrc = packet.ssrc
        self.packets += 1
        seq, ts, marker = packet.sequence_number, packet.timestamp, packet.marker
        if self.media_kind == "audio":
            found = packet.extensions.audio_level
            level = found[1] & 0x7F if found is not None else SILENCE
            self._heard(self.participant_id, level)
            self._send([(seq, ts, marker, payload, False, 0)], AUDIO_LEVELS[level])
            return
        packet_ = (seq, ts, marker, payload, self._is_keyframe(payload), 0)
        done, gathering = self._done_ts, self._frame_ts
        if done is not None and not_after(ts, done):
            self._send([packet_], b"")  # a late packet of a frame already sent: at once
            return
        if gathering is not None and ts != gathering:
            if not_after(ts, gathering):
                self._send([packet_], b"")
                return
            self._flush()  # a newer frame: the gathered one's last packet was lost
        self._frame_ts = ts
        self._pending.append(packet_)
        if marker:
            self._flush()
            self._done_ts, self._frame_ts = ts, None
        elif len(self._pending) >= FRAME_BATCH:
            self._flush()

    def _flush(self) -> None:
        """Send the packets of the frame gathered so far to every viewer, together."""
        frame, self._pending = self._pending, []
        if frame:
            self._send(frame, b"")
            self._cap_bitrate()

    def _send(self, packets: list[Packet], ext: bytes) -> None:
        ntp = ntp_now()
        if self.media_kind == "video":
            ext = abs_send_time(ntp)
        evened = even_frame(packets) if len(packets) > 1 else packets
        self._fan(evened, ext, ntp)
        if self._keepers:
            self._keep(packets)

    def _fan(self, packets: list[Packet], ext: bytes, ntp: int) -> None:
        """To every outlet: compiled, every steady one in one call and the others each for
        itself; not built, each for itself."""
        if fan_out is None:
            for outlet in self.outlets:
                outlet.send(packets, ext, ntp)
            return
        left, behind = fan_out(self.outlets, packets, ext, ntp)
        for outlet in behind:
            outlet.fall_behind()
        for outlet in left:
            outlet.send(packets, ext, ntp)

    def _keep(self, packets: list[Packet]) -> None:
        """Keep what was just sent (the same list) and when, for each consumer's
        ``take_frames``."""
        at = self._clock()
        for keeper in self._keepers.values():
            keeper.kept.append((packets, at))

    def request_keyframe(self) -> None:
        """Ask the publisher for a key frame, at most once per ``keyframe_interval``."""
        if self.media_kind != "video" or self._wire is None or self._media_ssrc is None:
            return
        now = self._clock()
        if now - self._requested_at < self._interval:
            return
        self._requested_at = now
        self.keyframe_requests += 1
        self._wire.send_rtcp(pli_packet(self._rtcp_ssrc, self._media_ssrc))

    def _cap_bitrate(self) -> None:
        """Once a second, tell the publisher the most it may send (a REMB)."""
        now = self._clock()
        if self._wire is None or self._media_ssrc is None or now - self._capped_at < 1.0:
            return
        self._capped_at = now
        self._wire.send_rtcp(remb_packet(self._rtcp_ssrc, self._media_ssrc, self._max_bitrate))

    def set_muted(self, muted: bool) -> None:
        if muted == self.muted:
            return
        self.muted = muted
        self._pending = []
        self._frame_ts = None
        if not muted:
            for outlet in self.outlets:
                outlet.restart()
            for keeper in self._keepers.values():  # frames resume at the next key frame
                keeper.ready += keeper.assemble()
                keeper.frames = self._assembler()
            if self._keepers:
                self.request_keyframe()

    def keep_frames(self, consumer: str = "recorder") -> None:
        """Keep the whole encoded frames sent from now on for ``consumer``'s
        ``take_frames`` (the recorder's and the streamer's seam): as packets go, only the
        lists sent to the viewers are kept, once for every consumer."""
        if consumer not in self._keepers:
            self._keepers[consumer] = _Keeper(self._assembler())

    def take_frames(self, consumer: str = "recorder") -> list[tuple[Frame, float]]:
        """The whole frames sent since ``consumer`` last took them, oldest first, each with
        when its last packet came (the source's clock); assembled now, a batch at a time.
        What a consumer takes is gone for it, not for the others."""
        keeper = self._keepers.get(consumer)
        if keeper is None:
            return []
        ready, keeper.ready = keeper.ready, []
        return ready + keeper.assemble()

    def drop_frames(self, consumer: str = "recorder") -> None:
        """Stop keeping frames for ``consumer``."""
        self._keepers.pop(consumer, None)

    def _assembler(self) -> FrameAssembler:
        if self.media_kind == "video":
            return FrameAssembler(is_keyframe=self._is_keyframe)
        # every audio packet is a frame of its own, and any of them can start a file
        return FrameAssembler(is_keyframe=_always, single=True)

    def close(self) -> None:
        self._pending = []
        for outlet in list(self.outlets):
            outlet.detach()


class _Keeper:
    """One consumer's kept frames: the packet lists sent since it last took them, and the
    assembler that makes them frames."""

    __slots__ = ("frames", "kept", "ready")

    def __init__(self, frames: FrameAssembler) -> None:
        self.frames = frames
        self.kept: list[tuple[list[Packet], float]] = []
        self.ready: list[tuple[Frame, float]] = []  # assembled before an unmute's restart

    def assemble(self) -> list[tuple[Frame, float]]:
        kept, self.kept = self.kept, []
        return [(frame, at) for packets, at in kept for frame in self.frames.add_run(packets)]
