"""An agreement to be signed in a signing session: its document, its parties and witnesses.

Staff prepare it in the console: a PDF (``rooms.files.FilePurpose.AGREEMENT``; an encrypted
PDF is refused: nobody could be sure what it says), a title, the **parties** in their
signing order (each: an organization, its signer — a person on the session's roster with
the role ``signer`` — and the signer's title there) and the optional **witnesses** (on the
roster as ``witness``). It may change until the document is fixed, the ceremony's first step
(``rooms.ceremony``); from then on the record holds what was agreed.

Helpers for the ceremony live here too: how a typed name is compared with the name on the
agreement (``same_name``), and how a drawn signature is taken (``signature_png``).
"""

import base64
import binascii
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rooms.agenda import RosterEntry
from rooms.errors import DomainError
from rooms.limits import NAME_MAX, TITLE_MAX
from rooms.roles import Role

PARTIES_MAX = 20
WITNESSES_MAX = 20
SIGNATURE_BYTES_MAX = 40 * 1024  # a drawn signature's PNG (it travels in one event)
SIGNATURE_PREFIX = "data:image/png;base64,"
SIGNATURE_CHARS_MAX = len(SIGNATURE_PREFIX) + 4 * (SIGNATURE_BYTES_MAX // 3 + 1)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_ENCRYPT = re.compile(rb"/Encrypt\s*(\d+\s+\d+\s+R|<<)")


@dataclass(frozen=True, slots=True)
class Party:
    """One side of an agreement: an organization and the person who signs for it."""

    party_id: str  # "p1", "p2"… in signing order when prepared
    organization: str
    signer_key: str  # a person key on the session's roster, role signer
    signer_name: str  # as on the agreement: what an invited signer types
    signer_title: str = ""  # their role at the organization (总经理, Secretary-General…)


@dataclass(frozen=True, slots=True)
class Witness:
    person_key: str
    name: str


@dataclass(frozen=True, slots=True)
class Agreement:
    """What a signing session signs: the document (a stored file, its SHA-256) and who signs
    it in which order."""

    session_id: str
    title: str = ""
    file_id: str = ""
    file_name: str = ""
    sha256: str = ""
    pages: int = 0
    parties: tuple[Party, ...] = ()
    witnesses: tuple[Witness, ...] = ()

    def party(self, party_id: str) -> Party | None:
        return next((p for p in self.parties if p.party_id == party_id), None)

    def party_of(self, person_key: str) -> Party | None:
        return next((p for p in self.parties if p.signer_key == person_key), None)

    def witness_of(self, person_key: str) -> Witness | None:
        return next((w for w in self.witnesses if w.person_key == person_key), None)

    @property
    def ready(self) -> bool:
        """Whether the document may be fixed: it has a file, a title and a party."""
        return bool(self.file_id and self.sha256 and self.title and self.parties)


NO_TITLE = "Enter the agreement's title (at most {most} characters)."
NO_ORGANIZATION = "Enter the party's organization (at most {most} characters)."


def _text(value: str, *, most: int, wrong: str) -> str:
    text = " ".join(value.split())
    if not text or len(text) > most:
        raise DomainError(wrong, code="invalid", most=most)
    return text


def check_title(title: str) -> str:
    return _text(title, most=TITLE_MAX, wrong=NO_TITLE)


def make_party(*, number: int, organization: str, signer: RosterEntry | None, title: str) -> Party:
    """A party of the agreement, its signer found on the roster with the role signer."""
    if signer is None or signer.role is not Role.SIGNER:
        raise DomainError(
            "A party's signer must be on the session's roster as a signer.", code="not_signer"
        )
    organization = _text(organization, most=TITLE_MAX, wrong=NO_ORGANIZATION)
    signer_title = " ".join(title.split())[:NAME_MAX]
    return Party(f"p{number}", organization, signer.person_key, signer.name, signer_title)


def make_witness(entry: RosterEntry | None) -> Witness:
    if entry is None or entry.role is not Role.WITNESS:
        raise DomainError(
            "A witness must be on the session's roster as a witness.", code="not_witness"
        )
    return Witness(entry.person_key, entry.name)


def check_people(parties: Iterable[Party], witnesses: Iterable[Witness]) -> None:
    """At most one party per signer, one entry per witness, and not too many of either."""
    signers = [p.signer_key for p in parties]
    seen = [w.person_key for w in witnesses]
    if len(signers) > PARTIES_MAX or len(seen) > WITNESSES_MAX:
        raise DomainError("An agreement has at most {most} parties and witnesses each.",
                          code="too_many", most=PARTIES_MAX)  # fmt: skip
    if len(set(signers)) != len(signers) or len(set(seen)) != len(seen):
        raise DomainError("Each person signs or witnesses an agreement once.", code="duplicate")


def renumbered(parties: Iterable[Party]) -> tuple[Party, ...]:
    """The parties in this order, numbered p1, p2… again (the signing order)."""
    return tuple(
        Party(f"p{n}", p.organization, p.signer_key, p.signer_name, p.signer_title)
        for n, p in enumerate(parties, start=1)
    )


def is_encrypted(pdf: bytes) -> bool:
    """Whether a PDF is encrypted (its trailer, or its cross-reference stream's dictionary,
    names an ``/Encrypt`` dictionary)."""
    return _ENCRYPT.search(pdf) is not None


def check_document(pdf: bytes) -> None:
    """Refuse an encrypted PDF: what it says cannot be shown to every party alike."""
    if is_encrypted(pdf):
        raise DomainError(
            "This PDF is encrypted; upload the agreement without a password or restrictions.",
            code="pdf_encrypted",
        )


def normal_name(name: str) -> str:
    """A name as compared: compatibility forms folded (full-width letters), white space
    collapsed, case folded."""
    return " ".join(unicodedata.normalize("NFKC", name).split()).casefold()


def same_name(typed: str, on_agreement: str) -> bool:
    return bool(normal_name(typed)) and normal_name(typed) == normal_name(on_agreement)


def check_name(typed: str, on_agreement: str) -> None:
    if not same_name(typed, on_agreement):
        raise DomainError(
            "The name you typed does not match the name on the agreement.",
            code="name_mismatch",
        )


def signature_png(data_url: str) -> bytes:
    """A drawn signature: a PNG data URL of at most ``SIGNATURE_BYTES_MAX`` bytes whose bytes
    really are a PNG."""
    wrong = DomainError("Draw your signature (a PNG image).", code="bad_signature")
    if not data_url.startswith(SIGNATURE_PREFIX) or len(data_url) > SIGNATURE_CHARS_MAX:
        raise wrong
    try:
        data = base64.b64decode(data_url[len(SIGNATURE_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise wrong from None
    if not data.startswith(PNG_MAGIC) or len(data) > SIGNATURE_BYTES_MAX:
        raise wrong
    return data
