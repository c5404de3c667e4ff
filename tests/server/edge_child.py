"""An edge process for the tests and bench/cluster.py: ``EdgeService`` on the given Redis,
its media on 127.0.0.1, until stopped (a line on stdin, or a signal)."""

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


async def main(name: str, redis_url: str) -> None:
    faulthandler.register(signal.SIGUSR1)  # a stuck edge's stacks, on demand
    store = Store(connect(redis_url))
    edge = EdgeService(store, name=name, config=LOOPBACK, relay_host="127.0.0.1")
    edge.start()
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)
    await edge.stop()
    await store.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
