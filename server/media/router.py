"""A room's media: published tracks (sources) and the viewers' senders (outlets) they feed.

``Router`` is the media plane of one room: it owns the room's ``MediaPeer`` objects (one per
participant) and enforces what the room decides (host mute, stop video) where it costs
nothing: a muted source drops its packets on arrival, before any viewer sees them.

``Source.ingest`` is the hot path: the hooked receiver calls it for every media packet, and
it hands packets to every outlet synchronously, no task or queue in between. Audio goes
packet by packet. Video goes frame by frame: a source gathers a frame's packets until the
one with the marker bit (the frame's last) and then hands them over together, so each viewer
gets the frame in one segmented send (one system call and one wake-up instead of one per
packet). That adds nothing to when a viewer can show the frame, which needs its last
packet anyway. A packet of a frame already sent (late, or retransmitted by the publisher)
goes at once; a new frame's first packet sends what was gathered when the marker was lost;
at most ``FRAME_BATCH`` packets are held.
"""

import logging
import time
import uuid
from collections.abc import Callable
from typing import Literal

from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtp import RtpPacket

from server.media import hooks
from server.media.config import MediaConfig
from server.media.frames import Frame, FrameAssembler
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
from server.media.peer import MediaPeer
from server.media.speaker import SpeakerDetector

log = logging.getLogger(__name__)

Kind = Literal["audio", "video", "screen"]
KINDS: tuple[Kind, ...] = ("audio", "video", "screen")
Clock = Callable[[], float]
FRAME_BATCH = 16  # video packets sent to a viewer together at most (UDP GSO allows 64)
# bytes: a larger RTP payload is not forwarded (browsers send about 1,200 at most); with
# FRAME_BATCH it bounds what one send puts in the wire's 64 KiB buffer
MAX_PAYLOAD = 1472


class Source:
    """One published track: a participant's microphone, camera or screen."""

    def __init__(
        self,
        *,
        router: "Router",
        participant_id: str,
        kind: Kind,
        codec: RTCRtpCodecParameters,
        stream_id: str,
    ) -> None:
        self.source_id = uuid.uuid4().hex
        self.participant_id = participant_id
        self.kind = kind
        self.media_kind = "audio" if kind == "audio" else "video"
        self.codec = codec
        self.stream_id = stream_id
        self.outlets: list[Outlet] = []
        self.muted = False
        self.packets = 0
        self.keyframe_requests = 0
        self._router = router
        self._clock = router.clock
        self._interval = router.config.keyframe_interval
        self._is_keyframe = keyframe_detector(codec.name)
        self._wire: hooks.Wire | None = None
        self._rtcp_ssrc = 0
        self._media_ssrc: int | None = None
        self._requested_at = float("-inf")
        self._capped_at = float("-inf")
        self._frames: FrameAssembler | None = None
        self._frame_listeners: list[Callable[[Frame], None]] = []
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
            self._router.heard(self.participant_id, level)
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
        for outlet in self.outlets:
            outlet.send(evened, ext, ntp)
        if self._frames is not None:
            for seq, ts, marker, payload, _key, _pad in packets:
                for frame in self._frames.add(seq, ts, marker, payload):
                    for listener in self._frame_listeners:
                        listener(frame)

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
        bitrate = self._router.config.max_video_bitrate
        self._wire.send_rtcp(remb_packet(self._rtcp_ssrc, self._media_ssrc, bitrate))

    def set_muted(self, muted: bool) -> None:
        if muted == self.muted:
            return
        self.muted = muted
        self._pending = []
        self._frame_ts = None
        if not muted:
            for outlet in self.outlets:
                outlet.restart()

    def on_frame(self, listener: Callable[[Frame], None]) -> None:
        """Also hand complete encoded frames to ``listener`` (the recorder's seam)."""
        if self._frames is None:
            self._frames = FrameAssembler(is_keyframe=self._is_keyframe)
        self._frame_listeners.append(listener)

    def close(self) -> None:
        self._pending = []
        for outlet in list(self.outlets):
            outlet.detach()


class Router:
    """One room's media plane."""

    def __init__(
        self,
        *,
        room_id: str,
        config: MediaConfig,
        on_active_speaker: Callable[[str], None] | None = None,
        on_sources_changed: Callable[[], None] | None = None,
        on_peer_failed: Callable[[str], None] | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self.room_id = room_id
        self.config = config
        self.clock = clock
        self.peers: dict[str, MediaPeer] = {}
        self.sources: dict[str, Source] = {}
        self._muted: set[tuple[str, str]] = set()
        self._speaker = SpeakerDetector()
        self._on_active_speaker = on_active_speaker
        self._on_sources_changed = on_sources_changed
        self._on_peer_failed = on_peer_failed

    # --- peers -----------------------------------------------------------------------------

    def open_peer(self, participant_id: str, *, may_publish: Callable[[str], bool]) -> MediaPeer:
        """The participant's media peer (a new one if it has none)."""
        peer = self.peers.get(participant_id)
        if peer is None or peer.closed:
            peer = MediaPeer(router=self, participant_id=participant_id, may_publish=may_publish)
            self.peers[participant_id] = peer
        return peer

    async def close_peer(self, participant_id: str) -> None:
        """The participant left, was removed, or lost the right to media: stop everything."""
        peer = self.peers.pop(participant_id, None)
        if peer is not None:
            await peer.close()

    async def close(self) -> None:
        """The session ended."""
        for participant_id in list(self.peers):
            await self.close_peer(participant_id)

    def peer_failed(self, participant_id: str) -> None:
        if self._on_peer_failed is not None:
            self._on_peer_failed(participant_id)

    # --- sources ---------------------------------------------------------------------------

    def add_source(
        self, *, participant_id: str, kind: Kind, codec: RTCRtpCodecParameters, stream_id: str
    ) -> Source:
        source = Source(
            router=self, participant_id=participant_id, kind=kind, codec=codec, stream_id=stream_id
        )
        source.muted = (participant_id, kind) in self._muted
        self.sources[source.source_id] = source
        self._changed()
        return source

    def remove_source(self, source: Source) -> None:
        if self.sources.pop(source.source_id, None) is None:
            return
        source.close()
        if source.kind == "audio":
            self._speaker.forget(source.participant_id)
        self._changed()

    def sources_for(self, participant_id: str) -> list[Source]:
        """What a participant may receive: everyone's sources but their own."""
        return [s for s in self.sources.values() if s.participant_id != participant_id]

    def _changed(self) -> None:
        if self._on_sources_changed is not None:
            self._on_sources_changed()

    # --- what the room decides -------------------------------------------------------------

    def set_muted(self, participant_id: str, kind: Kind, muted: bool) -> None:
        """Host mute / stop video: that participant's ``kind`` is not forwarded while muted,
        whatever their client does (it applies to tracks they publish later, too)."""
        if muted:
            self._muted.add((participant_id, kind))
        else:
            self._muted.discard((participant_id, kind))
        for source in self.sources.values():
            if source.participant_id == participant_id and source.kind == kind:
                source.set_muted(muted)
        if muted and kind == "audio":
            self._speaker.forget(participant_id)

    def is_muted(self, participant_id: str, kind: Kind) -> bool:
        return (participant_id, kind) in self._muted

    @property
    def active_speaker(self) -> str | None:
        return self._speaker.speaker

    def heard(self, participant_id: str, level: int) -> None:
        speaker = self._speaker.observe(participant_id, level, self.clock())
        if speaker is not None and self._on_active_speaker is not None:
            self._on_active_speaker(speaker)
