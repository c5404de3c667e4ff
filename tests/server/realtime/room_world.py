"""The world the realtime tests run in: the whole app on a real port, real Redis, sessions
open by the clock, invites, signed-in browsers, and ``Peer``s (socketio.AsyncClient) that
record every event they receive.

    world = await World.start(aiohttp_server, settings, store)
    room = await world.session(kind="meeting", lobby=False)
    host = await world.peer(room, cookie=await world.sign_in(room.owner))
    guest = await world.peer(room, invite=await world.invite(room, Role.ATTENDEE, "Li Lei"))
    await host.join(); await guest.join()

``Peer.sync()`` sends ``ping`` and waits for its ``pong``: the server handles a socket's
events in order, so after it everything the server sent that socket before has arrived.
"""

import asyncio
import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import socketio
from aiohttp.test_utils import TestClient, TestServer

from rooms.accounts import Account
from rooms.agenda import Event, Session
from rooms.roles import Role
from server import agenda
from server.app import make_app
from server.invitations import issue_invite, sign_invite
from server.realtime import LIVE_ROOMS
from server.realtime.identity import GUEST_KEY
from server.realtime.live import LiveRooms
from server.settings import Settings
from server.store import Store
from tests.server.fixtures_login import create_staff, sign_in

NAMESPACE = "/room"
TIMEOUT = 5


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Room:
    """A session whose room is open now, with the staff member who owns it."""

    session: Session
    event: Event
    owner: Account

    @property
    def session_id(self) -> str:
        return self.session.session_id


@dataclass
class Peer:
    """One Socket.IO connection to the /room namespace, recording what it receives."""

    client: socketio.AsyncClient
    auth: dict[str, Any]
    headers: dict[str, str]
    url: str
    transports: tuple[str, ...] = ("websocket",)
    events: list[tuple[str, Any]] = field(default_factory=list)
    refusal: Any = None
    me: dict[str, Any] = field(default_factory=dict)  # "you" of the latest joined snapshot
    pings: int = 0  # pings sent; every one is answered by one pong, in order
    pongs: int = 0
    wait: float = TIMEOUT  # for the handshake's answer
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def connect(self) -> None:
        try:
            await self._connect()
        except socketio.exceptions.ConnectionError as refused:
            raise socketio.exceptions.ConnectionError(f"{refused}: {self.refusal}") from None

    async def _connect(self) -> None:
        await self.client.connect(
            self.url,
            auth=self.auth,
            headers=self.headers,
            transports=list(self.transports),
            namespaces=[NAMESPACE],
            wait_timeout=self.wait,
        )

    async def emit(self, event: str, *payload: Any) -> None:
        self.pings += event == "ping"
        await self.client.emit(
            event, payload[0] if len(payload) == 1 else payload or None, namespace=NAMESPACE
        )

    async def call(self, event: str, payload: Any) -> Any:
        return await self.client.call(event, payload, namespace=NAMESPACE, timeout=TIMEOUT)

    async def sync(self) -> None:
        await self.emit("ping", {})

        async def answered() -> None:
            while self.pongs < self.pings:
                self._arrived.clear()
                await self._arrived.wait()

        await asyncio.wait_for(answered(), TIMEOUT)

    async def join(self, **payload: Any) -> None:
        await self.send("join", payload)

    async def send(self, event: str, payload: Any = None) -> None:
        """Emit an event and wait until its answers (if any) have arrived."""
        await self.emit(event, {} if payload is None else payload)
        await self.sync()

    async def wait_for(self, event: str, count: int = 1) -> list[Any]:
        """Wait until ``count`` events of this name have arrived; their payloads."""

        async def enough() -> list[Any]:
            while len(got := self.of(event)) < count:
                self._arrived.clear()
                await self._arrived.wait()
            return got

        return await asyncio.wait_for(enough(), TIMEOUT)

    async def first_of(self, *events: str) -> str:
        """Wait until one of these events arrives; its name."""

        async def first() -> str:
            while not (found := [n for n in self.names() if n in events]):
                self._arrived.clear()
                await self._arrived.wait()
            return found[0]

        return await asyncio.wait_for(first(), TIMEOUT)

    async def gone(self) -> None:
        """Wait until the server has disconnected this peer."""

        async def disconnected() -> None:
            while self.client.connected:
                await asyncio.sleep(0.01)

        await asyncio.wait_for(disconnected(), TIMEOUT)

    def of(self, event: str) -> list[Any]:
        return [payload for name, payload in self.events if name == event]

    def names(self) -> list[str]:
        return [name for name, _ in self.events if name != "pong"]

    def clear(self) -> None:
        self.events.clear()

    async def close(self) -> None:
        if self.client.connected:
            await self.client.disconnect()
        http = self.client.eio.http  # left open by a refused handshake
        if http is not None and not http.closed:
            await http.close()

    def record(self, event: str, *args: Any) -> None:
        self.events.append((event, args[0] if len(args) == 1 else args))
        self.pongs += event == "pong"
        if event in ("joined", "you"):
            self.me = args[0]["you" if event == "joined" else "participant"]
        self._arrived.set()


@dataclass
class Clock:
    """The live rooms' clock, stopped: tests move it by hand."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class World:
    server: TestServer
    settings: Settings
    store: Store
    peers: list[Peer] = field(default_factory=list)
    browsers: list[TestClient] = field(default_factory=list)

    @classmethod
    async def start(cls, aiohttp_server: Any, settings: Settings, store: Store) -> "World":
        server = await aiohttp_server(make_app(settings))
        return cls(server=server, settings=settings, store=store)

    def stop_clock(self) -> Clock:
        """Stop the live rooms' clock at now; the test moves it."""
        clock = Clock(utcnow())
        self.server.app[LIVE_ROOMS].clock = clock
        return clock

    @property
    def live(self) -> LiveRooms:
        return self.server.app[LIVE_ROOMS]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    async def session(
        self,
        *,
        kind: str = "meeting",
        lobby: bool = True,
        public: bool = True,
        opens_in: int = 5,
        capacity: int = 100,
        recording_allowed: bool = False,
    ) -> Room:
        """A session starting ``opens_in`` minutes from now (its lobby opens 15 before)."""
        _org, owner = await create_staff(self.store, email=f"{secrets.token_hex(4)}@example.org")
        now = utcnow()
        day = now.date()
        fields = {
            "title_zh": "测试", "title_en": "Test", "description": "", "zone": "UTC",
            "start_date": (day - timedelta(days=1)).isoformat(),
            "end_date": (day + timedelta(days=2)).isoformat(),
            "visibility": "public" if public else "unlisted",
        }  # fmt: skip
        event = await agenda.create_event(
            self.store, org_id=owner.org_id, organizer=owner.account_id, fields=fields, now=now
        )
        start = now + timedelta(minutes=opens_in)
        session = await agenda.create_session(
            self.store,
            event=event,
            fields={
                "kind": kind, "title": "Room test", "description": "", "lobby": lobby,
                "capacity": capacity, "start": f"{start:%Y-%m-%dT%H:%M}",
                "recording_allowed": recording_allowed,
                "end": f"{start + timedelta(hours=1):%Y-%m-%dT%H:%M}",
            },
            now=now,
        )  # fmt: skip
        return Room(session=session, event=event, owner=owner)

    async def invite(
        self, room: Room, role: Role, name: str, *, email: str = "", single_use: bool = False
    ) -> str:
        invite = await issue_invite(
            self.store, session=room.session, role=role, name=name, email=email,
            single_use=single_use, days=1, created_by=room.owner.account_id, now=utcnow(),
        )  # fmt: skip
        return sign_invite(self.settings, invite)

    async def browser(self) -> TestClient:
        client = TestClient(self.server)
        await client.start_server()
        self.browsers.append(client)
        return client

    async def sign_in(self, account: Account) -> str:
        """A browser signed in as the account: its session cookie, as a Cookie header."""
        browser = await self.browser()
        await sign_in(browser, email=account.email)
        cookie = browser.session.cookie_jar.filter_cookies(self.server.make_url("/"))
        return f"YUNHUI_SESSION={cookie['YUNHUI_SESSION'].value}"

    async def guest_browser(self) -> str:
        """A browser whose web session holds an anonymous guest's person key (as the room
        page's ``remember_guest`` leaves it): its Cookie header."""
        session_key = secrets.token_urlsafe(32)
        data = {"created": int(time.time()), "session": {GUEST_KEY: f"anon:{secrets.token_hex(8)}"}}
        await self.store.web_sessions.save(session_key, json.dumps(data), ttl_seconds=3600)
        return f"YUNHUI_SESSION={session_key}"

    def peer(
        self,
        room: Room | None = None,
        *,
        invite: str | None = None,
        cookie: str | None = None,
        name: str | None = None,
        auth: Any = ...,
        auth_extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Peer:
        if auth is ...:
            assert room is not None
            auth = {"session_id": room.session_id}
            auth |= {k: v for k, v in {"invite": invite, "name": name}.items() if v is not None}
            auth |= auth_extra or {}
        headers = dict(headers or {})
        if cookie:
            headers["Cookie"] = cookie
        peer = Peer(
            client=socketio.AsyncClient(reconnection=False),
            auth=auth,
            headers=headers,
            url=self.url,
        )
        peer.client.on("*", peer.record, namespace=NAMESPACE)
        peer.client.on("connect_error", self._refused(peer), namespace=NAMESPACE)
        self.peers.append(peer)
        return peer

    @staticmethod
    def _refused(peer: Peer) -> Any:
        def refused(data: Any) -> None:
            peer.refusal = data

        return refused

    async def enter(self, room: Room, **kwargs: Any) -> Peer:
        """A peer connected and joined."""
        peer = self.peer(room, **kwargs)
        await peer.connect()
        await peer.join()
        return peer

    async def stop(self) -> None:
        for peer in self.peers:
            await peer.close()
        for browser in self.browsers:
            await browser.close()
