"""A room taken over after `kill -9` of its owner is rebuilt from Redis as it was, kind by kind
(ARCHITECTURE.md "Rooms across processes"): a review panel mid-item (its current item and
phase), a class with a poll running (its votes) and a question asked, a roadshow whose run of
show has started. Two real web processes on one Redis; every room is held by the first; a
moderator of each room sees its snapshot just before the kill and again, from the second
process, after it: the workflows' parts are the same."""

import asyncio
import secrets
from dataclasses import replace
from pathlib import Path
from typing import Any

from rooms.roles import Role
from server.settings import Settings
from server.store import Store
from tests.server import test_review_crash, test_show_crash
from tests.server.cluster_world import Client, Cluster, Invites
from tests.server.test_review_crash import crash_session

LEASE_SECONDS = "1"
COLOURS = {"question": "Colour?", "kind": "single", "options": ["Red", "Blue"]}
PARTS = {"review": ("review",), "class": ("polls", "questions"), "roadshow": ("show",)}


def client_of(url: str, origin: str, session_id: str, token: str) -> Client:
    return Client(url, session_id, token, origin=origin)


async def joined(client: Client) -> dict[str, Any]:
    assert await client.enter() == {}, client.refusals
    snapshot: dict[str, Any] = await client.wait_for("joined")
    return snapshot


async def review_room(store: Store, settings: Settings, url: str, origin: str) -> list[Client]:
    """A review whose chair started its item and moved it to questions: (chair, probe)."""
    session_id, tokens = await test_review_crash.prepare(store, settings)
    [item] = await store.review.items(session_id)
    chair = client_of(url, origin, session_id, tokens["chair"])
    await joined(chair)
    await chair.call("start_item", {"item_id": item.item_id})
    await chair.call("next_phase", {"item_id": item.item_id})
    return [chair, client_of(url, origin, session_id, tokens["chair"])]


async def class_room(store: Store, invites: Invites, url: str) -> list[Client]:
    """A class with a poll running, a vote in it and a question asked: (teacher, student,
    probe)."""
    session = await crash_session(store, kind="class", title="Class", minutes=5)
    teacher = await invites.client(session, Role.HOST, "Teacher", url=url)
    student = await invites.client(session, Role.ATTENDEE, "Student", url=url)
    await joined(teacher)
    await joined(student)
    poll = await teacher.call("launch_poll", {"poll": COLOURS})
    assert "poll_id" in poll, poll
    await student.call("vote", {"poll_id": poll["poll_id"], "choices": [1]})
    await student.call("ask_question", {"text": "Why is the sky blue?"})
    return [teacher, student, await invites.client(session, Role.COHOST, "Probe", url=url)]


async def roadshow_room(store: Store, settings: Settings, url: str, origin: str) -> list[Client]:
    """A roadshow whose chair started the run of show: (chair, probe)."""
    session_id, tokens = await test_show_crash.prepare(store, settings)
    chair = client_of(url, origin, session_id, tokens["chair"])
    await joined(chair)
    await chair.call("start_show", {})
    return [chair, client_of(url, origin, session_id, tokens["chair"])]


async def test_each_kind_of_room_comes_back_as_it_was_on_the_other_process(
    tmp_path: Path, settings: Settings, store: Store, redis_url: str
) -> None:
    secret = secrets.token_urlsafe(48)
    cluster = Cluster(redis_url, secret, tmp_path, web=2, lease=LEASE_SECONDS)
    signed = replace(settings, secret_key=secret)
    owner, other = cluster.webs
    clients: list[Client] = []
    try:
        await cluster.start()
        invites = Invites(store, signed, cluster.url)
        rooms = {
            "review": await review_room(store, signed, owner.url, cluster.url),
            "class": await class_room(store, invites, owner.url),
            "roadshow": await roadshow_room(store, signed, owner.url, cluster.url),
        }
        clients += [c for room in rooms.values() for c in room]
        await asyncio.sleep(0.3)  # the last changes delivered (and kept) before the probes look
        before = {kind: await joined(room[-1]) for kind, room in rooms.items()}

        owner.kill()
        for room in rooms.values():
            for client in room:
                client.url = other.url  # as HAProxy sends them once the owner is down
        after = {}
        for kind, room in rooms.items():
            await asyncio.wait_for(room[-1].come_back(), 20)
            after[kind] = await room[-1].wait_for("joined")
        holders = {
            kind: await store.owners.holder(room[-1].session_id) for kind, room in rooms.items()
        }
    finally:
        for client in clients:
            await client.close()
        cluster.stop()

    for kind, parts in PARTS.items():
        for part in parts:
            assert (kind, part, after[kind][part]) == (kind, part, before[kind][part])
    assert before["review"]["review"]["current"] is not None
    assert [len(before["class"][p]) > 0 for p in ("polls", "questions")] == [True, True]
    assert {kind: (h or "").split(" ")[0] for kind, h in holders.items()} == {
        kind: f"127.0.0.1:{other.port}" for kind in PARTS
    }
