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

from rooms.signing_log import LogEntry, Verdict, verify

SHA256 = re.compile(r"[0-9a-f]{64}")


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


def normal_sha256(text: str) -> str | None:
    """A pasted SHA-256 (spaces around, upper or lower case) in lower case, or None when it is
    not 64 hex digits."""
    cleaned = text.strip().lower()
    return cleaned if SHA256.fullmatch(cleaned) else None
