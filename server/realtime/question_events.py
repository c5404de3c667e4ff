"""A room's Q&A events (PROTOCOL.md, "Questions"): asking and upvoting, and the moderators'
approving, answering, dismissing, pinning and settings. Each is one change of the room's
``rooms.questions.Questions`` on the room's line, kept there with the change.
"""

from collections.abc import Callable
from typing import Any

from rooms.errors import DomainError
from rooms.outbox import Effect
from rooms.protocol import EVENTS
from rooms.questions import Questions
from server.realtime.live import LiveRooms

NOT_KEPT = "Your question was not saved; send it again."


class QuestionEvents:
    """Mixed into the room namespace: one handler per Q&A event."""

    live: LiveRooms

    async def _questions(
        self, sid: str, event: str, change: Callable[[Questions], list[Effect]]
    ) -> None:
        live = self.live.room_of(sid)
        live.room.require(sid, EVENTS[event])
        await self.live.run(live, change(live.room.part(Questions)))

    async def on_ask_question(self, sid: str, data: dict[str, Any]) -> dict[str, object]:
        live = self.live.room_of(sid)
        live.room.require(sid, EVENTS["ask_question"])
        question_id, effects = live.room.part(Questions).ask_question(
            sid, data["text"], anonymous=bool(data["anonymous"]), now=self.live.clock(),
            client_id=data["client_id"] or "",
        )  # fmt: skip
        if not (await self.live.run(live, effects)).kept:
            raise DomainError(NOT_KEPT, code="unavailable")
        return {"question_id": question_id}

    async def on_upvote_question(self, sid: str, data: dict[str, Any]) -> None:
        now, question_id = self.live.clock(), data["question_id"]
        await self._questions(
            sid, "upvote_question", lambda qa: qa.upvote_question(sid, question_id, now=now)
        )

    async def on_set_question_state(self, sid: str, data: dict[str, Any]) -> None:
        question_id, state = data["question_id"], data["state"]
        await self._questions(
            sid, "set_question_state", lambda qa: qa.set_question_state(sid, question_id, state)
        )

    async def on_pin_question(self, sid: str, data: dict[str, Any]) -> None:
        question_id, pinned = data["question_id"], data["pinned"]
        await self._questions(
            sid, "pin_question", lambda qa: qa.pin_question(sid, question_id, pinned=pinned)
        )

    async def on_set_qa_settings(self, sid: str, data: dict[str, Any]) -> None:
        anonymous, premoderated = data["anonymous"], data["premoderated"]
        await self._questions(
            sid,
            "set_qa_settings",
            lambda qa: qa.set_qa_settings(sid, anonymous=anonymous, premoderated=premoderated),
        )
