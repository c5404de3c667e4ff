"""An edge process for the tests and bench/cluster.py: ``EdgeService`` on the given Redis,
its media on 127.0.0.1 (or on the address given third, for browsers), until stopped (a
line on stdin, or a signal).

    python -m tests.server.edge_child <name> <redis url> [<media address>]
"""

import asyncio
import faulthandler
import signal
import sys

from server.edges import EdgeService
from server.media import CandidatePolicy, MediaConfig
from server.store import Store, connect

LOOPBACK = MediaConfig(
    host_addresses=("127.0.0.1",), candidates=CandidatePolicy(allow_loopback=True)
)


async def main(name: str, redis_url: str, address: str | None) -> None:
    faulthandler.register(signal.SIGUSR1)  # a stuck edge's stacks, on demand
    store = Store(connect(redis_url))
    config = LOOPBACK if address is None else MediaConfig(host_addresses=(address,))
    edge = EdgeService(store, name=name, config=config, relay_host="127.0.0.1")
    edge.start()
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)
    await edge.stop()
    await store.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None))
