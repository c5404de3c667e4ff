"""A review session's preparation in Redis: its items and their order, the rubric, the
review settings, the conflict notes, each item's materials, and the organization's rubric
templates.

Every key of a session's review starts with ``session:<id>:review:`` (server/store/room_keys.py).
Items are JSON in one hash; their order is a list of item ids beside it. Every change of the
order runs under ``WATCH`` of the order: adding or deleting an item changes the order in the
same ``MULTI``, so a reorder computed from an older set of items fails its transaction, is
read again and refused by ``rooms.items.check_order`` — two staff reordering at once never
lose an item. The rubric is written under ``WATCH`` of the scores (the live panel's, written
by the review room): once any item has a score it is frozen. Conflict notes are appended,
never changed.
"""

import functools
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from redis.asyncio.client import Pipeline

from rooms import items as rules
from rooms.conflicts import ConflictNote
from rooms.errors import Conflict, NotFound
from rooms.items import Item, ReviewSettings
from rooms.review_book import ItemRun, Phase
from rooms.rubric import Rubric
from server.store import keys
from server.store.codec import dump, load
from server.store.connection import Redis
from server.store.transactions import watched
from server.store.watched import Watched

T = TypeVar("T")


def _no_item(item_id: str) -> NotFound:
    return NotFound("No item {item_id} in this review.", code="unknown_item", item_id=item_id[:40])


def _busy() -> Conflict:
    return Conflict("Too many changes at once; please try again.", code="busy")


def _scored(title: str) -> Conflict:
    return Conflict(
        "The rubric is frozen: item “{item}” has scores.", code="rubric_frozen", item=title
    )


def score_field(item_id: str, reviewer_key: str) -> str:
    """A scorecard's field in the session's scores hash."""
    return f"{item_id} {reviewer_key}"


M = TypeVar("M", bound=Callable[..., Awaitable[Any]])


def _notifying(method: M) -> M:
    """A change of a review's preparation: once written, the watchers hear of its session."""

    @functools.wraps(method)
    async def changed(self: "Reviews", first: Any, *args: Any, **kwargs: Any) -> Any:
        result = await method(self, first, *args, **kwargs)
        await self.changed(first.session_id if isinstance(first, Item) else first)
        return result

    return changed  # type: ignore[return-value]


class Reviews(Watched):
    def __init__(self, redis: Redis) -> None:
        super().__init__()  # the live rooms hear of a review's preparation (or roster) changing
        self.redis = redis

    async def _transact(self, watch: list[str], body: Callable[[Pipeline], Awaitable[T]]) -> T:
        """Run body (reads, then MULTI and queued writes) until no watched key changed."""
        return await watched(self.redis, watch, body, busy=_busy())

    # items ------------------------------------------------------------------------------

    async def items(self, session_id: str) -> list[Item]:
        """The session's items, in order."""
        return await self._items(self.redis, session_id)

    async def _items(self, redis: Redis | Pipeline, session_id: str) -> list[Item]:
        order = await redis.lrange(keys.review_order(session_id), 0, -1)
        if not order:
            return []
        texts = await redis.hmget(keys.review_items(session_id), order)
        return [load(Item, text) for text in texts if text is not None]

    async def item(self, session_id: str, item_id: str) -> Item | None:
        text = await self.redis.hget(keys.review_items(session_id), item_id)
        return None if text is None else load(Item, text)

    async def order(self, session_id: str) -> list[str]:
        return list(await self.redis.lrange(keys.review_order(session_id), 0, -1))

    @_notifying
    async def add_item(self, item: Item) -> Item:
        """Append a new item to the session's order (refused past ``ITEMS_MAX``)."""
        order_key = keys.review_order(item.session_id)

        async def body(pipe: Pipeline) -> Item:
            rules.check_count(await pipe.llen(order_key))
            pipe.multi()
            pipe.hset(keys.review_items(item.session_id), item.item_id, dump(item))
            pipe.rpush(order_key, item.item_id)
            return item

        return await self._transact([order_key], body)

    @_notifying
    async def edit_item(
        self, session_id: str, item_id: str, *, fields: dict[str, object], now: datetime
    ) -> Item:
        """The item with these fields changed (the others as stored at that moment)."""
        items_key = keys.review_items(session_id)

        async def body(pipe: Pipeline) -> Item:
            text = await pipe.hget(items_key, item_id)
            if text is None:
                raise _no_item(item_id)
            item = rules.edit_item(load(Item, text), fields=fields, now=now)
            pipe.multi()
            pipe.hset(items_key, item_id, dump(item))
            return item

        return await self._transact([items_key], body)

    @_notifying
    async def delete_item(self, session_id: str, item_id: str) -> None:
        """Remove an item, from the order too, with its materials list; refused (Conflict
        ``item_scored``) once it has a score, and (``item_started``) once it ran in the room."""
        items_key, scores_key = keys.review_items(session_id), keys.review_scores(session_id)
        runs_key = keys.review_runs(session_id)

        async def body(pipe: Pipeline) -> None:
            text = await pipe.hget(items_key, item_id)
            if text is None:
                raise _no_item(item_id)
            run = await pipe.hget(runs_key, item_id)
            if run is not None and load(ItemRun, run).phase not in (Phase.WAITING, Phase.SKIPPED):
                raise Conflict(
                    "This item has been run in the room: it stays in the review's record.",
                    code="item_started",
                )
            if await _first_score(pipe, scores_key, f"{item_id} *"):
                title = load(Item, text).title("en")
                raise Conflict(
                    "Item “{item}” has scores; it cannot be removed.",
                    code="item_scored",
                    item=title,
                )
            pipe.multi()
            pipe.hdel(items_key, item_id)
            pipe.lrem(keys.review_order(session_id), 0, item_id)
            pipe.delete(keys.review_materials(session_id, item_id))

        await self._transact([items_key, keys.review_order(session_id), scores_key, runs_key], body)

    @_notifying
    async def reorder(self, session_id: str, item_ids: Sequence[str]) -> list[str]:
        """Put the items in this order; Conflict ``items_changed`` unless it names exactly
        the items there are at the moment of writing."""
        order_key, wanted = keys.review_order(session_id), list(item_ids)

        async def body(pipe: Pipeline) -> list[str]:
            rules.check_order(await pipe.lrange(order_key, 0, -1), wanted)
            pipe.multi()
            pipe.delete(order_key)
            if wanted:
                pipe.rpush(order_key, *wanted)
            return wanted

        return await self._transact([order_key], body)

    # rubric, settings -------------------------------------------------------------------

    async def rubric(self, session_id: str) -> Rubric | None:
        text = await self.redis.get(keys.review_rubric(session_id))
        return None if text is None else load(Rubric, text)

    @_notifying
    async def set_rubric(self, session_id: str, rubric: Rubric) -> Rubric:
        """Write the session's rubric; Conflict ``rubric_frozen`` once any item has a score
        (checked under WATCH of the scores, so a score landing meanwhile refuses it too)."""
        scores_key = keys.review_scores(session_id)

        async def body(pipe: Pipeline) -> Rubric:
            scored = await _first_score(pipe, scores_key, "*")
            if scored:
                raise _scored(await self._title(pipe, session_id, scored.partition(" ")[0]))
            pipe.multi()
            pipe.set(keys.review_rubric(session_id), dump(rubric))
            return rubric

        return await self._transact([scores_key], body)

    async def is_frozen(self, session_id: str) -> bool:
        """Whether any item has a score (the rubric can no longer change)."""
        return bool(await self.redis.exists(keys.review_scores(session_id)))

    async def _title(self, pipe: Pipeline, session_id: str, item_id: str) -> str:
        text = await pipe.hget(keys.review_items(session_id), item_id)
        return item_id if text is None else load(Item, text).title("en")

    async def settings(self, session_id: str) -> ReviewSettings:
        text = await self.redis.get(keys.review_settings(session_id))
        return ReviewSettings() if text is None else load(ReviewSettings, text)

    @_notifying
    async def set_settings(self, session_id: str, settings: ReviewSettings) -> ReviewSettings:
        await self.redis.set(keys.review_settings(session_id), dump(settings))
        return settings

    # conflict notes ---------------------------------------------------------------------

    async def notes(self, session_id: str) -> list[ConflictNote]:
        """Every conflict note of the session, oldest first."""
        texts = await self.redis.lrange(keys.review_notes(session_id), 0, -1)
        return [load(ConflictNote, text) for text in texts]

    @_notifying
    async def add_note(self, session_id: str, note: ConflictNote) -> ConflictNote:
        await self.redis.rpush(keys.review_notes(session_id), dump(note))
        return note

    # materials --------------------------------------------------------------------------

    async def materials(self, session_id: str, item_id: str) -> list[str]:
        """The file ids of an item's materials, in the order they were added."""
        return list(await self.redis.lrange(keys.review_materials(session_id, item_id), 0, -1))

    @_notifying
    async def add_material(self, session_id: str, item_id: str, file_id: str) -> None:
        """Link a stored file to an item (NotFound if the item is gone meanwhile)."""
        items_key = keys.review_items(session_id)

        async def body(pipe: Pipeline) -> None:
            if not await pipe.hexists(items_key, item_id):
                raise _no_item(item_id)
            pipe.multi()
            pipe.rpush(keys.review_materials(session_id, item_id), file_id)

        await self._transact([items_key], body)

    @_notifying
    async def remove_material(self, session_id: str, item_id: str, file_id: str) -> bool:
        """Unlink a file from an item; False if it was not linked."""
        key = keys.review_materials(session_id, item_id)
        return bool(await self.redis.lrem(key, 0, file_id))

    # rubric templates -------------------------------------------------------------------

    async def templates(self, org_id: str) -> dict[str, Rubric]:
        """The organization's rubric templates by name, sorted by name."""
        found = await self.redis.hgetall(keys.rubric_templates(org_id))
        return {name: load(Rubric, found[name]) for name in sorted(found)}

    async def template(self, org_id: str, name: str) -> Rubric | None:
        text = await self.redis.hget(keys.rubric_templates(org_id), name)
        return None if text is None else load(Rubric, text)

    async def save_template(self, org_id: str, name: str, rubric: Rubric) -> None:
        """Save a rubric under a name (replacing a template of that name)."""
        await self.redis.hset(keys.rubric_templates(org_id), name, dump(rubric))

    async def delete_template(self, org_id: str, name: str) -> bool:
        return bool(await self.redis.hdel(keys.rubric_templates(org_id), name))


async def _first_score(pipe: Pipeline, scores_key: str, match: str) -> str | None:
    """A field of the scores hash matching the pattern, or None."""
    async for field in pipe.hscan_iter(scores_key, match=match, count=500):
        return str(field[0] if isinstance(field, tuple) else field)
    return None
