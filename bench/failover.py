"""Failover benchmark: `make run-cluster` for real, then `kill -9` of a meeting's owner.

    python bench/failover.py [--web 3] [--port 8150] [--lease 5]     # make bench-failover

Starts ``python -m server.cluster`` (HAProxy on ``--port``, N web processes on the ports after
it, a scheduler and a worker) on ``REDIS_URL``, or on the embedded Redis of a temporary data
folder. Three people (python-socketio, through HAProxy, ``?session=``) join a meeting and post
acknowledged chat; the process owning the room is killed with SIGKILL. Printed:

- ``back_s``: from the kill until all three are in the room again (each retries every 0.2 s
  and follows a ``wrong_owner`` refusal's ``owner``, as the web client does): HAProxy's health
  check (about 2 s) and the dead owner's lease (``--lease``) both run meanwhile;
- ``lost``: acknowledged messages missing from the room's history afterwards (goal: 0);
- ``hands``: the hand queue as the newcomer finds it (two hands went up before the kill:
  ``Han Mei,Li Lei`` when the new owner rebuilt it in order);
- ``newcomer_s``: once the killed process is back (the launcher starts it again) and HAProxy
  routes the room to it again, how long a newcomer takes to get in (it is told ``wrong_owner``
  and sent to the room's new owner).
"""

import argparse
import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import socketio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rooms.roles import Role  # noqa: E402
from server.invitations import issue_invite, sign_invite  # noqa: E402
from server.settings import Settings  # noqa: E402
from server.store import Store, connect  # noqa: E402
from tests.server.test_review_crash import crash_session  # noqa: E402

PEOPLE = (("Host", Role.HOST), ("Li Lei", Role.ATTENDEE), ("Han Mei", Role.ATTENDEE))
MESSAGES = 4  # each, within the default chat rate limit (5 at once)


class Person:
    def __init__(self, url: str, session_id: str, token: str) -> None:
        self.url, self.session_id, self.token = url, session_id, token
        self.sio: socketio.AsyncClient | None = None
        self.got: list[tuple[str, Any]] = []
        self.refusals: list[str] = []
        self.http: aiohttp.ClientSession | None = None  # its connections', closed at the end

    async def enter(self, owner: str | None = None) -> dict[str, Any]:
        """Connect through HAProxy and join; the refusal's data ({} if it was not refused)."""
        refusal: dict[str, Any] = {}
        self.http = self.http or aiohttp.ClientSession()
        sio = socketio.AsyncClient(reconnection=False, http_session=self.http)
        sio.on("*", lambda event, *args: self.got.append((event, args)), namespace="/room")
        sio.on("connect_error", lambda d: refusal.update(_data(d)), namespace="/room")
        query = f"?session={self.session_id}" + (f"&owner={owner}" if owner else "")
        try:
            await sio.connect(
                self.url + query, auth={"session_id": self.session_id, "invite": self.token},
                transports=["websocket"], namespaces=["/room"], headers={"Origin": self.url},
                wait_timeout=5,
            )  # fmt: skip
        except socketio.exceptions.ConnectionError:
            return refusal or {"code": "unreachable"}
        self.sio, self.got = sio, []
        await sio.emit("join", {}, namespace="/room")
        return {}

    async def come_back(self) -> float:
        owner = None
        while refusal := await self.enter(owner):
            self.refusals.append(str(refusal.get("code")))
            owner = refusal.get("owner") or owner
            await asyncio.sleep(0.2)
        return time.monotonic()

    async def history(self) -> set[str]:
        while not (found := [a for e, a in self.got if e == "chat_history"]):
            await asyncio.sleep(0.02)
        return {m["message_id"] for m in found[0][0]["messages"]}

    async def joined(self) -> dict[str, Any]:
        while not (found := [a for e, a in self.got if e == "joined"]):
            await asyncio.sleep(0.02)
        snapshot: dict[str, Any] = found[0][0]
        return snapshot

    async def close(self) -> None:
        if self.sio is not None and self.sio.connected:
            await self.sio.disconnect()
        if self.http is not None:
            await self.http.close()


def _data(refused: object) -> dict[str, Any]:
    data = refused.get("data") if isinstance(refused, dict) else None
    return data if isinstance(data, dict) else {}


def free_block(count: int) -> int:
    """A port P with P..P+count free on 127.0.0.1."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + count < 65000 and all(_free(base + n) for n in range(count + 1)):
            return int(base)


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def pid_listening(port: int) -> int:
    out = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True)
    return int(out.stdout.split("pid=")[1].split(",")[0])


async def healthy(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            try:
                async with http.get(f"{url}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.25)
    raise RuntimeError(f"{url} did not come up")


async def scenario(settings: Settings, url: str, web: int, lease: float) -> None:
    store = Store(connect(settings.redis_url or ""))
    try:
        session = await crash_session(store, kind="meeting", title="Failover", minutes=5)
        people = []
        for name, role in PEOPLE:
            invite = await issue_invite(
                store, session=session, role=role, name=name, email="", single_use=False,
                days=1, created_by="bench", now=session.created_at,
            )  # fmt: skip
            people.append(Person(url, session.session_id, sign_invite(settings, invite)))
        for person in people:
            assert not await person.enter(), "could not join"
        acked = []
        for n in range(MESSAGES):
            for i, person in enumerate(people):
                assert person.sio is not None
                answer = await person.sio.call(
                    "chat", {"text": f"m{i}-{n}", "client_id": f"m{i}-{n}"},
                    namespace="/room", timeout=5,
                )  # fmt: skip
                acked.append(answer["message_id"])
        for person in reversed(people[1:]):  # hands up: Han Mei first, then Li Lei
            assert person.sio is not None
            await person.sio.call("raise_hand", {}, namespace="/room", timeout=5)
        holder = await store.owners.holder(session.session_id) or ""
        port = int(holder.split()[0].rsplit(":", 1)[1])
        os.kill(pid_listening(port), signal.SIGKILL)
        killed = time.monotonic()
        back = await asyncio.wait_for(asyncio.gather(*(p.come_back() for p in people)), 60)
        back_s = max(back) - killed
        lost = len(set(acked) - await people[0].history())
        await healthy(f"http://127.0.0.1:{port}")  # the launcher started it again
        await asyncio.sleep(2.5)  # two good health checks: HAProxy routes to it again
        newcomer = Person(url, session.session_id, people[1].token)
        started = time.monotonic()
        newcomer_s = await asyncio.wait_for(newcomer.come_back(), 60) - started
        hands = [h["name"] for h in (await newcomer.joined())["hands"]]
        refusals = sorted({r for p in people for r in p.refusals})
        print(
            f"failover: web={web} lease_s={lease:g} back_s={back_s:.2f} acked={len(acked)} "
            f"lost={lost} hands={','.join(hands) or '-'} newcomer_s={newcomer_s:.2f} "
            f"refusals={','.join(refusals)} "
            f"newcomer_refusals={','.join(newcomer.refusals)} load={os.getloadavg()[0]:.1f}",
            flush=True,
        )
        for person in (*people, newcomer):
            await person.close()
    finally:
        await store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--web", type=int, default=3)
    parser.add_argument("--port", type=int, default=0, help="HAProxy's; 0: a free block")
    parser.add_argument("--lease", type=float, default=5.0, help="ROOM_LEASE_SECONDS")
    args = parser.parse_args()
    if not shutil.which("haproxy"):
        print("failover: needs Debian's haproxy (make haproxy)", file=sys.stderr)
        return 2
    port = args.port or free_block(args.web)
    with tempfile.TemporaryDirectory(prefix="yunhui-failover-") as folder:
        env = {**os.environ, "PORT": str(port), "DATA_DIR": folder, "SEED_DEMO": "no",
               "BASE_URL": f"http://127.0.0.1:{port}",
               "ROOM_LEASE_SECONDS": str(args.lease)}  # fmt: skip
        env.setdefault("SECRET_KEY", "bench-failover-secret-0123456789-abcdefghijkl")
        launcher = subprocess.Popen(
            [sys.executable, "-m", "server.cluster", "--web", str(args.web)], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        try:
            settings = Settings.from_env(env)
            if settings.redis_url is None:  # the launcher's embedded Redis
                settings = Settings.from_env(
                    {**env, "REDIS_URL": f"unix://{folder}/redis/redis.sock"}
                )
            url = f"http://127.0.0.1:{port}"
            asyncio.run(_run(settings, url, args.web, args.lease))
        finally:
            launcher.terminate()  # honcho stops every process; the launcher waits for it
            launcher.wait(60)
    return 0


async def _run(settings: Settings, url: str, web: int, lease: float) -> None:
    for n in range(1, web + 1):
        await healthy(f"http://127.0.0.1:{int(url.rsplit(':', 1)[1]) + n}")
    await healthy(url)
    await asyncio.sleep(2.5)  # HAProxy has seen every process up
    await scenario(settings, url, web, lease)


if __name__ == "__main__":
    sys.exit(main())
