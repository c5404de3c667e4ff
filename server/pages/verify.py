"""The public verification page of signed agreements, for anyone, in Chinese and English:
``/verify`` takes a PDF (≤ 50 MiB) or a pasted SHA-256, and ``/verify?hash=…`` (what the
signature page's QR code opens) a hash. It shows what the PDF's seal says (intact, changed,
tampered, not ours), and the record found: the parties, the times, signed or not, the
witnesses, and whether the signing log is whole or where it breaks — its public view, never
IP addresses or user agents.

The upload is read from the request's own stream when its CSRF token comes in the
``X-CSRF-Token`` header (the page's script sends it so); without the script, the form's
token field makes the CSRF check read the form first, within the site's body size limit.
Checks are rate-limited per client address, and a process parses at most
``PDF_CHECKS_AT_ONCE`` uploaded PDFs at a time (in threads, off the event loop).
"""

import asyncio
from typing import Any

import aiohttp_jinja2
from aiohttp import BodyPartReader, web

from rooms.errors import NotFound
from rooms.signing_log import public_view
from rooms.signing_record import normal_sha256
from server import signing_verification as checks
from server.appkeys import SEAL, SETTINGS, STORE
from server.auth import client_address
from server.csrf import HEADER
from server.downloads import pdf_response
from server.i18n import gettext, language
from server.pages.certificate_documents import report_font
from server.signing_documents import certificate_pdf, local_time
from server.signing_verification import UPLOAD_MAX_BYTES, Finding

CHUNK_BYTES = 256 * 1024
HASH_FIELD_MAX = 200  # characters of a pasted hash read at most
CHECKS_PER_MINUTE = 20  # uploads and pasted hashes checked per client address
PDF_CHECKS_AT_ONCE = 2  # uploaded PDFs parsed at the same time by this process; others wait
CHECKING = web.AppKey("verify_checking", asyncio.Semaphore)

ERROR_MESSAGES = {
    "bad_hash": "A SHA-256 is 64 hexadecimal digits (0-9, a-f).",
    "not_pdf": "This file is not a PDF.",
    "too_large": "The file is larger than 50 MiB.",
    "nothing": "Choose a PDF file or paste a SHA-256.",
    "too_many": "Too many checks from your address: wait a minute and try again.",
}

# what a PDF's seal shows (server.signing_seal.SealState), and how it shows
SEAL_MESSAGES = {
    "intact": "The seal is intact: this PDF is exactly as the organization sealed it.",
    "changed": "The seal is genuine, but something was added to this PDF after it was sealed.",
    "tampered": "Tampered: this PDF was altered after it was sealed.",
    "not_ours": "This PDF is sealed, but not by this platform's organization.",
    "unsealed": "This PDF carries no seal.",
    "unreadable": "This PDF cannot be read: it is damaged.",
}
SEAL_LOOKS = {"intact": "success", "changed": "warning"}  # else "error"
# where a signing log stops verifying (rooms.signing_log.Break)
BREAK_MESSAGES = {
    "edited": "Entry {seq} was edited after it was written.",
    "deleted": "An entry is missing at {seq}: entries were deleted.",
    "inserted": "Entry {seq} was inserted: its number comes twice.",
    "reordered": "Entry {seq} is out of order: entries were moved.",
    "broken_link": "Entry {seq} does not follow the entry before it.",
    "head": "The log does not end where it ended when it was sealed: "
    "entries at its end were deleted or changed.",
}
STEP_LABELS = {
    "document_fixed": "Document fixed",
    "signer_called": "Signer called",
    "identity_confirmed": "Identity confirmed",
    "consent_given": "Consent given",
    "signed": "Signed",
    "witnessed": "Witnessed",
    "ceremony_closed": "Ceremony closed",
}
MATCH_MESSAGES = {
    "signed_pdf": "This is the signed PDF of the agreement below.",
    "document": "This is the original document of the agreement below.",
    "revision": "This PDF was made from the signed PDF of the agreement below.",
}


class BadInput(Exception):
    """What the form was given cannot be checked: the page says why (``ERROR_MESSAGES``),
    nothing is looked up."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


async def verify_page(request: web.Request) -> web.Response:
    """GET /verify: the form; with ?hash=, the record of that hash."""
    raw = request.query.get("hash")
    if raw is None:
        return _render(request, {})
    try:
        finding = await checks.check_hash(request.app[STORE], _sha256(raw))
    except BadInput as error:
        return _refused(request, error)
    return _render(request, _shown(request, finding))


async def verify_submission(request: web.Request) -> web.Response:
    """POST /verify: a PDF uploaded (field ``file``) or a hash pasted (field ``hash``)."""
    try:
        await _count(request)
        pdf, raw = await _read_form(request)
        if pdf is not None:
            async with request.app[CHECKING]:
                finding = await checks.check_pdf(request.app[STORE], request.app[SEAL], pdf)
        elif raw:
            finding = await checks.check_hash(request.app[STORE], _sha256(raw))
        else:
            raise BadInput("nothing")
    except BadInput as error:
        return _refused(request, error, status=429 if error.code == "too_many" else 400)
    return _render(request, _shown(request, finding))


async def _count(request: web.Request) -> None:
    address = client_address(request) or "unknown"
    if await request.app[STORE].signing_records.count_check(address) > CHECKS_PER_MINUTE:
        raise BadInput("too_many")


def _sha256(raw: str) -> str:
    sha256 = normal_sha256(raw[:HASH_FIELD_MAX])
    if sha256 is None:
        raise BadInput("bad_hash")
    return sha256


async def _read_form(request: web.Request) -> tuple[bytes | None, str]:
    """The uploaded file's bytes (None when no file was chosen) and the pasted hash."""
    if request.headers.get(HEADER) and request.content_type == "multipart/form-data":
        return await _streamed(request)
    form = await request.post()
    upload = form.get("file")
    raw = form.get("hash", "")
    pdf = None
    if isinstance(upload, web.FileField):
        pdf = _checked(upload.file.read(UPLOAD_MAX_BYTES + 1)) if upload.filename else None
    return pdf, raw if isinstance(raw, str) else ""


async def _streamed(request: web.Request) -> tuple[bytes | None, str]:
    pdf, raw = None, ""
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        if part.name == "hash":
            raw = (await part.read_chunk(HASH_FIELD_MAX * 4)).decode("utf-8", "replace")
        elif part.name == "file" and part.filename:
            pdf = _checked(await _read_capped(part))
    return pdf, raw


async def _read_capped(part: BodyPartReader) -> bytes:
    data = bytearray()
    while chunk := await part.read_chunk(CHUNK_BYTES):
        data += chunk
        if len(data) > UPLOAD_MAX_BYTES:
            raise BadInput("too_large")
    return bytes(data)


def _checked(data: bytes) -> bytes:
    if len(data) > UPLOAD_MAX_BYTES:
        raise BadInput("too_large")
    if not checks.is_pdf(data):
        raise BadInput("not_pdf")
    return data


def _shown(request: web.Request, finding: Finding) -> dict[str, Any]:
    """What the page shows of a finding: the record's public view only."""
    context: dict[str, Any] = {"finding": finding, "record": None}
    if finding.saved is None:
        return context
    record = finding.saved.record

    def when(at: Any) -> str:
        return local_time(at, record.zone, t=lambda text: gettext(request, text))

    context.update(
        record=record,
        parties=[(p, when(p.signed_at)) for p in record.parties],
        witnesses=[(w, when(w.witnessed_at)) for w in record.witnesses],
        log=[_row(entry) for entry in public_view(record.log)],
        verdict=finding.verdict,
    )
    return context


def _short(value: object) -> str:
    """A detail's value as shown: a SHA-256 by its first digits (its whole is above)."""
    text = str(value)
    return f"{text[:12]}…" if normal_sha256(text) == text else text


def _row(entry: dict[str, Any]) -> dict[str, Any]:
    """One log entry's public view as a row of the page's table."""
    actor = entry["actor"]
    return {
        "seq": entry["seq"],
        "at": str(entry["at"]).replace("T", " ").removesuffix("+00:00"),
        "step": entry["step"],
        "actor": actor.get("name", "") if isinstance(actor, dict) else "",
        "detail": "; ".join(f"{k}: {_short(v)}" for k, v in sorted(entry["detail"].items())),
        "hash": entry["hash"],
    }


def _render(request: web.Request, context: dict[str, Any], status: int = 200) -> web.Response:
    context.setdefault("error", "")
    context.setdefault("finding", None)
    context.update(
        seal_messages=SEAL_MESSAGES,
        seal_looks=SEAL_LOOKS,
        break_messages=BREAK_MESSAGES,
        step_labels=STEP_LABELS,
        match_messages=MATCH_MESSAGES,
        upload_max_mib=UPLOAD_MAX_BYTES // (1024 * 1024),
    )
    response = aiohttp_jinja2.render_template("verify.html", request, context, status=status)
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Cache-Control"] = "no-store"
    return response


def _refused(request: web.Request, error: BadInput, status: int = 400) -> web.Response:
    return _render(request, {"error": gettext(request, ERROR_MESSAGES[error.code])}, status=status)


async def ceremony_certificate(request: web.Request) -> web.Response:
    """GET /verify/{sha256}/certificate.pdf: the ceremony certificate of a signed agreement
    (for the press and the association's website), in the reader's language."""
    sha256 = normal_sha256(request.match_info["sha256"])
    saved = None if sha256 is None else await request.app[STORE].signing_records.find(sha256)
    if saved is None or not saved.record.signed:
        raise NotFound("No signing record has this SHA-256.")
    document = await certificate_pdf(
        saved.record,
        font=report_font(request),
        t=lambda message: gettext(request, message),
        lang=language(request),
        base_url=request.app[SETTINGS].base_url,
    )
    return pdf_response(document, f"signing-certificate-{saved.record.document_sha256[:12]}.pdf")


def setup_verify_pages(app: web.Application) -> None:
    app[CHECKING] = asyncio.Semaphore(PDF_CHECKS_AT_ONCE)
    app.router.add_get("/verify", verify_page)
    app.router.add_get("/verify/{sha256}/certificate.pdf", ceremony_certificate)
    app.router.add_post("/verify", verify_submission)
