"""A review session's results for its staff and chair: the page, the CSV file and the PDF
reports.

- ``GET /sessions/{session_id}/results``: ranking, each item's detail (scores once closed,
  comments, conflict record) and the audit log;
- ``GET /sessions/{session_id}/results.csv``: one row per item and reviewer;
- ``GET /sessions/{session_id}/results.pdf``: the whole session;
- ``GET /sessions/{session_id}/items/{item_id}/report.pdf``: one item.

Who may see them is ``server.results.results_session``'s rule. PDFs are made in a worker
thread, off the event loop.
"""

import asyncio
from datetime import UTC, datetime

import aiohttp_jinja2
from aiohttp import web

from server import agenda
from server.appkeys import REPORT_FONT, STORE
from server.downloads import csv_response, pdf_response
from server.errors import ApiError
from server.pages.result_documents import csv_rows, item_report, session_report
from server.pages.result_views import Shaper
from server.reports import FONT_PACKAGE, Report, render_pdf
from server.results import load_audit, load_review, results_session
from server.reviews import no_item


async def _shaper(request: web.Request) -> Shaper:
    session = await results_session(request)
    return Shaper(request, await load_review(request.app[STORE], session))


async def results_page(request: web.Request) -> web.Response:
    session = await results_session(request)
    store = request.app[STORE]
    shaper = Shaper(request, await load_review(store, session))
    context = {
        "session": session,
        "event": await agenda.load_event(store, session.event_id),
        "settings": shaper.review.results.settings,
        "criteria": shaper.criteria(),
        "ranking": shaper.ranking(),
        "items": shaper.items(),
        "pitched_by_label": shaper.pitched_by_label,
        "audit": shaper.audit(await load_audit(store, session)),
    }
    return aiohttp_jinja2.render_template("results.html", request, context)


async def results_csv(request: web.Request) -> web.Response:
    shaper = await _shaper(request)
    return csv_response(csv_rows(shaper), f"results-{shaper.review.session.session_id}.csv")


async def _pdf(request: web.Request, report: Report, filename: str) -> web.Response:
    font = request.app[REPORT_FONT]
    if font.path is None:
        raise ApiError(
            503,
            "report_font_missing",
            "PDF reports need a Chinese font on the server: install {package}.",
            package=FONT_PACKAGE,
        )
    document = await asyncio.to_thread(render_pdf, report, font=font)
    return pdf_response(document, filename)


async def results_pdf(request: web.Request) -> web.Response:
    shaper = await _shaper(request)
    report = session_report(shaper, now=datetime.now(UTC))
    return await _pdf(request, report, f"results-{shaper.review.session.session_id}.pdf")


async def item_pdf(request: web.Request) -> web.Response:
    shaper = await _shaper(request)
    item_id = request.match_info["item_id"]
    outcome = shaper.review.results.outcome(item_id)
    if outcome is None:
        raise no_item(item_id)
    report = item_report(shaper, outcome, now=datetime.now(UTC))
    name = f"results-{shaper.review.session.session_id}-{outcome.position}.pdf"
    return await _pdf(request, report, name)


def setup_result_pages(app: web.Application) -> None:
    base = "/sessions/{session_id}"
    app.router.add_get(f"{base}/results", results_page, name="review_results")
    app.router.add_get(f"{base}/results.csv", results_csv, name="review_results_csv")
    app.router.add_get(f"{base}/results.pdf", results_pdf, name="review_results_pdf")
    app.router.add_get(f"{base}/items/{{item_id}}/report.pdf", item_pdf, name="review_item_pdf")
