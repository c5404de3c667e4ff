"""A room's audience on edge processes: a publisher on the owner (this process), viewers'
media on two edges, each a process of its own (tests/server/edge_child.py), one Redis."""

import asyncio
import signal
import sys
from collections.abc import AsyncIterator

import pytest

from server.audiences import Audiences, EdgePeer, RoomAudience
from server.media import Router
from server.store import Store
from tests.server.media.conftest import CONFIG, anyone, nobody, until
from tests.server.media.synthetic import Clip, SyntheticPublisher, SyntheticViewer, encode_clip


async def start_edge(name: str, redis_url: str) -> asyncio.subprocess.Process:
    pipe = asyncio.subprocess.PIPE
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.server.edge_child", name, redis_url, stdin=pipe, stdout=pipe
    )
    assert await child.stdout.readline() == b"ready\n"  # type: ignore[union-attr]
    return child


class Owner:
    """The room's owner: its router, its audience, the publisher and the viewers."""

    def __init__(self, store: Store, clip: Clip) -> None:
        self.clip = clip
        self.failed: list[str] = []
        self.audiences = Audiences(store, process="owner", relay_host="127.0.0.1", place_after=0)
        self.router = Router(room_id="room", config=CONFIG, on_peer_failed=self.failed.append)
        self.audience: RoomAudience = self.audiences.for_room(self.router)
        self.clients: list[SyntheticPublisher | SyntheticViewer] = []

    async def publish(self, participant_id: str) -> SyntheticPublisher:
        publisher = SyntheticPublisher(self.clip)
        self.clients.append(publisher)
        peer = self.router.open_peer(participant_id, may_publish=anyone)
        await publisher.accept((await peer.publish(await publisher.offer())).sdp)
        return publisher

    async def watch(self, participant_id: str) -> SyntheticViewer:
        viewer = SyntheticViewer(decode=True)
        self.clients.append(viewer)
        local = self.router.open_peer(participant_id, may_publish=nobody)
        peer = self.audience.place(local, seats=len(self.router.peers))
        assert isinstance(peer, EdgePeer)
        offer = await peer.subscribe()
        assert offer is not None
        await peer.subscribed(await viewer.answer(offer))
        return viewer

    async def leave(self, participant_id: str) -> None:
        await self.router.close_peer(participant_id)
        await self.audience.release(participant_id)

    def on_edge(self, edge: str) -> list[str]:
        return sorted(p.participant_id for p in self.audience.peers.values() if p.edge == edge)

    async def close(self) -> None:
        await self.router.close()
        await self.audience.close()
        await self.audiences.stop()
        for client in self.clients:
            await client.close()


@pytest.fixture(scope="module")
def clip() -> Clip:
    return encode_clip(seconds=2, width=320, height=240, bitrate=300_000)


@pytest.fixture
async def edges(store: Store, redis_url: str) -> AsyncIterator[list[asyncio.subprocess.Process]]:
    children = [await start_edge(f"edge-{i}", redis_url) for i in range(2)]
    yield children
    for child in children:
        if child.returncode is None:
            child.stdin.write(b"stop\n")  # type: ignore[union-attr]
            await child.wait()


@pytest.fixture
async def owner(store: Store, clip: Clip) -> AsyncIterator[Owner]:
    owner = Owner(store, clip)
    owner.audiences.start()
    yield owner
    await owner.close()


async def teaching(owner: Owner, *, students: int) -> dict[str, SyntheticViewer]:
    """The teacher publishing on the owner, each student's media from one of the two edges,
    every student seeing and hearing the teacher."""
    await until(lambda: set(owner.audiences.edges) == {"edge-0", "edge-1"})
    await owner.publish("teacher")
    viewers = {f"student{i}": await owner.watch(f"student{i}") for i in range(students)}
    await until(
        lambda: all(len(v.decoded) >= 10 and v.decoded_audio >= 10 for v in viewers.values())
    )
    return viewers


async def test_audiences_a_class_is_served_from_two_edge_processes_and_survives_one_dying(
    owner: Owner, edges: list[asyncio.subprocess.Process]
) -> None:
    viewers = await teaching(owner, students=4)
    placed = {edge: owner.on_edge(edge) for edge in ("edge-0", "edge-1")}
    assert sorted(len(on) for on in placed.values()) == [2, 2]

    edges[0].kill()  # kill -9: its viewers' media failed, and they start again elsewhere
    await until(lambda: sorted(owner.failed) == placed["edge-0"], within=6.0)
    # failed by the refused relay link, before the dead edge's heartbeat ran out; and
    # though it is still listed, it is not chosen again
    assert "edge-0" in owner.audiences.edges
    for participant_id in placed["edge-0"]:
        await owner.leave(participant_id)
        viewers[participant_id] = await owner.watch(participant_id)

    assert owner.on_edge("edge-1") == sorted(viewers)
    await until(lambda: all(len(v.decoded) >= 10 for v in viewers.values()))


async def test_audiences_an_edge_that_hangs_loses_its_viewers_when_its_heartbeat_runs_out(
    owner: Owner, edges: list[asyncio.subprocess.Process]
) -> None:
    viewers = await teaching(owner, students=2)
    hung = owner.on_edge("edge-0")
    assert len(hung) == 1

    edges[0].send_signal(signal.SIGSTOP)  # alive to the kernel: its sockets refuse nothing
    try:
        await until(lambda: owner.failed == hung, within=6.0)
        assert "edge-0" not in owner.audiences.edges  # its heartbeat ran out
        await owner.leave(hung[0])
        viewers[hung[0]] = await owner.watch(hung[0])
        assert owner.on_edge("edge-1") == sorted(viewers)
        await until(lambda: all(len(v.decoded) >= 20 for v in viewers.values()))
    finally:
        edges[0].kill()
        edges[0].send_signal(signal.SIGCONT)
        await edges[0].wait()
