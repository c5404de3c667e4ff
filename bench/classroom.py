"""Class benchmark: one teacher publishing camera + audio to N listeners, and a poll.

    python bench/classroom.py                   # N = 500 (make bench-class)
    python bench/classroom.py --listeners 50 --workers 2 --vote-within 5
    python bench/classroom.py --listeners 200 --profile /tmp/class.raw   # py-spy the server

One process of the real server (`python -m server`, bench/chat_real.py: its Redis, SFU and
Socket.IO in one event loop) holds a class session made through the store as the API makes
one (no lobby, room for everyone), with one invite per person issued by
`server.invitations.issue_invite`, the function behind `POST /api/sessions/{id}/invites`:
the teacher's (a presenter) and each listener's (an attendee). Everyone enters through their
invite link, handing the token after `/invite/` to `auth.invite` (PROTOCOL.md, Connecting).
The teacher (this process, bench/sfu_room.py's publisher) turns camera and microphone on and
publishes bench/sfu.py's clip (640×480 VP8 ≈600 kbps + Opus). N listeners, spread over
`--workers` processes (a python-socketio client each), send `media_start` and answer the
server's `subscribe_offer` with an aiortc peer connection; each one's RTP is counted where it
reaches its ICE connection (sequence numbers per SSRC, clear in SRTP's header) and goes no
further: the listener pays for no SRTP or RTP parsing, so two cores hold the 500 of them.

Measured over a window that opens once everyone has media and the joins are delivered:
the teacher launches a named quiz (`launch_poll`, four options, a `--poll-seconds` deadline,
10 s at least: the server's minimum); each listener votes once it sees it, after a random
delay within `--vote-within` seconds; the server's timer closes the poll at its deadline and
sends `polls` (closed) to everyone; the teacher, seeing it closed, shares the results
(`share_results`) at once, and everyone gets `polls` again, with `results`. Each listener
notes when each of those two arrives, against the poll's `closes_at` (the server's deadline,
which is also its close time): both are CLOCK_REALTIME of this one machine, the server's
read when it launched the poll, the listener's in its `polls` handler. That includes the
timer's lag, the teacher's round trip to share, and the listener process's own delay in
reading its socket (it shares the cores). A listener without results counts as infinitely
late. Media loss: what the SFU should have forwarded to each listener against what reached
it, per stream between the first and the last packet of the window: holes in the sequence
numbers (lost on the way, or before the SFU), and frames the SFU itself skipped (a listener
whose socket was full: it drops to the next key frame and renumbers, so only the
publisher's timestamps show them; see `missing`). A listener whose media stopped (nothing
in the last half second) or never came counts at least every packet the teacher sent in the
window (its senders' stats) as expected. Beside it: the datagrams the kernel dropped at the
listeners' full sockets (listener processes too busy: the bench's limit, not the server's)
and at the server's. Server cores: the server process's CPU time (every thread, schedstat) over the
window's wall time. The listener processes' event-loop lag is printed too: what they add.
Final line:
``class: listeners=<n> media_loss_pct=<x> poll_results_p95_ms=<y> server_cores=<z>``
(listeners: those that got media).
"""

import argparse
import asyncio
import json
import math
import os
import random
import secrets
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from itertools import accumulate
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import socketio  # noqa: E402
from aiortc.exceptions import InvalidStateError  # noqa: E402
from chat import cpu_seconds as cpu_ticks  # noqa: E402
from chat import cpu_split, raise_fd_limit  # noqa: E402
from chat_real import BenchRedis, RealServer, open_room  # noqa: E402
from sfu_room import (  # noqa: E402
    NAMESPACE,
    TIMEOUT,
    Guest,
    Worker,
    host_address,
    publish,
    udp_socket_drops,
)
from wakeups import cpu_seconds  # noqa: E402

from rooms.invites import Invite  # noqa: E402
from rooms.roles import Role  # noqa: E402
from server.agenda import load_session  # noqa: E402
from server.invitations import invite_url, issue_invite, sign_invite  # noqa: E402
from server.media.packets import is_rtcp  # noqa: E402
from server.settings import Settings  # noqa: E402
from server.store import Store, connect  # noqa: E402
from tests.server.media.synthetic import Clip, SyntheticViewer, encode_clip  # noqa: E402

QUIZ = {
    "question": "Who decides who you are in a room?",
    "kind": "single",
    "options": ["Your browser", "The server", "Your invite's e-mail", "Nobody"],
    "correct": [1],
    "anonymous": False,
}
LOST_MEDIA = ("Consent to send expired", "media publish connection", "media subscribe connection")
MEDIA_WAIT = 20.0  # seconds a listener waits for its first packet before it gives up
SETTLE = 3.0  # seconds between everyone in and the window: first key frames, joins delivered


# --- the class: a session, its invites ------------------------------------------------------


async def open_class(redis_url: str, listeners: int) -> tuple[str, list[Invite]]:
    """A class open now, and its invites: the teacher's (a presenter) first, then one per
    listener (an attendee), reusable, issued as the API issues them."""
    session_id = await open_room(redis_url, capacity=listeners + 10, kind="class")
    store = Store(connect(redis_url))
    try:
        session, now = await load_session(store, session_id), datetime.now(UTC)
        people = [("Teacher", Role.PRESENTER)]
        people += [(f"Student {i}", Role.ATTENDEE) for i in range(listeners)]
        return session_id, [
            await issue_invite(store, session=session, role=role, name=name, email="",
                               single_use=False, days=1, created_by="bench", now=now)
            for name, role in people
        ]  # fmt: skip
    finally:
        await store.close()


def invite_links(invites: list[Invite], *, secret: str, base_url: str) -> list[str]:
    """Each invite's link, as the console shows it (signed with the server's secret)."""
    settings = Settings.from_env({"SECRET_KEY": secret, "BASE_URL": base_url})
    return [invite_url(settings, sign_invite(settings, invite)) for invite in invites]


def token_of(link: str) -> str:
    return link.rsplit("/invite/", 1)[1]


# --- listeners (worker processes) -----------------------------------------------------------


class Arrivals:
    """RTP reaching one listener's subscribe connection, counted at its ICE connection
    (sequence number and timestamp per SSRC, clear in SRTP's header) and not handed on:
    aiortc never parses or unprotects it. RTCP and DTLS go on to aiortc as usual."""

    def __init__(self) -> None:
        self.streams: dict[int, list[int]] = {}  # SSRC -> sequence number << 32 | timestamp
        self.attached = False

    def attach(self, viewer: SyntheticViewer) -> None:
        """Count at the viewer's ICE connection from now on (once: later offers reuse it)."""
        if self.attached:
            return
        self.attached = True
        ice = viewer.pc.getTransceivers()[0].receiver.transport.transport
        connection, streams = ice._connection, self.streams
        passed = connection.data_received

        def data_received(data: bytes, component: int) -> None:
            if len(data) >= 12 and 127 < data[0] < 192 and not is_rtcp(data):
                ssrc = int.from_bytes(data[8:12], "big")
                streams.setdefault(ssrc, []).append(int.from_bytes(data[2:8], "big"))
                return
            passed(data, component)

        connection.data_received = data_received

    def reset(self) -> None:
        for packets in self.streams.values():
            packets.clear()

    def counts(self) -> tuple[int, int]:
        """(packets received, packets missing) in the window, over its streams."""
        got = [missing(packets) for packets in self.streams.values() if packets]
        return sum(g for g, _m in got), sum(m for _g, m in got)


def missing(packets: list[int]) -> tuple[int, int]:
    """(received, missing) of one stream, from its packets (sequence << 32 | timestamp) in
    arrival order. A hole in the sequence numbers is packets lost on the way (or before the
    SFU); frames missing where the sequence runs on are what the SFU dropped: it renumbers
    after a drop so the viewer sees no hole, but the timestamps (the publisher's, one step
    per frame) still jump. Those count as frames of the stream's mean packets per frame."""
    seqs = [x >> 32 for x in packets]
    stamps = [x & 0xFFFFFFFF for x in packets]
    frames = sorted({(s - stamps[0]) & 0xFFFFFFFF for s in stamps})
    steps = [b - a for a, b in zip(frames, frames[1:], strict=False)]
    step = min(steps, default=1)
    per_frame = len(packets) / len(frames)
    lost = 0.0
    for i in range(1, len(packets)):
        hole = (seqs[i] - seqs[i - 1] - 1) & 0xFFFF
        if hole >= 0x8000:
            continue  # reordered (or a duplicate)
        skipped = ((stamps[i] - stamps[i - 1]) & 0xFFFFFFFF) // step - 1
        lost += hole if hole else max(0, skipped) * per_frame
    return len(set(seqs)), round(lost)


class Listener(Guest):
    """A student: enters by invite, receives the teacher's media, votes, notes the results."""

    def __init__(
        self, url: str, session_id: str, index: int, link: str, address: str, within: float
    ) -> None:
        super().__init__(url, session_id, f"student {index}", token_of(link))
        self.index, self.within = index, within
        self.viewer = SyntheticViewer(keep=False, addresses=(address,))
        self.arrivals = Arrivals()
        self.failed = ""  # why this listener has no media (it is not retried)
        self.entered = False  # in, with media, when the bench started measuring
        self.voting: dict[str, asyncio.Task[None]] = {}
        self.acks: list[float] = []  # vote sent -> its ack (s)
        self.refused: list[str] = []
        self.closed: dict[str, float] = {}  # poll_id -> `polls` (closed) arrival - closes_at
        self.results: dict[str, tuple[float, int]] = {}  # poll_id -> (same, with results; voters)
        self.sio.on("subscribe_offer", self._offered, namespace=NAMESPACE)
        self.sio.on("media_closed", self._media_closed, namespace=NAMESPACE)
        self.sio.on("polls", self._polls, namespace=NAMESPACE)

    async def _offered(self, offer: dict[str, Any]) -> None:
        try:
            sdp = await self.viewer.answer(offer["sdp"])
        except InvalidStateError:
            return  # closed meanwhile
        self.arrivals.attach(self.viewer)  # before any RTP can come: no answer sent yet
        await self.emit("subscribe_answer", {"sdp": sdp, "revision": offer["revision"]})

    def _media_closed(self, payload: dict[str, Any]) -> None:
        self.failed = f"media_closed {payload['reason']}"

    def _polls(self, view: dict[str, Any]) -> None:
        now = time.time()
        for poll in view["polls"]:
            poll_id = poll["poll_id"]
            if not poll["closed"]:
                if poll_id not in self.voting and poll["mine"] is None:
                    vote = self._vote(poll_id, len(poll["options"]))
                    self.voting[poll_id] = asyncio.create_task(vote)
                continue
            late = now - datetime.fromisoformat(poll["closes_at"]).timestamp()
            self.closed.setdefault(poll_id, late)
            if "results" in poll and poll_id not in self.results:
                self.results[poll_id] = (late, poll["results"]["voters"])

    async def _vote(self, poll_id: str, options: int) -> None:
        await asyncio.sleep(random.uniform(0, self.within))
        sent = time.monotonic()
        payload = {"poll_id": poll_id, "choices": [self.index % options]}
        try:
            ack = await self.sio.call("vote", payload, namespace=NAMESPACE, timeout=TIMEOUT)
        except socketio.exceptions.SocketIOError as exc:
            self.refused.append(type(exc).__name__)
            return
        if "error" in ack:
            self.refused.append(ack["error"]["code"])
        else:
            self.acks.append(time.monotonic() - sent)

    async def start(self) -> None:
        """Enter, start media and wait for the first packet; a failure is noted in `failed`."""
        try:
            await self.enter()
            await self.ask("media_start", {}, "media_started")
            async with asyncio.timeout(MEDIA_WAIT):
                while not any(self.arrivals.streams.values()) and not self.failed:
                    await asyncio.sleep(0.05)
        except (TimeoutError, socketio.exceptions.SocketIOError) as exc:
            self.failed = self.failed or f"{type(exc).__name__} {exc}".strip()
        self.entered = not self.failed

    async def close(self) -> None:
        for task in self.voting.values():
            task.cancel()
        await asyncio.gather(*self.voting.values(), return_exceptions=True)
        await super().close()
        await self.viewer.close()


async def wait_for_results(listeners: list[Listener], poll_id: str, within: float) -> dict:
    """Once every listener with media has the poll's results (or `within` s passed)."""
    present = [x for x in listeners if x.entered]
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and any(poll_id not in x.results for x in present):
        await asyncio.sleep(0.05)
    return {
        "closed": [x.closed.get(poll_id, math.inf) for x in present],
        "results": [x.results[poll_id][0] if poll_id in x.results else math.inf for x in present],
        "voters": sorted({x.results[poll_id][1] for x in present if poll_id in x.results}),
        "acks": [a for x in present for a in x.acks],
        "refused": [r for x in present for r in x.refused],
    }


async def media_counts(listeners: list[Listener]) -> list[tuple[int, int, bool]]:
    """Each listener's (received, missing, stalled) in the window; stalled: nothing came in
    the last half second (its media stopped: the tail it missed shows in no hole)."""
    before = [sum(map(len, x.arrivals.streams.values())) for x in listeners]
    await asyncio.sleep(0.5)
    after = [sum(map(len, x.arrivals.streams.values())) for x in listeners]
    counts = [x.arrivals.counts() for x in listeners]
    return [(*c, a == b) for c, b, a in zip(counts, before, after, strict=True)]


def drops_since(before: dict[str, int], pid: int | str = "self") -> tuple[int, int]:
    """(datagrams the kernel dropped at the process's UDP sockets since `before`, sockets of
    `before` closed since: their drops are out of sight)."""
    now = udp_socket_drops(pid)
    dropped = sum(n - before.get(inode, 0) for inode, n in now.items())
    return dropped, len(before.keys() - now.keys())


async def enter(listeners: list[Listener], at_once: int) -> None:
    """Everyone in, `at_once` at a time."""
    gate = asyncio.Semaphore(at_once)

    async def start(listener: Listener) -> None:
        async with gate:
            await listener.start()

    await asyncio.gather(*(start(x) for x in listeners))


async def watch_lag(lags: list[float]) -> None:
    """How late this process's event loop wakes from a 10 ms sleep (until cancelled)."""
    loop = asyncio.get_running_loop()
    while True:
        asleep = loop.time()
        await asyncio.sleep(0.01)
        lags.append(loop.time() - asleep - 0.01)


async def work(args: argparse.Namespace) -> None:
    """A worker: its listeners, driven by JSON lines on stdin (sfu_room.Worker's protocol)."""
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    listeners: list[Listener] = []
    dropped: dict[str, int] = {}
    lags: list[float] = []
    watching = asyncio.create_task(watch_lag(lags))
    while line := await stdin.readline():
        call = json.loads(line)
        result: object = None
        if call["op"] == "enter":
            listeners = [
                Listener(args.url, args.session, args.first + i, link, args.address, args.within)
                for i, link in enumerate(call["links"])
            ]
            await enter(listeners, args.gate)
            result = {"failed": [x.failed for x in listeners if x.failed]}
        elif call["op"] == "reset":
            dropped = udp_socket_drops()
            lags.clear()
            for listener in listeners:
                listener.arrivals.reset()
        elif call["op"] == "poll":
            result = await wait_for_results(listeners, call["poll_id"], call["within"])
        elif call["op"] == "media":
            counts = await media_counts([x for x in listeners if x.entered])
            result = {"counts": counts, "dropped": drops_since(dropped), "lags": lags}
        elif call["op"] == "stop":
            watching.cancel()
            await asyncio.gather(watching, return_exceptions=True)
            await asyncio.gather(*(x.close() for x in listeners), return_exceptions=True)
        print(json.dumps({"result": result}), flush=True)
        if call["op"] == "stop":
            return


# --- the teacher and the run (this process) -------------------------------------------------


class Teacher:
    """The teacher's room socket and publisher: launches the quiz, shares its results as soon
    as the server says it closed."""

    def __init__(self, guest: Guest, publisher: Any) -> None:
        self.guest, self.publisher = guest, publisher
        self.shared: dict[str, float] = {}  # poll_id -> share sent - closes_at (s)
        self.results: dict[str, float] = {}  # poll_id -> shared results here - closes_at (s)
        self.media_closed: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        guest.sio.on("polls", self._polls, namespace=NAMESPACE)
        guest.sio.on("media_closed", self._media_closed, namespace=NAMESPACE)
        guest.sio.on("disconnect", self._disconnected, namespace=NAMESPACE)

    def _media_closed(self, payload: dict[str, Any]) -> None:
        if not self.media_closed.done():
            self.media_closed.set_result(f"media_closed {payload['reason']}: {payload['message']}")

    def _disconnected(self, *reason: object) -> None:
        if not self.media_closed.done():
            self.media_closed.set_result("the teacher's socket was disconnected")

    async def _polls(self, view: dict[str, Any]) -> None:
        now = time.time()
        for poll in (p for p in view["polls"] if p["closed"]):
            poll_id, closes_at = poll["poll_id"], datetime.fromisoformat(poll["closes_at"])
            if poll["shared"]:
                self.results.setdefault(poll_id, now - closes_at.timestamp())
            elif poll_id not in self.shared:
                self.shared[poll_id] = now - closes_at.timestamp()
                await self.guest.emit("share_results", {"poll_id": poll_id, "shared": True})

    async def packets_sent(self) -> int:
        """RTP packets the teacher's publisher has sent so far (its senders' stats)."""
        sent = 0
        for sender in self.publisher.pc.getSenders():
            stats = (await sender.getStats()).values()
            sent += sum(s.packetsSent for s in stats if s.type == "outbound-rtp")
        return int(sent)

    async def launch(self, seconds: int) -> str:
        poll = {"poll": QUIZ | {"seconds": seconds}}
        ack = await self.guest.sio.call("launch_poll", poll, namespace=NAMESPACE, timeout=TIMEOUT)
        if "error" in ack:
            raise RuntimeError(f"launch_poll refused: {ack['error']}")
        return str(ack["poll_id"])

    async def close(self) -> None:
        await self.publisher.close()
        await self.guest.close()


async def spawn_workers(url: str, session_id: str, links: list[str], args, address: str) -> list:
    """The listener workers, each entering with its share of the links; why some failed."""
    count, workers = len(links), max(1, min(args.workers, len(links)))
    shares = [count // workers + (i < count % workers) for i in range(workers)]
    started = []
    for first, share in zip(accumulate([0, *shares]), shares, strict=False):
        child = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--work", "--url", url, "--session", session_id,
            "--address", address, "--first", str(first), "--within", str(args.vote_within),
            "--gate", str(args.gate),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=1 << 28,
        )  # fmt: skip
        started.append((Worker(child), links[first : first + share]))
    return started


async def in_class(
    server: RealServer, links: list[str], clip: Clip, args, address: str, redis: int | None
) -> dict:
    """The teacher and the listeners in the class, measured (`redis`: its process, if ours)."""
    started: list[tuple[Worker, list[str]]] = []
    teacher = None
    try:
        guest, publisher = await publish(server.url, server.session_id, clip, address,
                                         token_of(links[0]))  # fmt: skip
        teacher = Teacher(guest, publisher)
        began, dropped = time.monotonic(), udp_socket_drops(server.pid)
        cpu = cpu_seconds(server.pid)
        started = await spawn_workers(server.url, server.session_id, links[1:], args, address)
        entering = asyncio.gather(*(w.call("enter", links=share) for w, share in started))
        await asyncio.wait([entering, teacher.media_closed], return_when="FIRST_COMPLETED")
        setup, setup_dropped = time.monotonic() - began, drops_since(dropped, server.pid)
        if not entering.done():  # the teacher's media is gone: nothing left to measure
            for worker, _share in started:
                worker.child.kill()
            entering.cancel()
            await asyncio.gather(entering, return_exceptions=True)
            cores = (cpu_seconds(server.pid) - cpu) / setup
            return {"lost": teacher.media_closed.result(), "setup": setup, "cores": cores,
                    "setup_dropped": setup_dropped}  # fmt: skip
        entered = entering.result()
        workers = [w for w, _share in started]
        result = await measure(server.pid, redis, teacher, workers, args)
        failed = [reason for outcome in entered for reason in outcome["failed"]]
        return result | {"failed": failed, "setup": setup, "setup_dropped": setup_dropped}
    finally:
        await asyncio.gather(*(w.stop() for w, _share in started), return_exceptions=True)
        if teacher is not None:
            await teacher.close()


async def measure(
    pid: int, redis: int | None, teacher: Teacher, workers: list[Worker], args
) -> dict:
    await asyncio.sleep(args.settle)
    await asyncio.gather(*(w.call("reset") for w in workers))
    published = await teacher.packets_sent()
    spy = None
    if args.profile:  # py-spy the server over the window (raw stacks, as bench/sfu.py does)
        spy = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).parent / "py-spy"), "record", "-p", str(pid),
            "-d", str(args.poll_seconds + 3), "-r", "100", "-f", "raw", "-o", args.profile,
        )  # fmt: skip
    dropped, before, began = udp_socket_drops(pid), cpu_seconds(pid), time.monotonic()
    split, redis0 = cpu_split(pid), cpu_ticks(redis) if redis else 0.0
    poll_id = await teacher.launch(args.poll_seconds)
    within = args.poll_seconds + 10.0
    polls = await asyncio.gather(*(w.call("poll", poll_id=poll_id, within=within) for w in workers))
    media = await asyncio.gather(*(w.call("media") for w in workers))
    published = await teacher.packets_sent() - published
    used, wall = cpu_seconds(pid) - before, time.monotonic() - began
    user, system = (b - a for a, b in zip(split, cpu_split(pid), strict=True))
    redis_cpu = cpu_ticks(redis) - redis0 if redis else None
    if spy is not None:
        await spy.wait()
    return {
        "ended": time.time(),
        "wall": wall,
        "cpu": used,
        "redis_cpu": redis_cpu,
        "user": user,
        "system": system,
        "server_dropped": drops_since(dropped, pid),
        "counts": [tuple(c) for m in media for c in m["counts"]],
        "published": published,
        "dropped": [sum(m["dropped"][i] for m in media) for i in (0, 1)],
        "closed": [x for p in polls for x in p["closed"]],
        "results": [x for p in polls for x in p["results"]],
        "voters": sorted({v for p in polls for v in p["voters"]}),
        "acks": [x for p in polls for x in p["acks"]],
        "refused": [x for p in polls for x in p["refused"]],
        "shared": teacher.shared.get(poll_id, math.inf),
        "teacher_results": teacher.results.get(poll_id, math.inf),
        "lags": [x for m in media for x in m["lags"]],
    }


def nearest_rank(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else math.nan


def ms(values: list[float]) -> str:
    p50, p95, most = (nearest_rank(values, p) * 1000 for p in (50, 95, 100))
    return f"p50 {p50:.0f} p95 {p95:.0f} max {most:.0f} ms"


def media_loss(counts: list[tuple[int, int, bool]], published: int) -> tuple[int, int, int]:
    """(received, expected, listeners whose media stopped): one whose media stopped (or never
    came) expected at least every packet the teacher sent in the window."""
    stalled = sum(1 for _got, _lost, stopped in counts if stopped)
    expected = sum(
        max(got + lost, published) if stopped else got + lost for got, lost, stopped in counts
    )
    return sum(got for got, _lost, _stopped in counts), expected, stalled


def media_news(log: Path, *, until: float) -> list[str]:
    """How often the server logged a media connection lost (at INFO) before `until` (the
    window's end, epoch seconds; the teacher leaving afterwards is no news), and the first."""
    end = f"{datetime.fromtimestamp(until):%Y-%m-%d %H:%M:%S}"  # the log's local time
    lines = [x for x in log.read_text(errors="replace").splitlines() if x[:19] <= end]
    found = []
    for news in LOST_MEDIA:
        hits = [line for line in lines if news in line and line.endswith(("lost", "expired"))]
        if hits:
            found.append(f"{len(hits)} x {hits[0][:200]}")
    return found


def report_media(r: dict) -> float:
    """Print the media figures; the loss in percent."""
    received, expected, silent = media_loss(r["counts"], r["published"])
    lost = expected - received
    loss = 100 * lost / expected if expected else math.nan
    (dropped, closed), (server_dropped, server_closed) = r["dropped"], r["server_dropped"]
    print(f"    media over {r['wall']:.1f} s: the teacher sent {r['published']} packets; "
          f"{received}/{expected} reached the "
          f"listeners, {lost} missing ({loss:.3f} %); the kernel dropped {dropped} at the "
          f"listeners' full sockets (busy listener processes), {server_dropped} at the "
          f"server's; {silent} listeners' media stopped (or never came); UDP sockets closed in "
          f"it: {closed} of the listeners', {server_closed} of the server's")  # fmt: skip
    return loss


def report_poll(r: dict) -> None:
    present = len(r["counts"])
    voters = "/".join(map(str, r["voters"])) or "0"
    refused = ", ".join(sorted(set(r["refused"]))) or "none"
    print(f"    poll: {voters}/{present} votes counted; {len(r['acks'])} votes acknowledged "
          f"({ms(r['acks'])}); refused: {refused}")  # fmt: skip
    print(f"    close -> `polls` (closed) at the listeners: {ms(r['closed'])}; the teacher "
          f"shared the results {r['shared'] * 1000:.0f} ms after the close and had them "
          f"back at {r['teacher_results'] * 1000:.0f} ms")  # fmt: skip
    got = sum(1 for x in r["results"] if x < math.inf)
    print(f"    close -> `polls` with the results at the listeners: {ms(r['results'])} "
          f"({got}/{present} got them)")  # fmt: skip
    print(f"    the listener processes' event loops woke late from a 10 ms sleep by "
          f"{ms(r['lags'])}")  # fmt: skip


def report_server(r: dict, listeners: int) -> None:
    redis = r["redis_cpu"]
    beside = f"; its Redis {redis / r['wall']:.2f} core" if redis is not None else ""
    print(f"    server: {r['cpu']:.2f} s CPU in {r['wall']:.1f} s = {r['cpu'] / r['wall']:.2f} "
          f"cores (every thread; user {r['user']:.1f} s, system {r['system']:.1f} s, which on "
          f"loopback includes the listeners' receive path){beside}")  # fmt: skip
    dropped, closed = r["setup_dropped"]
    print(f"    setup (listeners in, media flowing): {r['setup']:.0f} s; the kernel dropped "
          f"{dropped} datagrams at the server's sockets meanwhile ({closed} sockets "
          "closed)")  # fmt: skip
    if r["failed"]:
        reasons = ", ".join(sorted(set(r["failed"])))
        print(f"    {len(r['failed'])} of {listeners} listeners got no media: {reasons}")
    print(f"    load average {os.getloadavg()[0]:.2f}", flush=True)


def final_line(r: dict, loss: float) -> str:
    p95 = nearest_rank(r["results"], 95) * 1000
    return (f"class: listeners={len(r['counts'])} media_loss_pct={loss:.3f} "
            f"poll_results_p95_ms={p95:.0f} server_cores={r['cpu'] / r['wall']:.2f}")  # fmt: skip


async def main(args: argparse.Namespace) -> None:
    raise_fd_limit(args.listeners * 2)
    clip = encode_clip(seconds=args.clip_seconds, width=640, height=480, bitrate=600_000)
    kbps = sum(map(len, clip.video)) * 8 / args.clip_seconds / 1000
    address = host_address()
    print(f"class: {args.listeners} listeners (worker processes: {args.workers}), one teacher "
          f"publishing 640x480 VP8 {kbps:.0f} kbps + Opus, python -m server (SFU on "
          f"{address}); a named quiz, {args.poll_seconds} s deadline, votes within "
          f"{args.vote_within:g} s", flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="yunhui-bench-class-") as tmp:
        redis = BenchRedis(Path(tmp))
        try:
            session_id, invites = await open_class(redis.url, args.listeners)
            secret = secrets.token_urlsafe(48)
            env = {"MEDIA_HOST_ADDRESSES": address, "SECRET_KEY": secret}
            server = await asyncio.to_thread(RealServer, redis, Path(tmp), env, session_id)
            try:
                links = invite_links(invites, secret=secret, base_url=server.url)
                result = await in_class(server, links, clip, args, address, redis.pid)
                until = result.get("ended", time.time())
                complaints, lost_media = server.complaints(), media_news(server.log, until=until)
                subscribed = server.log.read_text(errors="replace").count("ICE completed")
            finally:
                server.stop()
                if args.log:
                    shutil.copyfile(server.log, args.log)
        finally:
            redis.stop()
    if "lost" in result:
        print(lost_line(result, lost_media, entered=subscribed - 1), flush=True)
        return
    loss = report_media(result)
    report_poll(result)
    for line in lost_media:
        print(f"    the server logged: {line}")
    if complaints:
        print(f"    the server logged {len(complaints)} warnings or errors, the first: "
              f"{complaints[0]}")  # fmt: skip
    report_server(result, args.listeners)
    print(final_line(result, loss), flush=True)


def lost_line(r: dict, lost_media: list[str], *, entered: int) -> str:
    """Print why there is nothing to measure; the final line: no listener keeps media."""
    dropped, _closed = r["setup_dropped"]
    print(f"    the teacher's media ended during setup ({r['lost']}), after "
          f"{r['setup']:.0f} s with about {entered} listeners' media connected; the kernel "
          f"dropped {dropped} datagrams at the server's sockets meanwhile; server "
          f"{r['cores']:.2f} cores over the setup")  # fmt: skip
    for line in lost_media:
        print(f"    the server logged: {line}")
    print(f"    load average {os.getloadavg()[0]:.2f}")
    return (f"class: listeners={entered} media_loss_pct=100.000 poll_results_p95_ms=nan "
            f"server_cores={r['cores']:.2f}")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listeners", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2, help="listener processes")
    parser.add_argument("--poll-seconds", type=int, default=10, help="the poll's deadline")
    parser.add_argument("--vote-within", type=float, default=5.0, help="seconds to vote in")
    parser.add_argument("--settle", type=float, default=SETTLE, help=argparse.SUPPRESS)
    parser.add_argument("--clip-seconds", type=int, default=5, help=argparse.SUPPRESS)
    parser.add_argument("--profile", metavar="PATH", help="py-spy the server over the window")
    parser.add_argument("--log", metavar="PATH", help="keep the server's log there")
    parser.add_argument("--gate", type=int, default=2, help="listeners of a worker entering "
                        "at once")  # fmt: skip
    parser.add_argument("--work", action="store_true", help=argparse.SUPPRESS)
    for option in ("--url", "--session", "--address"):
        parser.add_argument(option, help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--within", type=float, default=5.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    asyncio.run(work(args) if args.work else main(args))
