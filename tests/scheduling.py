"""How ``make test`` shares the machine's two cores between two pytest-xdist workers.

- A module's tests stay together on one worker.
- The tests that start processes or clusters, kill them, take Redis away, or are judged on
  time (``SERIAL``) run one after another on one worker, in one scope ("serial").
- The other real-browser tests, which only drive pages (``tests/browser/``, not listed in
  ``SERIAL``), run one after another in a scope of their own ("pages"): one such Chromium at
  a time, beside the rest.
- The real-browser media scenarios (``tests/browser/*_media.py``: several Chromiums each,
  judged on frame rates, freezes and first frames) and the tests listed in ``ALONE`` come
  last in the serial scope and run with the machine to themselves: while one runs, the
  other worker waits between its tests (``Turns``), and one starts only once the other
  worker's test in progress is over.

Each worker also has its own range of test ports (``YUNHUI_TEST_PORTS``); the conftest gives
each its own Redis database. xdist's own ``xdist_group`` marks have no effect with pytest
9.2 (xdist 3.8 renames a test's ``_nodeid``, which pytest 9.2 no longer reads), hence the
scheduler below.
"""

import contextlib
import os
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SERIAL = (
    "tests/browser/test_failover_room.py",
    "tests/browser/test_room_outage.py",
    "tests/browser/test_polls_room.py",
    "tests/browser/test_recording_room.py",
    "tests/browser/test_stream_room.py",
    "tests/test_bench.py",
    "tests/server/media/",
    "tests/server/test_review_crash.py",
    "tests/server/test_show_crash.py",
    "tests/server/test_signing_crash.py",
    "tests/server/test_cluster",
    "tests/server/test_scheduler.py",
    "tests/server/test_show_schedulers.py",
    "tests/server/test_booking_concurrency.py",
    "tests/server/test_main.py",
    "tests/server/realtime/test_redis_",
    "tests/server/realtime/test_edge_media.py",
    "tests/server/realtime/test_breakouts_media.py",
    "tests/server/realtime/test_media_signalling.py",
    "tests/server/realtime/test_fanout.py",
    "tests/server/store/test_redis_cluster.py",
    "tests/server/store/test_hung_redis.py",
)
ALONE = (
    # judged on arrival times (the recorder starts a track's clock at its first frame's
    # arrival): 104 ms apart (bound 100) once beside a page test
    "tests/server/media/test_recorder_sync.py",
    # every answer within a bound while Redis hangs: one came 10.2 s after (bound 10 s)
    # beside a page test, answered as the shard resumed
    "tests/server/realtime/test_redis_cluster_hung.py",
    "tests/server/realtime/test_redis_hung.py",
)
PORTS_PER_WORKER = 2000  # from 20000 up; the kernel's ephemeral ports start at 32768
WAIT_AT_MOST = 900.0  # s: a worker that died holding its turn does not stop the other


def worker() -> int:
    """This pytest-xdist worker's number (gw0: 0), 0 without workers."""
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))


def alone(nodeid: str) -> bool:
    """A real-browser media scenario, or a test judged on media timing that another
    worker's test beside it has pushed over its bound: last, with the machine to itself."""
    path = nodeid.partition("::")[0]
    scenario = path.startswith("tests/browser/") and path.endswith("_media.py")
    return scenario or path in ALONE


def scope(nodeid: str) -> str:
    if nodeid.startswith(SERIAL) or alone(nodeid):
        return "serial"
    if nodeid.startswith("tests/browser/"):
        return "pages"
    return nodeid.partition("::")[0]


class Turns:
    """Who may use the machine now, between two workers, as files in a directory of the run.

    A worker about to run an ordinary test marks itself busy, then looks for another's
    scenario mark (and if there is one, steps back and waits); a worker about to run a
    scenario marks it, then waits for the other's busy mark to go. Each writes before it
    reads, so they cannot both go ahead.
    """

    def __init__(self, directory: Path, name: str) -> None:
        directory.mkdir(exist_ok=True)
        self._busy = directory / f"busy-{name}"
        self._scenario = directory / f"scenario-{name}"
        self.directory = directory

    def _others(self, kind: str, mine: Path) -> bool:
        return any(p != mine for p in self.directory.glob(f"{kind}-*"))

    def _wait(self, until_clear: str, mine: Path, step_back: Path | None) -> None:
        started = time.monotonic()
        while self._others(until_clear, mine):
            if time.monotonic() - started > WAIT_AT_MOST:
                warnings.warn(
                    f"waited {WAIT_AT_MOST:.0f} s for another worker's {until_clear}", stacklevel=1
                )
                break
            if step_back is not None:
                step_back.unlink(missing_ok=True)
            time.sleep(0.2)
            if step_back is not None:
                step_back.touch()

    def ordinary(self) -> None:
        self._busy.touch()
        self._wait("scenario", self._scenario, step_back=self._busy)

    def ordinary_done(self) -> None:
        self._busy.unlink(missing_ok=True)

    def scenario(self) -> None:
        if not self._scenario.exists():
            self._scenario.touch()
            self._wait("busy", self._busy, step_back=None)

    def scenarios_done(self) -> None:
        self._scenario.unlink(missing_ok=True)


_turns: Turns | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _turns
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None:
        return  # no workers: one test at a time anyway
    directory = Path(tempfile.gettempdir()) / f"yunhui-turns-{workerinput['testrunuid']}"
    _turns = Turns(directory, os.environ["PYTEST_XDIST_WORKER"])
    if not os.environ.get("YUNHUI_TEST_PORTS"):
        first = 20000 + worker() * PORTS_PER_WORKER
        os.environ["YUNHUI_TEST_PORTS"] = f"{first}-{first + PORTS_PER_WORKER - 1}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: alone(item.nodeid))  # stable: the rest keep their order


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[Any]:
    if _turns is None:
        return (yield)
    if alone(item.nodeid):
        _turns.scenario()
        try:
            return (yield)
        finally:
            if nextitem is None or not alone(nextitem.nodeid):
                _turns.scenarios_done()
    _turns.ordinary()
    try:
        return (yield)
    finally:
        _turns.ordinary_done()


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _turns is not None:
        _turns.ordinary_done()
        _turns.scenarios_done()
        with contextlib.suppress(OSError):  # the other worker's marks may still be there
            _turns.directory.rmdir()


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scope(nodeid)

    return Scheduling(config, log)
