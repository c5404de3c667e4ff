"""People chatting in a live room while its Redis hangs (SIGSTOP: its sockets stay open, it
answers nothing), as the web client does: what they were answered, and when.

A message not acknowledged is sent again with the same client id; a connection closed under
it is opened again (socket.io-client never answers a call whose connection closed: the page
sends it again once connected). ``run_hung`` pauses the given Redis processes for a while
under three people chatting, resumes them, and waits until chat is acknowledged again.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import socketio

from rooms.roles import Role
from server.realtime.line import RETRY_SECONDS
from server.store.connection import REPLY_SECONDS
from tests.server.realtime.room_world import NAMESPACE, Peer, Room, World

SENDERS = 3
CALL_SECONDS = 15  # how long a client waits for an answer before calling the server hung
CUT, HUNG = "cut", "hung"  # no answer: the connection closed first; nothing came in time
ANSWER_BOUND = RETRY_SECONDS + 2 * REPLY_SECONDS + 1  # the line's retries, one reply each
# a handler's, a connection's, the line's
CRASHES = ("event %s failed", "a connection failed", "room %s: a batch of changes failed")


@dataclass
class Log:
    """Answers to chat (sent, answered, answer: a dict, CUT or HUNG) and connection refusals
    (asked, answered, code; "none" when the handshake was not answered), in monotonic
    seconds."""

    answers: list[tuple[float, float, Any]] = field(default_factory=list)
    refused: list[tuple[float, float, str]] = field(default_factory=list)

    def acks(self) -> list[tuple[float, float, Any]]:
        return [a for a in self.answers if isinstance(a[2], dict) and "error" not in a[2]]

    def errors(self) -> list[tuple[float, float, Any]]:
        return [a for a in self.answers if isinstance(a[2], dict) and "error" in a[2]]

    def codes(self) -> list[str]:
        return sorted({a[2]["error"]["code"] for a in self.errors()})


@dataclass
class Hang:
    """What a hang did: its log, when it began and ended, when the owner dropped the room."""

    log: Log
    paused: float
    resumed: float
    dropped: float | None

    def figures(self) -> dict[str, float | None]:
        """Seconds from the pause to: the first answer that was not an ack (a refusal, or
        the connection closed), the first connection refused ``unavailable``, the room's
        drop, the first ack; from the resume to the first ack of a message sent after it;
        and the slowest answer to a message sent during the hang."""
        log, paused = self.log, self.paused
        after = [a for a in log.answers if a[0] > paused - 0.1]
        during = [a for a in log.answers if paused - 0.1 < a[0] < self.resumed]
        refusals = [t for _, t, code in log.refused if code == "unavailable"]
        return {
            "refusal_s": _first([a[1] for a in after if a not in log.acks()], paused),
            "connect_refused_s": _first(refusals, paused),
            "drop_s": None if self.dropped is None else self.dropped - paused,
            "back_s": _first([a[1] for a in log.acks() if a[0] > paused], paused),
            "after_resume_s": _first(
                [a[1] for a in log.acks() if a[0] > self.resumed], self.resumed
            ),
            "slowest_s": max((a[1] - a[0] for a in during), default=None),
            "slowest_connect_s": max((t - asked for asked, t, _ in log.refused), default=None),
        }

    def summary(self, lost: list[Any]) -> str:
        """The figures and counts, for the test's output."""
        log = self.log
        figures = " ".join(
            f"{name}={value:.2f}" if value is not None else f"{name}=-"
            for name, value in self.figures().items()
        )
        refused = sorted({code for _, _, code in log.refused})
        return (
            f"{figures} acknowledged={len(log.acks())} lost={len(lost)} "
            f"refusals={len(log.errors())} codes={log.codes()} connect_refusals={refused}"
        )


def _first(times: list[float], since: float) -> float | None:
    return min(times) - since if times else None


async def enter(world: World, room: Room, invite: str, log: Log) -> Peer:
    """Connect and join, again and again until the room takes the person in; a handshake is
    waited for as long as a call (socket.io-client waits 20 s)."""
    while True:
        peer = world.peer(room, invite=invite)
        peer.wait = CALL_SECONDS
        asked = time.monotonic()
        try:
            await peer.connect()
            await peer.join()
            return peer
        except (socketio.exceptions.ConnectionError, TimeoutError):
            data = (peer.refusal or {}).get("data") or {}
            log.refused.append((asked, time.monotonic(), data.get("code", "none")))
            await peer.close()
            await asyncio.sleep(0.2)


async def call(peer: Peer, message: dict[str, Any]) -> Any:
    """A chat message's answer, CUT or HUNG."""
    answered: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def got(*answer: Any) -> None:
        if not answered.done():
            answered.set_result(answer[0])

    await peer.client.emit("chat", message, namespace=NAMESPACE, callback=got)
    deadline = time.monotonic() + CALL_SECONDS
    while not answered.done():
        if not peer.client.connected:
            return CUT
        if time.monotonic() > deadline:
            return HUNG
        await asyncio.sleep(0.02)
    return answered.result()


async def chat(world: World, room: Room, name: str, log: Log, stop: asyncio.Event) -> None:
    invite = await world.invite(room, Role.ATTENDEE, name)
    peer, count = await enter(world, room, invite, log), 0
    while not stop.is_set():
        if not peer.client.connected:
            await peer.close()
            peer = await enter(world, room, invite, log)
        message = {"text": f"{name} {count}", "client_id": f"{name}-{count}"}
        sent = time.monotonic()
        answer = await call(peer, message)
        log.answers.append((sent, time.monotonic(), answer))
        if isinstance(answer, dict) and "error" not in answer:
            count += 1
        else:
            await asyncio.sleep(0.1)


async def dropped(world: World, room: Room) -> float:
    """When the owner drops the room."""
    while room.session_id in world.live.rooms:
        await asyncio.sleep(0.01)
    return time.monotonic()


async def until(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def run_hung(
    world: World,
    room: Room,
    *,
    pause: Callable[[], None],
    resume: Callable[[], None],
    seconds: float,
) -> Hang:
    """Three people chat; Redis hangs (``pause``) for ``seconds``, then ``resume``; until chat
    is acknowledged again."""
    log, stop = Log(), asyncio.Event()
    tasks = [asyncio.create_task(chat(world, room, f"s{n}", log, stop)) for n in range(SENDERS)]
    watch: asyncio.Task[float] | None = None
    at: float | None = None
    try:
        await until(lambda: len(log.acks()) >= 10, 20)
        paused = time.monotonic()
        watch = asyncio.create_task(dropped(world, room))
        pause()
        try:
            await asyncio.sleep(seconds)
        finally:
            resume()
        resumed = time.monotonic()
        await until(lambda: any(a[0] > resumed for a in log.acks()), 30)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        if watch is not None:
            at = watch.result() if watch.done() else None
            watch.cancel()
    return Hang(log, paused, resumed, at)


def listening() -> list[bool]:
    """Whether the task listening for the edges' news has ended, for each there is."""
    return [t.done() for t in asyncio.all_tasks() if t.get_name() == "audiences:news"]


async def lost(world: World, room: Room, log: Log) -> list[Any]:
    """The acknowledged messages the room's chat does not have."""
    stored = [await world.store.chat.get(room.session_id, a[2]["message_id"]) for a in log.acks()]
    return [a for a, kept in zip(log.acks(), stored, strict=True) if kept is None]


def rode_out(hang: Hang, logged: list[logging.LogRecord]) -> None:
    """What a hang must not do, whatever hung: leave a call unanswered, answer one later than
    ``ANSWER_BOUND`` or with anything but ``unavailable``, refuse a connection otherwise, or
    crash a handler or the room's line (``logged``: the records pytest's caplog caught)."""
    log, figures = hang.log, hang.figures()
    assert HUNG not in [a[2] for a in log.answers]
    assert figures["slowest_s"] is not None and figures["slowest_s"] < ANSWER_BOUND
    assert set(log.codes()) <= {"unavailable"}
    assert {code for _, _, code in log.refused} <= {"unavailable"}  # each handshake answered
    assert [r.getMessage() for r in logged if r.msg in CRASHES] == []
