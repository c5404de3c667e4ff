"""Certificates of attendance as files: one certificate's PDF (the association, the event,
the sessions, the hours, the person's name, its number, and a QR code of its public
verification page, in the reader's language with the CJK font embedded), the zip of a
scope's certificates, and an event's attendance as CSV.

Staff (``server.pages.console_attendance``) and attendees (``server.pages.certificates``)
download the same files.
"""

import asyncio
import io
import zipfile
from collections.abc import Callable

from aiohttp import web

from rooms.certificates import AttendanceRecord, Certificate, rollup_rows
from server import certificates
from server.appkeys import REPORT_FONT, SETTINGS
from server.downloads import pdf_response
from server.errors import ApiError
from server.i18n import gettext, language
from server.reports import (
    FONT_PACKAGE,
    Heading,
    Paragraph,
    QrCode,
    Report,
    ReportFont,
    Table,
    render_pdf,
)

Translate = Callable[[str], str]


def _zh(lang: str) -> bool:
    return lang.startswith("zh")


def certificate_report(certificate: Certificate, *, t: Translate, lang: str, url: str) -> Report:
    """What the certificate says, in the reader's language (the other language's names
    where one is missing)."""
    c, zh = certificate, _zh(lang)
    org = (c.org_name_zh if zh else c.org_name_en) or c.org_name_zh or c.org_name_en
    event = (c.event_title_zh if zh else c.event_title_en) or c.event_title_zh or c.event_title_en
    issued = c.issued_on.isoformat()
    statement = t("{name} attended {event}, held by {organization}, for {hours} hours.")
    sessions = tuple((title,) for title in c.sessions)
    return Report(
        title=t("Certificate of attendance"),
        subtitle=org,
        lang="zh-CN" if zh else "en",
        sections=(
            Heading(c.name),
            Paragraph(statement.format(name=c.name, event=event, organization=org, hours=c.hours)),
            Table(columns=(t("Sessions"),), rows=sessions),
            Paragraph(
                f"{t('Certificate number')}: {c.number}\n{t('Issued on')}: {issued}\n"
                f"{t('Hours of active time')}: {c.hours}"
            ),
            QrCode(url, caption=f"{t('Check this certificate at')}\n{url}"),
        ),
        created=c.issued_at,
    )


def _font(request: web.Request) -> ReportFont:
    font = request.app[REPORT_FONT]
    if font.path is None:
        raise ApiError(
            503,
            "report_font_missing",
            "PDF reports need a Chinese font on the server: install {package}.",
            package=FONT_PACKAGE,
        )
    return font


def _report_for(request: web.Request, certificate: Certificate) -> Report:
    url = certificates.verification_url(request.app[SETTINGS], certificate)
    t = lambda message: gettext(request, message)  # noqa: E731
    return certificate_report(certificate, t=t, lang=language(request), url=url)


def file_name(certificate: Certificate) -> str:
    return f"certificate-{certificate.number}.pdf"


async def certificate_pdf(request: web.Request, certificate: Certificate) -> web.Response:
    report = _report_for(request, certificate)
    document = await asyncio.to_thread(render_pdf, report, font=_font(request))
    return pdf_response(document, file_name(certificate))


def _zip(documents: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in documents:
            archive.writestr(name, data)
    return out.getvalue()


def _render_all(reports: list[tuple[str, Report]], font: ReportFont) -> bytes:
    return _zip([(name, render_pdf(report, font=font)) for name, report in reports])


async def certificates_zip(
    request: web.Request, found: list[Certificate], *, filename: str
) -> web.Response:
    """Every certificate as one zip of PDFs, rendered off the event loop."""
    font = _font(request)
    reports = [(file_name(c), _report_for(request, c)) for c in found]
    data = await asyncio.to_thread(_render_all, reports, font)
    return web.Response(
        body=data,
        content_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def attendance_rows(request: web.Request, records: list[AttendanceRecord]) -> list[tuple[str, ...]]:
    """An event's attendance as CSV rows: per person each session, then the total."""
    return rollup_rows(records, total=gettext(request, "All sessions"))
