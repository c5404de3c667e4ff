"""Sender reports for every subscribe connection of this process, on one clock.

A viewer's receivers need an RTCP sender report about once a second (RFC 3550 6.2: the
NTP/RTP pair for lip sync, and what round trips are measured from). A timer per connection
wakes the process once a second per viewer whatever else it does: on an edge serving 25
viewers, 25 of its 170 wake-ups a second (bench/cluster.py). The ``ReportClock`` wakes once
for all of them: every 0.5-1.5 s (randomised, RFC 3550 6.2), each subscribe connection
with something to report sends its compound reports. It runs while a connection is on it.
"""

import asyncio
import logging
import random
import weakref
from typing import Protocol

log = logging.getLogger(__name__)


class Reporting(Protocol):
    def send_reports(self) -> None: ...


class ReportClock:
    """One event loop's sender reports (``report_clock()`` gives the running loop's)."""

    def __init__(self) -> None:
        self._on: dict[Reporting, None] = {}  # in the order they came
        self._task: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        return len(self._on)

    def add(self, peer: Reporting) -> None:
        self._on[peer] = None
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name="media:sender-reports"
            )

    def discard(self, peer: Reporting) -> None:
        self._on.pop(peer, None)
        if not self._on and self._task is not None:
            self._task.cancel()
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(0.5 + random.random())
            for peer in list(self._on):
                try:
                    peer.send_reports()
                except Exception:  # one connection's fault must not end everyone's reports
                    log.exception("sender reports failed for one connection")


_CLOCKS: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ReportClock]" = (
    weakref.WeakKeyDictionary()
)


def report_clock() -> ReportClock:
    """The running event loop's report clock."""
    loop = asyncio.get_running_loop()
    clock = _CLOCKS.get(loop)
    if clock is None:
        clock = _CLOCKS[loop] = ReportClock()
    return clock
