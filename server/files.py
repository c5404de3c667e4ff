"""Uploaded files: their bytes under the data folder, their records in the store.

A file's bytes live at ``<root>/<ab>/<cd>/<file_id>``: ``<root>`` is ``DATA_DIR/files``
(``files_root``), the file_id a random token the server made, whose first four hex digits
shard the folders. Nothing the uploader sent names anything on disk; their name for the
file is kept, cleaned, for display (``rooms.files.clean_file_name``).

``save_upload`` streams one multipart field into ``<root>/partial/<file_id>``, hashing
(SHA-256) and counting as it goes, and refuses it (a ``DomainError``; the partial file is
deleted) as soon as its first bytes are no kind its purpose takes or its size passes the
purpose's cap (``rooms.files``). Only when every byte is on disk and fsynced is the file
renamed into place, its folder fsynced, and only then is its record written: a record always
has its bytes (a crash in between leaves bytes without a record, never the reverse).
Deleting forgets the record first, then the bytes.

The upload must be the request's own stream (``await request.multipart()``): a form whose
CSRF token is a field would be read whole by the CSRF check first, so send the token in the
``X-CSRF-Token`` header (server/csrf.py).

Who may read a file is not decided here: ``file_response`` asks the caller's check and
answers NotFound when it says no, exactly as for a file that does not exist. Files are served
with range requests (pdf.js reads large PDFs in ranges), their sniffed type, ``nosniff`` and
``Cache-Control: private, no-cache``.
"""

import asyncio
import hashlib
import os
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import BodyPartReader, web

from rooms.errors import NotFound
from rooms.files import (
    SNIFF_BYTES,
    FilePurpose,
    MediaType,
    StoredFile,
    check_file_size,
    check_file_type,
    clean_file_name,
)
from server.settings import Settings
from server.store import Store

CHUNK_BYTES = 256 * 1024
PARTIAL = "partial"  # uploads on their way in, under the root
FILE_ID = re.compile(r"[0-9a-f]{32}")

ReadCheck = Callable[[StoredFile], Awaitable[bool]]  # the caller's: may this request read it?


def files_root(settings: Settings) -> Path:
    return settings.data_dir / "files"


def new_file_id() -> str:
    return secrets.token_hex(16)


def file_path(root: Path, file_id: str) -> Path:
    """Where a file's bytes are; only a server-made file_id names a place."""
    if not FILE_ID.fullmatch(file_id):
        raise ValueError(f"not a file id: {file_id[:40]!r}")
    return root / file_id[:2] / file_id[2:4] / file_id


# saving


@dataclass
class _Intake:
    """One upload on its way to disk: counts, hashes and sniffs the bytes passing through,
    and refuses them as soon as the purpose does not take them."""

    purpose: FilePurpose
    size: int = 0
    digest: "hashlib._Hash" = field(default_factory=hashlib.sha256)
    head: bytearray = field(default_factory=bytearray)  # held until the kind is known
    media_type: MediaType | None = None

    def take(self, chunk: bytes) -> bytes:
        """What to write now: nothing while the first bytes are still too few to sniff."""
        self.size += len(chunk)
        check_file_size(size=self.size, purpose=self.purpose)
        self.digest.update(chunk)
        if self.media_type is not None:
            return chunk
        self.head += chunk
        return self._sniffed() if len(self.head) >= SNIFF_BYTES else b""

    def end(self) -> bytes:
        """The stream is over: what is still to write (a file shorter than SNIFF_BYTES is
        sniffed now; an empty one is refused)."""
        return self._sniffed() if self.media_type is None else b""

    @property
    def kind(self) -> MediaType:
        assert self.media_type is not None, "the upload has not ended"
        return self.media_type

    def _sniffed(self) -> bytes:
        head = bytes(self.head[:SNIFF_BYTES])
        self.media_type = check_file_type(head=head, purpose=self.purpose)
        held, self.head = bytes(self.head), bytearray()
        return held


def _open_partial(path: Path) -> BinaryIO:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("xb")


def _flush(out: BinaryIO) -> None:
    out.flush()
    os.fsync(out.fileno())


def _fsync_folder(path: Path) -> None:
    folder = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _settle(partial: Path, final: Path) -> None:
    """Move a complete, fsynced file into place, durably: its folder and the two above it
    (which it may have just made) are fsynced too."""
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(partial, final)
    for folder in final.parents[:3]:
        _fsync_folder(folder)


async def _receive(part: BodyPartReader, out: BinaryIO, intake: _Intake) -> None:
    while chunk := await part.read_chunk(CHUNK_BYTES):
        if data := intake.take(chunk):
            await asyncio.to_thread(out.write, data)
    if data := intake.end():
        await asyncio.to_thread(out.write, data)
    await asyncio.to_thread(_flush, out)


async def _write(root: Path, file_id: str, part: BodyPartReader, intake: _Intake) -> None:
    partial = root / PARTIAL / file_id
    out = await asyncio.to_thread(_open_partial, partial)
    try:
        with out:
            await _receive(part, out, intake)
        await asyncio.to_thread(_settle, partial, file_path(root, file_id))
    except BaseException:  # refused, failed or cancelled: nothing half written stays
        partial.unlink(missing_ok=True)
        raise


def sent_file_name(part: BodyPartReader) -> str:
    """The name a browser sent for the file: the HTML standard has it escape a quote and
    line breaks as %22, %0D and %0A in multipart/form-data, and nothing else."""
    name = part.filename or ""
    return name.replace("%22", '"').replace("%0D", "\r").replace("%0A", "\n")


async def save_upload(
    store: Store,
    root: Path,
    part: BodyPartReader,
    *,
    org_id: str,
    scope_id: str,
    purpose: FilePurpose,
    created_by: str,
    now: datetime,
) -> StoredFile:
    """Store one uploaded file from its multipart field, streamed; a DomainError refuses it
    (empty, a kind the purpose does not take, too large) and leaves nothing behind."""
    file_id, intake = new_file_id(), _Intake(purpose)
    await _write(root, file_id, part, intake)
    stored = StoredFile(
        file_id=file_id,
        org_id=org_id,
        scope_id=scope_id,
        purpose=purpose,
        name=clean_file_name(sent_file_name(part), media_type=intake.kind),
        media_type=intake.kind,
        size=intake.size,
        sha256=intake.digest.hexdigest(),
        created_at=now,
        created_by=created_by,
    )
    try:
        await store.files.add(stored)
    except BaseException:
        file_path(root, file_id).unlink(missing_ok=True)
        raise
    return stored


def _write_bytes(root: Path, file_id: str, data: bytes) -> None:
    partial = root / PARTIAL / file_id
    try:
        with _open_partial(partial) as out:
            out.write(data)
            _flush(out)
        _settle(partial, file_path(root, file_id))
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


async def save_bytes(
    store: Store,
    root: Path,
    data: bytes,
    *,
    name: str,
    org_id: str,
    scope_id: str,
    purpose: FilePurpose,
    created_by: str,
    now: datetime,
) -> StoredFile:
    """Store a file the server made (the demo's slides…) under the rules of an upload of
    that purpose (kind, size); the same record as an upload's."""
    file_id, intake = new_file_id(), _Intake(purpose)
    body = intake.take(data) + intake.end()
    await asyncio.to_thread(_write_bytes, root, file_id, body)
    stored = StoredFile(
        file_id=file_id, org_id=org_id, scope_id=scope_id, purpose=purpose,
        name=clean_file_name(name, media_type=intake.kind), media_type=intake.kind,
        size=intake.size, sha256=intake.digest.hexdigest(), created_at=now, created_by=created_by,
    )  # fmt: skip
    try:
        await store.files.add(stored)
    except BaseException:
        file_path(root, file_id).unlink(missing_ok=True)
        raise
    return stored


# finding and deleting


async def find_file(store: Store, file_id: str) -> StoredFile | None:
    """The record of a file, or None (also for anything that is not a file id)."""
    return await store.files.get(file_id) if FILE_ID.fullmatch(file_id) else None


async def files_of(
    store: Store, scope_id: str, *, purpose: FilePurpose | None = None
) -> list[StoredFile]:
    """The files a scope holds (of one purpose, if given), oldest first."""
    found = await store.files.of_scope(scope_id)
    return [stored for stored in found if purpose is None or stored.purpose is purpose]


async def delete_file(store: Store, root: Path, stored: StoredFile) -> None:
    """Forget the file, then delete its bytes (gone already is fine)."""
    await store.files.remove(stored)
    await asyncio.to_thread(file_path(root, stored.file_id).unlink, missing_ok=True)


# serving


def content_disposition(name: str, *, attachment: bool) -> str:
    """``inline`` or ``attachment`` with the name twice: ASCII for old clients, and UTF-8
    as RFC 5987 / RFC 6266 say for the rest."""
    kind = "attachment" if attachment else "inline"
    fallback = "".join(c if " " <= c <= "~" and c not in '"\\%' else "_" for c in name)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def file_headers(stored: StoredFile, *, attachment: bool = False) -> dict[str, str]:
    return {
        "Content-Type": str(stored.media_type),
        "Content-Disposition": content_disposition(stored.name, attachment=attachment),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-cache",
    }


async def file_response(
    store: Store,
    root: Path,
    file_id: str,
    *,
    may_read: ReadCheck,
    attachment: bool = False,
) -> web.FileResponse:
    """A response serving the file (with range requests) if ``may_read`` says this request
    may read it; NotFound if not, as for a file that does not exist."""
    stored = await find_file(store, file_id)
    if stored is None or not await may_read(stored):
        raise NotFound("There is no such file.", code="file_not_found")
    return web.FileResponse(
        file_path(root, stored.file_id),
        chunk_size=CHUNK_BYTES,
        headers=file_headers(stored, attachment=attachment),
    )


def checked_file_response(
    root: Path, stored: StoredFile, *, attachment: bool = False
) -> web.FileResponse:
    """Serve a file the caller has already let this request read, under the name ``stored``
    shows (a blind review's neutral name), with ranges; never cached by shared caches."""
    headers = file_headers(stored, attachment=attachment)
    headers["Cache-Control"] = "private, no-store"
    return web.FileResponse(
        file_path(root, stored.file_id), chunk_size=CHUNK_BYTES, headers=headers
    )


# the viewer page: one stored file in the browser (a PDF through pdf.js, an image as it is).
# No route here: who may see a file is the rule of the page that shows it (a review's
# materials, a class's slides…); that handler looks the file up, checks, and returns it.


def viewer_page(
    request: web.Request,
    stored: StoredFile,
    *,
    file_url: str,
    download_url: str | None = None,
    back_url: str | None = None,
    page: int = 1,
    downloadable: bool = True,
) -> web.Response:
    """The viewer of a stored file the caller has already let this request see, opening
    at ``page``; ``download_url`` (default ``file_url``) is the download link's target, and
    there is none when the file may not be downloaded (``downloadable``)."""
    context = {
        "stored": stored,
        "file_url": file_url,
        "download_url": download_url,
        "back_url": back_url,
        "page": max(page, 1),
        "downloadable": downloadable,
    }
    response = aiohttp_jinja2.render_template("viewer.html", request, context)
    response.headers["Cache-Control"] = "private, no-cache"
    return response
