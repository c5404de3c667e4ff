"""`kill -9` of the web process while reviewers score, against a Redis with AOF: every score
the server acknowledged is there afterwards, and the room comes back with the panel where it
was — then `kill -9` of Redis itself, restarted on the same folder: still there.

Real parts throughout: `python -m server` in a process of its own, a redis-server of the
test's own (Redis 8.2 with WAITAOF and `appendfsync everysec`, or the embedded 6.2 with
`appendfsync always`), python-socketio clients with invites.
"""

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import socketio

from rooms.agenda import PersonType, RosterEntry, Session, person_key
from rooms.roles import Role
from server import agenda, reviews
from server.invitations import issue_invite, sign_invite
from server.settings import Settings
from server.store import Store, connect
from tests.server.fixtures_login import create_staff
from tests.server.store.redis_servers import REDIS_6, REDIS_8, RedisServer

ROOT = Path(__file__).resolve().parents[2]
REVIEWERS = ("r1@pool.cn", "r2@pool.cn", "r3@pool.cn")
# scores acknowledged before the kill (of all three reviewers): with WAITAOF and `everysec`
# each waits for the next fsync, up to a second
SCORED = 12
RUBRIC = {"criteria": [{"name_en": "Merit", "weight": 1, "scale_min": 0, "scale_max": 100}]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_is_free(port: int) -> bool:
    """Whether a TCP port of 127.0.0.1 can be bound now."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class WebProcess:
    def __init__(self, redis_url: str, secret_key: str, folder: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"web-{self.port}.log"
        self.env = {
            **os.environ, "YUNHUI_MODE": "dev", "HOST": "127.0.0.1", "PORT": str(self.port),
            "BASE_URL": "", "REDIS_URL": redis_url, "SEED_DEMO": "no", "RUN_SCHEDULER": "no",
            "DATA_DIR": str(folder / "data"), "SECRET_KEY": secret_key,
        }  # fmt: skip
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "server"], cwd=ROOT, env=self.env,
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.log.read_text(errors="replace").count("Yunhui is running") >= self.starts:
                return
            assert self.process.poll() is None, self.log.read_text()
            time.sleep(0.05)
        raise RuntimeError(self.log.read_text())

    def kill(self) -> None:
        """SIGKILL, as in a crash (nothing if it is not running)."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()


async def crash_session(
    store: Store, *, kind: str, title: str, minutes: int, lobby: bool = False
) -> Session:
    """A session of ``kind`` starting in ``minutes`` (its room open now), an hour long, with no
    lobby (unless ``lobby``), in an unlisted event of a new organization."""
    _org, owner = await create_staff(store, email=f"{secrets.token_hex(4)}@example.org")
    now = datetime.now(UTC)
    day = now.date()
    event = await agenda.create_event(
        store, org_id=owner.org_id, organizer=owner.account_id, now=now,
        fields={"title_zh": title, "title_en": title, "description": "", "zone": "UTC",
                "start_date": (day - timedelta(days=1)).isoformat(),
                "end_date": (day + timedelta(days=2)).isoformat(), "visibility": "unlisted"},
    )  # fmt: skip
    start = now + timedelta(minutes=minutes)
    return await agenda.create_session(
        store, event=event, now=now,
        fields={"kind": kind, "title": title, "description": "", "lobby": lobby,
                "capacity": 50, "start": f"{start:%Y-%m-%dT%H:%M}",
                "end": f"{start + timedelta(hours=1):%Y-%m-%dT%H:%M}"},
    )  # fmt: skip


async def prepare(store: Store, settings: Settings) -> tuple[str, dict[str, str]]:
    """A review open now, one item with a rubric, three reviewers; their invite tokens."""
    now = datetime.now(UTC)
    session = await crash_session(store, kind="review", title="Panel", minutes=5)
    await reviews.add_item(store, session=session, fields={"title_en": "Project"}, now=now)
    await reviews.set_rubric(store, session=session, fields=RUBRIC)
    tokens = {}
    for name, email, role in [
        ("Chair", "", Role.HOST),
        *(("R", e, Role.REVIEWER) for e in REVIEWERS),
    ]:
        if role is Role.REVIEWER:
            entry = RosterEntry(person_key(PersonType.GUEST, email), role, name, email)
            await agenda.add_to_roster(store, session=session, entry=entry, now=now)
        invite = await issue_invite(
            store, session=session, role=role, name=name, email=email, single_use=False,
            days=1, created_by="staff", now=now,
        )  # fmt: skip
        tokens[email or "chair"] = sign_invite(settings, invite)
    return session.session_id, tokens


async def enter(url: str, session_id: str, token: str) -> tuple[socketio.AsyncClient, list[Any]]:
    client = socketio.AsyncClient(reconnection=False)
    got: list[Any] = []
    client.on("*", lambda event, *args: got.append((event, args)), namespace="/room")
    try:
        await client.connect(
            url, auth={"session_id": session_id, "invite": token}, transports=["websocket"],
            namespaces=["/room"], headers={"Origin": url}, wait_timeout=10,
        )  # fmt: skip
    except BaseException:
        await client.disconnect()  # closes engine.io's HTTP session, left open by a failed connect
        raise
    await client.emit("join", {}, namespace="/room")
    return client, got


async def score_until_killed(client: socketio.AsyncClient, item_id: str, acked: list[int]) -> None:
    """Send revisions one after another; note each acknowledged value."""
    value = 0
    while True:
        value += 1
        try:
            answer = await client.call(
                "submit_score",
                {"item_id": item_id, "values": {"c1": value % 100}, "recommendation": "fund"},
                namespace="/room", timeout=5,
            )  # fmt: skip
        except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError):
            return
        except Exception:
            return
        if not (isinstance(answer, dict) and "revision" in answer):
            raise AssertionError(f"refused: {answer}")
        acked.append(answer["revision"])


@pytest.mark.parametrize(
    ("binary", "fsync"), [(REDIS_8, "everysec"), (REDIS_6, "always")], ids=["waitaof", "always"]
)
async def test_every_acknowledged_score_survives_kill_9_of_web_and_of_redis(
    tmp_path: Path, settings: Settings, binary: str, fsync: str
) -> None:
    redis = RedisServer(binary, tmp_path / "redis", "--appendonly", "yes", "--appendfsync", fsync)
    await redis.start()
    store = Store(connect(redis.url))
    secret = secrets.token_urlsafe(48)
    web = WebProcess(redis.url, secret, tmp_path)
    try:
        await crash_while_scoring(store, web, redis, replace(settings, secret_key=secret))
    finally:  # whatever happened, no process of this test outlives it
        web.kill()
        await store.close()
        await redis.kill()


async def crash_while_scoring(
    store: Store, web: WebProcess, redis: RedisServer, settings: Settings
) -> None:
    session_id, tokens = await prepare(store, settings)
    [item] = await store.review.items(session_id)
    web.start()
    chair, _ = await enter(web.url, session_id, tokens["chair"])
    await chair.call("start_item", {"item_id": item.item_id}, namespace="/room", timeout=5)
    for _ in range(3):  # Q&A, deliberation, scoring
        await chair.call("next_phase", {"item_id": item.item_id}, namespace="/room", timeout=5)
    reviewers = [(await enter(web.url, session_id, tokens[e]))[0] for e in REVIEWERS]
    acked: dict[str, list[int]] = {e: [] for e in REVIEWERS}
    tasks = [
        asyncio.create_task(score_until_killed(c, item.item_id, acked[e]))
        for c, e in zip(reviewers, REVIEWERS, strict=True)
    ]

    async def enough() -> None:
        while sum(len(a) for a in acked.values()) < SCORED:
            assert not any(t.done() for t in tasks), [t.result() for t in tasks if t.done()]
            await asyncio.sleep(0.01)

    await asyncio.wait_for(enough(), 30)
    web.kill()
    await asyncio.wait_for(asyncio.gather(*tasks), 30)
    for client in [chair, *reviewers]:
        await client.disconnect()
    await redis.kill()
    await redis.start()

    stored = {c.reviewer_key: c.revision for c in await store.panel.cards(session_id)}
    assert {e: stored.get(f"guest:{e}", 0) >= max(acked[e]) for e in REVIEWERS} == {
        e: True for e in REVIEWERS
    }
    web.start()
    back, got = await enter(web.url, session_id, tokens[REVIEWERS[0]])
    await asyncio.sleep(0.5)
    joined = next(args[0] for event, args in got if event == "joined")
    assert joined["review"]["current"] == item.item_id
    assert joined["review"]["my_scores"][item.item_id] >= max(acked[REVIEWERS[0]])

    # Redis killed under a live web process: scores wait (or are refused "unavailable"),
    # none acknowledged is lost
    later: list[int] = []
    stop = asyncio.Event()
    scoring = asyncio.create_task(score_until(back, item.item_id, later, stop))
    await asyncio.wait_for(count_reaches(later, SCORED // 3), 30)
    await redis.kill()
    await asyncio.sleep(1.0)
    await redis.start()
    await asyncio.wait_for(count_reaches(later, 2 * SCORED // 3), 60)
    stop.set()
    await asyncio.wait_for(scoring, 30)
    await back.disconnect()
    card = await store.panel.card(session_id, item.item_id, f"guest:{REVIEWERS[0]}")
    assert card is not None and card.revision >= max(later)


async def count_reaches(acked: list[int], count: int) -> None:
    while len(acked) < count:
        await asyncio.sleep(0.01)


async def score_until(
    client: socketio.AsyncClient, item_id: str, acked: list[int], stop: asyncio.Event
) -> None:
    """Revisions one after another until told to stop; a score refused as not saved
    (``unavailable``) is sent again, as the page does; any other refusal fails."""
    value = 0
    while not stop.is_set():
        value += 1
        payload = {"item_id": item_id, "values": {"c1": value % 100}, "recommendation": "fund"}
        answer = await client.call("submit_score", payload, namespace="/room", timeout=15)
        if isinstance(answer, dict) and "revision" in answer:
            acked.append(answer["revision"])
        elif answer.get("error", {}).get("code") != "unavailable":
            raise AssertionError(f"refused: {answer}")
