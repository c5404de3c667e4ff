"""Files a browser downloads from us: CSV (UTF-8 with a byte-order mark, so spreadsheets read
Chinese right) and PDF, each named, never cached. Cells that a spreadsheet would run as
formulas are defused by whoever makes the rows (``rooms.chat.defuse``)."""

import csv
import io
from collections.abc import Iterable, Sequence

from aiohttp import web


def _attachment(filename: str) -> dict[str, str]:
    return {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    }


def csv_response(rows: Iterable[Sequence[str]], filename: str) -> web.Response:
    out = io.StringIO()
    out.write("\ufeff")
    csv.writer(out).writerows(rows)
    return web.Response(
        text=out.getvalue(), content_type="text/csv", charset="utf-8", headers=_attachment(filename)
    )


def pdf_response(document: bytes, filename: str) -> web.Response:
    return web.Response(
        body=document, content_type="application/pdf", headers=_attachment(filename)
    )
