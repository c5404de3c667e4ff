"""Failover (ARCHITECTURE.md "Rooms across processes"), the issue's test: two web processes +
HAProxy + a scheduler on one Redis; clients connect through HAProxy only. A meeting with a
lobby is held by one process, a second meeting by the other; people chat in both. The first
room's host admits people, two hands go up, two people wait in the lobby, the room is
locked. `kill -9` of its owner: HAProxy's health check moves the room's connections, the
other process takes the room once the lease has run out, and rebuilds it from Redis. Then:

- everyone is back by themselves (retrying, following ``wrong_owner``'s owner as the page
  does), within the printed seconds;
- every acknowledged message is in the room's history, none renumbered;
- the room is as it was: locked, the hands in the order they went up, the lobby in its
  order, someone admitted earlier (who had left) straight back in, a newcomer kept out;
- the other room was never disturbed: still held by its owner, its chat never refused.
"""

import asyncio
import secrets
import time
from dataclasses import replace
from pathlib import Path

from rooms.agenda import Session
from rooms.roles import Role
from server.settings import Settings
from server.store import Store
from tests.server.cluster_world import Client, Cluster, Invites
from tests.server.test_review_crash import crash_session

LEASE_SECONDS = "2"  # the owner's lease: the room moves this long after the owner's death
BACK_WITHIN = 20.0  # seconds: a bound for the wait, not a measured claim


async def inside(client: Client) -> Client:
    assert await client.enter() == {}, client.refusals
    return client


async def holder(store: Store, session_id: str) -> str:
    found = await store.owners.holder(session_id)
    assert found is not None
    return found.rsplit(" ", 1)[0]


async def second_room_elsewhere(
    store: Store, invites: Invites, first_owner: str
) -> tuple[Session, Client]:
    """A meeting whose room HAProxy sends to the other process: (its session, its host)."""
    for n in range(16):
        side = await crash_session(store, kind="meeting", title=f"Side {n}", minutes=5)
        host = await inside(await invites.client(side, Role.HOST, "Wang"))
        await host.wait_for("joined")
        if await holder(store, side.session_id) != first_owner:
            return side, host
        await host.close()
    raise AssertionError("HAProxy sent sixteen rooms to one process")


async def admit(host: Client, waiting: Client, name: str) -> None:
    await waiting.wait_for("waiting")

    async def queued() -> str:
        while True:
            queue = [q for e, a in host.got if e == "lobby" for q in a[0]["queue"]]
            if found := [q["participant_id"] for q in queue if q["name"] == name]:
                return found[-1]
            await asyncio.sleep(0.02)

    participant_id = await asyncio.wait_for(queued(), 10)
    await host.call("admit", {"participant_id": participant_id})
    await waiting.wait_for("joined")


async def test_a_room_survives_kill_9_of_its_owner_behind_haproxy_and_the_other_stays(
    tmp_path: Path, settings: Settings, store: Store, redis_url: str
) -> None:
    secret = secrets.token_urlsafe(48)
    cluster = Cluster(redis_url, secret, tmp_path, web=2, lease=LEASE_SECONDS)
    cluster.set_env(CHAT_BURST="500", CHAT_PER_SECOND="500")  # no rate limit in the way
    invites = Invites(store, replace(settings, secret_key=secret), cluster.url)
    clients: list[Client] = []
    try:
        await cluster.start()
        await fail_over(store, cluster, invites, clients)
    finally:
        for client in clients:
            await client.close()
        cluster.stop()


async def fail_over(
    store: Store, cluster: Cluster, invites: Invites, clients: list[Client]
) -> None:
    plenary = await crash_session(store, kind="meeting", title="Plenary", minutes=5, lobby=True)
    host = await inside(await invites.client(plenary, Role.HOST, "Host"))
    clients.append(host)
    await host.wait_for("joined")
    owner = await holder(store, plenary.session_id)
    side, side_host = await second_room_elsewhere(store, invites, owner)
    side_guest = await inside(await invites.client(side, Role.ATTENDEE, "Guest"))
    clients += [side_host, side_guest]

    people = {}
    for name in ("Li Lei", "Han Mei", "Zhao", "Wu", "Zheng"):
        people[name] = await inside(await invites.client(plenary, Role.ATTENDEE, name))
        clients.append(people[name])
    for name in ("Li Lei", "Han Mei", "Zhao"):
        await admit(host, people[name], name)
    await people["Zhao"].close()  # admitted once, then left: no open stay when the owner dies
    await people["Han Mei"].call("raise_hand", {})
    await people["Li Lei"].call("raise_hand", {})
    await host.call("set_locked", {"locked": True})
    room = [host, people["Li Lei"], people["Han Mei"]]
    chatting = [asyncio.create_task(c.chat_until_gone(f"p{n}")) for n, c in enumerate(room)]
    elsewhere = [asyncio.create_task(c.chat_until_gone(f"s{n}", pause=0.05))
                 for n, c in enumerate((side_host, side_guest))]  # fmt: skip
    while sum(len(c.acked) for c in room) < 30:
        await asyncio.sleep(0.01)

    cluster.web_at(owner).kill()
    killed = time.monotonic()
    back = [asyncio.create_task(back_in(c, "joined")) for c in room]
    back.append(asyncio.create_task(back_in(people["Zheng"], "waiting")))  # waited since later
    await asyncio.sleep(0.5)
    back.append(asyncio.create_task(back_in(people["Wu"], "waiting")))  # comes back last
    try:
        times = [t - killed for t in await asyncio.wait_for(asyncio.gather(*back), BACK_WITHIN)]
    except TimeoutError:
        refused = [(c.refusals[-3:], [e for e, _ in c.got][-6:]) for c in room]
        raise AssertionError(f"not back within {BACK_WITHIN} s: {refused}") from None
    await asyncio.wait_for(asyncio.gather(*chatting), 10)
    for n, client in enumerate(room):  # as the page does: unacknowledged chat is sent again
        for client_id in client.unacknowledged(f"p{n}"):
            assert await client.post(client_id), client_id
    zhao = people["Zhao"]
    zhao_back = await zhao.enter()
    newcomer = await invites.client(plenary, Role.ATTENDEE, "Newcomer")
    clients += [newcomer, await invites.client(plenary, Role.COHOST, "Late")]
    kept_out = await newcomer.enter()
    late = await inside(clients[-1])
    snapshot = await late.wait_for("joined")
    history = await late.wait_for("chat_history")
    shown = {m["client_id"]: m["message_id"] for m in history["messages"]}
    side_refused = [t.done() for t in elsewhere]
    for task in elsewhere:
        task.cancel()

    acked = {cid: mid for c in room for cid, mid in c.acked.items()}
    refusals = sorted({code for c in room for code in c.refusals})
    print(
        f"\nfailover: haproxy=yes web=2 lease_s={LEASE_SECONDS} back_s={max(times):.2f} "
        f"first_back_s={min(times):.2f} "
        f"acknowledged={len(acked)} lost={len(set(acked) - set(shown))} refusals={refusals}"
    )
    assert await holder(store, plenary.session_id) != owner
    assert {cid: shown.get(cid) for cid in acked} == acked  # none lost, none renumbered
    assert set(refusals) <= {"wrong_owner", "unreachable"}
    assert (snapshot["room"]["locked"], kept_out.get("code")) == (True, "room_locked")
    assert [h["name"] for h in snapshot["hands"]] == ["Han Mei", "Li Lei"]
    assert [w["name"] for w in snapshot["lobby"]] == ["Wu", "Zheng"]
    assert zhao_back == {} and (await zhao.wait_for("joined"))["you"]["name"] == "Zhao"
    assert (await store.owners.holder(side.session_id) or "").endswith(" 1")  # never moved
    assert side_refused == [False, False]  # its people chatted on, never refused or cut off
    assert await side_guest.post("after")


async def back_in(client: Client, event: str) -> float:
    """Come back through HAProxy; when (monotonic) the room let them in (or in its lobby)."""
    await client.come_back()
    await client.wait_for(event)
    return time.monotonic()
