"""A live room's questions (moderated Q&A, ``rooms.questions``): one hash per session,
question id -> the question as last changed, and the room's Q&A settings.

The room's line (server/realtime/line.py) queues them in its MULTI (``queue``); a room
opening reads them back (``load``), and the moderators' CSV export reads them too.
"""

from rooms.questions import QaSettings, Question
from server.store import keys
from server.store.codec import dump, load
from server.store.connection import Pipeline, Redis


class QuestionRecords:
    records: tuple[type, ...] = (Question, QaSettings)  # what ``queue`` keeps

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def queue(self, pipe: Pipeline, session_id: str, record: object) -> None:
        """Queue one record of a Q&A change (the line's MULTI)."""
        if isinstance(record, Question):
            pipe.hset(keys.questions(session_id), record.question_id, dump(record))
        elif isinstance(record, QaSettings):
            pipe.set(keys.questions_settings(session_id), dump(record))
        else:
            raise TypeError(f"no record of the questions is a {type(record).__name__}")

    async def questions(self, session_id: str) -> list[Question]:
        found = await self.redis.hgetall(keys.questions(session_id))
        return sorted((load(Question, v) for v in found.values()), key=lambda q: q.number)

    async def settings(self, session_id: str) -> QaSettings:
        text = await self.redis.get(keys.questions_settings(session_id))
        return QaSettings() if text is None else load(QaSettings, text)
