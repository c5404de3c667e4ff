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
STOP_SECONDS = 5.0  # how long a stop waits for its cancelled tasks
RECANCEL_EVERY = 0.1  # seconds: how often a task still running is cancelled again


async def stop_tasks(tasks: list["asyncio.Task[Any]"], *, within: float = STOP_SECONDS) -> None:
    """Cancel ``tasks`` and wait for them to end, ``within`` seconds at most.

    A cancellation can be lost on Python 3.11: ``asyncio.wait_for`` returns the result of
    what it waited on when that finished in the same turn as the cancel (CPython gh-86296),
    and the loop around it goes on. So a task that has not ended is cancelled again every
    ``RECANCEL_EVERY``; one still running at the end is named in the log and
    left, never waited on for ever (a shutdown that hangs). What a task ended with other
    than its cancellation is logged."""
    if not tasks:
        return
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    stuck = set(tasks)
    while stuck and loop.time() < deadline:
        for task in stuck:
            task.cancel()
        _, stuck = await asyncio.wait(
            stuck, timeout=min(RECANCEL_EVERY, max(deadline - loop.time(), 0))
        )
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            log.error("%s ended with %r", task.get_name(), task.exception())
    for task in stuck:
        where = "; ".join(
            f"{frame.f_code.co_filename}:{frame.f_lineno}" for frame in task.get_stack(limit=3)
        )
        log.warning(
            "%s did not stop within %.0f s of being cancelled (at %s)",
            task.get_name(),
            within,
            where,
        )


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
