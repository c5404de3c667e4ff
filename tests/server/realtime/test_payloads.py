"""Malformed payloads against every client event: each gets one ``error`` with the right
code, the connection stays usable, and Redis is left exactly as it was."""

from typing import Any

import pytest

from rooms.protocol import FIELDS, Shape
from rooms.roles import Role
from server.realtime.payloads import check_payload
from tests.server.realtime.room_world import Peer, World

GOOD: dict[Shape, Any] = {
    Shape.TEXT: "hello",
    Shape.CLIENT_ID: "c-1",
    Shape.PARTICIPANT: "0123456789abcdef",
    Shape.RECIPIENT: "hosts",
    Shape.MESSAGE_ID: "1-0",
    Shape.FLAG: True,
    Shape.ROLE: "attendee",
    Shape.EMOJI: "👍",
    Shape.ITEM: "i-1",
    Shape.ITEMS: ["i-1", "i-2"],
    Shape.MINUTES: 5,
    Shape.SCORES: {"c1": 4, "c2": 2.5},
    Shape.CODE: "fund",
    Shape.COMMENT: "Sound method.",
    Shape.REASON: "Co-authored a paper in 2024",
    Shape.QUESTION: "Why is the sky blue?",
    Shape.QUESTION_ID: "q12",
    Shape.QUESTION_STATE: "answering",
    Shape.POLL: {"question": "Q?", "kind": "single", "options": ["a", "b"]},
    Shape.CHOICES: [0, 2],
    Shape.PAGE: 2,
    Shape.FRACTION: 0.25,
    Shape.GROUP_COUNT: 3,
    Shape.BREAKOUT_MODE: "manual",
    Shape.GROUP: 2,
    Shape.GROUP_OR_MAIN: None,
    Shape.ASSIGNMENTS: {"p-1": 1, "p-2": 50},
    Shape.BROADCAST: "Five minutes left",
    Shape.NAME: "张伟",
    Shape.SHA256: "ab" * 32,
    Shape.SIGNATURE: "data:image/png;base64,iVBORw0KGgo=",
    Shape.STREAM_URL: "rtmp://127.0.0.1/live",
    Shape.STREAM_KEY: "room-key",
}
BAD: dict[Shape, list[Any]] = {
    Shape.TEXT: [5, None, ["x"], {"t": "x"}, "x" * 4097],
    Shape.CLIENT_ID: ["", "has space", "x" * 65, 5, None],
    Shape.PARTICIPANT: ["", "a/b", "x" * 65, 5, None],
    Shape.RECIPIENT: ["", "a b", 5, None],
    Shape.MESSAGE_ID: ["abc", "1", "1-2-3", "-1-0", 5, None],
    Shape.FLAG: ["true", 1, 0, None],
    Shape.ROLE: ["king", "HOST", 5, None],
    Shape.EMOJI: ["💩", "x", 5, None],
    Shape.ITEM: ["", "a/b", "x" * 65, 5, None],
    Shape.ITEMS: ["i-1", ["a/b"], [5], ["x"] * 201, None],
    Shape.QUESTION: ["", "x" * 501, 5, ["x"], None],
    Shape.QUESTION_ID: ["", "12", "q0", "q-1", "Q1", 5, None],
    Shape.QUESTION_STATE: ["pending", "open", "ANSWERED", 5, None],
    Shape.MINUTES: [0, 61, 2.5, "5", True, None],
    Shape.SCORES: [
        [4],
        {"c1": "4"},
        {"c1": True},
        {"bad key": 1},
        {"c1": 1e12},
        {f"c{n}": 1 for n in range(21)},
        None,
    ],  # fmt: skip
    Shape.CODE: ["", "has space", "x" * 33, 5, None],
    Shape.COMMENT: [5, ["x"], "x" * 5001, None],
    Shape.REASON: ["", 5, "x" * 501, None],
    Shape.POLL: [["Q?"], "Q?", {"question": "Q?", "colour": "red"}, None],
    Shape.CHOICES: [0, [True], [-1], [100], ["1"], [1.5], list(range(11)), None],
    Shape.PAGE: [0, -1, 10_001, 1.5, "2", True, None],
    Shape.FRACTION: [-0.1, 1.01, "0.5", True, None, float("inf")],
    Shape.GROUP_COUNT: [1, 0, 51, 2.0, "3", True, None],
    Shape.BREAKOUT_MODE: ["teams", "RANDOM", 5, None],
    Shape.GROUP: [0, 51, 1.5, "1", True, None],
    Shape.GROUP_OR_MAIN: [0, 51, 1.5, "1", False],
    Shape.ASSIGNMENTS: [[1], {"p-1": 0}, {"a/b": 1}, {"p-1": "1"}, {"p-1": None}, None],
    Shape.BROADCAST: ["", "x" * 501, 5, ["x"], None],
    Shape.NAME: ["x" * 101, 5, ["x"], None],
    Shape.SHA256: ["ab" * 31, "zz" * 32, "ab" * 33, 5, None],
    Shape.SIGNATURE: ["", "x" * 60_000, 5, ["x"], None],
    Shape.STREAM_URL: ["", "x" * 1025, 5, ["x"], None],
    Shape.STREAM_KEY: ["", "x" * 513, 5, ["x"], None],
}
NOT_OBJECTS: list[Any] = ["text", 42, 1.5, True, [1, 2], ["a"]]


def valid(event: str) -> dict[str, Any]:
    return {name: GOOD[spec.shape] for name, spec in FIELDS[event].items()}


def corpus(event: str) -> list[tuple[Any, str]]:
    """(payload, expected error code) for one event."""
    cases: list[tuple[Any, str]] = [(p, "invalid_payload") for p in NOT_OBJECTS]
    cases.append(({**valid(event), "extra": 1}, "invalid_payload"))
    cases.append(({**valid(event), "pad": "x" * (64 * 1024)}, "payload_too_large"))
    cases.append(({"blob": b"\x00\x01"}, "invalid_payload"))  # a binary attachment
    for name, spec in FIELDS[event].items():
        if spec.required:
            cases.append(({k: v for k, v in valid(event).items() if k != name}, "invalid_payload"))
        cases += [({**valid(event), name: bad}, "invalid_payload") for bad in BAD[spec.shape]]
    return cases


async def redis_state(world: World) -> dict[str, Any]:
    redis, state = world.store.redis, {}
    for key in sorted(await redis.keys("*")):
        kind = await redis.type(key)
        state[key] = (kind, await redis.xlen(key) if kind == "stream" else None)
    return state


async def refused_with(peer: Peer, event: str, payload: Any, *args: Any) -> list[Any]:
    peer.clear()
    data = (payload, *args) if args else payload  # a tuple: several arguments
    await peer.client.emit(event, data, namespace="/room")  # not counted as a ping
    await peer.sync()
    return [(e["code"], e["event"]) for e in peer.of("error")]


@pytest.fixture
async def host(rooms_world: World) -> Peer:
    room = await rooms_world.session(lobby=False)
    return await rooms_world.enter(room, invite=await rooms_world.invite(room, Role.HOST, "Host"))


@pytest.mark.parametrize("event", sorted(FIELDS))
async def test_malformed_payloads_are_refused_and_change_nothing(
    rooms_world: World, host: Peer, event: str
) -> None:
    before = await redis_state(rooms_world)

    answers = [await refused_with(host, event, payload) for payload, _ in corpus(event)]

    assert answers == [[(code, event)] for _, code in corpus(event)]
    assert await redis_state(rooms_world) == before
    assert host.client.connected


@pytest.mark.parametrize("event", ["nope", "message", "trigger_event", "on_join", "x" * 100])
async def test_unknown_events_are_refused(host: Peer, event: str) -> None:
    answers = await refused_with(host, event, {})

    assert answers == [("unknown_event", event[:64])]


async def test_several_arguments_are_refused(host: Peer) -> None:
    assert await refused_with(host, "raise_hand", {}, {}) == [("invalid_payload", "raise_hand")]


async def test_an_event_with_no_payload_counts_as_an_empty_object(host: Peer) -> None:
    host.clear()
    await host.client.emit("raise_hand", namespace="/room")
    await host.sync()

    assert host.names() == ["hands", "participant_updated"]


async def test_the_connection_stays_usable_after_a_refusal(host: Peer) -> None:
    await refused_with(host, "chat", {"text": 5, "client_id": "c1"})

    ack = await host.call("chat", {"text": "still here", "client_id": "c2"})

    assert ack["duplicate"] is False


async def test_beyond_the_transport_cap_the_library_disconnects(
    rooms_world: World, host: Peer
) -> None:
    other = rooms_world.peer(auth=host.auth)
    await other.connect()
    await other.join()

    await host.emit("chat", {"text": "x" * (2 * 1024 * 1024), "client_id": "c1"})
    await rooms_world.peers[-1].sync()  # the server is still answering others

    assert await _disconnected(host)


async def _disconnected(peer: Peer) -> bool:
    import asyncio

    for _ in range(100):
        if not peer.client.connected:
            return True
        await asyncio.sleep(0.05)
    return False


def test_check_payload_fills_optional_fields() -> None:
    assert check_payload("remove", ({"participant_id": "p1"},), max_bytes=65536) == {
        "participant_id": "p1",
        "ban": False,
    }
    assert check_payload("join", (), max_bytes=65536) == {"chat_after": None}
