"""Edges in Redis: their heartbeats, calls from owners to edges, news back, relay link keys
(ARCHITECTURE.md glossary: edge, relay link).

- ``edge:<name>``: an edge's heartbeat, ``{"relay_host", "load"}`` with a TTL; the edges
  alive are those whose heartbeat is there (``EDGES`` lists the names ever announced).
- A **call** is published on the edge's channel ``edge:<name>:calls`` with a reply key;
  the edge pushes its reply there (``call-reply:<id>``, kept a few seconds) and the caller
  waits for it with ``BLPOP`` (a second at a time, so that a hung Redis is told from a
  wait by the client's timeout, server/store/connection.py). Nobody listening (the edge is
  gone) fails at once.
- News from an edge to a room's owner (a viewer's connection failed) goes on the owner's
  channel ``process:<name>:news``; nobody waits for it.
- A relay link's SRTP keys are written by the owner under ``relay-link:<id>`` with a short
  TTL and read once (``GETDEL``) by the edge: they never travel in a call or on the wire.
"""

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from server.store import keys
from server.store.connection import BLOCK_SECONDS, Redis

REPLY_KEPT = 10  # seconds a reply waits for its caller
KEYS_KEPT = 30  # seconds a relay link's keys wait for the edge


class EdgeUnreachable(Exception):
    """The edge called is not listening or did not reply in time."""


@dataclass(frozen=True, slots=True)
class EdgeBeat:
    name: str
    relay_host: str
    load: int  # viewers it serves


class Inbox:
    """Messages on one pub/sub channel, one at a time (``next``); closed by its user."""

    def __init__(self, redis: Redis, channel: str) -> None:
        self._pubsub = redis.pubsub(ignore_subscribe_messages=True)
        self._channel = channel

    async def open(self) -> None:
        await self._pubsub.subscribe(self._channel)

    async def next(self, *, within: float | None = None) -> dict[str, Any] | None:
        """The next message, or None after ``within`` seconds (None: wait for one; a
        subscription's confirmation is None too)."""
        message = await self._pubsub.get_message(timeout=within)
        if message is None or message.get("type") != "message":
            return None
        return json.loads(message["data"])  # type: ignore[no-any-return]

    async def close(self) -> None:
        await self._pubsub.aclose()


class Edges:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def announce(self, name: str, *, relay_host: str, load: int, ttl: float) -> None:
        """One command a beat: the name is listed (``EDGES``) only when the heartbeat was
        not there before (the first beat, or after it ran out or Redis lost it)."""
        beat = json.dumps({"relay_host": relay_host, "load": load})
        before = await self.redis.set(keys.edge(name), beat, px=int(ttl * 1000), get=True)
        if before is None:
            await self.redis.sadd(keys.EDGES, name)

    async def leave(self, name: str) -> None:
        await self.redis.delete(keys.edge(name))

    async def live(self) -> dict[str, EdgeBeat]:
        names = sorted(await self.redis.smembers(keys.EDGES))
        if not names:
            return {}
        beats = await self.redis.mget([keys.edge(n) for n in names])
        found = {}
        for name, beat in zip(names, beats, strict=True):
            if beat is not None:
                data = json.loads(beat)
                found[name] = EdgeBeat(name, str(data["relay_host"]), int(data["load"]))
        return found

    async def call(self, name: str, message: dict[str, Any], *, within: float) -> dict[str, Any]:
        """Publish a call to an edge and wait for its reply."""
        reply_to = keys.call_reply(uuid.uuid4().hex)
        listening = await self.redis.publish(
            keys.edge_calls(name), json.dumps({**message, "reply_to": reply_to})
        )
        if not listening:
            raise EdgeUnreachable(name)
        deadline = time.monotonic() + within
        while (left := deadline - time.monotonic()) > 0:  # a BLPOP blocks BLOCK_SECONDS at most
            wait = max(min(left, BLOCK_SECONDS), 0.01)  # BLPOP's 0 (under 1 ms) is for ever
            found = await self.redis.blpop([reply_to], timeout=wait)
            if found is not None:
                return json.loads(found[1])  # type: ignore[no-any-return]
        raise EdgeUnreachable(name)

    async def reply(self, reply_to: str, message: dict[str, Any]) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rpush(reply_to, json.dumps(message))
            pipe.expire(reply_to, REPLY_KEPT)
            await pipe.execute()

    async def tell(self, process: str, message: dict[str, Any]) -> None:
        """News for a room's owner process (nobody waits for it)."""
        await self.redis.publish(keys.process_news(process), json.dumps(message))

    def calls(self, name: str) -> Inbox:
        return Inbox(self.redis, keys.edge_calls(name))

    def news(self, process: str) -> Inbox:
        return Inbox(self.redis, keys.process_news(process))

    async def put_keys(self, link_id: str, text: str) -> None:
        await self.redis.set(keys.relay_link(link_id), text, ex=KEYS_KEPT)

    async def take_keys(self, link_id: str) -> str | None:
        return await self.redis.getdel(keys.relay_link(link_id))  # type: ignore[no-any-return]
