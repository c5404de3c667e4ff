"""A signing session's agreement for its people (the viewer, and its bytes with ranges).

``GET /sessions/{session_id}/agreement`` shows it in the viewer (pdf.js), ``…/file`` serves
it (``?download=1`` as an attachment) to anyone the session's room would let in, resolved
as at the room's door (server/realtime/identity.py), or to the bearer of an invite to the
session (``?invite=<token>``, read and never spent): its signers and witnesses read it from
their invite before the ceremony, the audience follows it on the stage.
``…/signed``: once the ceremony is closed, the signed PDF (the document, its signature page,
the organization's seal; server/signing.py). An agreement one may
not read is answered like one that does not exist.
"""

from datetime import UTC, datetime
from urllib.parse import urlencode

from aiohttp import web

from rooms.agenda import Session
from rooms.errors import DomainError, NotFound
from rooms.files import StoredFile
from server.agenda import load_session
from server.appkeys import REPORT_FONT, SEAL, SETTINGS, STORE
from server.files import checked_file_response, files_root, find_file, viewer_page
from server.i18n import gettext, language
from server.invitations import open_invite
from server.realtime.identity import resolve
from server.signing import check_signing, signed_agreement

NO_SEAL = "Signed agreements cannot be made here yet: the server has no seal or no Chinese font."


async def _admitted(request: web.Request, session: Session, invite: str) -> None:
    """Whether the room would let this request in: its invite (``?invite=``: read, never
    spent), or who its browser is."""
    now = datetime.now(UTC)
    if invite:
        store, settings = request.app[STORE], request.app[SETTINGS]
        await open_invite(store, settings, token=invite, now=now, session_id=session.session_id)
    else:
        await resolve(request, session, token=None, name="guest", now=now)


async def _readable(request: web.Request) -> tuple[Session, StoredFile]:
    store = request.app[STORE]
    session = await load_session(store, request.match_info["session_id"])
    check_signing(session)
    gone = NotFound("There is no such file.", code="file_not_found")
    try:
        await _admitted(request, session, request.query.get("invite", "")[:2000])
    except DomainError:
        raise gone from None
    agreement = await store.signings.agreement(session.session_id)
    stored = await find_file(store, agreement.file_id) if agreement and agreement.file_id else None
    if stored is None:
        raise gone
    return session, stored


async def agreement_page(request: web.Request) -> web.Response:
    session, stored = await _readable(request)
    invite = request.query.get("invite", "")
    url = f"/sessions/{session.session_id}/agreement/file" + (
        f"?{urlencode({'invite': invite})}" if invite else ""
    )
    download = url + ("&" if invite else "?") + "download=1"
    return viewer_page(request, stored, file_url=url, download_url=download)


async def agreement_file(request: web.Request) -> web.StreamResponse:
    _session, stored = await _readable(request)
    download = request.query.get("download") == "1"
    return checked_file_response(files_root(request.app[SETTINGS]), stored, attachment=download)


async def signed_file(request: web.Request) -> web.StreamResponse:
    """GET …/agreement/signed: the signed PDF of a closed ceremony (sealed at the first
    request, then kept; ``?download=1`` as an attachment)."""
    session, _document = await _readable(request)
    app = request.app
    seal, font = app[SEAL], app[REPORT_FONT]
    if seal.missing or font.path is None:
        raise DomainError(NO_SEAL, code="unavailable")
    stored = await signed_agreement(
        app[STORE], app[SETTINGS], session, seal=seal, font=font,
        t=lambda text: gettext(request, text), lang=language(request), now=datetime.now(UTC),
    )  # fmt: skip
    download = request.query.get("download") == "1"
    return checked_file_response(files_root(app[SETTINGS]), stored, attachment=download)


def setup_agreement_files(app: web.Application) -> None:
    app.router.add_get("/sessions/{session_id}/agreement", agreement_page, name="agreement")
    app.router.add_get("/sessions/{session_id}/agreement/file", agreement_file)
    app.router.add_get("/sessions/{session_id}/agreement/signed", signed_file)
