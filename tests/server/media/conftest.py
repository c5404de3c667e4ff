"""A clip encoded once per run, and a room: a Router plus synthetic clients, all on 127.0.0.1."""

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from server.media import CandidatePolicy, MediaConfig, Router
from server.media.edge_room import EdgeRoom
from server.media.relay import LinkKeys
from server.media.relay_owner import RelayOut
from tests.server.media.synthetic import Clip, SyntheticPublisher, SyntheticViewer, encode_clip

CONFIG = MediaConfig(host_addresses=("127.0.0.1",), candidates=CandidatePolicy(allow_loopback=True))


@pytest.fixture(scope="session")
def clip() -> Clip:
    return encode_clip(seconds=2, width=320, height=240, bitrate=300_000)


def anyone(kind: str) -> bool:
    return True


def nobody(kind: str) -> bool:
    return False


class Room:
    """A router and the synthetic clients of one test; everything is closed at the end."""

    def __init__(self, clip: Clip) -> None:
        self.clip = clip
        self.speakers: list[str] = []
        self.router = Router(room_id="room", config=CONFIG, on_active_speaker=self.speakers.append)
        self.clients: list[SyntheticPublisher | SyntheticViewer] = []

    async def publish(
        self, participant_id: str, *, may_publish: Callable[[str], bool] = anyone, level: int = 30
    ) -> SyntheticPublisher:
        publisher = SyntheticPublisher(self.clip, audio_level=level)
        self.clients.append(publisher)
        peer = self.router.open_peer(participant_id, may_publish=may_publish)
        answer = await peer.publish(await publisher.offer())
        await publisher.accept(answer.sdp)
        return publisher

    async def watch(
        self, participant_id: str, *, decode: bool = False, headers: bool = False
    ) -> SyntheticViewer:
        viewer = SyntheticViewer(decode=decode, headers=headers)
        self.clients.append(viewer)
        peer = self.router.open_peer(participant_id, may_publish=nobody)
        offer = await peer.subscribe()
        assert offer is not None
        await peer.subscribed(await viewer.answer(offer))
        return viewer

    async def close(self) -> None:
        await self.router.close()
        for client in self.clients:
            await client.close()


@pytest.fixture
async def room(clip: Clip) -> AsyncIterator[Room]:
    room = Room(clip)
    yield room
    await room.close()


async def until(condition: Callable[[], bool], *, within: float = 5.0) -> None:
    """Wait for something the test cannot be told of (media arriving), polling."""
    async with asyncio.timeout(within):
        while not condition():
            await asyncio.sleep(0.02)


class Link:
    """A relay link from the test's room to one edge room, and the edge's viewers."""

    def __init__(self, room: Room) -> None:
        keys = LinkKeys.new()
        self.room = room
        self.failed: list[str] = []
        self.out = RelayOut(keys=keys, host="127.0.0.1")
        self.edge = EdgeRoom(
            room_id="room", config=CONFIG, keys=keys, relay_host="127.0.0.1",
            on_peer_failed=self.failed.append,
        )  # fmt: skip
        self.out.connect(self.edge.link.address)
        self.edge.link.connect(self.out.address)

    async def watch(self, participant_id: str, *, decode: bool = False) -> SyntheticViewer:
        """A viewer on the edge, receiving what the owner's rules give it."""
        viewer = SyntheticViewer(decode=decode)
        self.room.clients.append(viewer)
        sources = self.room.router.sources_for(participant_id)
        self.out.relay(sources)
        peer = self.edge.tell(participant_id, self.out.describe(), [s.source_id for s in sources])
        offer = await peer.subscribe()
        assert offer is not None
        await peer.subscribed(await viewer.answer(offer))
        return viewer

    async def close(self) -> None:
        self.out.close()
        await self.edge.close()


@pytest.fixture
async def link(room: Room) -> AsyncIterator[Link]:
    link = Link(room)
    yield link
    await link.close()
