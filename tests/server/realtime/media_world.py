"""Media clients for the room tests: a room socket (``room_world.Peer``) with real aiortc
peer connections, signalling over the room's Socket.IO connection as a browser would.

    media = MediaWorld(world, clip)          # limits the server's ICE to 127.0.0.1
    alice = await media.user(room, Role.ATTENDEE, "Alice")
    await alice.start()                      # media_start -> media_started
    await alice.publish()                    # publish_offer -> publish_answer
    bob = await media.user(room, Role.ATTENDEE, "Bob")
    await bob.start()                        # subscribe offers are answered as they come
    await until(lambda: bob.viewer.frames(alice.participant_id, "video") >= 10)

Everything runs on 127.0.0.1 with no ICE server: no packet leaves the machine.
"""

import asyncio
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiortc import RTCSessionDescription
from aiortc.exceptions import InvalidStateError
from aiortc.rtp import RtpPacket

from rooms.roles import Role
from server.media import CandidatePolicy, MediaConfig, hooks
from tests.server.media.synthetic import Clip, SyntheticPublisher, new_pc, set_local
from tests.server.realtime.room_world import NAMESPACE, Peer, Room, World

LOOPBACK = MediaConfig(
    host_addresses=("127.0.0.1",), candidates=CandidatePolicy(allow_loopback=True)
)


async def until(
    condition: Callable[[], bool],
    *,
    within: float = 5.0,
    left: Callable[[], object] | None = None,
) -> None:
    """Wait for something the test cannot be told of (media arriving, tasks ending); when
    it does not come, fail saying what ``left`` shows (the tasks still running, say)."""
    try:
        async with asyncio.timeout(within):
            while not condition():
                await asyncio.sleep(0.02)
    except TimeoutError:
        if left is None:
            raise
        raise AssertionError(f"not within {within} s; left: {left()!r}") from None


class Viewer:
    """The subscribe side: answers the server's offers, counts packets per source."""

    def __init__(self) -> None:
        self.pc = new_pc()
        self.tracks: dict[str, dict[str, str]] = {}  # mid -> track, as the latest offer says
        self.sources: dict[str, dict[str, str]] = {}  # source_id -> track, every one seen
        self.packets: dict[str, int] = defaultdict(int)  # source_id -> packets
        self.timestamps: dict[str, set[int]] = defaultdict(set)  # source_id -> frames
        self._tapped: set[str] = set()

    async def answer(self, offer: dict[str, Any]) -> str:
        await self.pc.setRemoteDescription(RTCSessionDescription(offer["sdp"], "offer"))
        self.tracks = {track["mid"]: track for track in offer["tracks"]}
        self.sources |= {track["source_id"]: track for track in offer["tracks"]}
        for transceiver in self.pc.getTransceivers():
            if transceiver.mid not in self._tapped:
                self._tapped.add(transceiver.mid)
                hooks.tap_receiver(transceiver.receiver, self._sink(transceiver.mid))
        return await set_local(self.pc, await self.pc.createAnswer())

    def _sink(self, mid: str) -> Callable[[RtpPacket], None]:
        def sink(packet: RtpPacket) -> None:
            track = self.tracks.get(mid)
            if track is not None:
                self.packets[track["source_id"]] += 1
                self.timestamps[track["source_id"]].add(packet.timestamp)

        return sink

    def _of(self, participant_id: str, kind: str) -> list[str]:
        return [
            source_id
            for source_id, track in self.sources.items()
            if (track["participant_id"], track["kind"]) == (participant_id, kind)
        ]

    def count(self, participant_id: str, kind: str) -> int:
        """Packets received of a participant's audio, video or screen."""
        return sum(self.packets[source_id] for source_id in self._of(participant_id, kind))

    def frames(self, participant_id: str, kind: str) -> int:
        """Distinct frames (RTP timestamps) received of a participant's video or screen."""
        return sum(len(self.timestamps[source_id]) for source_id in self._of(participant_id, kind))


@dataclass
class MediaUser:
    """A participant's room socket with their publish and subscribe connections."""

    peer: Peer
    clip: Clip
    viewer: Viewer = field(default_factory=Viewer)
    publisher: SyntheticPublisher | None = None
    closed: bool = False
    answers: bool = True  # False: a client that leaves subscribe offers unanswered

    def __post_init__(self) -> None:
        self.peer.client.on("subscribe_offer", self._offered, namespace=NAMESPACE)

    @property
    def participant_id(self) -> str:
        return str(self.peer.me["participant_id"])

    async def _offered(self, offer: dict[str, Any]) -> None:
        """Answer every subscribe offer, then record it (so a wait for it means answered)."""
        if not self.answers:
            self.peer.record("subscribe_offer", offer)
            return
        try:
            sdp = await self.viewer.answer(offer)
        except InvalidStateError:
            if not self.closed:
                raise
        else:
            await self.peer.emit("subscribe_answer", {"sdp": sdp, "revision": offer["revision"]})
        self.peer.record("subscribe_offer", offer)

    async def start(self) -> dict[str, Any]:
        before = len(self.peer.of("media_started"))
        await self.peer.send("media_start")
        return (await self.peer.wait_for("media_started", before + 1))[-1]

    async def publish(
        self, *, screen: bool = False, level: int = 30, devices_on: bool = True
    ) -> dict[str, Any] | None:
        """Publish the clip (video as a camera, or as a screen); the answer, if any."""
        if devices_on:
            await self.peer.send("set_mic", {"on": True})
            await self.peer.send("set_camera", {"on": True})
        self.publisher = SyntheticPublisher(self.clip, audio_level=level)
        offer = await self.publisher.offer()
        video_mid = self.publisher.pc.getTransceivers()[0].mid
        before = len(self.peer.of("publish_answer"))
        screen_mids = [video_mid] if screen else []
        await self.peer.send("publish_offer", {"sdp": offer, "screen_mids": screen_mids})
        answers = self.peer.of("publish_answer")[before:]
        if answers:
            await self.publisher.accept(answers[0]["sdp"])
        return answers[0] if answers else None

    def errors(self, event: str | None = None) -> list[str]:
        return [e["code"] for e in self.peer.of("error") if event in (None, e["event"])]

    async def close_media(self) -> None:
        """Close this client's own peer connections (as a browser tab would when closing)."""
        self.closed = True
        if self.publisher is not None:
            await self.publisher.close()
        await self.viewer.pc.close()


@dataclass
class MediaWorld:
    world: World
    clip: Clip
    users: list[MediaUser] = field(default_factory=list)
    publishers: list[SyntheticPublisher] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.world.live.media_config = LOOPBACK

    def publisher(self) -> SyntheticPublisher:
        """A synthetic publisher of the clip, outside any user (closed at the end)."""
        publisher = SyntheticPublisher(self.clip)
        self.publishers.append(publisher)
        return publisher

    async def user(self, room: Room, role: Role, name: str) -> MediaUser:
        peer = await self.world.enter(room, invite=await self.world.invite(room, role, name))
        user = MediaUser(peer=peer, clip=self.clip)
        self.users.append(user)
        return user

    async def close(self) -> None:
        for user in self.users:
            await user.close_media()
        for publisher in self.publishers:
            await publisher.close()
