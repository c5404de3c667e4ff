"""A review room's panel events (PROTOCOL.md, "Review panel"): the chair's and the
reviewers'. Each is one change of the room's ``rooms.panel.Panel`` on the room's line; a
change that moves people out of the room or back closes their media and brings everyone's
subscriptions up to date. Scores are answered only once kept (durably); tables of results
are read from the store for those ``Panel.may_read_results`` allows, and sent to no one else.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from rooms.errors import DomainError
from rooms.outbox import Effect
from rooms.panel import Panel
from rooms.protocol import EVENTS
from rooms.rubric import Rubric
from rooms.scores import (
    ItemResult,
    card_payload,
    item_result,
    result_payload,
    reviewer_letters,
)
from server.realtime.live import LiveRoom, LiveRooms

NOT_KEPT = "Your scores were not saved; send them again."


class PanelEvents:
    """Mixed into the room namespace: one handler per panel event."""

    live: LiveRooms

    def _part(self, live: LiveRoom, sid: str, event: str) -> Panel:
        """The room's panel, once the event's capability is checked (before the kind)."""
        live.room.require(sid, EVENTS[event])
        return live.room.part(Panel)

    async def _panel(
        self, sid: str, event: str, change: Callable[[Panel, datetime], list[Effect]]
    ) -> None:
        live = self.live.room_of(sid)
        effects = change(self._part(live, sid, event), self.live.clock())
        await self.live.run(live, effects)
        await live.media.regroup()

    async def on_start_item(self, sid: str, data: dict[str, Any]) -> None:
        item_id = data["item_id"]
        await self._panel(
            sid, "start_item", lambda panel, now: panel.start_item(sid, item_id, now=now)
        )

    async def on_next_phase(self, sid: str, data: dict[str, Any]) -> None:
        item_id = data["item_id"]
        await self._panel(
            sid, "next_phase", lambda panel, now: panel.next_phase(sid, item_id, now=now)
        )

    async def on_extend_item(self, sid: str, data: dict[str, Any]) -> None:
        item_id, minutes = data["item_id"], data["minutes"]
        await self._panel(
            sid, "extend_item", lambda panel, now: panel.extend_item(sid, item_id, minutes, now=now)
        )

    async def on_skip_item(self, sid: str, data: dict[str, Any]) -> None:
        item_id = data["item_id"]
        await self._panel(
            sid, "skip_item", lambda panel, now: panel.skip_item(sid, item_id, now=now)
        )

    async def on_reorder_items(self, sid: str, data: dict[str, Any]) -> None:
        item_ids = data["item_ids"]
        await self._panel(
            sid, "reorder_items", lambda panel, now: panel.reorder_items(sid, item_ids, now=now)
        )

    async def on_release_results(self, sid: str, data: dict[str, Any]) -> None:
        item_id = data["item_id"]
        await self._panel(
            sid, "release_results", lambda panel, now: panel.release_results(sid, item_id, now=now)
        )

    async def on_set_conflict(self, sid: str, data: dict[str, Any]) -> None:
        item_id, target, waive, reason = (
            data["item_id"], data["participant_id"], data["waive"], data["reason"],
        )  # fmt: skip
        await self._panel(
            sid,
            "set_conflict",
            lambda panel, now: panel.set_conflict(
                sid, item_id, target, waive=waive, reason=reason, now=now
            ),
        )

    async def on_submit_score(self, sid: str, data: dict[str, Any]) -> dict[str, object]:
        live = self.live.room_of(sid)
        revision, effects = self._part(live, sid, "submit_score").submit_score(
            sid, data["item_id"], values=data["values"], recommendation=data["recommendation"],
            comment=data["comment"] or "", now=self.live.clock(),
        )  # fmt: skip
        return await kept_score(self.live, live, effects, data["item_id"], revision)

    async def on_get_my_score(self, sid: str, data: dict[str, Any]) -> dict[str, object]:
        live = self.live.room_of(sid)
        reviewer = self._part(live, sid, "get_my_score").get_my_score(sid, data["item_id"])
        card = await self.live.store.panel.card(live.session_id, data["item_id"], reviewer)
        return {"card": card_payload(card) if card else None}

    async def on_get_results(self, sid: str, data: dict[str, Any]) -> dict[str, object]:
        live, item_id = self.live.room_of(sid), data["item_id"]
        panel = self._part(live, sid, "get_results")
        panel.get_results(sid, item_id)
        return {"results": await results_for(self.live, live, panel, sid, item_id)}


async def kept_score(
    rooms: LiveRooms, live: LiveRoom, effects: list[Effect], item_id: str, revision: int
) -> dict[str, object]:
    """Run a score's effects; the answer only once its card is kept (on disk), else refused
    ``unavailable`` (send again)."""
    outcome = await rooms.run(live, effects)
    if not outcome.kept:
        raise DomainError(NOT_KEPT, code="unavailable")
    return {"item_id": item_id, "revision": revision}


async def results_for(
    rooms: LiveRooms, live: LiveRoom, panel: Panel, sid: str, item_id: str
) -> dict[str, object]:
    """A closed item's table as this socket's person may see it."""
    assert panel.book.rubric is not None
    viewer = live.room.people.of_sid(sid)
    letters = None
    if panel.book.settings.double_blind and viewer is not None and not panel.is_chair(viewer):
        letters = {k: f"Reviewer {v}" for k, v in reviewer_letters(panel.book.reviewers).items()}
        letters.pop(viewer.key, None)
    result = await table_of(rooms, live, panel.book.rubric, item_id, panel.expected(item_id))
    return result_payload(result, names=await names_in(rooms, live), letters=letters)


async def table_of(
    rooms: LiveRooms, live: LiveRoom, rubric: Rubric, item_id: str, expected: list[str]
) -> ItemResult:
    """A closed item's table, read from the store (a review's item, a roadshow's pitch)."""
    cards = await rooms.store.panel.cards(live.session_id, item_id)
    return item_result(rubric, item_id=item_id, reviewers=expected, cards=cards)


async def names_in(rooms: LiveRooms, live: LiveRoom) -> dict[str, str]:
    """The names of the people a table mentions: those present, and the roster."""
    roster = await rooms.store.agenda.roster_of(live.session_id)
    present = {p.key: p.person.name for p in live.room.people.everyone()}
    return present | {entry.person_key: entry.name for entry in roster}
