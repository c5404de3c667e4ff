"""Certificates of attendance as downloads: one certificate's PDF in the reader's language
(``server.certificate_files`` says what it holds), a finished bulk job's zip and an event's
attendance as CSV.

Staff (``server.pages.console_attendance``) and attendees (``server.pages.certificates``)
download the same files.
"""

import asyncio

from aiohttp import web

from rooms.certificates import AttendanceRecord, Certificate, rollup_rows
from server import certificates
from server.appkeys import REPORT_FONT, SETTINGS
from server.certificate_files import certificate_report, file_name
from server.downloads import pdf_response
from server.errors import ApiError
from server.i18n import gettext, language
from server.reports import FONT_PACKAGE, ReportFont, render_pdf


def report_font(request: web.Request) -> ReportFont:
    """The font generated PDFs embed; 503 naming the package to install without one."""
    font = request.app[REPORT_FONT]
    if font.path is None:
        raise ApiError(
            503,
            "report_font_missing",
            "PDF reports need a Chinese font on the server: install {package}.",
            package=FONT_PACKAGE,
        )
    return font


async def certificate_pdf(request: web.Request, certificate: Certificate) -> web.Response:
    url = certificates.verification_url(request.app[SETTINGS], certificate)
    t = lambda message: gettext(request, message)  # noqa: E731
    report = certificate_report(certificate, t=t, lang=language(request), url=url)
    document = await asyncio.to_thread(render_pdf, report, font=report_font(request))
    return pdf_response(document, file_name(certificate))


def attendance_rows(request: web.Request, records: list[AttendanceRecord]) -> list[tuple[str, ...]]:
    """An event's attendance as CSV rows: per person each session, then the total."""
    return rollup_rows(records, total=gettext(request, "All sessions"))
