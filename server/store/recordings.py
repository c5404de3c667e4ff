"""Recordings (``recordings.timeline.Recording``): one JSON record each, a session's
recordings by start time, and the one going on in a session (what the room page's notice
reads before anyone joins). A record's later changes (its composed video) are made with
``WATCH``, so two writers of other fields never undo each other."""

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from redis.asyncio.client import Pipeline

from recordings.timeline import Recording
from rooms.errors import Conflict
from server.store import keys
from server.store.codec import dump, load
from server.store.connection import Redis
from server.store.owners import Fence
from server.store.transactions import watched

BUSY = Conflict("The recording is being changed by someone else; try again.", code="busy")


class Recordings:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def begin(self, record: Recording, *, fence: Fence | None = None) -> None:
        """Keep a recording's record as it starts; ``fence``: written by its room's owner
        (``Fenced``, nothing written, once another process owns the room)."""
        started = datetime.fromisoformat(record.started_at).timestamp()

        async def body(pipe: Pipeline) -> None:
            pipe.multi()
            pipe.set(keys.recording(record.recording_id), dump(record))
            pipe.zadd(keys.session_recordings(record.session_id), {record.recording_id: started})
            pipe.set(keys.session_recording_on(record.session_id), record.recording_id)

        await watched(self.redis, [], body, busy=BUSY, fence=_into(fence))

    async def end(self, record: Recording, *, fence: Fence | None = None) -> None:
        """Keep the stopped record; the session is no longer being recorded."""
        on = keys.session_recording_on(record.session_id)

        async def body(pipe: Pipeline) -> None:
            going_on = await pipe.get(on)
            pipe.multi()
            pipe.set(keys.recording(record.recording_id), dump(record))
            if going_on == record.recording_id:
                pipe.delete(on)

        await watched(self.redis, [on], body, busy=BUSY, fence=_into(fence))

    async def change(
        self, recording_id: str, change: Callable[[Recording], Recording]
    ) -> Recording | None:
        """Apply ``change`` to the record as it is now and write it (None: no such record);
        a write by anyone else meanwhile makes it read and apply again."""
        key = keys.recording(recording_id)

        async def body(pipe: Pipeline) -> Recording | None:
            raw = await pipe.get(key)
            changed = None if raw is None else change(load(Recording, raw))
            pipe.multi()
            if changed is not None:
                pipe.set(key, dump(changed))
            return changed

        return await watched(self.redis, [key], body, busy=BUSY)

    async def set_video(self, recording_id: str, video: str | None) -> Recording | None:
        return await self.change(recording_id, lambda r: replace(r, video=video))

    async def get(self, recording_id: str) -> Recording | None:
        found = await self.redis.get(keys.recording(recording_id))
        return load(Recording, found) if found else None

    async def of_session(self, session_id: str) -> list[Recording]:
        ids = await self.redis.zrange(keys.session_recordings(session_id), 0, -1)
        found = [await self.get(i) for i in ids]
        return [r for r in found if r is not None]

    async def going_on(self, session_id: str) -> Recording | None:
        """The session's recording going on, if any."""
        recording_id = await self.redis.get(keys.session_recording_on(session_id))
        return await self.get(recording_id) if recording_id else None


def _into(fence: Fence | None) -> Fence | None:
    """A room's fence for a write into the recordings' directory (its copy of the token)."""
    return None if fence is None else fence.into("recordings")
