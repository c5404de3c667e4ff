"""What the live rooms do for their polls besides the events: each room's timer, which closes
its polls when their deadlines come (server time), and following the session's poll bank.

``LiveRooms.arm`` starts the timer when a poll with a deadline opens (or a room opens with
one, after a restart); it is the room's own task, stopped with the room
(``LiveRoom.stop_timer``), and ends by itself once no open poll has a deadline. Each close is
one change on the room's line. When the staff change a session's bank (``store.polls`` tells
its watchers), the live room's hosts see the new one at once (``bank_changed``).
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING

from rooms.outbox import Effect
from rooms.polls import Polls

if TYPE_CHECKING:
    from server.realtime.live import LiveRoom, LiveRooms

log = logging.getLogger(__name__)

STEP = 1.0  # seconds at most between looks at the clock (tests move a stopped clock)


async def close_on_time(
    live: "LiveRoom",
    polls: Polls,
    *,
    run: Callable[["LiveRoom", list[Effect]], Awaitable[object]],
    clock: Callable[[], datetime],
) -> None:
    """Close each poll when its deadline comes, until no open poll has one."""
    while not live.room.closed and (deadline := polls.next_deadline()) is not None:
        wait = (deadline - clock()).total_seconds()
        if wait > 0:
            await asyncio.sleep(min(wait, STEP))
            continue
        try:
            await run(live, polls.due(now=clock()))
        except Exception:
            log.exception("room %s: polls not closed on time", live.session_id)
            await asyncio.sleep(STEP)
    live.timer = None


async def bank_changed(rooms: "LiveRooms", session_id: str) -> None:
    """The session's bank changed: its live room, if any, shows the new one to its hosts. A
    failure is logged: the bank is kept, and the room loads it when it next opens."""
    live = rooms.rooms.get(session_id)
    if (
        live is None
        or live.room.closed
        or not any(isinstance(w, Polls) for w in live.room.workflows)
    ):
        return
    try:
        bank = await rooms.store.polls.bank(session_id)
        await rooms.run(live, live.room.part(Polls).set_bank(bank))
    except Exception:
        log.exception("room %s: the new poll bank was not shown", session_id)
