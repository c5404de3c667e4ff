"""A room's poll events (PROTOCOL.md, "Polls and quizzes"): those who run polls launch,
close and share them and show the quiz leaderboard; the others vote. Each is one change of
the room's ``rooms.polls.Polls`` on the room's line; a poll with a deadline starts the
room's timer (``LiveRooms.arm``), which closes it on time.
"""

from typing import Any

from rooms.polls import Polls
from rooms.protocol import EVENTS
from server.realtime.live import LiveRoom, LiveRooms


class PollEvents:
    """Mixed into the room namespace: one handler per poll event."""

    live: LiveRooms

    def _polls(self, live: LiveRoom, sid: str, event: str) -> Polls:
        """The room's polls, once the event's capability is checked (before the kind)."""
        live.room.require(sid, EVENTS[event])
        return live.room.part(Polls)

    async def on_launch_poll(self, sid: str, data: dict[str, Any]) -> dict[str, object]:
        live = self.live.room_of(sid)
        polls = self._polls(live, sid, "launch_poll")
        poll_id, effects = polls.launch_poll(sid, data["poll"], now=self.live.clock())
        await self.live.run(live, effects)
        self.live.arm(live)
        return {"poll_id": poll_id}

    async def on_close_poll(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        polls = self._polls(live, sid, "close_poll")
        await self.live.run(live, polls.close_poll(sid, data["poll_id"], now=self.live.clock()))

    async def on_share_results(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        polls = self._polls(live, sid, "share_results")
        await self.live.run(live, polls.share_results(sid, data["poll_id"], shared=data["shared"]))

    async def on_show_leaderboard(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        polls = self._polls(live, sid, "show_leaderboard")
        await self.live.run(live, polls.show_leaderboard(sid, shown=data["shown"]))

    async def on_vote(self, sid: str, data: dict[str, Any]) -> dict[str, object]:
        live = self.live.room_of(sid)
        polls = self._polls(live, sid, "vote")
        poll_id = data["poll_id"]
        await self.live.run(live, polls.vote(sid, poll_id, data["choices"], now=self.live.clock()))
        return {"poll_id": poll_id, "choices": sorted(data["choices"])}
