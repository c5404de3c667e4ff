"""Failover (ARCHITECTURE.md "Rooms across processes"): two real web processes on one Redis,
a meeting on each; clients in the first (a locked room) post acknowledged chat; `kill -9` of
its owner; the clients come back through the other process (refused `wrong_owner` while the
dead owner's lease lives), which takes the room over and rebuilds it from Redis; every
acknowledged message is there, and the other meeting was never disturbed. Prints the seconds
until every client was back in the room.

HAProxy is left out (``tests/server/test_cluster.py`` checks its configuration): the clients
connect to the other process directly, as HAProxy sends them once its health check finds the
owner dead.
"""

import asyncio
import secrets
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import socketio

from rooms.roles import Role
from server.invitations import issue_invite, sign_invite
from server.settings import Settings
from server.store import Store
from tests.server.test_review_crash import WebProcess, crash_session

LEASE_SECONDS = "2"  # the owner's lease: the room moves this long after the owner's death
PEOPLE = ("Host", "Li Lei", "Han Mei")
BACK_WITHIN = 15.0  # seconds: a bound for the wait, not a measured claim


class Client:
    """One person's python-socketio connection, reconnecting by hand to a given process."""

    def __init__(self, session_id: str, token: str) -> None:
        self.session_id, self.token = session_id, token
        self.sio: socketio.AsyncClient | None = None
        self.got: list[tuple[str, Any]] = []
        self.refusals: list[str] = []
        self.acked: dict[str, str] = {}  # client id -> message id
        self.sent = 0

    async def enter(self, url: str) -> None:
        """Connect and join; a refused connection raises."""
        sio = socketio.AsyncClient(reconnection=False)
        sio.on("*", lambda event, *args: self.got.append((event, args)), namespace="/room")
        sio.on("connect_error", self._refused, namespace="/room")
        await sio.connect(
            f"{url}?session={self.session_id}",
            auth={"session_id": self.session_id, "invite": self.token},
            transports=["websocket"], namespaces=["/room"], headers={"Origin": url},
            wait_timeout=5,
        )  # fmt: skip
        self.sio = sio
        self.got.clear()
        await sio.emit("join", {}, namespace="/room")
        await self.wait_for("chat_history")

    def _refused(self, data: Any) -> None:
        refusal = data.get("data") if isinstance(data, dict) else None  # {message, data}
        self.refusals.append(refusal.get("code", "") if isinstance(refusal, dict) else str(data))

    async def come_back(self, url: str) -> float:
        """Retry ``url`` until the room takes this client in; when (monotonic)."""
        while True:
            try:
                await self.enter(url)
                return time.monotonic()
            except socketio.exceptions.ConnectionError:
                await asyncio.sleep(0.2)

    async def wait_for(self, name: str) -> Any:
        async def arrived() -> Any:
            while not (found := [args for event, args in self.got if event == name]):
                await asyncio.sleep(0.02)
            return found[0][0]

        return await asyncio.wait_for(arrived(), 10)

    async def post(self, client_id: str, sio: socketio.AsyncClient | None = None) -> bool:
        """Post a message; True once the server acknowledged it stored."""
        sio = sio or self.sio
        assert sio is not None
        text = f"message {client_id}"
        try:
            ack = await sio.call(
                "chat", {"text": text, "client_id": client_id}, namespace="/room", timeout=3
            )
        except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError):
            return False
        if isinstance(ack, dict) and "message_id" in ack:
            self.acked[client_id] = ack["message_id"]
            return True
        return False

    async def chat_until_gone(self, prefix: str) -> None:
        """Post one message after another on this connection until one is not acknowledged."""
        sio = self.sio
        while sio is not None and sio.connected:
            self.sent += 1
            if not await self.post(f"{prefix}-{self.sent}", sio):
                return

    async def close(self) -> None:
        if self.sio is not None and self.sio.connected:
            await self.sio.disconnect()


async def test_a_meeting_survives_kill_9_of_its_owner_with_every_acknowledged_message(
    tmp_path: Path, settings: Settings, store: Store, redis_url: str
) -> None:
    secret = secrets.token_urlsafe(48)
    owner, other = WebProcess(redis_url, secret, tmp_path), WebProcess(redis_url, secret, tmp_path)
    for web in (owner, other):  # chat as fast as the clients go: no rate limit in the way
        web.env |= {"ROOM_LEASE_SECONDS": LEASE_SECONDS, "CHAT_BURST": "500"}
        web.env |= {"CHAT_PER_SECOND": "500"}
    clients: list[Client] = []
    bystander: list[Client] = []  # in a meeting the other process holds
    try:
        await asyncio.gather(asyncio.to_thread(owner.start), asyncio.to_thread(other.start))
        session = await crash_session(store, kind="meeting", title="Plenary", minutes=5)
        signed = replace(settings, secret_key=secret)
        side = await crash_session(store, kind="meeting", title="Side room", minutes=5)
        invite = await issue_invite(
            store, session=side, role=Role.HOST, name="Wang", email="", single_use=False,
            days=1, created_by="staff", now=side.created_at,
        )  # fmt: skip
        bystander.append(Client(side.session_id, sign_invite(signed, invite)))
        await bystander[0].enter(other.url)
        for name, role in zip(PEOPLE, (Role.HOST, Role.ATTENDEE, Role.ATTENDEE), strict=True):
            invite = await issue_invite(
                store, session=session, role=role, name=name, email="", single_use=False,
                days=1, created_by="staff", now=session.created_at,
            )  # fmt: skip
            clients.append(Client(session.session_id, sign_invite(signed, invite)))
        await fail_over(store, owner, other, clients)
        assert await bystander[0].post("still-here")  # never disconnected, still its owner's
        assert (await store.owners.holder(side.session_id) or "").startswith(
            f"127.0.0.1:{other.port} 1"
        )
    finally:
        for client in clients + bystander:
            await client.close()
        owner.kill()
        other.kill()


async def fail_over(
    store: Store, owner: WebProcess, other: WebProcess, clients: list[Client]
) -> None:
    for client in clients:
        await client.enter(owner.url)
    assert clients[0].sio is not None  # the host locks the room: only those in it come back
    await clients[0].sio.call("set_locked", {"locked": True}, namespace="/room", timeout=5)
    holder = await store.owners.holder(clients[0].session_id)
    assert holder is not None and holder.startswith(f"127.0.0.1:{owner.port} ")
    chatting = [asyncio.create_task(c.chat_until_gone(f"p{n}")) for n, c in enumerate(clients)]
    while sum(len(c.acked) for c in clients) < 30:
        await asyncio.sleep(0.01)

    owner.kill()
    killed = time.monotonic()
    try:
        back = await asyncio.wait_for(
            asyncio.gather(*(c.come_back(other.url) for c in clients)), BACK_WITHIN
        )
    except TimeoutError:
        got = [[e for e, _ in c.got][-5:] for c in clients]
        raise AssertionError(f"not back: {[c.refusals[-3:] for c in clients]} {got}") from None
    await asyncio.wait_for(asyncio.gather(*chatting), 10)
    seconds = max(back) - killed
    rebuilt = [(await c.wait_for("joined"))["room"]["locked"] for c in clients]
    # as the web client does: what was not acknowledged is sent again with its client id
    for n, client in enumerate(clients):
        unacked = [
            f"p{n}-{i}" for i in range(1, client.sent + 1) if f"p{n}-{i}" not in client.acked
        ]
        for client_id in unacked:
            assert await client.post(client_id), client_id
    assert await clients[0].post("after")
    late = Client(clients[1].session_id, clients[1].token)
    await late.enter(other.url)
    shown = {
        m["client_id"]: m["message_id"] for m in (await late.wait_for("chat_history"))["messages"]
    }
    await late.close()

    acked = {cid: mid for c in clients for cid, mid in c.acked.items()}
    refusals = {code for c in clients for code in c.refusals}
    print(
        f"\nfailover: clients={len(clients)} back_s={seconds:.2f} "
        f"lease_s={LEASE_SECONDS} acknowledged={len(acked)} lost={len(set(acked) - set(shown))} "
        f"refusals={sorted(refusals)}"
    )
    holder = await store.owners.holder(clients[0].session_id)
    assert holder is not None and holder.startswith(f"127.0.0.1:{other.port} ")
    assert {cid: shown.get(cid) for cid in acked} == acked  # none lost, none renumbered
    assert refusals <= {"wrong_owner"}
    assert rebuilt == [True, True, True]  # the room's flags, from Redis
