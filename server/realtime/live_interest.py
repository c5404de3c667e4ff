"""A live roadshow follows interest marked outside its room (the REST API): the store tells
its watchers (``store.interest.mark``), and the room of this process, if open, takes the
marks from the store and shows each person their own, the moderators the counts."""

import logging
from typing import TYPE_CHECKING

from rooms.interest import Interests

if TYPE_CHECKING:
    from server.realtime.live import LiveRooms

log = logging.getLogger(__name__)


async def interest_changed(rooms: "LiveRooms", session_id: str) -> None:
    """A failure is logged: the mark is kept, and the room loads it when it next opens."""
    live = rooms.rooms.get(session_id)
    if live is None or live.room.closed:
        return
    if not any(isinstance(w, Interests) for w in live.room.workflows):
        return
    try:
        marks = await rooms.store.interest.interests(session_id)
        await rooms.run(live, live.room.part(Interests).reload(marks))
    except Exception:
        log.exception("room %s: interest marked outside the room was not shown", session_id)
