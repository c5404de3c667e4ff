"""A room's media plane: its participants' media peers and the sources they publish.

``Router`` owns the room's ``MediaPeer`` objects (one per participant) and its sources, and
enforces what the room decides (host mute, stop video) where it costs nothing: a muted
source drops its packets on arrival, before any viewer sees them. Who receives whose
sources is the room's to say (``may_hear(viewer, publisher)``: the room's workflows decide,
``rooms.room.Room.may_hear``); it is asked whenever a viewer's subscriptions are brought up
to date, and ``hearing_changed()`` brings everyone's up to date when the answer changes.
"""

import time
from collections.abc import Callable

from aiortc.rtcrtpparameters import RTCRtpCodecParameters

from server.media.config import MediaConfig
from server.media.peer import MediaPeer
from server.media.source import Clock, Kind, Source
from server.media.speaker import SpeakerDetector


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
        may_hear: Callable[[str, str], bool] | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self.room_id = room_id
        self._may_hear = may_hear or (lambda viewer, publisher: True)
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
            participant_id=participant_id,
            kind=kind,
            codec=codec,
            stream_id=stream_id,
            config=self.config,
            clock=self.clock,
            heard=self.heard,
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
        """What a participant may receive: the sources of everyone else they may hear."""
        may_hear = self._may_hear
        return [
            s for s in self.sources.values()
            if s.participant_id != participant_id and may_hear(participant_id, s.participant_id)
        ]  # fmt: skip

    def hearing_changed(self) -> None:
        """Who may hear whom changed: every viewer's subscriptions are brought up to date."""
        self._changed()

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

    @property
    def active_speaker(self) -> str | None:
        return self._speaker.speaker

    def heard(self, participant_id: str, level: int) -> None:
        speaker = self._speaker.observe(participant_id, level, self.clock())
        if speaker is not None and self._on_active_speaker is not None:
            self._on_active_speaker(speaker)
