"""A signing ceremony's record for the tests of what comes after it: a two-page cooperation
agreement in Chinese, two parties who signed (drawn signatures as PNG), one witness, and the
hash-chained log of every step."""

import io
import subprocess
from datetime import UTC, datetime, timedelta

from PIL import Image, ImageDraw

from rooms.signing_log import CeremonyStep, LogEntry, next_entry
from rooms.signing_record import PartyRecord, SigningRecord, WitnessRecord
from server.reports import Paragraph, Report, find_font, render_pdf
from server.signing_seal import sha256_hex

START = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
HOST = {"person_key": "account:host", "name": "王主持", "role": "host"}
SIGNERS = (
    {"person_key": "guest:li@a.org.cn", "name": "李明", "role": "signer"},
    {"person_key": "guest:zhao@b.edu.cn", "name": "赵华", "role": "signer"},
)
WITNESS = {"person_key": "expert:w1", "name": "陈见证", "role": "witness"}


def agreement_pdf() -> bytes:
    report = Report(
        title="技术合作协议",
        subtitle="甲方：华东材料学会　乙方：西南大学",
        sections=(Paragraph("第一条　双方就新材料联合研发开展合作。" * 20),),
        created=START,
    )
    return render_pdf(report, font=find_font())


def signature_png(seed: int) -> bytes:
    image = Image.new("RGBA", (300, 100), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.line([(10, 80), (80 + seed * 10, 20), (150, 70), (290, 30)], fill=(0, 0, 90), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def ceremony_log(document_sha256: str) -> tuple[LogEntry, ...]:
    entries: list[LogEntry] = []

    def add(step: CeremonyStep, actor: dict[str, str], **detail: object) -> None:
        at = START + timedelta(minutes=len(entries))
        prev = entries[-1] if entries else None
        entries.append(next_entry(
            prev, step=step, actor=actor, detail=detail, ip="203.0.113.7",
            user_agent="Mozilla/5.0 SecretBrowser", at=at,
        ))  # fmt: skip

    add(CeremonyStep.DOCUMENT_FIXED, HOST, document=document_sha256)
    for index, signer in enumerate(SIGNERS):
        add(CeremonyStep.SIGNER_CALLED, HOST, party=index)
        add(CeremonyStep.IDENTITY_CONFIRMED, signer, party=index)
        add(CeremonyStep.CONSENT_GIVEN, signer, party=index, document=document_sha256)
        add(CeremonyStep.SIGNED, signer, party=index, typed_name=signer["name"])
    add(CeremonyStep.WITNESSED, WITNESS)
    add(CeremonyStep.CEREMONY_CLOSED, HOST)
    return tuple(entries)


def signing_record(document: bytes, *, agreement_id: str = "agr1") -> SigningRecord:
    sha = sha256_hex(document)
    return SigningRecord(
        agreement_id=agreement_id,
        title="华东材料学会与西南大学技术合作协议",
        document_sha256=sha,
        parties=(
            PartyRecord(organization="华东材料学会", signer_name="李明", signer_title="秘书长",
                  typed_name="李明", signature_png=signature_png(1),
                  signed_at=START + timedelta(minutes=4)),
            PartyRecord(organization="西南大学", signer_name="赵华", signer_title="副校长",
                  typed_name="赵华", signature_png=signature_png(2),
                  signed_at=START + timedelta(minutes=8)),
        ),
        witnesses=(WitnessRecord(name="陈见证", organization="中国科协",
                           witnessed_at=START + timedelta(minutes=9)),),
        log=ceremony_log(sha),
        zone="Asia/Shanghai",
    )  # fmt: skip


def text_of(pdf: bytes, *pages: str) -> str:
    """What pdftotext reads in the PDF (``-f``, ``-l``: from and to which page)."""
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *pages, "-", "-"], input=pdf, capture_output=True, check=True
    )
    return done.stdout.decode()
