"""A Redis Cluster as the store: ``REDIS_URL=redis+cluster://host:port[,host:port…]``.

redis-py has no URL for a cluster (python-socketio's ``redis+sentinel://`` is the model of
this one): the hosts are the cluster's startup nodes, any of its primaries or replicas; the
client learns the slot map from them. ``rediss+cluster://`` connects with TLS, and a
``user:password@`` goes to every node.

Every script and transaction of the store touches keys of one slot (server/store/keys.py,
hash tags), which the cluster demands. What differs from one Redis is met here (redis is
pinned exactly: this reaches into redis-py's cluster pipeline):

- a script queued on a cluster pipeline is sent as ``EVAL`` with its source (``ClusterScript``):
  redis-py's cluster pipeline refuses ``EVALSHA``, and awaiting a cluster pipeline's
  command, as redis-py's script object does, empties the commands queued on it before;
- a transaction queues its commands without a thread each (``QueuedTransaction``), is not
  run again on a new connection once the one holding its WATCH is lost, and its commands
  on several keys are one command (``TransactionPipeline``);
- a durable commit runs its ``WAITAOF`` on the connection of the node its keys live on
  (server/store/durable.py);
- a command or a transaction that timed out (a hung node: server/store/connection.py,
  ``REPLY_SECONDS``) is not sent again: it may have run, and a hung node would make each
  try wait as long again (redis-py tries eleven times: a minute). The next command reads
  the slot map first, so it finds a replica promoted meanwhile;
- after a node's error redis-py disconnects the node's idle connections
  (``ClusterNode.disconnect_free_connections``), but leaves them in the idle queue while
  it awaits their closing: another command could take one meanwhile, and have it closed
  under it, even while connecting it again (an ``AttributeError`` from redis-py's writer,
  not a Redis error: a person's connection to a room was never answered). They are taken
  out of the queue while they close (``_disconnect_idle``, in place of redis-py's). And
  when reading the slot map fails (a hung node asked for it, or for ``COMMAND``) redis-py
  disconnects every node's connections, those in use too (``ClusterNode.disconnect``):
  here the ones in use are closed once their command is over (``_disconnect``).

python-socketio's ``AsyncRedisManager`` does not take this URL (Yunhui does not use it);
given one node's ``redis://host:port/0`` it works across the cluster, whose ``PUBLISH``
reaches every node.
"""

import asyncio
import contextlib
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

from redis.asyncio.cluster import (
    ClusterNode,
    ClusterPipeline,
    PipelineCommand,
    RedisCluster,
    TransactionStrategy,
)
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.commands.core import AsyncScript
from redis.commands.helpers import list_or_args
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.exceptions import WatchError

SCHEMES = {"redis+cluster": False, "rediss+cluster": True}  # scheme -> TLS
# How often a command is tried again after a lost connection or CLUSTERDOWN (a slot not
# served), the slot map read before each try: redis-py's 10 rode out a cluster down for 3
# seconds or more, each try reading the map, maybe from a hung node (REPLY_SECONDS each):
# a person connecting waited longer than their client would (server/store/connection.py).
RETRIES = 3
CONNECT_TIMEOUT = "Timeout connecting to server"  # redis-py's words (pinned)


def is_cluster_url(url: str) -> bool:
    return urlsplit(url).scheme in SCHEMES


def startup_nodes(url: str) -> list[tuple[str, int]]:
    """The (host, port) pairs a ``redis+cluster://`` URL names (port 6379 by default)."""
    hosts = urlsplit(url).netloc.rpartition("@")[2]
    nodes = []
    for part in hosts.split(","):
        found = re.fullmatch(r"\[?([^\[\]]+?)\]?(?::(\d+))?", part.strip())
        if found is None:
            raise ValueError(f"not a host[:port] in REDIS_URL: {part!r}")
        nodes.append((found[1], int(found[2] or 6379)))
    return nodes


class ClusterScript(AsyncScript):
    """A Lua script that a cluster pipeline queues as ``EVAL`` (see the module)."""

    async def __call__(self, keys: Any = None, args: Any = None, client: Any = None) -> Any:
        if isinstance(client, ClusterPipeline):
            keys, args = list(keys or []), list(args or [])
            queued = client.execute_command("EVAL", self.script, len(keys), *keys, *args)
            return (
                await queued if asyncio.iscoroutine(queued) else queued
            )  # run at once under WATCH
        return await super().__call__(keys, args, client)


class QueuedTransaction(TransactionStrategy):
    """redis-py's cluster MULTI/EXEC, but a command queued after ``multi()`` is only queued:
    redis-py finds each one's slot when it is queued, in a thread of its own running an
    event loop of its own (its queueing is synchronous, finding a slot is not), which made
    the room's batch of a fence and ten chat posts four times slower than on one Redis.
    Here the slots are found when the transaction executes; a command before ``multi()``
    (WATCH, the reads under it) runs at once, as before. redis is pinned exactly for this.
    """

    def __init__(self, pipe: ClusterPipeline) -> None:
        super().__init__(pipe)
        self._retry._supported_errors = _but_timeouts(self._retry._supported_errors)

    def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        if not self._explicit_transaction and (
            self._watching or args[0] in self.IMMEDIATE_EXECUTE_COMMANDS
        ):
            return self._at_once(*args, **kwargs)
        self._command_queue.append(PipelineCommand(len(self._command_queue), *args, **kwargs))
        return self._pipe

    async def _at_once(self, *args: Any, **kwargs: Any) -> Any:
        with self._timing_out():
            return await (await self._execute_command(*args, **kwargs))

    @contextlib.contextmanager
    def _timing_out(self) -> Iterator[None]:
        """A timeout is not tried again (the module), but the next command reads the slot
        map, as after a lost connection."""
        try:
            yield
        except RedisTimeoutError:
            self._pipe.cluster_client._initialize = True
            raise

    async def _reinitialize_on_error(self, error: Exception, failure_count: int) -> None:
        """As redis-py, but a lost connection makes the next command read the slot map (a
        master may have failed over; redis-py reads it on every fifth error only), and one
        lost while watching ends the transaction with a ``WatchError``, as on one Redis:
        redis-py would run it again on a new connection, without the WATCH, and so write
        whatever changed meanwhile over (a stale owner's batch over a new owner's claim)."""
        watching = self._watching
        await super()._reinitialize_on_error(error, failure_count)
        if isinstance(error, self.CONNECTION_ERRORS):
            self._pipe.cluster_client._initialize = True  # the next command reads the slot map
            if watching:
                raise WatchError("the connection holding the WATCH was lost") from error

    async def execute(self, raise_on_error: bool = True, allow_redirections: bool = True) -> Any:
        client = self._pipe.cluster_client
        for command in self._command_queue:
            self._pipeline_slots.add(await client._determine_slot(*command.args))
        with self._timing_out():
            return await super().execute(raise_on_error, allow_redirections)


class TransactionPipeline(ClusterPipeline):
    """A cluster pipeline in a transaction (``QueuedTransaction``), where a command on several
    keys is one command, as on one Redis: redis-py's cluster pipeline splits ``EXISTS``,
    ``DEL``, ``UNLINK`` and ``TOUCH`` by slot (returning the pipeline, not the reply, to a
    caller reading under WATCH) and refuses ``MGET`` and ``MSET``. A transaction's keys
    share a slot anyway; if they did not, Redis would refuse it."""

    def __init__(self, client: RedisCluster, strategy: type[QueuedTransaction]) -> None:
        super().__init__(client, transaction=True)
        self._execution_strategy = strategy(self)

    def exists(self, *names: Any) -> Any:  # type: ignore[override]
        return self.execute_command("EXISTS", *names)

    def delete(self, *names: Any) -> Any:  # type: ignore[override]
        return self.execute_command("DEL", *names)

    def unlink(self, *names: Any) -> Any:  # type: ignore[override]
        return self.execute_command("UNLINK", *names)

    def touch(self, *names: Any) -> Any:  # type: ignore[override]
        return self.execute_command("TOUCH", *names)

    def mget(self, keys: Any, *args: Any) -> Any:  # type: ignore[override]
        return self.execute_command("MGET", *list_or_args(keys, args))

    def mset(self, mapping: Any) -> Any:  # type: ignore[override]
        return self.execute_command("MSET", *[part for pair in mapping.items() for part in pair])


def _but_timeouts(errors: tuple[type[Exception], ...]) -> tuple[type[Exception], ...]:
    """The errors a command is tried again after, less a timeout (see the module)."""
    return tuple(error for error in errors if not issubclass(error, RedisTimeoutError))


class MappedPipeline(ClusterPipeline):
    """redis-py's cluster pipeline (no transaction), after which a node that timed out or
    was lost makes the next command read the slot map, as a single command's does: with
    ``raise_on_error=False`` redis-py keeps each node's error as its commands' replies and
    reads the map again only on every error raised (a room's lease, renewed on a replica
    promoted meanwhile)."""

    async def execute(self, raise_on_error: bool = True, allow_redirections: bool = True) -> Any:
        try:
            replies = await super().execute(raise_on_error, allow_redirections)
        except (RedisConnectionError, RedisTimeoutError):
            self.cluster_client._initialize = True
            raise
        if any(isinstance(r, (RedisConnectionError, RedisTimeoutError)) for r in replies):
            self.cluster_client._initialize = True
        return replies


async def _disconnect_idle(node: ClusterNode) -> None:
    """Close a node's idle connections, out of its idle queue meanwhile (see the module);
    they are back in it closed, and connect again when next taken."""
    idle = list(node._free)
    node._free.clear()
    await asyncio.gather(*(connection.disconnect() for connection in idle), return_exceptions=True)
    node._free.extend(idle)


async def _disconnect(node: ClusterNode) -> None:
    """Close all of a node's connections: the idle ones now, each one in use once its
    command is over (see the module)."""
    node.update_active_connections_for_reconnect()
    await _disconnect_idle(node)


ClusterNode.disconnect_free_connections = _disconnect_idle  # type: ignore[method-assign]
ClusterNode.disconnect = _disconnect  # type: ignore[method-assign]


class ClusterRedis(RedisCluster):
    """redis-py's cluster client, whose scripts work on its pipelines too, whose
    transactions are ``TransactionPipeline``s, and which does not send a command again
    after a timeout."""

    ERRORS_ALLOW_RETRY = _but_timeouts(RedisCluster.ERRORS_ALLOW_RETRY)

    async def _execute_command(self, target_node: ClusterNode, *args: Any, **kwargs: Any) -> Any:
        """A timeout while connecting is tried again, as a lost connection is: nothing was
        sent (a hundred clients starting at once keep an event loop busy for seconds)."""
        try:
            return await super()._execute_command(target_node, *args, **kwargs)
        except RedisTimeoutError as error:
            if str(error) != CONNECT_TIMEOUT:
                raise
            raise RedisConnectionError(str(error)) from error

    async def aclose(self) -> None:
        """As redis-py's, and also when an error left the slot map to be read again before
        the next command (``_initialize``: redis-py sets it when its retries run out, this
        module after a timeout): redis-py's closes nothing then, leaving every node's
        connections open."""
        if not self._initialize:
            await super().aclose()
            return
        await self.nodes_manager.aclose()
        await self.nodes_manager.aclose("startup_nodes")

    def register_script(self, script: Any) -> ClusterScript:  # type: ignore[override]
        return ClusterScript(self, script)

    def pipeline(self, transaction: Any = None, shard_hint: Any = None) -> ClusterPipeline:
        if transaction:
            return TransactionPipeline(self, QueuedTransaction)
        return MappedPipeline(self)

    @property
    def where(self) -> str:
        """The startup nodes, for the log (never a password)."""
        nodes = self.nodes_manager.startup_nodes.values()
        return "cluster " + ",".join(f"{node.host}:{node.port}" for node in nodes)


def connect_cluster(url: str, **options: Any) -> ClusterRedis:
    parts = urlsplit(url)
    nodes = [ClusterNode(host, port) for host, port in startup_nodes(url)]
    if parts.username:
        options["username"] = unquote(parts.username)
    if parts.password:
        options["password"] = unquote(parts.password)
    retry = Retry(ExponentialWithJitterBackoff(base=0.01, cap=1), retries=RETRIES)
    return ClusterRedis(startup_nodes=nodes, ssl=SCHEMES[parts.scheme], retry=retry, **options)
