"""A roadshow room's interest in pitches (PROTOCOL.md, "Interest in pitches"): one change
of the room's ``rooms.interest.Interests`` on the room's line, kept there with the change.
"""

from typing import Any

from rooms.errors import NotFound
from rooms.interest import Interests
from rooms.protocol import EVENTS
from server.realtime.live import LiveRooms


class InterestEvents:
    """Mixed into the room namespace."""

    live: LiveRooms

    async def on_mark_interest(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        live.room.require(sid, EVENTS["mark_interest"])
        interests, item_id = live.room.part(Interests), data["item_id"]
        if await self.live.store.review.item(live.room.session.session_id, item_id) is None:
            raise NotFound("There is no such pitch.", code="no_pitch")
        effects = interests.mark_interest(
            sid, item_id, interested=bool(data["interested"]), note=str(data.get("note") or ""),
            now=self.live.clock(),
        )  # fmt: skip
        await self.live.run(live, effects)
