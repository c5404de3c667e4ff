"""A roadshow room's judging events (PROTOCOL.md, "Judging"): the judges' scores of a
started pitch and the chair's closing and releasing of its scoring. Each change is one
change of the room's ``rooms.judging.Judging`` on the room's line; a judge's scores are
answered only once kept (durably, ``server/store/panel.py``, as a review panel's). A pitch's
table and the ranking are read from the store for those ``Judging.may_read_results`` allows,
and sent to no one else.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from rooms.judging import Judging, ranking_rows
from rooms.outbox import Effect
from rooms.protocol import EVENTS
from rooms.scores import card_payload, result_payload
from server.realtime.live import LiveRoom, LiveRooms
from server.realtime.panel_events import kept_score, names_in, table_of


class JudgingEvents:
    """Mixed into the room namespace: one handler per judging event."""

    live: LiveRooms

    def _judging(self, live: LiveRoom, sid: str, event: str) -> Judging:
        """The room's judging, once the event's capability is checked (before the kind)."""
        live.room.require(sid, EVENTS[event])
        return live.room.part(Judging)

    async def _change(
        self, sid: str, event: str, change: Callable[[Judging, datetime], list[Effect]]
    ) -> None:
        live = self.live.room_of(sid)
        await self.live.run(live, change(self._judging(live, sid, event), self.live.clock()))

    async def on_score_pitch(self, sid: str, data: dict[str, Any]) -> dict[str, object]:
        live = self.live.room_of(sid)
        revision, effects = self._judging(live, sid, "score_pitch").score_pitch(
            sid, data["item_id"], values=data["values"], recommendation=data["recommendation"],
            comment=data["comment"] or "", now=self.live.clock(),
        )  # fmt: skip
        return await kept_score(self.live, live, effects, data["item_id"], revision)

    async def on_get_my_pitch_score(self, sid: str, data: dict[str, Any]) -> dict[str, object]:
        live = self.live.room_of(sid)
        judge = self._judging(live, sid, "get_my_pitch_score").get_my_pitch_score(
            sid, data["item_id"]
        )
        card = await self.live.store.panel.card(live.session_id, data["item_id"], judge)
        return {"card": card_payload(card) if card else None}

    async def on_close_pitch_scoring(self, sid: str, data: dict[str, Any]) -> None:
        item_id = data["item_id"]
        await self._change(
            sid,
            "close_pitch_scoring",
            lambda judging, now: judging.close_pitch_scoring(sid, item_id, now=now),
        )

    async def on_release_pitch_results(self, sid: str, data: dict[str, Any]) -> None:
        item_id = data["item_id"]
        await self._change(
            sid,
            "release_pitch_results",
            lambda judging, now: judging.release_pitch_results(sid, item_id, now=now),
        )

    async def on_get_pitch_results(self, sid: str, data: dict[str, Any]) -> dict[str, object]:
        live, item_id = self.live.room_of(sid), data["item_id"]
        judging = self._judging(live, sid, "get_pitch_results")
        judging.get_pitch_results(sid, item_id)
        assert judging.book.rubric is not None  # scoring opens only with a rubric
        result = await table_of(
            self.live, live, judging.book.rubric, item_id, judging.expected(item_id)
        )
        return {"results": result_payload(result, names=await names_in(self.live, live))}

    async def on_get_ranking(self, sid: str, data: dict[str, Any]) -> dict[str, object]:
        live = self.live.room_of(sid)
        judging = self._judging(live, sid, "get_ranking")
        readable = judging.get_ranking(sid)
        rubric = judging.book.rubric
        if rubric is None:
            return {"ranking": []}
        results = [
            await table_of(self.live, live, rubric, item_id, judging.expected(item_id))
            for item_id in readable
        ]
        titles = {i.item_id: (i.title_zh, i.title_en) for i in judging.book.items}
        return {"ranking": ranking_rows(results, titles=titles)}
