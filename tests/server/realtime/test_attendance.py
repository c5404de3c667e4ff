"""Attendance over real sockets: joins and leaves in the session's stream, totals for the
hosts (live and as CSV)."""

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from rooms.attendance import Movement, export_rows, totals
from rooms.roles import Role
from server.realtime.live import LiveRooms
from server.realtime.ownership import recover_room
from server.store.owners import Fence, Fenced
from tests.server.fixtures_login import sign_in
from tests.server.realtime.room_world import World


async def test_hosts_see_each_persons_total_time(rooms_world: World) -> None:
    room = await rooms_world.session(lobby=False)
    host_token = await rooms_world.invite(room, Role.HOST, "Host")
    token = await rooms_world.invite(room, Role.ATTENDEE, "Li Lei")
    clock = rooms_world.stop_clock()  # after signing: a token must not come from its future
    start = clock.now
    host = await rooms_world.enter(room, invite=host_token)
    li = await rooms_world.enter(room, invite=token)
    second_tab = await rooms_world.enter(room, invite=token)  # one person: one stay
    clock.advance(60)
    await li.close()
    await second_tab.close()
    await host.wait_for("participant_left")  # left at +60, before the clock moves on
    clock.advance(30)
    again = await rooms_world.enter(room, invite=token)
    clock.advance(15)

    await host.send("get_attendance")

    [attendance] = host.of("attendance")
    assert [(p["name"], p["seconds"], p["visits"], p["present"]) for p in attendance["people"]] == [
        ("Host", 105, 1, True),
        ("Li Lei", 75, 2, True),
    ]
    assert attendance["people"][1]["first_join"] == start.isoformat()
    assert again.me["participant_id"] == li.me["participant_id"]


async def test_every_join_and_leave_is_in_the_sessions_stream(rooms_world: World) -> None:
    room = await rooms_world.session(lobby=True)
    host = await rooms_world.enter(room, invite=await rooms_world.invite(room, Role.HOST, "Host"))
    guest = await rooms_world.enter(
        room, invite=await rooms_world.invite(room, Role.ATTENDEE, "Li")
    )
    await host.sync()
    await host.send("admit", {"participant_id": host.of("lobby")[-1]["queue"][0]["participant_id"]})
    await guest.sync()
    await guest.close()
    await host.wait_for("participant_left")

    passages = await rooms_world.store.attendance.passages(room.session_id)

    assert [(p.movement, p.name, p.role) for p in passages] == [
        (Movement.JOIN, "Host", "host"),
        (Movement.JOIN, "Li", "attendee"),  # from admission: lobby time does not count
        (Movement.LEAVE, "Li", "attendee"),
    ]


async def test_attendance_exports_as_csv_for_the_owner(rooms_world: World) -> None:
    room = await rooms_world.session(lobby=False)
    await rooms_world.enter(room, invite=await rooms_world.invite(room, Role.ATTENDEE, "=Li"))
    browser = await rooms_world.browser()
    await sign_in(browser, email=room.owner.email)

    response = await browser.get(f"/sessions/{room.session_id}/attendance.csv")

    rows = list(csv.reader(io.StringIO((await response.text()).lstrip("\ufeff"))))
    assert response.status == 200
    assert rows[0] == [
        "name", "role", "seconds", "minutes", "active_seconds", "active_minutes", "visits",
        "first_join", "last_leave", "left_by",
    ]  # fmt: skip
    assert [row[:2] + [row[6], row[8], row[9]] for row in rows[1:]] == [
        ["'=Li", "attendee", "1", "", ""]
    ]
    assert (
        response.headers["Content-Disposition"]
        == f'attachment; filename="attendance-{room.session_id}.csv"'
    )


async def test_a_restart_after_a_crash_closes_open_stays_at_the_last_heartbeat(
    rooms_world: World,
) -> None:
    room = await rooms_world.session(lobby=False)
    clock = rooms_world.stop_clock()
    await rooms_world.enter(room, invite=await rooms_world.invite(room, Role.ATTENDEE, "Li"))
    clock.advance(60)
    await rooms_world.live.sweep()  # the heartbeat: the process vouches for +60 s
    beat = clock.now
    clock.advance(600)  # ... then dies without a word (kill -9): nobody's leave is recorded
    crashed = rooms_world.live
    restarted = LiveRooms(
        crashed.sio, crashed.store, crashed.settings, crashed.catalogs, clock=clock
    )

    await restarted.recover()

    passages = await rooms_world.store.attendance.passages(room.session_id)
    [li] = totals(passages, until=clock.now)
    assert [(p.movement, p.at) for p in passages] == [
        (Movement.JOIN, beat - timedelta(seconds=60)), (Movement.LOST, beat),
    ]  # fmt: skip
    assert (li.seconds, li.present, li.lost) == (60, False, True)
    assert export_rows([li])[1][-1] == "server_restart"
    assert await rooms_world.store.rooms.held(crashed.process) == {}


async def test_active_time_counts_the_heartbeats_the_server_received(rooms_world: World) -> None:
    room = await rooms_world.session(lobby=False)
    host = await rooms_world.enter(room, invite=await rooms_world.invite(room, Role.HOST, "Host"))
    token = await rooms_world.invite(room, Role.ATTENDEE, "Li Lei")
    clock = rooms_world.stop_clock()
    tab, other_tab = (
        await rooms_world.enter(room, invite=token),
        await rooms_world.enter(room, invite=token),
    )
    steps = [
        (tab, True, 0), (tab, True, 30),
        (other_tab, True, 10),  # a second visible tab adds no time of its own
        (tab, False, 20),  # one tab hidden, the other still seen
        (other_tab, False, 30),  # none seen any more: from here on nothing counts
    ]  # fmt: skip
    for peer, visible, seconds in steps:
        clock.advance(seconds)
        await peer.send("attention", {"visible": visible})
    clock.advance(600)
    await tab.send("attention", {"visible": True, "seconds": 3600})  # no claim of time

    await host.send("get_attendance")

    [attendance] = host.of("attendance")
    li = next(p for p in attendance["people"] if p["name"] == "Li Lei")
    assert (li["seconds"], li["active_seconds"]) == (690, 90)
    assert [e["code"] for e in tab.of("error")] == ["invalid_payload"]
    passages = await rooms_world.store.attendance.passages(room.session_id)
    assert [p.movement for p in passages if p.name == "Li Lei"] == [
        Movement.JOIN, Movement.ACTIVE, Movement.ACTIVE, Movement.ACTIVE, Movement.IDLE,
    ]  # fmt: skip


async def lease_runs_out(world: World, session_id: str) -> None:
    """The room's lease, held by the world's process, expires (as after a ``kill -9``)."""
    owner = await world.store.owners.last_owner(session_id)
    assert owner is not None and owner[0] == world.live.process
    assert await world.store.owners.release(session_id, owner[0], owner[1])


async def test_a_restart_leaves_alone_a_room_another_process_took_meanwhile(
    rooms_world: World,
) -> None:
    """Another process took the crashed one's room and recovered it, and the people came
    back there; the crashed process restarts while the room is still on its list (the
    other's ``let_go`` failed, or has not run yet): it records no one lost, as they are
    present."""
    room = await rooms_world.session(lobby=False)
    clock = rooms_world.stop_clock()
    await rooms_world.enter(room, invite=await rooms_world.invite(room, Role.ATTENDEE, "Li"))
    clock.advance(60)
    await rooms_world.live.sweep()
    beat = clock.now
    crashed, store = rooms_world.live, rooms_world.store
    clock.advance(30)  # the lease ran out; another process takes the room
    await lease_runs_out(rooms_world, room.session_id)
    claim = await store.owners.claim(room.session_id, "10.0.0.2:8000", ttl=timedelta(seconds=5))
    fence = Fence(room.session_id, claim.token)
    await recover_room(store, crashed.recordings, room.session_id, beat=beat, fence=fence)
    rejoin = replace((await store.attendance.passages(room.session_id))[0], at=clock.now)
    await store.attendance.record(room.session_id, [rejoin])  # Li is back, over there
    clock.advance(600)
    restarted = LiveRooms(
        crashed.sio, crashed.store, crashed.settings, crashed.catalogs, clock=clock
    )
    assert room.session_id in await store.rooms.held(crashed.process)

    await restarted.recover()

    passages = await store.attendance.passages(room.session_id)
    assert [(p.movement, p.at) for p in passages] == [
        (Movement.JOIN, beat - timedelta(seconds=60)), (Movement.LOST, beat),
        (Movement.JOIN, rejoin.at),
    ]  # fmt: skip
    assert totals(passages, until=clock.now)[0].present
    assert await store.rooms.held(crashed.process) == {}


async def test_a_stale_owner_records_no_one_lost(rooms_world: World) -> None:
    room = await rooms_world.session(lobby=False)
    await rooms_world.enter(room, invite=await rooms_world.invite(room, Role.ATTENDEE, "Li"))
    store = rooms_world.store
    [(_, held)] = [await store.owners.last_owner(room.session_id)]
    await lease_runs_out(rooms_world, room.session_id)  # and another process takes the room:
    await store.owners.claim(room.session_id, "10.0.0.3:8000", ttl=timedelta(seconds=5))
    before = await store.attendance.passages(room.session_id)

    with pytest.raises(Fenced):
        await store.attendance.close_open_stays(
            room.session_id, at=datetime.now(UTC), fence=Fence(room.session_id, held)
        )

    assert await store.attendance.passages(room.session_id) == before
