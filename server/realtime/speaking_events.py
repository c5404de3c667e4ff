"""A room's invitations to speak (PROTOCOL.md, "Invitations to speak"): a moderator's
invitation and take-back, the listener's answer and stop. Each is one change of the room's
``rooms.speaking.Speaking`` on the room's line. When a stage grant ends, the media plane
stops forwarding what it gave at once (the roster's mic and camera are off: ``follow``) and
closes the speaker's media (``rights_changed``, ``media_closed`` ``stage``), as a role
change does; a new grant needs nothing here, since ``may_publish`` reads ``Room.caps``.
"""

from collections.abc import Callable
from typing import Any

from rooms.outbox import Effect
from rooms.protocol import EVENTS
from rooms.speaking import Speaking
from server.realtime.live import LiveRoom, LiveRooms


class SpeakingEvents:
    """Mixed into the room namespace: one handler per event of the invitations to speak."""

    live: LiveRooms

    def _speaking(self, live: LiveRoom, sid: str, event: str) -> Speaking:
        """The room's invitations, once the event's capability is checked (before the kind)."""
        live.room.require(sid, EVENTS[event])
        return live.room.part(Speaking)

    async def _stage(
        self, sid: str, event: str, speaker_id: str, change: Callable[[Speaking], list[Effect]]
    ) -> None:
        live = self.live.room_of(sid)
        effects = change(self._speaking(live, sid, event))
        live.media.follow(speaker_id)
        await self.live.run(live, effects)
        await live.media.rights_changed(speaker_id, reason="stage")

    async def on_invite_to_speak(self, sid: str, data: dict[str, Any]) -> None:
        live, target, video = self.live.room_of(sid), data["participant_id"], data["video"]
        part = self._speaking(live, sid, "invite_to_speak")
        await self.live.run(live, part.invite_to_speak(sid, target, video=video))

    async def on_answer_invite(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        part = self._speaking(live, sid, "answer_invite")
        await self.live.run(live, part.answer_invite(sid, accept=data["accept"]))

    async def on_revoke_speaking(self, sid: str, data: dict[str, Any]) -> None:
        target = data["participant_id"]
        await self._stage(
            sid, "revoke_speaking", target, lambda part: part.revoke_speaking(sid, target)
        )

    async def on_stop_speaking(self, sid: str, data: dict[str, Any]) -> None:
        me = self.live.participant_of(sid)
        await self._stage(sid, "stop_speaking", me, lambda part: part.stop_speaking(sid))
