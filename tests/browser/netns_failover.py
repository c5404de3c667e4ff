"""The room page across a failover, in real Chromium, inside a network namespace (netns.py).

    echo '{"redis_url": "unix:///…/redis.sock", "subnet": 42}' \\
        | unshare --net python -m tests.browser.netns_failover

Inside the namespace: two web processes, a scheduler and HAProxy (the configuration
``server.cluster`` writes) on the server's address, a real Redis over its unix socket; two
guests open a public meeting's room page through HAProxy, camera and microphone on, and each
decodes the other's video. Then the process holding the room is killed (SIGKILL), or stopped
(SIGSTOP: hung, its connections open; ``"fault": "stop"``). Nothing is done on the pages:
each must notice, reconnect through HAProxy (following ``wrong_owner`` to the room's new
owner), join again, publish its camera again and subscribe again — and decode the other's
video on a new connection. A stopped owner is then resumed: it finds its lease gone and must
leave the room be (the pages go on decoding what they decoded from the new owner). Prints one
JSON object (tests/browser/test_failover_room.py judges it): when each page decoded again,
after the fault.
"""

import asyncio
import os
import secrets
import signal
import tempfile
import time
from pathlib import Path

from playwright.async_api import Browser, async_playwright

from server.store import Store, connect
from tests.browser import conftest, netns
from tests.browser.media_checks import Person, decoding, until
from tests.browser.netns_scenario import CHROMIUM_ARGS, Scenario, play
from tests.browser.test_room import open_meeting, room_path
from tests.server.cluster_world import Cluster

LEASE_SECONDS = "2"
BACK_WITHIN = 40.0  # seconds: a bound for the wait, not a measured claim
RESUMED_SECONDS = 3.0  # a stopped owner, resumed: longer than its lease's renewal round


class Failover(Scenario):
    async def run(self) -> None:
        self.result["namespace"] = {"addresses": netns.addresses(), "routes": netns.routes()}
        with tempfile.TemporaryDirectory(prefix="yunhui-failover-page-") as folder:
            with netns.reachable_redis(self.config["redis_url"], Path(folder)) as redis_url:
                await self.in_cluster(redis_url, Path(folder))

    async def in_cluster(self, redis_url: str, folder: Path) -> None:
        store = Store(connect(redis_url))
        await store.redis.flushdb()
        host = self.subnet.server_address
        cluster = Cluster(redis_url, secrets.token_urlsafe(48), folder, web=2,
                          lease=LEASE_SECONDS, host=host)  # fmt: skip
        cluster.set_env(MEDIA_HOST_ADDRESSES=host)
        try:
            await cluster.start()
            self.mark("cluster up")
            session = await open_meeting(store, lobby=False)
            await self.drive_cluster(store, cluster, session.session_id, room_path(session))
        finally:
            cluster.stop()
            await store.close()

    async def drive_cluster(
        self, store: Store, cluster: Cluster, session_id: str, path: str
    ) -> None:
        args = [*CHROMIUM_ARGS, f"--unsafely-treat-insecure-origin-as-secure={cluster.url}"]
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=conftest.CHROMIUM, args=args)
            try:
                await self.fail_over(browser, store, cluster, session_id, path)
            finally:
                self.result["pages"] = await self.collect()
                await browser.close()

    async def fail_over(
        self, browser: Browser, store: Store, cluster: Cluster, session_id: str, path: str
    ) -> None:
        people = []
        for label, name in (("li", "Li Lei"), ("wang", "Wang Fang")):
            person = await self.open_person(browser, label, cluster.url)
            await self.join(person, path, name=name, camera=True, mic=True)
            people.append(person)
        await self.all_decode(people, 1)
        self.mark("both decode each other")
        holder = await store.owners.holder(session_id) or ""
        owner = holder.rsplit(" ", 1)[0]
        seen = {p.label: set(await frames(p)) for p in people}

        web = cluster.web_at(owner)
        hung = self.config.get("fault") == "stop"
        if hung:  # SIGSTOP: its sockets stay open, it answers nothing (HAProxy's checks fail)
            assert web.process is not None
            os.kill(web.process.pid, signal.SIGSTOP)
        else:
            web.kill()
        killed = time.monotonic()
        self.mark("owner stopped" if hung else "owner killed")
        back = await asyncio.gather(*(decoding_again(p, seen[p.label], killed) for p in people))
        self.mark("both decode again")
        self.result["owner_before"] = owner
        self.result["owner_after"] = (await store.owners.holder(session_id) or "").split(" ")[0]
        self.result["back_s"] = dict(zip((p.label for p in people), back, strict=True))
        if hung:  # the old owner wakes up: it must find its lease gone and leave the room be
            before = {p.label: await frames(p) for p in people}
            assert web.process is not None
            os.kill(web.process.pid, signal.SIGCONT)
            self.mark("old owner resumed")
            await asyncio.sleep(RESUMED_SECONDS)
            after = {p.label: await frames(p) for p in people}
            self.result["after_resume"] = {  # the same videos, still decoding
                label: bool(was) and all(after[label].get(t, 0) > n for t, n in was.items())
                for label, was in before.items()
            }
            self.result["holder_after_resume"] = (
                await store.owners.holder(session_id) or ""
            ).split(" ")[0]
            self.mark("still decoding from the new owner")
        self.result["status"] = {
            p.label: await p.page.evaluate(STATUS_JS) for p in people
        }  # fmt: skip


async def decoding_again(person: Person, old_tracks: set[str], killed: float) -> float:
    """Seconds after the kill when the page decodes a video on a connection made since."""

    async def new_video() -> bool:
        summary = await person.summary()
        return any(v["track"] not in old_tracks for v in decoding(summary))

    await until(f"{person.label} decodes again", new_video, within=BACK_WITHIN)
    return round(time.monotonic() - killed, 2)


async def frames(person: Person) -> dict[str, int]:
    """Frames decoded so far per video the page decodes now (on open connections)."""
    return {v["track"]: v["frames_decoded"] for v in decoding(await person.summary())}


STATUS_JS = """() => {
  const banner = document.getElementById("banner");
  return banner ? {hidden: banner.hidden, text: banner.textContent.trim()} : null;
}"""


async def main() -> None:
    await play(Failover)


if __name__ == "__main__":
    asyncio.run(main())
