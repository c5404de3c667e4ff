"""A room's slide events (PROTOCOL.md, "Slides"): the presenter's page turns and pointer.
Each is one change of the room's ``rooms.slides.Slides`` on the room's line (a deck comes
on the stage by its upload: server/realtime/slides_files.py; a stopped deck's file is deleted)."""

from typing import Any

from rooms.protocol import EVENTS
from rooms.slides import Slides
from server.realtime.live import LiveRoom, LiveRooms
from server.realtime.slides_files import forget_deck


class SlidesEvents:
    """Mixed into the room namespace: one handler per slide event."""

    live: LiveRooms

    def _slides(self, live: LiveRoom, sid: str, event: str) -> Slides:
        """The room's slides, once the event's capability is checked (before the kind)."""
        live.room.require(sid, EVENTS[event])
        return live.room.part(Slides)

    async def on_slide_page(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        await self.live.run(
            live, self._slides(live, sid, "slide_page").slide_page(sid, data["page"])
        )

    async def on_slide_pointer(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        slides = self._slides(live, sid, "slide_pointer")
        effects = slides.slide_pointer(sid, data["x"], data["y"], now=self.live.clock())
        await self.live.run(live, effects)

    async def on_slides_stop(self, sid: str, data: dict[str, Any]) -> None:
        """The deck leaves the stage; once that is kept, its file is deleted."""
        live = self.live.room_of(sid)
        slides = self._slides(live, sid, "slides_stop")
        gone, effects = slides.show.deck, slides.slides_stop(sid)  # nothing awaited between
        if effects and (await self.live.run(live, effects)).kept:
            await forget_deck(self.live.store, self.live.settings, gone)
