"""A roadshow room's run of show events (PROTOCOL.md, "Run of show"): the chair starts the
show, extends or ends the stage on now. Each is checked against the room's show, written to
Redis under the show's transaction (``server/store/show.py``, which checks it again against
the log as it is then, and that this process still owns the room: its lease's fence), and the
room follows the log it reads back."""

from typing import Any

from rooms.protocol import EVENTS
from rooms.roadshow import RunOfShow
from rooms.run_of_show import Change
from server.realtime.live import LiveRoom, LiveRooms
from server.realtime.live_shows import refresh_show


class ShowEvents:
    """Mixed into the room namespace: one handler per run of show event."""

    live: LiveRooms

    def _show(self, live: LiveRoom, sid: str, event: str) -> RunOfShow:
        """The room's run of show, once the event's capability is checked (before the kind)."""
        live.room.require(sid, EVENTS[event])
        return live.room.part(RunOfShow)

    async def _write(self, live: LiveRoom, change: Change) -> None:
        now, fence = self.live.clock(), self.live.fence(live)
        await self.live.store.shows.act(live.room.session, change, now=now, fence=fence)
        await refresh_show(self.live, live.session_id)

    async def on_start_show(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        await self._write(live, self._show(live, sid, "start_show").start_show(sid))

    async def on_extend_stage(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        stage = f"{data['item_id']}:{data['phase']}"
        show = self._show(live, sid, "extend_stage")
        change = show.extend_stage(sid, stage, data["minutes"], now=self.live.clock())
        await self._write(live, change)

    async def on_end_stage(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        stage = f"{data['item_id']}:{data['phase']}"
        change = self._show(live, sid, "end_stage").end_stage(sid, stage, now=self.live.clock())
        await self._write(live, change)
