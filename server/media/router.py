"""A room's media: published tracks (sources) and the viewers' senders (outlets) they feed.

``Router`` is the media plane of one room: it owns the room's ``MediaPeer`` objects (one per
participant) and enforces what the room decides (host mute, stop video) where it costs
nothing: a muted source drops its packets on arrival, before any viewer sees them.

``Source.ingest`` is the hot path: the hooked receiver calls it for every media packet, and
it hands the packet to every outlet synchronously, no task or queue in between.
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
    SILENCE,
    abs_send_time,
    keyframe_detector,
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

    def started(self, wire: hooks.Wire, rtcp_ssrc: int) -> None:
        """The publisher's receiver is up: keyframe requests can be sent to it."""
        self._wire = wire
        self._rtcp_ssrc = rtcp_ssrc

    def ingest(self, packet: RtpPacket) -> None:
        """A media packet from the publisher (after SRTP, RTX unwrapping and NACK handling)."""
        payload = packet.payload
        if self.muted or not payload or packet.payload_type != self.codec.payloadType:
            return
        self._media_ssrc = packet.ssrc
        self.packets += 1
        seq, ts, marker = packet.sequence_number, packet.timestamp, packet.marker
        ntp = ntp_now()
        if self.media_kind == "video":
            key = self._is_keyframe(payload)
            abs3, level = abs_send_time(ntp), SILENCE
            if marker:
                self._cap_bitrate()
        else:
            key, abs3 = False, b""
            found = packet.extensions.audio_level
            level = found[1] if found is not None else SILENCE
            self._router.heard(self.participant_id, level)
        for outlet in self.outlets:
            outlet.forward(seq, ts, marker, payload, key, abs3, level, ntp)
        if self._frames is not None:
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
        if not muted:
            for outlet in self.outlets:
                outlet.restart()

    def on_frame(self, listener: Callable[[Frame], None]) -> None:
        """Also hand complete encoded frames to ``listener`` (the recorder's seam)."""
        if self._frames is None:
            self._frames = FrameAssembler(is_keyframe=self._is_keyframe)
        self._frame_listeners.append(listener)

    def close(self) -> None:
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
