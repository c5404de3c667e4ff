"""/api/ a signing session's agreement and its full signing log, for the staff of the
session's organization: the agreement as prepared (parties in signing order, witnesses), and
every entry of the log with its IP address and user agent (never shown publicly: the
verification page shows the log without them). The agreement is prepared on the console's
agreement page (server/pages/console_signing.py)."""

from typing import Any

from aiohttp import web

from rooms.agreement import Agreement
from rooms.signing_log import LogEntry, to_json
from server.api.routes import ApiRoutes, json_response
from server.api.sessions import own_session
from server.api.views import listed
from server.appkeys import STORE

routes = ApiRoutes()
TAG = "signing"
_TEXT = {"type": "string"}
_OBJECT = {"type": "object"}
PARTY = {
    "title": "Party",
    "type": "object",
    "additionalProperties": False,
    "required": ["party_id", "organization", "signer_key", "signer_name", "signer_title"],
    "properties": {
        "party_id": {**_TEXT, "description": "p1, p2… in signing order"},
        "organization": _TEXT,
        "signer_key": {**_TEXT, "description": "the signer's person key on the roster"},
        "signer_name": _TEXT,
        "signer_title": _TEXT,
    },
}
WITNESS = {
    "title": "Witness",
    "type": "object",
    "additionalProperties": False,
    "required": ["person_key", "name"],
    "properties": {"person_key": _TEXT, "name": _TEXT},
}
AGREEMENT = {
    "title": "Agreement",
    "type": "object",
    "additionalProperties": False,
    "required": [
        "title",
        "file_id",
        "file_name",
        "sha256",
        "pages",
        "parties",
        "witnesses",
        "fixed",
        "steps",
    ],  # fmt: skip
    "properties": {
        "title": _TEXT,
        "file_id": _TEXT,
        "file_name": _TEXT,
        "sha256": {**_TEXT, "description": "the document's SHA-256 (empty before an upload)"},
        "pages": {"type": "integer", "minimum": 0},
        "parties": listed(PARTY),
        "witnesses": listed(WITNESS),
        "fixed": {"type": "boolean", "description": "the log has begun: it can no longer change"},
        "steps": {"type": "integer", "minimum": 0, "description": "entries in the log"},
    },
}
ENTRY = {
    "title": "LogEntry",
    "type": "object",
    "additionalProperties": False,
    "required": [
        "seq",
        "at",
        "step",
        "actor",
        "detail",
        "ip",
        "user_agent",
        "prev_hash",
        "hash",
    ],  # fmt: skip
    "properties": {
        "seq": {"type": "integer", "minimum": 0},
        "at": {"type": "string", "format": "date-time"},
        "step": {
            "type": "string",
            "enum": [
                "document_fixed",
                "signer_called",
                "identity_confirmed",
                "consent_given",
                "signed",
                "witnessed",
                "ceremony_closed",
            ],
        },  # fmt: skip
        "actor": _OBJECT,
        "detail": _OBJECT,
        "ip": _TEXT,
        "user_agent": _TEXT,
        "prev_hash": _TEXT,
        "hash": _TEXT,
    },
}


def agreement_json(agreement: Agreement, log: list[LogEntry]) -> dict[str, Any]:
    return {
        "title": agreement.title,
        "file_id": agreement.file_id,
        "file_name": agreement.file_name,
        "sha256": agreement.sha256,
        "pages": agreement.pages,
        "parties": [
            {
                "party_id": p.party_id,
                "organization": p.organization,
                "signer_key": p.signer_key,
                "signer_name": p.signer_name,
                "signer_title": p.signer_title,
            }
            for p in agreement.parties
        ],  # fmt: skip
        "witnesses": [{"person_key": w.person_key, "name": w.name} for w in agreement.witnesses],
        "fixed": bool(log),
        "steps": len(log),
    }


@routes.route(
    "GET",
    "/api/sessions/{session_id}/agreement",
    summary="A signing session's agreement as prepared: its document, parties in signing "
    "order, witnesses, and whether it is fixed (another kind of session has none: empty)",
    tag=TAG,
    returns=AGREEMENT,
)
async def get_agreement(request: web.Request) -> web.Response:
    session, store = await own_session(request), request.app[STORE]
    found = await store.signings.agreement(session.session_id)
    agreement = found or Agreement(session_id=session.session_id)
    return json_response(agreement_json(agreement, await store.signings.log(session.session_id)))


@routes.route(
    "GET",
    "/api/sessions/{session_id}/signing-log",
    summary="A signing session's whole log, every entry with its IP address and user agent "
    "(staff only; the public verification page shows neither; empty for other kinds)",
    tag=TAG,
    returns=listed(ENTRY),
)
async def get_signing_log(request: web.Request) -> web.Response:
    session, store = await own_session(request), request.app[STORE]
    return json_response([to_json(e) for e in await store.signings.log(session.session_id)])
