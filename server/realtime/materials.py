"""A review item's materials for the people in its room (the links of the panel's items).

``GET /sessions/{session_id}/materials/{file_id}`` shows one in the viewer (pdf.js);
``GET …/{file_id}/file`` serves its bytes with ranges (``?download=1`` as an attachment,
only where the review allows downloads, or for its hosts). The requester is resolved as at
the room's door (server/realtime/identity.py), with a role given live counting: the
session's hosts and co-hosts may read every material; its reviewers those of the items they
are not conflicted on, under neutral names in a blind review; nobody else. A material one
may not read is answered like one that does not exist.
"""

from datetime import UTC, datetime

from aiohttp import web

from rooms.errors import DomainError, Forbidden
from rooms.files import StoredFile
from rooms.items import ReviewSettings
from rooms.roles import Capability, capabilities
from server.agenda import load_session
from server.appkeys import SETTINGS, STORE
from server.files import checked_file_response, files_root, find_file, viewer_page
from server.materials import material_item, no_material, shown_material
from server.realtime.identity import resolve
from server.reviews import load_book

C = Capability


async def _readable(request: web.Request) -> tuple[StoredFile, ReviewSettings, bool]:
    """The material as this requester may read it, the review's settings, and whether they
    are its staff (who may always download)."""
    store, file_id = request.app[STORE], request.match_info["file_id"]
    session = await load_session(store, request.match_info["session_id"])
    stored = await find_file(store, file_id)
    item = await material_item(store, session=session, file_id=file_id) if stored else None
    try:
        person = await resolve(request, session, token=None, name=None, now=datetime.now(UTC))
    except DomainError:
        raise no_material(file_id) from None
    if stored is None or item is None or stored.scope_id != session.session_id:
        raise no_material(file_id)
    flags = await store.rooms.flags(session.session_id)
    role = person.role if person.owner else flags.roles.get(person.person_key, person.role)
    caps = capabilities(session.kind, role)
    book = await load_book(store, session)
    staff = person.owner or bool({C.MODERATE, C.CHAIR} & caps)
    standing = book.table.get(item.item_id, {}).get(person.person_key)
    reviewer = C.SCORE in caps and not (standing and standing.conflicted)
    if not (staff or reviewer):
        raise no_material(file_id)
    files = [f for f, _ in book.materials.get(item.item_id, ())]
    position = [i.item_id for i in book.items].index(item.item_id) + 1
    blind = book.settings.blind and not staff
    shown = shown_material(stored, blind=blind, position=position, number=files.index(file_id) + 1)
    return shown, book.settings, staff


async def material_page(request: web.Request) -> web.Response:
    stored, settings, staff = await _readable(request)
    base = f"/sessions/{request.match_info['session_id']}/materials/{stored.file_id}"
    downloadable = staff or settings.downloads_allowed
    return viewer_page(
        request,
        stored,
        file_url=f"{base}/file",
        download_url=f"{base}/file?download=1" if downloadable else None,
        downloadable=downloadable,
    )


async def material_file(request: web.Request) -> web.StreamResponse:
    stored, settings, staff = await _readable(request)
    download = request.query.get("download") == "1"
    if download and not (staff or settings.downloads_allowed):
        raise Forbidden("The chair does not allow downloading this review's materials.")
    root = files_root(request.app[SETTINGS])
    return checked_file_response(root, stored, attachment=download)


def setup_materials(app: web.Application) -> None:
    app.router.add_get(
        "/sessions/{session_id}/materials/{file_id}", material_page, name="room_material"
    )
    app.router.add_get(
        "/sessions/{session_id}/materials/{file_id}/file", material_file, name="room_material_file"
    )
