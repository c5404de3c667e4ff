"""A review room's live records: where each item is (its run), the reviewers' scores, the
items' order as the chair changed it, conflict notes made in the room, and the review's
append-only audit log.

The room's line (server/realtime/line.py) queues them in its MULTI (``queue``); the rest
reads them. Scores are one hash per session, field ``<item_id> <reviewer key>``: a reviewer's
revision replaces their card (its ``revision`` counts them), and the audit log says when.
"""

import json
from datetime import datetime
from typing import Any

from rooms.conflicts import ConflictNote
from rooms.review_book import AuditEntry, ItemOrder, ItemRun
from rooms.scores import Scorecard
from server.store import keys
from server.store.codec import dump, load
from server.store.connection import Pipeline, Redis
from server.store.review import score_field

AUDIT_MAX = 100_000


def _audit_fields(entry: AuditEntry) -> dict[str, str]:
    return {
        "action": entry.action,
        "actor": entry.actor,
        "item": entry.item_id,
        "at": entry.at.isoformat(),
        "detail": json.dumps(dict(entry.detail), ensure_ascii=False),
    }


class Panels:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    # written on the room's line

    def queue(self, pipe: Pipeline, session_id: str, record: object) -> None:
        """Queue one record of a review room's change (the line's MULTI)."""
        if isinstance(record, ItemRun):
            pipe.hset(keys.review_runs(session_id), record.item_id, dump(record))
        elif isinstance(record, Scorecard):
            field = score_field(record.item_id, record.reviewer_key)
            pipe.hset(keys.review_scores(session_id), field, dump(record))
        elif isinstance(record, AuditEntry):
            stream = keys.review_audit(session_id)
            pipe.xadd(stream, _audit_fields(record), maxlen=AUDIT_MAX, approximate=True)  # type: ignore[arg-type]
        elif isinstance(record, ItemOrder):
            pipe.delete(keys.review_order(session_id))
            if record.item_ids:
                pipe.rpush(keys.review_order(session_id), *record.item_ids)
        elif isinstance(record, ConflictNote):
            pipe.rpush(keys.review_notes(session_id), dump(record))
        else:
            raise TypeError(f"no record of a review room is a {type(record).__name__}")

    # read

    async def runs(self, session_id: str) -> dict[str, ItemRun]:
        found = await self.redis.hgetall(keys.review_runs(session_id))
        return {str(k): load(ItemRun, v) for k, v in found.items()}

    async def scored(self, session_id: str) -> dict[str, dict[str, int]]:
        """Per item, each reviewer who scored it and their card's revision (no values)."""
        scored: dict[str, dict[str, int]] = {}
        for card in await self.cards(session_id):
            scored.setdefault(card.item_id, {})[card.reviewer_key] = card.revision
        return scored

    async def cards(self, session_id: str, item_id: str | None = None) -> list[Scorecard]:
        found = await self.redis.hgetall(keys.review_scores(session_id))
        cards = [load(Scorecard, v) for v in found.values()]
        return [c for c in cards if item_id is None or c.item_id == item_id]

    async def card(self, session_id: str, item_id: str, reviewer_key: str) -> Scorecard | None:
        text = await self.redis.hget(
            keys.review_scores(session_id), score_field(item_id, reviewer_key)
        )
        return None if text is None else load(Scorecard, text)

    async def audit(self, session_id: str) -> list[AuditEntry]:
        entries = await self.redis.xrange(keys.review_audit(session_id))
        return [_entry(fields) for _id, fields in entries]


def _entry(fields: dict[Any, Any]) -> AuditEntry:
    text = {str(k): str(v) for k, v in fields.items()}
    return AuditEntry(
        action=text["action"],
        actor=text["actor"],
        item_id=text["item"],
        at=datetime.fromisoformat(text["at"]),
        detail=json.loads(text["detail"]),
    )
