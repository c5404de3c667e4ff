"""A room's slides on the stage: the deck shown and its page (``rooms.slides.SlideShow``),
one JSON value per session. The room's line (server/realtime/line.py) queues it in its MULTI
(``queue``); a room opening reads it back."""

from rooms.slides import SlideShow
from server.store import keys
from server.store.codec import dump, load
from server.store.connection import Pipeline, Redis


class SlideShows:
    records: tuple[type, ...] = (SlideShow,)  # what ``queue`` keeps

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def queue(self, pipe: Pipeline, session_id: str, show: SlideShow) -> None:
        pipe.set(keys.slide_show(session_id), dump(show))

    async def show(self, session_id: str) -> SlideShow:
        text = await self.redis.get(keys.slide_show(session_id))
        return SlideShow() if text is None else load(SlideShow, text)

    async def put(self, session_id: str, show: SlideShow) -> None:
        """Keep the show of a room that is not open (its line would keep it otherwise)."""
        await self.redis.set(keys.slide_show(session_id), dump(show))

    async def replace(self, session_id: str, show: SlideShow) -> SlideShow:
        """Keep the show of a room that is not open, and answer the show it replaced, in one
        step (two uploads at once each get the one they replaced)."""
        text = await self.redis.set(keys.slide_show(session_id), dump(show), get=True)
        return SlideShow() if text is None else load(SlideShow, text)
