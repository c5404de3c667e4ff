"""What the live rooms do for their breakout groups besides the events: each room's breakout
timer, which returns everyone to the main room when the groups' time is up (server time).

``LiveRooms.arm`` starts it when groups open with a timer (or a room opens with such groups,
after a restart); it is the room's own task, stopped with the room (``LiveRoom.stop_timer``),
and ends by itself once no groups with a timer are open. Closing is one change on the room's
line, and then everyone's media follows (``RoomMedia.regroup``).
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING

from rooms.breakouts import Breakouts
from rooms.outbox import Effect

if TYPE_CHECKING:
    from server.realtime.live import LiveRoom

log = logging.getLogger(__name__)

STEP = 1.0  # seconds at most between looks at the clock (tests move a stopped clock)


async def close_breakouts_on_time(
    live: "LiveRoom",
    breakouts: Breakouts,
    *,
    run: Callable[["LiveRoom", list[Effect]], Awaitable[object]],
    clock: Callable[[], datetime],
) -> None:
    """Close the groups when their time is up; end when no groups with a timer are open."""
    while not live.room.closed and (deadline := breakouts.next_deadline()) is not None:
        wait = (deadline - clock()).total_seconds()
        if wait > 0:
            await asyncio.sleep(min(wait, STEP))
            continue
        try:
            await run(live, breakouts.due(now=clock()))
            await live.media.regroup()
        except Exception:
            log.exception("room %s: breakout groups not closed on time", live.session_id)
            await asyncio.sleep(STEP)
    live.breakout_timer = None
