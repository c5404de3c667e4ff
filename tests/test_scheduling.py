"""How make test shares the machine between its two workers (tests/scheduling.py)."""

import threading
import time
from collections.abc import Callable
from pathlib import Path

from tests.scheduling import Turns, alone, scope


def test_scopes_keep_media_scenarios_serial_and_page_tests_together() -> None:
    assert scope("tests/browser/test_media.py::test_x") == "serial"
    assert scope("tests/browser/test_class_media.py::test_x") == "serial"
    assert scope("tests/browser/test_failover_room.py::test_x[kill_9]") == "serial"
    assert scope("tests/browser/test_room.py::test_x") == "pages"
    assert scope("tests/browser/test_qa_room.py::test_x") == "pages"
    assert scope("tests/server/test_scheduler.py::test_x") == "serial"
    assert scope("tests/rooms/test_lease.py::test_x") == "tests/rooms/test_lease.py"
    assert alone("tests/browser/test_speaking_media.py::test_x")
    assert alone("tests/server/media/test_recorder_sync.py::test_x")
    assert scope("tests/server/media/test_recorder_sync.py::test_x") == "serial"
    assert not alone("tests/server/realtime/test_edge_media.py::test_x")


def later(action: Callable[[], None]) -> tuple[threading.Thread, list[float]]:
    done: list[float] = []

    def run() -> None:
        action()
        done.append(time.monotonic())

    thread = threading.Thread(target=run)
    thread.start()
    return thread, done


def test_a_scenario_waits_for_the_others_test_and_the_other_waits_for_the_scenario(
    tmp_path: Path,
) -> None:
    scenarios, ordinary = Turns(tmp_path, "gw0"), Turns(tmp_path, "gw1")
    ordinary.ordinary()  # gw1 is in a test

    thread, started = later(scenarios.scenario)
    time.sleep(0.5)
    assert started == []  # the scenario waits for it
    finished = time.monotonic()
    ordinary.ordinary_done()
    thread.join(5)
    assert started and started[0] >= finished

    thread, started = later(ordinary.ordinary)  # gw1's next test
    time.sleep(0.5)
    assert started == []  # waits while the scenarios run
    scenarios.scenario()  # the next scenario goes ahead at once: the mark is still there
    over = time.monotonic()
    scenarios.scenarios_done()
    thread.join(5)
    assert started and started[0] >= over
    ordinary.ordinary_done()
    assert list(tmp_path.iterdir()) == []
