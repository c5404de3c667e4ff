"""Media after failover, on real processes: run inside a network namespace of its own.

    run_in_namespace("tests.server.netns_failover_media", {"subnet": 77, "redis_url": url})

(tests/server/test_cluster_media.py runs it.) Inside the namespace (``tests.browser.netns``:
``lo``, a veth pair with two private addresses, nothing routed out), two web processes, a
scheduler and HAProxy listen on the server's address; an aiortc publisher (≈600 kbps VP8 +
Opus, tests/server/media/synthetic.py) and an aiortc viewer join a meeting through HAProxy,
as the page does: Socket.IO for signalling (``media_start``, ``publish_offer``,
``subscribe_offer``/``subscribe_answer``), their own peer connections on the other address.
Once the viewer receives the publisher's video, the room's owner is killed (SIGKILL). Both
come back through HAProxy by themselves, start their media again — a new publish offer, new
subscribe offers answered — and the viewer receives the video again, now forwarded by the
new owner. Prints one JSON object with the seconds and frames seen.
"""

import asyncio
import json
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from aiortc import RTCSessionDescription

from rooms.roles import Role
from server.media import hooks
from server.settings import Settings
from server.store import Store, connect
from tests.browser.netns import Subnet, bring_up, reachable_redis
from tests.server.cluster_world import Client, Cluster, Invites
from tests.server.media.synthetic import Clip, SyntheticPublisher, encode_clip, new_pc, set_local
from tests.server.test_review_crash import crash_session

LEASE_SECONDS = "2"
FRAMES = 15  # video frames the viewer must receive, before and after
WITHIN = 30.0


class Viewer:
    """A subscriber's peer connection: answers the server's offers, counts video frames."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.pc = new_pc()
        self.kinds: dict[str, str] = {}  # mid -> kind, as the latest offer says
        self.frames: set[int] = set()  # RTP timestamps of the video received
        self._tapped: set[str] = set()

    async def answer(self, offer: dict[str, Any]) -> str:
        await self.pc.setRemoteDescription(RTCSessionDescription(offer["sdp"], "offer"))
        self.kinds = {t["mid"]: t["kind"] for t in offer["tracks"]}
        for transceiver in self.pc.getTransceivers():
            if transceiver.mid not in self._tapped:
                self._tapped.add(transceiver.mid)
                hooks.tap_receiver(transceiver.receiver, self._sink(transceiver.mid))
        return await set_local(self.pc, await self.pc.createAnswer(), (self.address,))

    def _sink(self, mid: str) -> Callable[[Any], None]:
        def sink(packet: Any) -> None:
            if self.kinds.get(mid) == "video":
                self.frames.add(packet.timestamp)

        return sink


class MediaPerson:
    """A room client with its media, started again after each reconnection."""

    def __init__(self, client: Client, address: str, clip: Clip | None) -> None:
        self.client, self.address, self.clip = client, address, clip
        self.viewer = Viewer(address)
        self.publisher: SyntheticPublisher | None = None
        self.frames_seen = 0  # before the current viewer
        client.handlers["subscribe_offer"] = self._offered

    async def _offered(self, offer: dict[str, Any]) -> None:
        viewer = self.viewer
        sdp = await viewer.answer(offer)
        if viewer is self.viewer:  # not replaced meanwhile by a reconnection
            answer = {"sdp": sdp, "revision": offer["revision"]}
            await self.client.call("subscribe_answer", answer)

    async def start(self) -> None:
        """In the room: start the media (and publish, for the publisher)."""
        client = self.client
        client.got.clear()
        await client.call("media_start", {})
        await client.wait_for("media_started")
        if self.clip is None:
            return
        await client.call("set_mic", {"on": True})
        await client.call("set_camera", {"on": True})
        self.publisher = SyntheticPublisher(self.clip, addresses=(self.address,))
        offer = await self.publisher.offer()
        await client.call("publish_offer", {"sdp": offer, "screen_mids": []})
        await self.publisher.accept((await client.wait_for("publish_answer"))["sdp"])

    async def again(self) -> None:
        """Back after the owner died: new peer connections, as the page makes."""
        await self.close_media()
        self.frames_seen += len(self.viewer.frames)
        self.viewer = Viewer(self.address)
        await self.client.come_back()
        await self.client.wait_for("joined")
        await self.start()

    async def close_media(self) -> None:
        await self.viewer.pc.close()
        if self.publisher is not None:
            await self.publisher.close()


async def frames(person: MediaPerson, count: int) -> float:
    """When (monotonic) the viewer has received ``count`` video frames on its connection."""
    async with asyncio.timeout(WITHIN):
        while len(person.viewer.frames) < count:
            await asyncio.sleep(0.02)
    return time.monotonic()


async def scenario(config: dict[str, Any], subnet: Subnet, folder: Path) -> dict[str, Any]:
    with reachable_redis(str(config["redis_url"]), folder) as redis_url:
        secret = secrets.token_urlsafe(48)
        cluster = Cluster(
            redis_url, secret, folder, web=2, lease=LEASE_SECONDS, host=subnet.server_address
        )
        cluster.set_env(MEDIA_HOST_ADDRESSES=subnet.server_address)
        store = Store(connect(redis_url))
        settings = replace(Settings.from_env(cluster.webs[0].env), secret_key=secret)
        people: list[MediaPerson] = []
        try:
            await cluster.start()
            return await fail_over(cluster, store, Invites(store, settings, cluster.url), subnet,
                                   people)  # fmt: skip
        finally:
            for person in people:
                await person.close_media()
                await person.client.close()
            await store.close()
            cluster.stop()


async def fail_over(
    cluster: Cluster, store: Store, invites: Invites, subnet: Subnet, people: list[MediaPerson]
) -> dict[str, Any]:
    clip = encode_clip(seconds=3, width=640, height=480, bitrate=600_000)
    session = await crash_session(store, kind="meeting", title="Media", minutes=5)
    address = subnet.browser_address
    alice = MediaPerson(await invites.client(session, Role.ATTENDEE, "Alice"), address, clip)
    bob = MediaPerson(await invites.client(session, Role.ATTENDEE, "Bob"), address, None)
    people += [alice, bob]
    for person in people:
        assert await person.client.enter() == {}
        await person.client.wait_for("joined")
        await person.start()
    await frames(bob, FRAMES)
    owner = (await store.owners.holder(session.session_id) or "").rsplit(" ", 1)[0]

    cluster.web_at(owner).kill()
    killed = time.monotonic()
    await asyncio.wait_for(asyncio.gather(alice.again(), bob.again()), WITHIN)
    back = time.monotonic()
    media_back = await frames(bob, FRAMES)
    new_owner = (await store.owners.holder(session.session_id) or "").rsplit(" ", 1)[0]
    return {
        "owner_before": owner,
        "owner_after": new_owner,
        "frames_before": bob.frames_seen,
        "frames_after": len(bob.viewer.frames),
        "back_s": round(back - killed, 2),
        "media_back_s": round(media_back - killed, 2),
        "keyframes_asked": alice.publisher.keyframe_requests if alice.publisher else 0,
        "refusals": sorted({r for p in people for r in p.client.refusals}),
    }


def main() -> None:
    config = json.load(sys.stdin)
    subnet = bring_up(Subnet.from_config(config))
    with tempfile.TemporaryDirectory(prefix="yunhui-failover-media-") as folder:
        result = asyncio.run(scenario(config, subnet, Path(folder)))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
