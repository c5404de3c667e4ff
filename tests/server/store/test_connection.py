"""The embedded Redis (server/store/connection.py): started, reused and stopped through the
app's own code, with real redis-server processes, each checked by its PID."""

import asyncio
import os
import signal
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from subprocess import PIPE

import pytest
from aiohttp import web

from server.app import make_app
from server.appkeys import STORE
from server.settings import Settings
from server.store import EmbeddedRedis

ROOT = Path(__file__).resolve().parents[3]

# starts the embedded Redis as the app does, then dies as in a crash (no shutdown at all)
CRASH = """
import asyncio, os, signal, sys
from pathlib import Path
from server.store import EmbeddedRedis

async def main() -> None:
    await EmbeddedRedis(Path(sys.argv[1])).start()
    os.kill(os.getpid(), signal.SIGKILL)

asyncio.run(main())
"""

# starts the embedded Redis and keeps running until stdin closes (a live owner)
OWNER = """
import asyncio, sys
from pathlib import Path
from server.store import EmbeddedRedis

async def main() -> None:
    redis = EmbeddedRedis(Path(sys.argv[1]))
    await redis.start()
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.read)
    await redis.stop()

asyncio.run(main())
"""


def running(pid: int) -> bool:
    """Whether the process runs (a zombie has ended: it only waits to be reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] not in {"Z", "X"}


def server_pid(folder: Path) -> int:
    return int((folder / "redis.pid").read_text())


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    """The data folder's redis/; any redis-server a test leaves behind is ended."""
    folder = tmp_path / "redis"
    yield folder
    pid_file = folder / "redis.pid"
    if pid_file.exists() and running(pid := int(pid_file.read_text())):
        os.kill(pid, signal.SIGKILL)


async def crash_after_starting(folder: Path) -> None:
    """Run CRASH; its output goes to a file, as the server it leaves behind inherits it."""
    output = folder.parent / "crash.log"
    with output.open("wb") as log:
        crashed = await asyncio.create_subprocess_exec(
            sys.executable, "-c", CRASH, str(folder), cwd=ROOT, stdout=log, stderr=log
        )
        returncode = await asyncio.wait_for(crashed.wait(), 60)
    assert returncode == -signal.SIGKILL, output.read_text()


async def test_a_started_redis_is_stopped_at_shutdown(folder: Path) -> None:
    redis = EmbeddedRedis(folder)
    await redis.start()
    pid = server_pid(folder)

    await redis.stop()

    assert running(pid) is False


async def test_a_redis_that_outlived_a_crash_is_reused_and_stopped_at_shutdown(
    folder: Path, settings: Settings
) -> None:
    await crash_after_starting(folder)
    pid = server_pid(folder)
    assert running(pid)  # it outlived the crash
    app = make_app(replace(settings, redis_url=None, data_dir=folder.parent))
    runner = web.AppRunner(app)

    await runner.setup()  # the app starts: its store connects to the data folder's Redis
    reused = await app[STORE].ping() and server_pid(folder) == pid
    await runner.cleanup()  # a normal shutdown

    assert reused is True
    assert running(pid) is False


async def test_a_redis_owned_by_a_live_process_is_used_and_left_running(folder: Path) -> None:
    owner = await asyncio.create_subprocess_exec(
        sys.executable, "-c", OWNER, str(folder), cwd=ROOT, stdin=PIPE, stdout=PIPE
    )
    assert owner.stdin is not None and owner.stdout is not None
    try:
        assert await asyncio.wait_for(owner.stdout.readline(), 60) == b"ready\n"
        pid = server_pid(folder)
        beside = EmbeddedRedis(folder)  # e.g. the Procfile's scheduler beside the web process

        await beside.start()
        await beside.stop()

        assert running(pid) is True
    finally:
        owner.stdin.close()
        assert await asyncio.wait_for(owner.wait(), 60) == 0
    assert running(pid) is False  # its owner stopped it
