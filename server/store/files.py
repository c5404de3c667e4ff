"""The records of uploaded files (``rooms.files.StoredFile``); their bytes are on disk
(server/files.py).

A record is one JSON string under ``keys.stored_file``, indexed by what it belongs to in
``keys.scope_files`` (scored by upload time); both are written, and removed, in one MULTI.
"""

from rooms.files import StoredFile
from server.store import keys
from server.store.codec import dump, load
from server.store.connection import Redis


class FileRecords:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def add(self, stored: StoredFile) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(keys.stored_file(stored.file_id), dump(stored))
            pipe.zadd(
                keys.scope_files(stored.scope_id),
                {stored.file_id: stored.created_at.timestamp()},
            )
            await pipe.execute()

    async def get(self, file_id: str) -> StoredFile | None:
        text = await self.redis.get(keys.stored_file(file_id))
        return None if text is None else load(StoredFile, text)

    async def of_scope(self, scope_id: str) -> list[StoredFile]:
        """What the scope holds, oldest first."""
        file_ids = await self.redis.zrange(keys.scope_files(scope_id), 0, -1)
        if not file_ids:
            return []
        texts = await self.redis.mget([keys.stored_file(file_id) for file_id in file_ids])
        return [load(StoredFile, text) for text in texts if text is not None]

    async def remove(self, stored: StoredFile) -> bool:
        """Forget the record; False if it was already gone."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(keys.stored_file(stored.file_id))
            pipe.zrem(keys.scope_files(stored.scope_id), stored.file_id)
            deleted, _ = await pipe.execute()
        return bool(deleted)
