"""The signed PDF (the original, its signature page, the organization's PAdES seal) and the
ceremony certificate: pyHanko validates the seal, a flipped byte is reported tampered, another
key's seal is not ours, and pdftotext reads the Chinese back."""

import asyncio
import io
import json
import os
import stat
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from rooms.signing_record import RECORD_FILE_NAME, SigningRecord, public_record
from server.i18n import load_catalogs
from server.reports import find_font
from server.settings import Settings
from server.signing_documents import certificate_pdf, signed_pdf, verification_url
from server.signing_seal import (
    KEY_FILE,
    SEAL_FOLDER,
    Seal,
    SealMissing,
    SealState,
    check_seal,
    load_seal,
    self_signed,
)
from tests.server.signing_world import agreement_pdf, signing_record, text_of

NOW = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
BASE = "https://yunhui.example.org"
ZH = load_catalogs()["zh_CN"].gettext


def dev_settings(data_dir: Path, **changes: object) -> Settings:
    settings = Settings(
        production=False, host="127.0.0.1", port=8080, base_url=BASE, redis_url=None,
        data_dir=data_dir, secret_key="k" * 40,
    )  # fmt: skip
    return replace(settings, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def seal(tmp_path_factory: pytest.TempPathFactory) -> Seal:
    return load_seal(dev_settings(tmp_path_factory.mktemp("ours")), now=NOW)


@pytest.fixture(scope="module")
def document() -> bytes:
    return agreement_pdf()


@pytest.fixture(scope="module")
def record(document: bytes) -> SigningRecord:
    return signing_record(document)


async def sign(record: SigningRecord, document: bytes, seal: Seal) -> bytes:
    return await signed_pdf(
        record, document=document, seal=seal, font=find_font(), t=ZH, lang="zh_CN", base_url=BASE
    )


def page_count(pdf: bytes) -> int:
    return int(PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Count"])


async def test_the_signed_pdf_is_the_original_then_a_sealed_signature_page(
    record: SigningRecord, document: bytes, seal: Seal
) -> None:
    signed = await sign(record, document, seal)

    reader = PdfFileReader(io.BytesIO(signed))
    status = await async_validate_pdf_signature(
        reader.embedded_signatures[0],
        signer_validation_context=ValidationContext(trust_roots=[seal.certificate]),
    )
    assert signed.startswith(document)
    assert page_count(signed) == page_count(document) + 1
    assert (status.intact, status.valid, status.trusted) == (True, True, True)
    assert await check_seal(signed, seal) == replace(
        await check_seal(signed, seal), state=SealState.INTACT
    )


async def test_the_sealed_pdf_carries_the_public_record(
    record: SigningRecord, document: bytes, seal: Seal
) -> None:
    signed = await sign(record, document, seal)

    check = await check_seal(signed, seal, attachment=RECORD_FILE_NAME)

    assert check.attached is not None
    assert json.loads(check.attached) == json.loads(json.dumps(public_record(record)))
    assert json.loads(check.attached)["head"] == record.head
    assert b"203.0.113.7" not in check.attached and b"SecretBrowser" not in check.attached


async def test_pdftotext_reads_the_signature_page_in_chinese(
    record: SigningRecord, document: bytes, seal: Seal
) -> None:
    signed = await sign(record, document, seal)
    last = str(page_count(signed))

    text = text_of(signed, "-f", last, "-l", last)

    for expected in (
        "签署页",
        record.title,
        "第 1 方：华东材料学会",
        "签署人: 李明, 秘书长",
        "第 2 方：西南大学",
        "签署时间: 2026-12-05 10:08:00 (Asia/Shanghai)",
        "陈见证",
        record.document_sha256,
        record.head,
    ):
        assert expected in text
    assert verification_url(BASE, record) in text.replace("\n", "")  # broken beside the QR
    assert "1/1" not in text.replace(" ", "")  # no page numbers of its own after the agreement's
    assert "203.0.113.7" not in text and "SecretBrowser" not in text


async def test_poppler_finds_the_whole_document_signed_and_valid(
    record: SigningRecord, document: bytes, seal: Seal, tmp_path: Path
) -> None:
    path = tmp_path / "signed.pdf"
    path.write_bytes(await sign(record, document, seal))

    report = await asyncio.to_thread(
        subprocess.run, ["pdfsig", str(path)], capture_output=True, text=True, check=False
    )

    assert "Total document signed" in report.stdout
    assert "Signature Validation: Signature is Valid." in report.stdout


async def test_a_flipped_byte_is_reported_tampered(
    record: SigningRecord, document: bytes, seal: Seal
) -> None:
    signed = bytearray(await sign(record, document, seal))
    stream = signed.index(b"stream", len(signed) // 4) + 20  # inside a page's contents
    signed[stream] ^= 0x01

    assert (await check_seal(bytes(signed), seal)).state == SealState.TAMPERED


async def test_content_added_after_sealing_is_reported_changed(
    record: SigningRecord, document: bytes, seal: Seal
) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(await sign(record, document, seal)))
    info = writer.root
    info[generic.pdf_name("/Lang")] = generic.TextStringObject("en")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)

    assert (await check_seal(out.getvalue(), seal)).state == SealState.CHANGED


async def test_a_seal_of_another_key_is_not_ours(
    record: SigningRecord, document: bytes, seal: Seal, tmp_path: Path
) -> None:
    theirs = load_seal(dev_settings(tmp_path), now=NOW)

    signed = await sign(record, document, theirs)

    assert (await check_seal(signed, seal)).state == SealState.NOT_OURS


@pytest.mark.parametrize(
    ("data", "state"),
    [
        (b"PK\x03\x04 a zip file", SealState.UNREADABLE),
        (b"%PDF-1.7\n garbage without a body", SealState.UNREADABLE),
    ],
)
async def test_what_is_no_pdf_is_unreadable(data: bytes, state: SealState, seal: Seal) -> None:
    assert (await check_seal(data, seal)).state == state


async def test_an_unsealed_pdf_is_unsealed(document: bytes, seal: Seal) -> None:
    assert (await check_seal(document, seal)).state == SealState.UNSEALED


async def test_a_document_that_is_not_the_records_is_refused(
    record: SigningRecord, seal: Seal
) -> None:
    with pytest.raises(ValueError):
        await sign(record, agreement_pdf() + b"\n% another\n", seal)


async def test_a_record_whose_log_does_not_verify_is_not_sealed(
    record: SigningRecord, document: bytes, seal: Seal
) -> None:
    swapped = replace(record, log=(record.log[1], record.log[0], *record.log[2:]))

    with pytest.raises(ValueError, match="does not verify"):
        await sign(swapped, document, seal)


def test_the_dev_seal_is_made_once_with_a_private_key(tmp_path: Path) -> None:
    first = load_seal(dev_settings(tmp_path), now=NOW)
    again = load_seal(dev_settings(tmp_path), now=NOW)

    mode = stat.S_IMODE(os.stat(tmp_path / SEAL_FOLDER / KEY_FILE).st_mode)
    assert (mode, first.fingerprint) == (0o600, again.fingerprint)
    assert [p.name for p in tmp_path.iterdir()] == [SEAL_FOLDER]  # no draft left behind


def test_production_without_a_key_cannot_seal(tmp_path: Path) -> None:
    seal = load_seal(dev_settings(tmp_path, production=True), now=NOW)

    with pytest.raises(SealMissing, match="SEAL_KEY_FILE"):
        seal.require()
    assert list(tmp_path.iterdir()) == []


def test_a_configured_pem_key_is_the_seal(tmp_path: Path) -> None:
    made = load_seal(dev_settings(tmp_path / "made"), now=NOW)
    folder = tmp_path / "made" / SEAL_FOLDER
    settings = dev_settings(
        tmp_path / "other", seal_key_file=folder / KEY_FILE, seal_cert_file=folder / "cert.pem"
    )

    assert load_seal(settings, now=NOW).fingerprint == made.fingerprint
    assert not (tmp_path / "other").exists()


async def test_the_ceremony_certificate_reads_back_in_chinese(record: SigningRecord) -> None:
    pdf = await certificate_pdf(record, font=find_font(), t=ZH, lang="zh_CN", base_url=BASE)

    text = text_of(pdf)

    for expected in (
        "签约证书",
        f"协议《{record.title}》已在线上签约仪式中签署。",
        "华东材料学会",
        "西南大学",
        "赵华, 副校长",
        "陈见证",
        record.document_sha256,
    ):
        assert expected in text
    assert verification_url(BASE, record) in text.replace("\n", "")


def test_a_configured_pkcs12_file_with_its_passphrase_is_the_seal(tmp_path: Path) -> None:
    key_pem, cert_pem = self_signed("华东材料学会 seal", now=NOW)
    bundle = pkcs12.serialize_key_and_certificates(
        b"seal",
        serialization.load_pem_private_key(key_pem, password=None),
        x509.load_pem_x509_certificate(cert_pem),
        None,
        serialization.BestAvailableEncryption(b"s3cret"),
    )
    (tmp_path / "seal.p12").write_bytes(bundle)
    env = {"DATA_DIR": str(tmp_path / "data"), "SEAL_KEY_FILE": str(tmp_path / "seal.p12"),
           "SEAL_PASSPHRASE": "s3cret"}  # fmt: skip

    seal = load_seal(Settings.from_env(env), now=NOW)

    expected = x509.load_pem_x509_certificate(cert_pem).fingerprint(hashes.SHA256()).hex()
    assert seal.fingerprint == expected
    assert not (tmp_path / "data" / SEAL_FOLDER).exists()
