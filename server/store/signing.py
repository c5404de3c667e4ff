"""A signing session's agreement and its hash-chained log in Redis.

The agreement (``rooms.agreement.Agreement``) is one JSON value, replaced as the staff
prepare it, and only while its log is empty: the log's first step fixes the document.

The log is a list of entries (``rooms.signing_log.LogEntry``). ``append`` is the only way
in: one transaction under ``WATCH`` of the log and the agreement reads them, folds the
ceremony, asks the change what to append (it may refuse: nothing is written), chains the
entry to the last one (its number and previous hash follow from the log as read: a second
writer's append in between changes the watched log and this one starts over, so two
appends never fork the chain), queues it — with a drawn signature, in the same MULTI, so a
signature is never half recorded — and commits it durably (server/store/durable.py): the
entry is returned, and so acknowledged, only once Redis has it on disk.
"""

import base64
import json
from datetime import datetime

from redis.asyncio.client import Pipeline

from rooms.agreement import Agreement
from rooms.ceremony import fold
from rooms.errors import Conflict
from rooms.signing import Change, StagePage
from rooms.signing_log import LogEntry, from_json, next_entry, to_json
from server.store import keys
from server.store.codec import dump, load
from server.store.connection import Redis
from server.store.durable import Durable
from server.store.owners import Fence
from server.store.transactions import watched
from server.store.watched import Watched

FIXED = "The document is fixed: the agreement can no longer change."
BUSY = "The ceremony is busy; try again."


class Signings(Watched):
    records: tuple[type, ...] = (StagePage,)  # what ``queue`` keeps

    def __init__(self, redis: Redis, durable: Durable) -> None:
        super().__init__()  # the live rooms: a live ceremony follows its agreement and log
        self.redis = redis
        self.durable = durable

    # the stage's page (kept with a room's change, on its line)

    def queue(self, pipe: Pipeline, session_id: str, page: StagePage) -> None:
        pipe.set(keys.agreement_page(page.session_id), page.page)

    async def page(self, session_id: str) -> int:
        return int(await self.redis.get(keys.agreement_page(session_id)) or 1)

    # the agreement

    async def agreement(self, session_id: str) -> Agreement | None:
        text = await self.redis.get(keys.agreement(session_id))
        return None if text is None else load(Agreement, text)

    async def put_agreement(self, agreement: Agreement) -> None:
        """Keep the agreement as prepared; refused once the document is fixed."""
        sid = agreement.session_id

        async def body(pipe: Pipeline) -> None:
            if await pipe.llen(keys.signing_log(sid)):
                raise Conflict(FIXED, code="already_fixed")
            pipe.multi()
            pipe.set(keys.agreement(sid), dump(agreement))

        busy = Conflict(BUSY, code="busy")
        await watched(self.redis, [keys.signing_log(sid)], body, busy=busy)
        await self.changed(sid)

    # the signed PDF, sealed once the ceremony is closed (server/signing.py)

    async def signed_file(self, session_id: str) -> str | None:
        found = await self.redis.get(keys.signed_agreement(session_id))
        return None if found is None else str(found)

    async def keep_signed(self, session_id: str, file_id: str) -> str:
        """Keep the first signed PDF of a ceremony: the file id kept (this one, or one that
        another request kept first)."""
        key = keys.signed_agreement(session_id)
        await self.redis.set(key, file_id, nx=True)
        return str(await self.redis.get(key))

    # the log

    async def log(self, session_id: str) -> list[LogEntry]:
        return await _entries(self.redis, session_id)

    async def signatures(self, session_id: str) -> dict[str, str]:
        found = await self.redis.hgetall(keys.signatures(session_id))
        return {str(party_id): str(image) for party_id, image in found.items()}

    async def append(
        self,
        session_id: str,
        change: Change,
        *,
        ip: str,
        user_agent: str,
        now: datetime,
        signature: bytes | None = None,
        fence: Fence | None = None,
    ) -> LogEntry:
        """Append the step ``change`` proposes for the ceremony as the log has it now, chained
        to the last entry; returned once durable. A DomainError from ``change``: nothing
        written; ``Fenced`` (nothing written) once the room's owner is another process."""
        log_key, agreement_key = keys.signing_log(session_id), keys.agreement(session_id)

        async def body(pipe: Pipeline) -> LogEntry:
            text = await pipe.get(agreement_key)
            if text is None:
                raise Conflict("This session has no agreement to sign yet.", code="no_agreement")
            entries = await _entries(pipe, session_id)
            proposal = change(load(Agreement, text), fold(entries))
            entry = next_entry(
                entries[-1] if entries else None, step=proposal.step, actor=proposal.actor,
                detail=proposal.detail, ip=ip, user_agent=user_agent, at=now,
            )  # fmt: skip
            pipe.multi()
            pipe.rpush(log_key, json.dumps(to_json(entry), ensure_ascii=False))
            if signature is not None:
                party_id = str(proposal.detail["party_id"])
                pipe.hset(keys.signatures(session_id), party_id, data_url(signature))
            return entry

        busy = Conflict(BUSY, code="busy")
        entry = await watched(
            self.redis, [log_key, agreement_key], body, busy=busy, durable=self.durable,
            fence=fence,
        )  # fmt: skip
        await self.changed(session_id)
        return entry


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


async def _entries(redis: Redis | Pipeline, session_id: str) -> list[LogEntry]:
    texts = await redis.lrange(keys.signing_log(session_id), 0, -1)
    return [from_json(json.loads(t)) for t in texts]
