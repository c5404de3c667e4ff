"""The file viewer page: one stored file shown in the browser (a PDF through pdf.js, page
by page; an image as it is), with a download link.

No route here: who may see a file is the rule of the page that shows it (a review's
materials, a class's slides…), so that page's own handler looks the file up, checks, and
returns ``viewer_page(...)``; ``file_url`` is its own route serving the bytes through
``server.files.file_response`` with the same check.
"""

import aiohttp_jinja2
from aiohttp import web

from rooms.files import StoredFile


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
