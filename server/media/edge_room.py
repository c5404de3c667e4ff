"""An edge's part of one room: the relay link from the room's owner and the viewers' peers.

``EdgeRoom`` stands where a ``Router`` stands on the owner, for the subscribe connections of
the viewers the owner placed on this edge (it is their peers' ``PeerOwner``), and decides
nothing: which sources a viewer receives is what the owner said last (``tell``); the sources
are the link's ``RelayedSource`` copies; nobody publishes here.
"""

import time
from collections.abc import Callable, Iterable, Mapping

from aiortc.rtcrtpparameters import RTCRtpCodecParameters

from server.media.config import MediaConfig
from server.media.errors import MediaError
from server.media.peer import MediaPeer
from server.media.relay import LinkKeys
from server.media.relay_edge import RelayIn
from server.media.source import Kind, Source


def _never(kind: str) -> bool:
    return False


class EdgeRoom:
    """One room's viewers on this edge, fed by one relay link from the room's owner."""

    def __init__(
        self,
        *,
        room_id: str,
        config: MediaConfig,
        keys: LinkKeys,
        relay_host: str,
        on_peer_failed: Callable[[str], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.room_id = room_id
        self.config = config
        self.link = RelayIn(keys=keys, host=relay_host, config=config, clock=clock)
        self.peers: dict[str, MediaPeer] = {}
        self._wanted: dict[str, tuple[str, ...]] = {}  # participant -> source ids, as told
        self._on_peer_failed = on_peer_failed

    # --- what the owner says ---------------------------------------------------------------

    def tell(
        self, participant_id: str, relayed: Iterable[Mapping[str, object]], wanted: Iterable[str]
    ) -> MediaPeer:
        """The sources the owner relays now, and those this viewer is to receive: the
        viewer's peer (opened on first use), to be brought up to date by ``subscribe``."""
        self.link.follow(relayed)
        self._wanted[participant_id] = tuple(wanted)
        peer = self.peers.get(participant_id)
        if peer is None or peer.closed:
            peer = MediaPeer(router=self, participant_id=participant_id, may_publish=_never)
            self.peers[participant_id] = peer
        return peer

    async def close_peer(self, participant_id: str) -> None:
        self._wanted.pop(participant_id, None)
        peer = self.peers.pop(participant_id, None)
        if peer is not None:
            await peer.close()

    async def close(self) -> None:
        for participant_id in list(self.peers):
            await self.close_peer(participant_id)
        self.link.close()

    # --- PeerOwner -------------------------------------------------------------------------

    def add_source(
        self, *, participant_id: str, kind: Kind, codec: RTCRtpCodecParameters, stream_id: str
    ) -> Source:
        raise MediaError("Nobody publishes on an edge.", code="edge_only")

    def remove_source(self, source: Source) -> None:
        """Nothing is published here."""

    def sources_for(self, participant_id: str) -> list[Source]:
        sources = self.link.sources
        return [sources[s] for s in self._wanted.get(participant_id, ()) if s in sources]

    def peer_failed(self, participant_id: str) -> None:
        self._on_peer_failed(participant_id)
