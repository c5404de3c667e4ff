"""A signing ceremony's documents, from its record (``rooms.signing_record``):

- the **signed PDF**: the original document, then a signature page (the parties, their typed
  names and drawn signatures, the times, the document's SHA-256, the signing log's head and a
  QR code of the public verification page), sealed by the organization (``signing_seal``);
  ``seal_agreement`` makes it and keeps the record, found by both hashes, in the store;
- the **ceremony certificate** for the press and the association's website: who signed what
  and when, witnessed by whom, with the hashes and the same QR code.

Both are ``server.reports`` documents (the CJK font embedded, text pdftotext reads back), in
the reader's language.
"""

import asyncio
import json
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from rooms.signing_record import RECORD_FILE_NAME, PartyRecord, SigningRecord, public_record
from server.reports import (
    Heading,
    Paragraph,
    Picture,
    QrCode,
    Report,
    ReportFont,
    Section,
    Table,
    render_pdf,
)
from server.signing_seal import Attachment, Seal, seal_with_pages, sha256_hex
from server.store import Store

Translate = Callable[[str], str]


def verification_url(base_url: str, record: SigningRecord) -> str:
    """The public page that finds the record from its document's hash (what the QR opens)."""
    return f"{base_url}/verify?hash={record.document_sha256}"


def local_time(at: datetime | None, zone: str, *, t: Translate) -> str:
    if at is None:
        return t("Not signed")
    return f"{at.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M:%S} ({zone})"


def _lang(lang: str) -> str:
    return "zh-CN" if lang.startswith("zh") else "en"


def _hashes(record: SigningRecord, *, t: Translate) -> Paragraph:
    return Paragraph(
        f"{t('Document SHA-256')}:\n{record.document_sha256}\n"
        f"{t('Signing log head')}:\n{record.head}"
    )


def _qr(url: str, *, t: Translate) -> QrCode:
    return QrCode(url, caption=f"{t('Verify this agreement at')}\n{url}")


def _party(
    number: int, party: PartyRecord, record: SigningRecord, *, t: Translate
) -> list[Section]:
    sections: list[Section] = [
        Heading(
            t("Party {number}: {organization}").format(
                number=number, organization=party.organization
            )
        ),  # fmt: skip
        Paragraph(
            f"{t('Signed by')}: {party.signer_name}, {party.signer_title}\n"
            f"{t('Typed name')}: {party.typed_name}\n"
            f"{t('Signed at')}: {local_time(party.signed_at, record.zone, t=t)}"
        ),
    ]
    if party.signature_png:
        sections.append(Picture(party.signature_png))
    return sections


def _witnesses(record: SigningRecord, *, t: Translate) -> list[Section]:
    if not record.witnesses:
        return []
    rows = tuple(
        (w.name, w.organization, local_time(w.witnessed_at, record.zone, t=t))
        for w in record.witnesses
    )
    columns = (t("Witness"), t("Organization"), t("Witnessed at"))
    return [Heading(t("Witnesses")), Table(columns=columns, rows=rows, widths=(2, 3, 3))]


def _last_time(record: SigningRecord) -> datetime | None:
    times = [p.signed_at for p in record.parties] + [w.witnessed_at for w in record.witnesses]
    known = [at for at in times if at is not None]
    return max(known) if known else None


def signature_page_report(record: SigningRecord, *, t: Translate, lang: str, url: str) -> Report:
    """The page appended to the agreement: who signed, how, when, and the hashes."""
    sections: list[Section] = [
        Paragraph(t("This page was added when the agreement was signed in a Yunhui signing "
                    "ceremony. The whole file carries the organization's digital seal.")),
        _hashes(record, t=t),
    ]  # fmt: skip
    for number, party in enumerate(record.parties, start=1):
        sections += _party(number, party, record, t=t)
    sections += _witnesses(record, t=t)
    sections.append(_qr(url, t=t))
    return Report(
        title=t("Signature page"),
        subtitle=record.title,
        lang=_lang(lang),
        sections=tuple(sections),
        created=_last_time(record),
        numbered=False,  # its pages follow the agreement's own
    )


def certificate_report(record: SigningRecord, *, t: Translate, lang: str, url: str) -> Report:
    """The ceremony certificate: who signed what, when, witnessed by whom."""
    rows = tuple(
        (
            p.organization,
            f"{p.signer_name}, {p.signer_title}",
            local_time(p.signed_at, record.zone, t=t),
        )
        for p in record.parties
    )
    statement = t("The agreement “{title}” was signed in a live signing ceremony.")
    return Report(
        title=t("Certificate of signing"),
        subtitle=record.title,
        lang=_lang(lang),
        sections=(
            Paragraph(statement.format(title=record.title)),
            Table(
                columns=(t("Organization"), t("Signed by"), t("Signed at")),
                rows=rows,
                widths=(3, 3, 3),
            ),
            *_witnesses(record, t=t),
            _hashes(record, t=t),
            _qr(url, t=t),
        ),
        created=_last_time(record),
    )


async def signed_pdf(
    record: SigningRecord,
    *,
    document: bytes,
    seal: Seal,
    font: ReportFont,
    t: Translate,
    lang: str,
    base_url: str,
) -> bytes:
    """The original document with its signature page appended, sealed. ValueError when the
    document is not the record's (its SHA-256 differs) or the record's log does not verify
    (nothing broken is ever sealed)."""
    if sha256_hex(document) != record.document_sha256:
        raise ValueError("the document is not the one the record names")
    if not record.verdict(head=None).ok:
        raise ValueError("the record's signing log does not verify")
    url = verification_url(base_url, record)
    page = signature_page_report(record, t=t, lang=lang, url=url)
    rendered = await asyncio.to_thread(render_pdf, page, font=font)
    reason = t("Signed in a Yunhui signing ceremony")
    public = json.dumps(public_record(record), ensure_ascii=False, indent=1).encode()
    attachment = Attachment(RECORD_FILE_NAME, public)
    return await seal_with_pages(document, rendered, seal, reason=reason, attachment=attachment)


async def seal_agreement(
    store: Store,
    record: SigningRecord,
    *,
    document: bytes,
    seal: Seal,
    font: ReportFont,
    t: Translate,
    lang: str,
    base_url: str,
) -> bytes:
    """The signed PDF (``signed_pdf``), its record kept in the store, found from now on by
    the document's SHA-256 and the signed PDF's."""
    signed = await signed_pdf(
        record, document=document, seal=seal, font=font, t=t, lang=lang, base_url=base_url
    )
    await store.signing_records.save(record, signed_pdf_sha256=sha256_hex(signed))
    return signed


async def certificate_pdf(
    record: SigningRecord, *, font: ReportFont, t: Translate, lang: str, base_url: str
) -> bytes:
    report = certificate_report(record, t=t, lang=lang, url=verification_url(base_url, record))
    return await asyncio.to_thread(render_pdf, report, font=font)
