"""The chat of live rooms in Redis: one stream per room (``keys.room_chat``).

An entry is a message (``type=message``), a deletion (``type=deleted``, naming the
message it removed), or a mark that a participant was sent out of the room or brought back
(``type=out``/``back``: ``rooms.chat.Absence``). The stream id is the message id, so ids
order the room's chat.

- Posting runs one Lua script: it claims the sender's client id (``SET NX`` with a TTL on
  ``keys.room_chat_client``) and adds the entry in the same step, so a resend with the same
  client id stores nothing and answers the first message's id.
- Deleting runs one script: it removes the message (``XDEL``) and appends the deletion, so
  a client catching up learns of it.
- Catching up reads the entries after a given id, in order (``XRANGE (id +``), up to a
  bound: the last entry the live room has delivered, so that a socket entering the room
  never reads a message it will also get live.
- The live room's writes (``server/realtime/line.py``) go through ``queue_*``: a pipeline
  of many turns in one round trip.
"""

from datetime import datetime

from redis.asyncio.client import Pipeline

from rooms.chat import Absence, ChatMessage
from server.store import keys
from server.store.connection import Redis

CLIENT_ID_SECONDS = 600  # a resend is recognised for this long
MAXLEN = 20_000  # entries a room's stream keeps (about; trimmed in whole nodes)
PAGE = 1000
MESSAGE, DELETED, OUT, BACK = "message", "deleted", "out", "back"
Entry = ChatMessage | Absence

# KEYS: stream, client-id claim; ARGV: claim ttl, maxlen, then field/value pairs
_POST = """
local existing = redis.call('GET', KEYS[2])
if existing then return {0, existing} end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))
redis.call('SET', KEYS[2], id, 'EX', ARGV[1])
return {1, id}
"""

# KEYS: stream; ARGV: message id, maxlen, then the deletion's field/value pairs
_DELETE = """
local found = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if #found == 0 then return false end
local fields = found[1][2]
for i = 1, #fields, 2 do
  if fields[i] == 'type' and fields[i + 1] ~= 'message' then return false end
end
redis.call('XDEL', KEYS[1], ARGV[1])
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))
"""


def _fields(message: ChatMessage) -> list[str]:
    return [
        "type", MESSAGE,
        "sender_id", message.sender_id,
        "sender_name", message.sender_name,
        "sender_role", message.sender_role,
        "to", message.to,
        "to_name", message.to_name,
        "text", message.text,
        "client_id", message.client_id,
        "at", message.at.isoformat(),
    ]  # fmt: skip


def _message(entry_id: str, fields: dict[str, str]) -> ChatMessage:
    return ChatMessage(
        message_id=entry_id,
        sender_id=fields["sender_id"],
        sender_name=fields["sender_name"],
        sender_role=fields["sender_role"],
        to=fields["to"],
        to_name=fields["to_name"],
        text=fields["text"],
        client_id=fields["client_id"],
        at=datetime.fromisoformat(fields["at"]),
    )


def _entry(entry_id: str, fields: dict[str, str]) -> Entry | None:
    kind = fields.get("type")
    if kind == MESSAGE:
        return _message(entry_id, fields)
    if kind in (OUT, BACK):
        return Absence(entry_id=entry_id, participant_id=fields["participant"], out=kind == OUT)
    return None


class Chat:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._post = redis.register_script(_POST)
        self._delete = redis.register_script(_DELETE)

    async def post(self, session_id: str, message: ChatMessage) -> tuple[str, bool]:
        """Store a message once per client id: (its message id, whether it is new)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            await self.queue_post(pipe, session_id, message)
            [(fresh, message_id)] = await pipe.execute()
        return str(message_id), bool(int(fresh))

    async def get(self, session_id: str, message_id: str) -> ChatMessage | None:
        rows = await self.redis.xrange(keys.room_chat(session_id), message_id, message_id)
        if not rows or rows[0][1].get("type") != MESSAGE:
            return None
        return _message(*rows[0])

    async def delete(self, session_id: str, message_id: str, *, by: str, at: datetime) -> bool:
        """Remove a message for everyone, leaving a deletion entry; False if it is gone."""
        async with self.redis.pipeline(transaction=False) as pipe:
            await self.queue_delete(pipe, session_id, message_id, by=by, at=at)
            [entry_id] = await pipe.execute()
        return entry_id is not None

    async def tail(self, session_id: str) -> str:
        """The id of the stream's last entry ("0-0" when empty)."""
        rows = await self.redis.xrevrange(keys.room_chat(session_id), count=1)
        return rows[0][0] if rows else "0-0"

    async def recent(self, session_id: str, *, until: str = "+", scan: int = 500) -> list[Entry]:
        """The messages and marks among the last ``scan`` entries up to ``until``, oldest first."""
        rows = await self.redis.xrevrange(keys.room_chat(session_id), until, "-", count=scan)
        return [e for e in (_entry(i, f) for i, f in reversed(rows)) if e is not None]

    async def after(
        self, session_id: str, after_id: str, *, until: str = "+"
    ) -> tuple[list[Entry], list[str]]:
        """Everything after ``after_id`` up to ``until``, in order: the messages and marks,
        and the ids deleted since."""
        entries: list[Entry] = []
        deleted: list[str] = []
        async for entry_id, fields in self._entries(session_id, after_id, until):
            entry = _entry(entry_id, fields)
            if entry is not None:
                entries.append(entry)
            elif fields.get("type") == DELETED:
                deleted.append(fields["target"])
        return entries, deleted

    async def messages(self, session_id: str) -> list[ChatMessage]:
        """Every message the stream holds, oldest first (for the export)."""
        entries, _ = await self.after(session_id, "0-0")
        return [e for e in entries if isinstance(e, ChatMessage)]

    async def _entries(self, session_id: str, after_id: str, until: str):  # type: ignore[no-untyped-def]
        key, cursor = keys.room_chat(session_id), after_id
        while True:
            rows = await self.redis.xrange(key, f"({cursor}", until, count=PAGE)
            for entry_id, fields in rows:
                yield entry_id, fields
            if len(rows) < PAGE:
                return
            cursor = rows[-1][0]

    # the live room's writes, queued on a pipeline (one round trip for many turns)

    async def queue_post(self, pipe: Pipeline, session_id: str, message: ChatMessage) -> None:
        """Answers [1 if new else 0, message id]."""
        claim = keys.room_chat_client(session_id, message.sender_id, message.client_id)
        args = [CLIENT_ID_SECONDS, MAXLEN, *_fields(message)]
        await self._post(keys=[keys.room_chat(session_id), claim], args=args, client=pipe)

    async def queue_delete(
        self, pipe: Pipeline, session_id: str, message_id: str, *, by: str, at: datetime
    ) -> None:
        """Answers the deletion's entry id, or None if the message was gone."""
        deletion = ["type", DELETED, "target", message_id, "by", by, "at", at.isoformat()]
        args = [message_id, MAXLEN, *deletion]
        await self._delete(keys=[keys.room_chat(session_id)], args=args, client=pipe)

    def queue_mark(
        self, pipe: Pipeline, session_id: str, participant_id: str, *, out: bool
    ) -> None:
        """Answers the mark's entry id."""
        fields = {"type": OUT if out else BACK, "participant": participant_id}
        pipe.xadd(keys.room_chat(session_id), fields, maxlen=MAXLEN, approximate=True)  # type: ignore[arg-type]
