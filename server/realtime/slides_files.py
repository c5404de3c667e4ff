"""A room's slide decks over HTTP: uploaded in the room, read by the people in it.

``POST /sessions/{session_id}/slides`` (multipart/form-data, field ``file``: a PDF of at
most 50 MiB, its kind sniffed; ``?downloadable=1`` lets people download it; the CSRF token
in the X-CSRF-Token header) stores a deck (its pages read by pypdf: ``server/pdf_pages.py``)
and puts it on the room's stage at page 1, in place of the deck shown before, whose file is
deleted (as a deck's is when it is stopped) — for a presenter or a host (``publish_screen``
or ``moderate``), resolved as at the room's door (server/realtime/identity.py) with a role
given live counting. Refusals answer JSON ``{"error": {"code", "message"}}`` and keep
nothing.

``GET …/slides/{file_id}/file`` serves a deck of the session to anyone the room's door
lets in; ``?download=1`` as an attachment, only where its presenter allows it (or for the
presenters and hosts).
"""

import asyncio
from datetime import UTC, datetime

from aiohttp import BodyPartReader, web

from rooms.agenda import Session
from rooms.errors import Conflict, DomainError, Forbidden, NotFound
from rooms.files import FilePurpose, MediaType, StoredFile
from rooms.kinds import rules_of
from rooms.lease import parse_lease
from rooms.outbox import Person
from rooms.roles import Capability, capabilities
from rooms.slides import Deck, Slides, SlideShow
from server.agenda import load_session
from server.appkeys import SETTINGS, STORE
from server.errors import error_json, status_of, user_message
from server.files import (
    checked_file_response,
    delete_file,
    file_path,
    files_root,
    find_file,
    save_upload,
)
from server.pdf_pages import count_pages
from server.realtime.identity import resolve
from server.realtime.live import LIVE_ROOMS, LiveRooms
from server.realtime.ownership import WRONG_OWNER
from server.settings import Settings
from server.store import Store

C = Capability
FIELD = "file"
GUEST = "guest"


def no_deck(file_id: str) -> NotFound:
    return NotFound("There is no such file.", code="file_not_found", file_id=file_id[:40])


async def _person(request: web.Request) -> tuple[Session, Person, frozenset[Capability]]:
    """The session (of a kind that shows slides), the requester, and their capabilities."""
    store = request.app[STORE]
    session = await load_session(store, request.match_info["session_id"])
    if Slides not in rules_of(session.kind).workflows:
        raise DomainError("That cannot be done in this kind of session.", code="not_here")
    # a walk-in guest's name is not needed here: only who they are, and their role
    person = await resolve(request, session, token=None, name=GUEST, now=datetime.now(UTC))
    flags = await store.rooms.flags(session.session_id)
    role = person.role if person.owner else flags.roles.get(person.person_key, person.role)
    return session, person, capabilities(session.kind, role)


def _presents(person: Person, caps: frozenset[Capability]) -> bool:
    return person.owner or bool({C.PUBLISH_SCREEN, C.MODERATE} & caps)


async def _file_part(request: web.Request) -> BodyPartReader:
    if request.content_type == "multipart/form-data":
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if isinstance(part, BodyPartReader) and part.name == FIELD:
                return part
    raise DomainError("Send the deck as a PDF file.", code="no_file")


async def _deck_of(request: web.Request, stored: StoredFile) -> Deck:
    """The deck of a stored upload; a PDF whose pages cannot be read is deleted, refused."""
    root, pages = files_root(request.app[SETTINGS]), 0
    if stored.media_type is MediaType.PDF:
        pages = await asyncio.to_thread(count_pages, file_path(root, stored.file_id))
    if pages < 1:
        await delete_file(request.app[STORE], root, stored)
        raise DomainError("Only a PDF whose pages can be read can be shown.", code="file_type")
    downloadable = request.query.get("downloadable") == "1"
    return Deck(stored.file_id, stored.name, pages=pages, downloadable=downloadable)


async def _on_stage(live: LiveRooms, session: Session, deck: Deck) -> Deck | None:
    """The deck on the room's stage: through its line when the room is open, else kept.
    Answers the deck it replaced (None: there was none)."""
    room = live.rooms.get(session.session_id)
    if room is None or room.room.closed:
        before = await live.store.slides.replace(session.session_id, SlideShow(deck=deck))
        return before.deck
    slides = room.room.part(Slides)
    replaced, effects = slides.show.deck, slides.show_deck(deck)  # nothing awaited between
    if not (await live.run(room, effects)).kept:
        raise DomainError("The deck was not saved; send it again.", code="unavailable")
    return replaced


async def _check_owner(live: LiveRooms, session: Session) -> None:
    """A deck goes on a live room's stage through the room's owner: HAProxy routes an upload
    there by its ``?session=``; one that reached another process while the room is held is
    refused ``wrong_owner`` (nothing is kept), so no process writes a room it does not own."""
    if live.rooms.get(session.session_id) is not None:
        return
    held = parse_lease(await live.store.owners.holder(session.session_id))
    if held is not None and held[0] != live.process:
        raise Conflict(WRONG_OWNER, code="wrong_owner")


async def forget_deck(store: Store, settings: Settings, gone: Deck | None) -> None:
    """Delete the file (record and bytes) of a deck that left the stage, replaced or
    stopped: nothing refers to it any more (a room shows one deck, and only its upload puts
    a deck on the stage)."""
    stored = None if gone is None else await find_file(store, gone.file_id)
    if stored is not None and stored.purpose is FilePurpose.SLIDES:
        await delete_file(store, files_root(settings), stored)


async def upload_deck(request: web.Request) -> web.Response:
    try:
        session, person, caps = await _person(request)
        if not _presents(person, caps):
            raise Forbidden("Only a presenter or a host can show slides.", code="forbidden")
        await _check_owner(request.app[LIVE_ROOMS], session)
        stored = await save_upload(
            request.app[STORE], files_root(request.app[SETTINGS]), await _file_part(request),
            org_id=session.org_id, scope_id=session.session_id, purpose=FilePurpose.SLIDES,
            created_by=person.person_key, now=datetime.now(UTC),
        )  # fmt: skip
        deck = await _deck_of(request, stored)
        replaced = await _on_stage(request.app[LIVE_ROOMS], session, deck)
    except DomainError as error:
        return error_json(status_of(error), error.code, user_message(request, error))
    if replaced is not None and replaced.file_id != deck.file_id:
        await forget_deck(request.app[STORE], request.app[SETTINGS], replaced)
    answer = {"file_id": deck.file_id, "name": deck.name, "pages": deck.pages}
    return web.json_response(answer, status=201)


async def deck_file(request: web.Request) -> web.StreamResponse:
    session, person, caps = await _person(request)
    file_id, store = request.match_info["file_id"], request.app[STORE]
    stored = await find_file(store, file_id)
    if stored is None or (stored.scope_id, stored.purpose) != (
        session.session_id,
        FilePurpose.SLIDES,
    ):
        raise no_deck(file_id)
    download = request.query.get("download") == "1"
    shown = (await store.slides.show(session.session_id)).deck
    allowed = _presents(person, caps) or (shown is not None and shown.file_id == file_id
                                          and shown.downloadable)  # fmt: skip
    if download and not allowed:
        raise Forbidden("The presenter does not allow downloading these slides.")
    return checked_file_response(files_root(request.app[SETTINGS]), stored, attachment=download)


def setup_slides(app: web.Application) -> None:
    app.router.add_post("/sessions/{session_id}/slides", upload_deck, name="room_slides")
    app.router.add_get(
        "/sessions/{session_id}/slides/{file_id}/file", deck_file, name="room_slides_file"
    )
