"""The report clock: every subscribe connection's sender reports on one wake-up."""

import asyncio
import logging

import pytest

from server.media.report_clock import ReportClock, report_clock
from tests.server.media.conftest import Link, Room, until
from tests.server.media.test_forwarding import remote_outbound

TASK = "media:sender-reports"


class Counted:
    def __init__(self, fails: bool = False) -> None:
        self.sent = 0
        self.fails = fails

    def send_reports(self) -> None:
        self.sent += 1
        if self.fails:
            raise OSError("the viewer's socket is gone")


def report_tasks() -> list[asyncio.Task[object]]:
    return [t for t in asyncio.all_tasks() if t.get_name() == TASK and not t.done()]


async def test_one_wake_up_reports_for_every_connection_and_a_failing_one_stops_nobody(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = ReportClock()
    peers = [Counted(), Counted(fails=True), Counted()]
    for peer in peers:
        clock.add(peer)

    await until(lambda: peers[2].sent >= 2, within=4.0)

    assert len(report_tasks()) == 1
    assert peers[0].sent == peers[1].sent == peers[2].sent  # on the same wake-ups
    assert "sender reports failed for one connection" in caplog.text
    for peer in peers:
        clock.discard(peer)
    await asyncio.sleep(0)
    assert report_tasks() == []  # nothing left on the clock: it stops


async def test_a_connection_taken_off_the_clock_gets_no_more_reports() -> None:
    clock = ReportClock()
    gone, staying = Counted(), Counted()
    clock.add(gone)
    clock.add(staying)
    clock.discard(gone)

    await until(lambda: staying.sent >= 1, within=2.0)

    assert (gone.sent, len(clock)) == (0, 1)
    clock.discard(staying)


async def test_viewers_of_a_room_and_of_its_edge_have_their_reports_from_one_clock(
    room: Room, link: Link, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    await room.publish("alice")
    viewers = [await room.watch(f"owner-{i}", decode=True) for i in range(3)]
    viewers += [await link.watch(f"edge-{i}", decode=True) for i in range(2)]

    await until(lambda: all(remote_outbound(v) == 2 for v in viewers), within=4.0)

    assert len(report_tasks()) == 1
    assert len(report_clock()) == 5
    for participant_id in ("owner-0", "owner-1", "owner-2"):
        await room.router.close_peer(participant_id)
    assert len(report_clock()) == 2  # a closed connection is off the clock
    assert caplog.text == ""
