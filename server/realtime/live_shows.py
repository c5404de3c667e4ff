"""A roadshow room follows its run of show (``rooms.roadshow``), whoever wrote the change.

Hand-overs are written by a scheduler (perhaps in another process), the chair's start,
extension or cut by the web process the chair is connected to; every write lands in Redis
first and its session id is published on ``shows:changed`` (``server/store/show.py``). Each
web process listens there and reloads the show of each live room it runs; the room then moves
founders in and out, everyone gets the new ``show``, and the media plane stops forwarding what
a founder off stage may no longer send. A message lost while the listener reconnects is made
up for: it reloads every live roadshow when it (re)subscribes, and the rooms' watcher reloads
them on its rounds too.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from rooms.judging import Judging
from rooms.roadshow import RunOfShow
from server.logs import retrying
from server.store import keys

if TYPE_CHECKING:
    from server.realtime.live import LiveRoom, LiveRooms

log = logging.getLogger(__name__)
T = TypeVar("T")
RETRY = 1.0  # seconds before listening again after a failure
POLL = 1.0  # seconds a wait for a message lasts
ROUND = 5.0  # seconds between two reloads of every live roadshow (a message may be lost)


def show_of(live: "LiveRoom") -> RunOfShow | None:
    return next((w for w in live.room.workflows if isinstance(w, RunOfShow)), None)


async def refresh_show(rooms: "LiveRooms", session_id: str) -> None:
    """Reload a live roadshow's run of show from the store and apply it."""
    live = rooms.rooms.get(session_id)
    if live is None or live.room.closed:
        return
    part = show_of(live)
    if part is None:
        return
    show = await rooms.store.shows.show(live.room.session)
    effects = part.reload(show, now=rooms.clock())
    judging = next((w for w in live.room.workflows if isinstance(w, Judging)), None)
    if effects and judging is not None:
        effects += judging.news()  # a pitch that started is open to score now
    if effects:
        live.media.follow()
        await rooms.run(live, effects)
        await live.media.regroup(reason="stage")


async def _unless_stopped(call: Coroutine[Any, Any, T], stop: asyncio.Event) -> T | None:
    """The call's result, or None at once when stopped first (a shutdown does not wait for a
    poll): the call is cancelled then, and its pubsub is closed next anyway."""
    getting = asyncio.ensure_future(call)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait((getting, stopping), return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        if not getting.done():
            getting.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await getting
    return None if getting.cancelled() else getting.result()


async def refresh_all(rooms: "LiveRooms") -> None:
    for session_id, live in list(rooms.rooms.items()):
        if show_of(live) is not None:
            try:
                await refresh_show(rooms, session_id)
            except Exception:
                log.exception("roadshow %s: the run of show was not reloaded", session_id)


async def listen(rooms: "LiveRooms", stop: asyncio.Event) -> None:
    """Until stopped: reload the show of each live roadshow whose show changed."""
    while not stop.is_set():
        pubsub = rooms.store.redis.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(keys.SHOWS_CHANNEL)
            await refresh_all(rooms)  # what changed while nobody listened
            last = time.monotonic()
            while not stop.is_set():
                if time.monotonic() - last > ROUND:
                    await refresh_all(rooms)
                    last = time.monotonic()
                message = await _unless_stopped(pubsub.get_message(timeout=POLL), stop)
                if message is not None and message.get("type") == "message":
                    try:
                        await refresh_show(rooms, str(message["data"]))
                    except Exception:
                        log.exception("roadshow %s: the run of show was not reloaded", message)
        except Exception as error:
            retrying(log, "listening for run of show changes failed", error)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RETRY)
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()
