"""Uploaded files: which kinds are taken, how large each purpose allows them, and the record
kept of a stored file (``StoredFile``).

A file's kind is sniffed from its first bytes, never from its name or the type its browser
claims: a page named ``report.pdf`` is still a page, and is refused. Only PDF, PNG, JPEG
and WebP are taken for now. The uploader's name for the file is kept for display only,
cleaned (``clean_file_name``); the bytes are stored under a name the server makes
(server/files.py).
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from rooms.errors import DomainError

MIB = 1024 * 1024
SNIFF_BYTES = 12  # enough for every signature below (WebP's is the longest)
FILE_NAME_MAX = 120  # characters of a file's name as shown
_EXTENSION_MAX = 10  # a longer "extension" is not kept when a long name is shortened
_HIDDEN_CATEGORIES = {"Cc", "Cf", "Cs"}  # control and format characters (bidi overrides…)


class MediaType(StrEnum):
    """The kinds of file Yunhui takes, as their media types."""

    PDF = "application/pdf"
    PNG = "image/png"
    JPEG = "image/jpeg"
    WEBP = "image/webp"


TYPE_NAMES = {  # how messages name each kind (a format's name, the same in every language)
    MediaType.PDF: "PDF",
    MediaType.PNG: "PNG",
    MediaType.JPEG: "JPEG",
    MediaType.WEBP: "WebP",
}
EXTENSIONS = {
    MediaType.PDF: ".pdf",
    MediaType.PNG: ".png",
    MediaType.JPEG: ".jpg",
    MediaType.WEBP: ".webp",
}


class FilePurpose(StrEnum):
    """What a file is uploaded for; each purpose has its own allowance."""

    MATERIAL = "material"  # an item's materials in a review
    SLIDES = "slides"  # a teacher's or a presenter's slides
    AGREEMENT = "agreement"  # a document to be signed in a signing session


@dataclass(frozen=True, slots=True)
class Allowance:
    """What one purpose takes: how many bytes at most, and which kinds of file."""

    max_bytes: int
    media_types: tuple[MediaType, ...]


_ANY_KIND = tuple(MediaType)
ALLOWANCES = {
    FilePurpose.MATERIAL: Allowance(max_bytes=50 * MIB, media_types=_ANY_KIND),
    FilePurpose.SLIDES: Allowance(max_bytes=50 * MIB, media_types=_ANY_KIND),
    FilePurpose.AGREEMENT: Allowance(max_bytes=50 * MIB, media_types=(MediaType.PDF,)),
}


@dataclass(frozen=True, slots=True)
class StoredFile:
    """The record of one uploaded file; its bytes are the file store's."""

    file_id: str  # made by the server; also names the bytes
    org_id: str
    scope_id: str  # what the file belongs to: a session (its materials), an agreement…
    purpose: FilePurpose
    name: str  # the uploader's name for it, cleaned: for display only
    media_type: MediaType  # sniffed from the bytes
    size: int  # bytes
    sha256: str  # hex digest of the bytes
    created_at: datetime
    created_by: str  # who uploaded it: an account_id or a person key


def sniff_media_type(head: bytes) -> MediaType | None:
    """The kind of file whose first bytes these are, or None for any other kind."""
    if head.startswith(b"%PDF-"):
        return MediaType.PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return MediaType.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return MediaType.JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return MediaType.WEBP
    return None


def check_file_type(*, head: bytes, purpose: FilePurpose) -> MediaType:
    """The kind of an upload from its first ``SNIFF_BYTES`` (all of it if shorter), if the
    purpose takes it; a DomainError names the kinds it takes otherwise."""
    if not head:
        raise DomainError("The file is empty.", code="file_empty")
    found = sniff_media_type(head)
    allowed = ALLOWANCES[purpose].media_types
    if found is None or found not in allowed:
        raise DomainError(
            "Only these kinds of file can be uploaded here: {allowed}.",
            code="file_type",
            allowed=", ".join(TYPE_NAMES[kind] for kind in allowed),
        )
    return found


def check_file_size(*, size: int, purpose: FilePurpose) -> None:
    """Refuse an upload that has grown past its purpose's allowance."""
    limit = ALLOWANCES[purpose].max_bytes
    if size > limit:
        raise DomainError(
            "The file is larger than {limit} MiB, the most allowed here.",
            code="file_too_large",
            limit=limit // MIB,
        )


def clean_file_name(name: str, *, media_type: MediaType) -> str:
    """The uploader's name for a file, fit to show: its last path part, without control or
    format characters, white space tidied, at most ``FILE_NAME_MAX`` characters (a long name keeps
    its extension); ``file.<ext>`` when nothing is left."""
    last = re.split(r"[/\\]", name)[-1]
    visible = "".join(c for c in last if c.isspace() or not _hidden(c))
    clean = " ".join(visible.split())  # tabs, line breaks and runs of spaces: one space
    if clean in {"", ".", ".."}:
        return "file" + EXTENSIONS[media_type]
    return _shortened(clean)


def _hidden(character: str) -> bool:
    return unicodedata.category(character) in _HIDDEN_CATEGORIES


def _shortened(name: str) -> str:
    if len(name) <= FILE_NAME_MAX:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > _EXTENSION_MAX:
        return name[:FILE_NAME_MAX].rstrip()
    return stem[: FILE_NAME_MAX - len(extension) - 1].rstrip() + "." + extension
