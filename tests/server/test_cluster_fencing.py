"""Fencing (ARCHITECTURE.md "Rooms across processes"): a stale owner can never write after
losing its room. Two real web processes on one Redis; a meeting's owner is paused with
SIGSTOP past its lease; a newcomer reaches the other process, which takes the room (a higher
fencing token). While the old owner is still paused, its clients send a chat message, raise
a hand (the room's line) and end the session (a write outside the line); then SIGCONT.
Nothing of it is written — the session is not ended, the message and the hand are nowhere —
the old owner drops the room and closes its connections, and when they connect to it again
it sends them to the room's new owner (``wrong_owner``, naming it)."""

import asyncio
import os
import secrets
import signal
from dataclasses import replace
from pathlib import Path

from rooms.lifecycle import State
from rooms.roles import Role
from server.settings import Settings
from server.store import Store
from tests.server.cluster_world import Client, Cluster, Invites
from tests.server.test_review_crash import crash_session

LEASE_SECONDS = "1"


async def answer(client: Client, event: str, data: dict[str, object]) -> object:
    """The ack of an event sent to a paused process: its answer, or why there was none."""
    try:
        return await client.call(event, data, within=2)
    except Exception as error:  # the connection closed under it, or no answer in time
        return type(error).__name__


async def test_a_paused_owner_that_lost_its_room_writes_nothing_and_drops_it(
    tmp_path: Path, settings: Settings, store: Store, redis_url: str
) -> None:
    secret = secrets.token_urlsafe(48)
    cluster = Cluster(redis_url, secret, tmp_path, web=2, lease=LEASE_SECONDS)
    invites = Invites(store, replace(settings, secret_key=secret), cluster.url)
    old, new = cluster.webs
    clients: list[Client] = []
    try:
        await cluster.start()
        session = await crash_session(store, kind="meeting", title="Fenced", minutes=5)
        host = await invites.client(session, Role.HOST, "Host", url=old.url)
        li = await invites.client(session, Role.ATTENDEE, "Li Lei", url=old.url)
        han = await invites.client(session, Role.ATTENDEE, "Han Mei", url=new.url)
        clients += [host, li, han]
        for client in (host, li):
            assert await client.enter() == {}
            await client.wait_for("joined")
        assert await li.post("before")
        assert old.process is not None

        os.kill(old.process.pid, signal.SIGSTOP)
        try:
            while await store.owners.holder(session.session_id) is not None:
                await asyncio.sleep(0.1)  # the paused owner's lease runs out
            assert await han.enter() == {}  # the other process takes the room: token 2
            await han.wait_for("joined")
            stale = [
                asyncio.create_task(answer(li, "chat", {"text": "stale", "client_id": "stale"})),
                asyncio.create_task(answer(li, "raise_hand", {})),
                asyncio.create_task(answer(host, "end_session", {})),
            ]
            await asyncio.sleep(0.3)  # on their way, to a process that cannot read them yet
        finally:
            os.kill(old.process.pid, signal.SIGCONT)
        answers = await asyncio.gather(*stale)
        while host.sio is not None and host.sio.connected or li.sio and li.sio.connected:
            await asyncio.sleep(0.05)  # the old owner dropped the room: connections closed

        host.got.clear()
        sent_on = await host.enter()  # to the old owner again: it is not the room's
        assert await han.post("after")
        ended = await store.agenda.get_session(session.session_id)
        history = [m["client_id"] for m in (await han.wait_for("chat_history"))["messages"]]
        hands = await store.room_people.hands(session.session_id)
        holder = await store.owners.holder(session.session_id) or ""
        log = old.log.read_text()
    finally:
        for client in clients:
            await client.close()
        cluster.stop()

    print(f"\nfencing: stale answers={answers}")
    assert ended is not None and ended.state is not State.ENDED
    assert (history, hands) == (["before"], {})  # the stale message and hand: nowhere
    assert holder == f"127.0.0.1:{new.port} 2"
    assert sent_on == {"code": "wrong_owner", "message": sent_on.get("message"),
                       "owner": f"127.0.0.1:{new.port}"}  # fmt: skip
    assert "dropped (its lease is lost: another process may own it now)" in log
