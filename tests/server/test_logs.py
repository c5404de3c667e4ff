"""The access log leaves out a load balancer's successful health checks, and only those; a
background loop says an outage of Redis in one line a round, a bug with its traceback."""

import asyncio
import logging
import socket
from dataclasses import replace

import pytest

from server.logs import HealthChecks, retrying
from server.scheduler import Scheduler
from server.settings import Settings
from server.store import Store, connect


def record(message: str) -> logging.LogRecord:
    return logging.LogRecord("aiohttp.access", logging.INFO, __file__, 1, message, None, None)


def test_successful_health_checks_are_left_out_of_the_access_log() -> None:
    checks = HealthChecks()
    line = '127.0.0.1 [05/Dec/2026:14:51:16 +0000] "GET {path} HTTP/1.0" {status} 648 "-" "-"'

    kept = [
        checks.filter(record(line.format(path=path, status=status)))
        for path, status in [("/healthz", 200), ("/healthz", 503), ("/health", 200),
                             ("/healthzz-page", 200), ("/sessions/1", 200)]
    ]  # fmt: skip

    assert kept == [False, True, False, True, True]


async def test_a_loop_on_an_unreachable_redis_logs_one_line_a_round_and_a_bug_its_traceback(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """The scheduler's loop (as the watcher's, the show listener's, the leases' and the
    worker's): with nothing listening where Redis should be, each failed round is one warning
    without a traceback; an error that is not an outage keeps its traceback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nobody listens there
    store = Store(connect(f"redis://127.0.0.1:{port}/0"))
    scheduler = Scheduler(store, replace(settings, scheduler_interval=0.05))
    with caplog.at_level(logging.WARNING, logger="server.scheduler"):
        scheduler.start()
        while len(caplog.records) < 2:
            await asyncio.sleep(0.02)
        await scheduler.stop()
    await store.close()
    outage = caplog.records[0]
    assert outage.levelno == logging.WARNING and outage.exc_info is None
    assert outage.getMessage().startswith("scheduler tick failed: Redis did not answer (")
    assert "retrying" in outage.getMessage()

    bug = logging.getLogger("tests.bug")
    with caplog.at_level(logging.WARNING, logger="tests.bug"):
        try:
            {}["missing"]
        except KeyError as error:
            retrying(bug, "a round failed", error)
    [record] = [r for r in caplog.records if r.name == "tests.bug"]
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert record.getMessage() == "a round failed; retrying"
