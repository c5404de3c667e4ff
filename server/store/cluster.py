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
  (server/store/durable.py).

python-socketio's ``AsyncRedisManager`` does not take this URL (Yunhui does not use it);
given one node's ``redis://host:port/0`` it works across the cluster, whose ``PUBLISH``
reaches every node.
"""

import asyncio
import re
from typing import Any
from urllib.parse import unquote, urlsplit

from redis.asyncio.cluster import (
    ClusterNode,
    ClusterPipeline,
    PipelineCommand,
    RedisCluster,
    TransactionStrategy,
)
from redis.commands.core import AsyncScript
from redis.commands.helpers import list_or_args
from redis.exceptions import WatchError

SCHEMES = {"redis+cluster": False, "rediss+cluster": True}  # scheme -> TLS


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

    def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        if not self._explicit_transaction and (
            self._watching or args[0] in self.IMMEDIATE_EXECUTE_COMMANDS
        ):
            return self._at_once(*args, **kwargs)
        self._command_queue.append(PipelineCommand(len(self._command_queue), *args, **kwargs))
        return self._pipe

    async def _at_once(self, *args: Any, **kwargs: Any) -> Any:
        return await (await self._execute_command(*args, **kwargs))

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


class ClusterRedis(RedisCluster):
    """redis-py's cluster client, whose scripts work on its pipelines too, and whose
    transactions are ``TransactionPipeline``s."""

    def register_script(self, script: Any) -> ClusterScript:  # type: ignore[override]
        return ClusterScript(self, script)

    def pipeline(self, transaction: Any = None, shard_hint: Any = None) -> ClusterPipeline:
        if transaction:
            return TransactionPipeline(self, QueuedTransaction)
        return super().pipeline(transaction, shard_hint)

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
    return ClusterRedis(startup_nodes=nodes, ssl=SCHEMES[parts.scheme], **options)
