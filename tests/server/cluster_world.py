"""A small Yunhui cluster for the failover tests: real web processes on one Redis, HAProxy in
front of them with the configuration ``server.cluster`` writes, a scheduler; and room
clients (python-socketio) that connect through HAProxy only and come back the way the web
page's connection does (web/static/js/room/connection.js): they retry, and follow a
``wrong_owner`` refusal's ``owner`` (``?owner=``, which HAProxy routes to that process while
it is up).

Ports: free ones in ``YUNHUI_TEST_PORTS`` (``first-last``) when it is set, else any.
"""

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import socketio

from rooms.agenda import Session
from rooms.roles import Role
from server.cluster import haproxy_config
from server.invitations import issue_invite, sign_invite
from server.settings import Settings
from server.store import Store
from tests.server.test_review_crash import ROOT, WebProcess, free_port, port_is_free

NAMESPACE = "/room"


def ports(count: int) -> list[int]:
    """``count`` free TCP ports on 127.0.0.1 (in ``YUNHUI_TEST_PORTS`` if set)."""
    given = os.environ.get("YUNHUI_TEST_PORTS", "")
    if not given:
        return [free_port() for _ in range(count)]
    first, _, last = given.partition("-")
    found = [p for p in range(int(first), int(last) + 1) if port_is_free(p)][:count]
    assert len(found) == count, f"not {count} free ports in {given}"
    return found


class Cluster:
    """N web processes, a scheduler and HAProxy (started with ``start``, ended with ``stop``)."""

    def __init__(
        self,
        redis_url: str,
        secret: str,
        folder: Path,
        *,
        web: int,
        lease: str,
        host: str = "127.0.0.1",
    ) -> None:
        front, *web_ports = ports(web + 1)
        self.url = f"http://{host}:{front}"
        self.folder = folder
        self.webs = [WebProcess(redis_url, secret, folder) for _ in range(web)]
        for process, port in zip(self.webs, web_ports, strict=True):
            process.port, process.url = port, f"http://{host}:{port}"
            process.log = folder / f"web-{port}.log"
            process.env |= {"HOST": host, "PORT": str(port), "ROOM_LEASE_SECONDS": lease,
                            "BASE_URL": self.url, "TRUSTED_PROXIES": f"{host}/32"}  # fmt: skip
        self.config = folder / "haproxy.cfg"
        self.config.write_text(haproxy_config(host=host, front=front, web_ports=web_ports))
        self.env = {**self.webs[0].env, "PORT": str(front)}
        self.procs: list[subprocess.Popen[bytes]] = []

    def set_env(self, **values: str) -> None:
        for process in self.webs:
            process.env |= values

    async def start(self) -> None:
        await asyncio.gather(*(asyncio.to_thread(w.start) for w in self.webs))
        self._spawn("scheduler", [sys.executable, "-m", "server.scheduler"])
        self._spawn("haproxy", ["haproxy", "-db", "-f", str(self.config)])
        await until_healthy(self.url)

    def _spawn(self, name: str, command: list[str]) -> None:
        with (self.folder / f"{name}.log").open("a") as out:
            self.procs.append(subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=out,
                                               stderr=subprocess.STDOUT))  # fmt: skip

    def web_at(self, process_name: str) -> WebProcess:
        """The web process a lease names (``host:port``)."""
        port = int(process_name.rsplit(":", 1)[1])
        return next(w for w in self.webs if w.port == port)

    def stop(self) -> None:
        for web in self.webs:
            web.kill()
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(10)


async def until_healthy(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            try:
                async with http.get(f"{url}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise AssertionError(f"{url} did not answer")


class Invites:
    """Room clients holding invites, connecting to ``url`` (HAProxy, or one process)."""

    def __init__(self, store: Store, settings: Settings, url: str) -> None:
        self.store, self.settings, self.url = store, settings, url

    async def client(self, session: Session, role: Role, name: str, *, url: str = "") -> "Client":
        invite = await issue_invite(
            self.store, session=session, role=role, name=name, email="", single_use=False,
            days=1, created_by="staff", now=session.created_at,
        )  # fmt: skip
        token = sign_invite(self.settings, invite)
        return Client(url or self.url, session.session_id, token, origin=self.url)


def refusal_of(error: Any) -> dict[str, Any]:
    data = error.get("data") if isinstance(error, dict) else None
    return data if isinstance(data, dict) else {}


class Client:
    """One person's room connection through HAProxy."""

    def __init__(self, url: str, session_id: str, token: str, *, origin: str = "") -> None:
        self.url, self.session_id, self.token = url, session_id, token
        self.origin = origin or url  # the site's address (BASE_URL): HAProxy's
        self.sio: socketio.AsyncClient | None = None
        self.got: list[tuple[str, Any]] = []
        self.refusals: list[str] = []
        self.acked: dict[str, str] = {}  # client id -> message id
        self.sent = 0
        self.hint: str | None = None  # the owner a wrong_owner refusal named
        self.handlers: dict[str, Callable[..., Any]] = {}  # events handled, not just noted
        self.http: aiohttp.ClientSession | None = None  # shared by its connections, then closed

    async def enter(self) -> dict[str, Any]:
        """Connect and join; {} once in, else the refusal's data."""
        refusal: dict[str, Any] = {}
        self.http = self.http or aiohttp.ClientSession()
        sio = socketio.AsyncClient(reconnection=False, http_session=self.http)
        sio.on("*", lambda event, *args: self.got.append((event, args)), namespace=NAMESPACE)
        sio.on("connect_error", lambda d: refusal.update(refusal_of(d)), namespace=NAMESPACE)
        for event, handler in self.handlers.items():
            sio.on(event, handler, namespace=NAMESPACE)
        query = f"?session={self.session_id}" + (f"&owner={self.hint}" if self.hint else "")
        try:
            await sio.connect(
                self.url + query, auth={"session_id": self.session_id, "invite": self.token},
                transports=["websocket"], namespaces=[NAMESPACE], headers={"Origin": self.origin},
                wait_timeout=5,
            )  # fmt: skip
        except socketio.exceptions.ConnectionError:
            return refusal or {"code": "unreachable"}
        self.sio, self.got = sio, []
        await sio.emit("join", {}, namespace=NAMESPACE)
        return {}

    async def come_back(self) -> float:
        """Retry until in the room (as the page does); when (monotonic)."""
        while refusal := await self.enter():
            self.refusals.append(str(refusal.get("code")))
            self.hint = refusal.get("owner") or self.hint
            await asyncio.sleep(0.2)
        return time.monotonic()

    async def wait_for(self, name: str, within: float = 10) -> Any:
        async def arrived() -> Any:
            while not (found := [args for event, args in self.got if event == name]):
                await asyncio.sleep(0.02)
            return found[-1][0]

        return await asyncio.wait_for(arrived(), within)

    async def call(self, event: str, data: dict[str, Any], *, within: float = 5) -> Any:
        assert self.sio is not None
        return await self.sio.call(event, data, namespace=NAMESPACE, timeout=within)

    async def post(self, client_id: str, sio: socketio.AsyncClient | None = None) -> bool:
        """Post a message; True once the server acknowledged it stored."""
        sio = sio or self.sio
        assert sio is not None
        try:
            ack = await sio.call(
                "chat", {"text": f"message {client_id}", "client_id": client_id},
                namespace=NAMESPACE, timeout=3,
            )  # fmt: skip
        except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError):
            return False
        if isinstance(ack, dict) and "message_id" in ack:
            self.acked[client_id] = ack["message_id"]
            return True
        return False

    async def chat_until_gone(self, prefix: str, *, pause: float = 0.0) -> None:
        """Post one message after another on this connection until one is not acknowledged."""
        sio = self.sio
        while sio is not None and sio.connected:
            self.sent += 1
            if not await self.post(f"{prefix}-{self.sent}", sio):
                return
            await asyncio.sleep(pause)

    def unacknowledged(self, prefix: str) -> list[str]:
        sent = (f"{prefix}-{n}" for n in range(1, self.sent + 1))
        return [client_id for client_id in sent if client_id not in self.acked]

    async def close(self) -> None:
        if self.sio is not None and self.sio.connected:
            await self.sio.disconnect()
        if self.http is not None:
            await self.http.close()
            self.http = None
