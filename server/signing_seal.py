"""The organization's seal on signed agreements: a PAdES signature (pyHanko) by its key.

The key comes from the settings (``SEAL_KEY_FILE``: PKCS#12, or a PEM key with
``SEAL_CERT_FILE``). In dev, without one, a self-signed seal is made at first start under
``DATA_DIR/seal/`` (the key 0600), written whole under a private name and renamed into
place, so processes starting together on a new data folder all end up with the same one.
In production without one the server runs and sealing fails saying what to set.

``seal_with_pages`` appends pages (the signature page) to a PDF as an incremental update,
so the original file stays byte for byte at the start of the signed one, and seals the whole.
``check_seal`` says what a PDF's seal shows: intact, changed after sealing, tampered, sealed
by someone else, not sealed, or not readable.
"""

import asyncio
import hashlib
import io
import logging
import os
import secrets
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import embed, generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError, PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.rw_common import find_inherited_value_in_tree
from pyhanko.pdf_utils.writer import PageObject
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from server.settings import Settings

SEAL_FOLDER = "seal"
KEY_FILE, CERT_FILE = "key.pem", "cert.pem"
DEV_NAME = "Yunhui development seal (self-signed)"
DEV_YEARS = 10
FIELD_NAME = "YunhuiSeal"
PDF_MAGIC = b"%PDF-"
T = TypeVar("T")
log = logging.getLogger(__name__)


class SealMissing(Exception):
    """No key to seal with: signed PDFs cannot be made until one is configured."""


class SealState(StrEnum):
    INTACT = "intact"  # sealed by us, every byte as sealed
    CHANGED = "changed"  # sealed by us, then more was added to the file
    TAMPERED = "tampered"  # sealed by us, but the sealed bytes were altered
    NOT_OURS = "not_ours"  # sealed by someone else
    UNSEALED = "unsealed"  # no seal at all
    UNREADABLE = "unreadable"  # not a PDF that can be read


@dataclass(frozen=True, slots=True)
class Seal:
    """The organization's key and certificate, or why there is none."""

    signer: signers.SimpleSigner | None
    certificate: asn1_x509.Certificate | None
    missing: str = ""

    def require(self) -> signers.SimpleSigner:
        if self.signer is None:
            raise SealMissing(self.missing)
        return self.signer

    @property
    def fingerprint(self) -> str:
        """The certificate's SHA-256, as hex ("" without one)."""
        return "" if self.certificate is None else self.certificate.sha256.hex()


# the key


def load_seal(settings: Settings, *, now: datetime) -> Seal:
    """The configured seal; in dev without one, the data folder's (made on first use)."""
    if settings.seal_key_file is not None:
        return _configured(settings)
    if settings.production:
        return Seal(None, None, "Signed agreements cannot be sealed: set SEAL_KEY_FILE.")
    folder = settings.data_dir / SEAL_FOLDER
    if not (folder / KEY_FILE).exists():
        make_dev_seal(folder, now=now)
    return _from_pem(folder / KEY_FILE, folder / CERT_FILE, passphrase=None)


def _configured(settings: Settings) -> Seal:
    key_file, passphrase = settings.seal_key_file, settings.seal_passphrase.encode() or None
    assert key_file is not None
    if settings.seal_cert_file is None:
        signer = signers.SimpleSigner.load_pkcs12(str(key_file), passphrase=passphrase)
        if signer is None:
            raise SealMissing(f"SEAL_KEY_FILE {key_file} is not a PKCS#12 file that opens.")
        return Seal(signer, signer.signing_cert)
    return _from_pem(key_file, settings.seal_cert_file, passphrase=passphrase)


def _from_pem(key_file: Path, cert_file: Path, *, passphrase: bytes | None) -> Seal:
    signer = signers.SimpleSigner.load(str(key_file), str(cert_file), key_passphrase=passphrase)
    if signer is None:
        raise SealMissing(f"The seal's key {key_file} or certificate {cert_file} does not open.")
    return Seal(signer, signer.signing_cert)


def make_dev_seal(folder: Path, *, now: datetime, name: str = DEV_NAME) -> None:
    """A self-signed seal under ``folder``, unless another process made one first."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    draft = folder.with_name(f".{folder.name}.{os.getpid()}.{secrets.token_hex(4)}")
    draft.mkdir(mode=0o700)
    try:
        key, cert = self_signed(name, now=now)
        _write_private(draft / KEY_FILE, key)
        (draft / CERT_FILE).write_bytes(cert)
        os.rename(draft, folder)  # atomic; refused when the folder is there already
    except OSError:
        if not (folder / KEY_FILE).exists():
            raise
    finally:
        for leftover in (draft / KEY_FILE, draft / CERT_FILE):
            leftover.unlink(missing_ok=True)
        if draft.exists():
            draft.rmdir()


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def self_signed(name: str, *, now: datetime) -> tuple[bytes, bytes]:
    """A new key (ECDSA P-256: made in a moment, read by every PAdES reader) and its
    self-signed certificate for signing documents, as PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Yunhui"),
        ]
    )
    usage = x509.KeyUsage(
        digital_signature=True, content_commitment=True, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
        encipher_only=False, decipher_only=False,
    )  # fmt: skip
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * DEV_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


# sealing


def _in_thread(work: Coroutine[Any, Any, T]) -> Coroutine[Any, Any, T]:
    """pyHanko's work on large files runs in a thread of its own, off the server's loop."""
    return asyncio.to_thread(asyncio.run, work)


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file embedded in the sealed PDF (the signing record's public JSON)."""

    name: str
    data: bytes


async def seal_with_pages(
    document: bytes,
    pages: bytes,
    seal: Seal,
    *,
    reason: str,
    attachment: Attachment | None = None,
) -> bytes:
    """``document`` with every page of ``pages`` appended and ``attachment`` embedded (an
    incremental update), sealed."""
    signer = seal.require()
    return await _in_thread(_seal(document, pages, signer, reason=reason, attachment=attachment))


async def _seal(
    document: bytes,
    pages: bytes,
    signer: signers.SimpleSigner,
    *,
    reason: str,
    attachment: Attachment | None,
) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(document), strict=False)
    appended = PdfFileReader(io.BytesIO(pages))
    for index in range(int(appended.root["/Pages"]["/Count"])):
        _append_page(writer, appended, index)
    if attachment is not None:
        _attach(writer, attachment)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason or None,
    )
    signed = await signers.async_sign_pdf(writer, meta, signer=signer)
    return signed.getvalue()


def _append_page(writer: IncrementalPdfFileWriter, source: PdfFileReader, index: int) -> None:
    """One page of ``source`` drawn as a form XObject on a new last page of the same size."""
    page_ref, _ = source.find_page_for_modification(index)
    box = [
        float(n)
        for n in find_inherited_value_in_tree(page_ref.get_object(), "/MediaBox", "/Parent")
    ]
    drawn = writer.import_page_as_xobject(source, page_ix=index)
    contents = writer.add_object(generic.StreamObject(stream_data=b"q /Page Do Q"))
    resources = generic.DictionaryObject(
        {pdf_name("/XObject"): generic.DictionaryObject({pdf_name("/Page"): drawn})}
    )
    writer.insert_page(PageObject(contents=contents, media_box=box, resources=resources))


def _attach(writer: IncrementalPdfFileWriter, attachment: Attachment) -> None:
    data = embed.EmbeddedFileObject.from_file_data(writer, attachment.data)
    spec = embed.FileSpec(
        file_spec_string=attachment.name, file_name=attachment.name, embedded_data=data
    )
    try:
        embed.embed_file(writer, spec)
    except NotImplementedError:  # the document's own attachments in a deep name tree
        log.warning("%s not embedded: the document's attachments are nested", attachment.name)


def attached(reader: PdfFileReader, name: str) -> bytes | None:
    """The bytes of the file embedded under ``name`` (top level of the name tree)."""
    try:
        names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
        for index in range(0, len(names) - 1, 2):
            if str(names[index]) == name:
                return bytes(names[index + 1].get_object()["/EF"]["/F"].get_object().data)
    except (KeyError, TypeError, AttributeError, PdfError):
        return None
    return None


# checking


@dataclass(frozen=True, slots=True)
class SealCheck:
    state: SealState
    signed_at: datetime | None = None  # the seal's own time, when ours
    attached: bytes | None = None  # the file embedded as asked, when intact


async def check_seal(pdf: bytes, seal: Seal, *, attachment: str = "") -> SealCheck:
    """What the PDF's seal shows, against our seal's certificate; with the bytes of the file
    embedded as ``attachment`` when the seal is intact (so they are as sealed)."""
    if not pdf.startswith(PDF_MAGIC):
        return SealCheck(SealState.UNREADABLE)
    return await _in_thread(_check(pdf, seal, attachment))


async def _check(pdf: bytes, seal: Seal, attachment: str) -> SealCheck:
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        found = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return SealCheck(SealState.UNREADABLE)
    if not found:
        return SealCheck(SealState.UNSEALED)
    ours = [s for s in found if _is_ours(s.signer_cert, seal)]
    if not ours:
        return SealCheck(SealState.NOT_OURS)
    context = ValidationContext(trust_roots=[seal.certificate], allow_fetching=False)
    try:
        status = await async_validate_pdf_signature(ours[-1], signer_validation_context=context)
    except (SignatureValidationError, PdfError, ValueError):
        return SealCheck(SealState.TAMPERED)
    if not (status.intact and status.valid):
        return SealCheck(SealState.TAMPERED)
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return SealCheck(SealState.CHANGED, status.signer_reported_dt)
    kept = attached(reader, attachment) if attachment else None
    return SealCheck(SealState.INTACT, status.signer_reported_dt, kept)


def _is_ours(cert: asn1_x509.Certificate | None, seal: Seal) -> bool:
    return (
        cert is not None and seal.certificate is not None and cert.dump() == seal.certificate.dump()
    )


def sealable(pdf: bytes) -> bool:
    """Whether a seal can be added to this PDF (an incremental update of it): an agreement
    that could never be sealed is refused when it is uploaded (server/signing.py)."""
    try:
        IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfReadError, ValueError, KeyError, TypeError):
        return False
    return True


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
