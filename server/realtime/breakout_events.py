"""A room's breakout events (PROTOCOL.md, "Breakout groups"): a host opens groups, assigns,
visits, broadcasts and brings everyone back; people pick a group where they choose their
own. Each is one change of the room's ``rooms.breakouts.Breakouts`` on the room's line; then
everyone's media follows who is where now (``RoomMedia.regroup``: subscriptions are
renegotiated), and groups opened with a timer start the room's breakout timer
(``LiveRooms.arm``), which closes them on time.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from rooms.breakouts import Breakouts
from rooms.outbox import Effect
from rooms.protocol import EVENTS
from server.realtime.live import LiveRooms


class BreakoutEvents:
    """Mixed into the room namespace: one handler per breakout event."""

    live: LiveRooms

    async def _breakouts(
        self, sid: str, event: str, change: Callable[[Breakouts, datetime], list[Effect]]
    ) -> None:
        live = self.live.room_of(sid)
        live.room.require(sid, EVENTS[event])  # the capability before the kind
        effects = change(live.room.part(Breakouts), self.live.clock())
        await self.live.run(live, effects)
        await live.media.regroup()
        self.live.arm(live)

    async def on_open_breakouts(self, sid: str, data: dict[str, Any]) -> None:
        await self._breakouts(
            sid,
            "open_breakouts",
            lambda breakouts, now: breakouts.open_breakouts(
                sid,
                count=data["count"],
                mode=data["mode"],
                minutes=data["minutes"],
                assignments=data["assignments"],
                now=now,
            ),  # fmt: skip
        )

    async def on_assign_breakout(self, sid: str, data: dict[str, Any]) -> None:
        target, group = data["participant_id"], data["group"]
        await self._breakouts(
            sid, "assign_breakout", lambda b, now: b.assign_breakout(sid, target, group)
        )

    async def on_choose_breakout(self, sid: str, data: dict[str, Any]) -> None:
        group = data["group"]
        await self._breakouts(sid, "choose_breakout", lambda b, now: b.choose_breakout(sid, group))

    async def on_visit_breakout(self, sid: str, data: dict[str, Any]) -> None:
        group = data["group"]
        await self._breakouts(sid, "visit_breakout", lambda b, now: b.visit_breakout(sid, group))

    async def on_broadcast_breakouts(self, sid: str, data: dict[str, Any]) -> None:
        text = data["text"]
        await self._breakouts(
            sid, "broadcast_breakouts", lambda b, now: b.broadcast_breakouts(sid, text, now=now)
        )

    async def on_close_breakouts(self, sid: str, data: dict[str, Any]) -> None:
        await self._breakouts(
            sid, "close_breakouts", lambda b, now: b.close_breakouts(sid, now=now)
        )
