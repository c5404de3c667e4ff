"""Slides on the stage: a room's workflow (``rooms.workflow``) for classes, meetings and
roadshows.

A presenter or a host (``publish_screen``) shows a PDF deck uploaded in the room; the room
keeps which deck is shown and its page (``SlideShow``, kept with the change on the room's
line, so a restart or a late joiner finds them), and everyone follows its page turns. The
presenter may let people download the deck (``Deck.downloadable``). A pointer is relayed
to the others, never kept, at most ``POINTER_PER_SECOND`` times a second per person.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from rooms.errors import DomainError, NotFound
from rooms.outbox import Effect, Group, Keep, Send
from rooms.presence import Participant
from rooms.roles import Capability
from rooms.workflow import Core, Workflow

C = Capability
POINTER_PER_SECOND = 20
_POINTER_GAP = timedelta(seconds=1 / POINTER_PER_SECOND)


@dataclass(frozen=True, slots=True)
class Deck:
    """A PDF shown on the stage: its stored file, its name as shown, its pages."""

    file_id: str
    name: str
    pages: int
    downloadable: bool = False  # the presenter lets people download it


@dataclass(frozen=True, slots=True)
class SlideShow:
    """What the room shows (kept on the room's line): the deck, and its page."""

    deck: Deck | None = None
    page: int = 1


def deck_payload(show: SlideShow) -> dict[str, object] | None:
    deck = show.deck
    if deck is None:
        return None
    return {
        "file_id": deck.file_id,
        "name": deck.name,
        "pages": deck.pages,
        "page": show.page,
        "downloadable": deck.downloadable,
    }


class Slides(Workflow):
    name = "slides"

    def __init__(self, room: Core) -> None:
        super().__init__(room)
        self.show = SlideShow()
        self._pointed: dict[str, datetime] = {}  # participant_id -> their last pointer

    def load(self, show: SlideShow) -> None:
        """The show as the store has it (a room opening, or after a restart)."""
        self.show = show

    def snapshot(self, p: Participant, *, now: datetime) -> dict[str, object]:
        return {"slides": deck_payload(self.show)}

    def _news(self) -> list[Effect]:
        return [Keep(self.show), Send("slides", {"slides": deck_payload(self.show)}, Group.ROOM)]

    def show_deck(self, deck: Deck) -> list[Effect]:
        """A new deck on the stage, at its first page (its uploader's right is checked at
        the door of the upload)."""
        if deck.pages < 1:
            raise DomainError("This PDF has no pages we can show.", code="no_pages")
        self.show = SlideShow(deck=deck, page=1)
        return self._news()

    def slide_page(self, sid: str, page: int) -> list[Effect]:
        self.room.require(sid, C.PUBLISH_SCREEN)
        deck = self.show.deck
        if deck is None:
            raise NotFound("No slides are shown in this room.", code="no_slides")
        if not 1 <= page <= deck.pages:
            raise DomainError(
                "There is no page {page}: this deck has {pages} pages.",
                code="out_of_range",
                page=page,
                pages=deck.pages,
            )
        if page == self.show.page:
            return []
        self.show = replace(self.show, page=page)
        return self._news()

    def slides_stop(self, sid: str) -> list[Effect]:
        """Take the deck off the stage."""
        self.room.require(sid, C.PUBLISH_SCREEN)
        if self.show.deck is None:
            return []
        self.show = SlideShow()
        return self._news()

    def slide_pointer(self, sid: str, x: float, y: float, *, now: datetime) -> list[Effect]:
        """Relay the presenter's pointer (a place on the page, 0..1 each way; outside it:
        hidden) to the room; dropped when sent too often."""
        p = self.room.require(sid, C.PUBLISH_SCREEN)
        if self.show.deck is None:
            return []
        last = self._pointed.get(p.participant_id)
        if last is not None and now - last < _POINTER_GAP:
            return []
        self._pointed[p.participant_id] = now
        shown = {"participant_id": p.participant_id, "x": x, "y": y, "page": self.show.page}
        return [Send("slide_pointer", shown, Group.ROOM)]

    def gone(self, p: Participant, *, now: datetime) -> list[Effect]:
        self._pointed.pop(p.participant_id, None)
        return []
