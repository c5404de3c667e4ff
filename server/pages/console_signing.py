"""The console's page of a signing session's agreement: its document (a PDF upload), title,
parties in signing order (each signer from the roster's signers), witnesses (from the
roster's witnesses), and the button that fixes the document — the ceremony's first step,
after which nothing here can change. Staff of the session's organization only.

``GET /console/sessions/{session_id}/agreement`` shows it; each form posts to its own URL
under it and is answered 303 back to the page, or the page again with the refusal. The
upload (``…/agreement/document``) streams its body and answers JSON (web/static/js/console/
upload.js sends it, the CSRF token in the X-CSRF-Token header).
The people of the session read the agreement at ``/sessions/{session_id}/agreement``
(server/realtime/agreement_files.py).
"""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import BodyPartReader, web

from rooms.accounts import Account
from rooms.agenda import PersonType, Session, person_key
from rooms.errors import DomainError
from rooms.roles import Role
from rooms.signing_log import LogEntry
from server import signing
from server.appkeys import SETTINGS, STORE
from server.auth import client_address, require_account
from server.errors import error_json, status_of, user_message
from server.files import files_root
from server.pages.console import refused
from server.pages.console_sessions import own_session
from server.pages.forms import Form, read_form

TEMPLATE = "console/signing.html"
FIELD = "file"
Action = Callable[[web.Request, Account, Session, Form], Awaitable[object]]


def _page(session: Session) -> str:
    return f"/console/sessions/{session.session_id}/agreement"


async def _context(request: web.Request, session: Session, form: Form) -> dict[str, Any]:
    store = request.app[STORE]
    roster = await store.agenda.roster_of(session.session_id)
    log: list[LogEntry] = await store.signings.log(session.session_id)
    return {
        "session": session,
        "agreement": await signing.agreement_of(store, session),
        "signers": [e for e in roster if e.role is Role.SIGNER],
        "witnesses": [e for e in roster if e.role is Role.WITNESS],
        "fixed": bool(log),
        "steps": len(log),
        "form": form,
        "error": None,
    }


async def agreement_console(request: web.Request) -> web.Response:
    account = await require_account(request)
    session, _event = await own_session(request, account)
    signing.check_signing(session)
    context = await _context(request, session, Form())
    return aiohttp_jinja2.render_template(TEMPLATE, request, context)


async def _post(request: web.Request, action: Action) -> web.Response:
    account = await require_account(request)
    session, _event = await own_session(request, account)
    form = await read_form(request)
    try:
        await action(request, account, session, form)
    except DomainError as error:
        return refused(request, TEMPLATE, await _context(request, session, form), error)
    raise web.HTTPSeeOther(_page(session))


def _handler(action: Action) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        return await _post(request, action)

    return handle


async def _title(request: web.Request, _a: Account, session: Session, form: Form) -> object:
    store = request.app[STORE]
    return await signing.set_title(store, session, form["title"])


async def _add_party(request: web.Request, _a: Account, session: Session, form: Form) -> object:
    return await signing.add_party(
        request.app[STORE], session, organization=form["organization"],
        signer_key=form["signer_key"], signer_title=form["signer_title"]
    )  # fmt: skip


async def _remove_party(request: web.Request, _a: Account, session: Session, _f: Form) -> object:
    party_id, store = request.match_info["party_id"], request.app[STORE]
    return await signing.remove_party(store, session, party_id)


async def _party_up(request: web.Request, _a: Account, session: Session, _f: Form) -> object:
    party_id, store = request.match_info["party_id"], request.app[STORE]
    return await signing.move_party_up(store, session, party_id)


async def _add_witness(request: web.Request, _a: Account, session: Session, form: Form) -> object:
    store = request.app[STORE]
    return await signing.add_witness(store, session, form["person_key"])


async def _remove_witness(
    request: web.Request, _a: Account, session: Session, form: Form
) -> object:
    store = request.app[STORE]
    key = form["person_key"]
    return await signing.remove_witness(store, session, key)


async def _fix(request: web.Request, account: Account, session: Session, _f: Form) -> object:
    return await signing.fix_document(
        request.app[STORE], session, actor=signing.staff_actor(account.name, account.account_id),
        ip=client_address(request) or "", user_agent=request.headers.get("User-Agent", "")[:512],
        now=datetime.now(UTC),
    )  # fmt: skip


async def _file_part(request: web.Request) -> BodyPartReader:
    if request.content_type == "multipart/form-data":
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if isinstance(part, BodyPartReader) and part.name == FIELD:
                return part
    raise DomainError("Send the agreement as a PDF file.", code="no_file")


async def upload_document(request: web.Request) -> web.Response:
    account = await require_account(request)
    staff_key = person_key(PersonType.ACCOUNT, account.account_id)
    try:
        session, _event = await own_session(request, account)
        agreement = await signing.set_document(
            request.app[STORE], files_root(request.app[SETTINGS]), session,
            await _file_part(request), created_by=staff_key, now=datetime.now(UTC),
        )  # fmt: skip
    except DomainError as error:
        return error_json(status_of(error), error.code, user_message(request, error))
    shown = {"file_id": agreement.file_id, "sha256": agreement.sha256, "pages": agreement.pages}
    return web.json_response(shown, status=201)


def setup_signing_console(app: web.Application) -> None:
    base = "/console/sessions/{session_id}/agreement"
    app.router.add_get(base, agreement_console, name="console_agreement")
    app.router.add_post(f"{base}/document", upload_document)
    for path, action in (
        ("/title", _title),
        ("/parties", _add_party),
        ("/parties/{party_id}/remove", _remove_party),
        ("/parties/{party_id}/up", _party_up),
        ("/witnesses", _add_witness),
        ("/witnesses/remove", _remove_witness),
        ("/fix", _fix),
    ):
        app.router.add_post(base + path, _handler(action))
