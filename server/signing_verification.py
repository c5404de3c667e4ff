"""The public check of a signed agreement (``server.pages.verify``).

Given a PDF: what its seal shows (``signing_seal.check_seal``), and its record, found by the
file's SHA-256 (a signed PDF as sealed, or the original document) or else by the SHA-256 of
one of its earlier revisions (the original document is the start of the signed PDF, so a
signed PDF changed afterwards still names its agreement). Given a SHA-256: its record.

A record found is checked again: its log (``rooms.signing_log``) against the hashes of its
entries the PDF's intact seal covers (the public record embedded in it), else against the
head saved with it — so a log rewritten in the store, head and all, still shows against a
signed PDF, at the entry where the rewriting began.
Only its public view is shown: no IP addresses, no user agents.
"""

import json
import re
from dataclasses import dataclass

from rooms.signing_log import Break, Problem, Verdict, against, verify
from rooms.signing_record import RECORD_FILE_NAME, sealed_hashes
from server.signing_seal import PDF_MAGIC, Seal, SealCheck, check_seal, sha256_hex
from server.store import Store
from server.store.signing_records import SavedRecord

UPLOAD_MAX_BYTES = 50 * 1024 * 1024
REVISIONS_MAX = 64  # earlier revisions of an uploaded PDF tried as the original document
EOF_MARK = re.compile(rb"%%EOF(\r\n|\r|\n)?")


@dataclass(frozen=True, slots=True)
class Finding:
    """What the check found. ``sha256``: of the file, or the hash pasted; ``matched``: which
    of the record's hashes it is (``signed_pdf``, ``document``, ``revision``), "" if none."""

    sha256: str
    seal: SealCheck | None = None  # for a file
    saved: SavedRecord | None = None
    verdict: Verdict | None = None  # the record's log
    matched: str = ""


def log_verdict(saved: SavedRecord, sealed: tuple[str, ...] | None = None) -> Verdict:
    """The record's log checked: against the hashes of its entries an intact seal covers
    when there are some, else against the head saved with it. An entry that no longer reads
    as one is an edited entry, unless something before it is already wrong."""
    before = verify(saved.record.log)
    if saved.unreadable is not None:
        problem = before.problem or Problem(saved.unreadable, Break.EDITED)
        return Verdict(ok=False, head=before.head, problem=problem)
    if sealed is not None:
        return against(saved.record.log, sealed)
    return saved.record.verdict(head=saved.head)


def _sealed(seal: SealCheck | None) -> tuple[str, ...] | None:
    """The hashes of the log's entries the PDF's intact seal covers (its public record)."""
    if seal is None or seal.attached is None:
        return None
    try:
        return sealed_hashes(json.loads(seal.attached))
    except ValueError:
        return None


async def _finding(store: Store, sha256: str, seal: SealCheck | None = None) -> Finding:
    saved = await store.signing_records.find(sha256)
    if saved is None:
        return Finding(sha256, seal)
    matched = "signed_pdf" if saved.signed_pdf_sha256 == sha256 else "document"
    return Finding(sha256, seal, saved, log_verdict(saved, _sealed(seal)), matched)


async def check_hash(store: Store, sha256: str) -> Finding:
    """The record of a document or signed PDF by its SHA-256 (lower-case hex)."""
    return await _finding(store, sha256)


async def check_pdf(store: Store, seal: Seal, pdf: bytes) -> Finding:
    """What an uploaded PDF's seal shows, and its record."""
    sha256 = sha256_hex(pdf)
    found = await _finding(store, sha256, await check_seal(pdf, seal, attachment=RECORD_FILE_NAME))
    if found.saved is not None:
        return found
    for revision in revisions(pdf):
        saved = await store.signing_records.find(sha256_hex(revision))
        if saved is not None:
            return Finding(sha256, found.seal, saved, log_verdict(saved), "revision")
    return found


def is_pdf(data: bytes) -> bool:
    return data.startswith(PDF_MAGIC)


def revisions(pdf: bytes) -> list[bytes]:
    """The file up to each end-of-file mark before its last (its earlier revisions), the
    line end after the mark included."""
    ends = [m.end() for m in EOF_MARK.finditer(pdf)][:REVISIONS_MAX]
    return [pdf[:end] for end in ends if end < len(pdf.rstrip())]
