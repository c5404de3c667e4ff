"""A signing record: what a signing ceremony leaves behind, as plain data. The signed PDF's
signature page, the ceremony certificate and the public verification page are all made from
it (``server.signing_documents``, ``server.pages.verify``); the store keeps it found by the
document's SHA-256 and the signed PDF's (``server.store.signing_records``).

The document's bytes are not part of it (they stay in the files store): the record names the
document by its SHA-256.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from rooms.signing_log import LogEntry, Verdict, public_view, verify

SHA256 = re.compile(r"[0-9a-f]{64}")
RECORD_FILE_NAME = "signing-record.json"  # the public record, embedded in the signed PDF


@dataclass(frozen=True, slots=True, kw_only=True)
class PartyRecord:
    """One party of an agreement and its signer: None ``signed_at`` means not signed yet."""

    organization: str
    signer_name: str
    signer_title: str
    typed_name: str = ""
    signature_png: bytes = b""
    signed_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class WitnessRecord:
    name: str
    organization: str = ""
    witnessed_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SigningRecord:
    """agreement_id: the agreement's id (the record's key in the store); zone: the IANA zone
    times are shown in."""

    agreement_id: str
    title: str
    document_sha256: str
    parties: tuple[PartyRecord, ...]
    witnesses: tuple[WitnessRecord, ...] = ()
    log: tuple[LogEntry, ...] = ()
    zone: str = "UTC"

    def __post_init__(self) -> None:
        if not SHA256.fullmatch(self.document_sha256):
            raise ValueError("a document's SHA-256 is 64 lower-case hex digits")

    @property
    def signed(self) -> bool:
        """Every party has signed."""
        return bool(self.parties) and all(p.signed_at is not None for p in self.parties)

    @property
    def head(self) -> str:
        """The log's head: its last entry's hash."""
        return self.verdict(head=None).head

    def verdict(self, *, head: str | None) -> Verdict:
        """The log checked, against the head sealed into the signed PDF when given."""
        return verify(self.log, head=head)


def _time(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def public_record(record: SigningRecord) -> dict[str, object]:
    """The record as anyone may read it (embedded in the signed PDF, as JSON): no signature
    images, no IP addresses, no user agents; the log's head as it is now."""
    return {
        "agreement_id": record.agreement_id,
        "title": record.title,
        "document_sha256": record.document_sha256,
        "parties": [
            {
                "organization": p.organization,
                "signer_name": p.signer_name,
                "signer_title": p.signer_title,
                "typed_name": p.typed_name,
                "signed_at": _time(p.signed_at),
            }
            for p in record.parties
        ],
        "witnesses": [
            {"name": w.name, "organization": w.organization, "witnessed_at": _time(w.witnessed_at)}
            for w in record.witnesses
        ],
        "head": record.head,
        "log": public_view(record.log),
    }


def sealed_hashes(public: object) -> tuple[str, ...] | None:
    """The hashes of the log's entries in a public record (``public_record`` read back from
    JSON); None when it has no such log."""
    log = public.get("log") if isinstance(public, dict) else None
    if not isinstance(log, list) or not all(isinstance(e, dict) for e in log):
        return None
    hashes = tuple(e.get("hash") for e in log)
    if not all(isinstance(h, str) and SHA256.fullmatch(h) for h in hashes):
        return None
    return hashes


def normal_sha256(text: str) -> str | None:
    """A pasted SHA-256 (spaces around, upper or lower case) in lower case, or None when it is
    not 64 hex digits."""
    cleaned = text.strip().lower()
    return cleaned if SHA256.fullmatch(cleaned) else None
