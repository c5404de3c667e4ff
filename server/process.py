"""A background process of the Procfile (``scheduler:``, ``worker:``): its Redis (the embedded
one unless ``REDIS_URL`` names one), its one loop, and a clean stop on SIGTERM or SIGINT."""

import asyncio
import logging
import signal
import sys
from collections.abc import Callable
from typing import Any, Protocol

from server.logs import setup_logging
from server.settings import Settings, SettingsError
from server.store import EmbeddedRedis, Store, connect, rename_old_keys

log = logging.getLogger(__name__)


class Loop(Protocol):
    """What such a process runs: a loop it starts and, when told, stops."""

    def start(self) -> None: ...

    async def stop(self) -> None: ...


Make = Callable[[Store, Settings], Loop]
Describe = Callable[[Any], str]  # the loop made -> a line for the log ("worker w1 running")


async def run_until_stopped(settings: Settings, make: Make, describe: Describe) -> None:
    """Run the loop ``make`` gives until SIGTERM or SIGINT; once up, log how it runs."""
    embedded = None
    url = settings.redis_url
    if url is None:
        embedded = EmbeddedRedis(settings.data_dir / "redis")
        await embedded.start()
        url = embedded.url
    store = Store(connect(url))
    await rename_old_keys(store.redis)  # before the loop reads anything (server/store/key_names.py)
    loop = make(store, settings)
    stopping = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stopping.set)
    loop.start()
    log.info("%s", describe(loop))
    await stopping.wait()
    await loop.stop()
    await store.close()
    if embedded is not None:
        await embedded.stop()


def main(name: str, make: Make, describe: Describe) -> int:
    """The process's entry point: 2 when its settings are wrong, else 0 once stopped."""
    setup_logging()
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"yunhui {name}: cannot start: {error}", file=sys.stderr)
        return 2
    asyncio.run(run_until_stopped(settings, make, describe))
    return 0
