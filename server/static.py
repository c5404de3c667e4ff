"""Static files: web/static at /static, and the browser packages from node_modules under
/static/vendor/ (``VENDORS``): the socket.io client at /static/vendor/socket.io/, and pdf.js
(``pdfjs-dist``) at /static/vendor/pdfjs/: its ES module builds (``build/pdf.min.mjs``, the
worker ``build/pdf.worker.min.mjs``) and the data it fetches (``cmaps/`` for CJK text,
``standard_fonts/``), and the Lucide icons (``lucide-static``) at /static/vendor/lucide/: one
SVG a file (``mic-off.svg``), drawn by the room's CSS as masks in the text's colour.

No directory listings, no symlinks followed out of the folders; aiohttp refuses paths that
leave them. Our own files carry no version in their names, so browsers revalidate them on
each use (cheap 304s via ETag/Last-Modified); the vendored packages are pinned by
package.json and cached for a day.
"""

import logging
from pathlib import PurePosixPath

from aiohttp import web

from server.settings import ROOT

log = logging.getLogger(__name__)

STATIC_DIR = ROOT / "web" / "static"
STATIC_PREFIX = "/static"
VENDOR_PREFIX = "/static/vendor"
NODE_MODULES = ROOT / "node_modules"
PDFJS = NODE_MODULES / "pdfjs-dist"
VENDORS = {  # URL prefix -> folder; each lies inside /static, so each is registered first
    "/static/vendor/socket.io": NODE_MODULES / "socket.io-client" / "dist",
    **{f"/static/vendor/pdfjs/{part}": PDFJS / part for part in (
        "build", "cmaps", "standard_fonts"
    )},
    "/static/vendor/lucide": NODE_MODULES / "lucide-static" / "icons",
}  # fmt: skip
OWN_CACHE = "no-cache"
VENDOR_CACHE = "public, max-age=86400"
# the types that matter to a browser (modules must be JavaScript, given nosniff), the same
# on every machine whatever its mime.types says
TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".map": "application/json",
    ".svg": "image/svg+xml",
}


def cache_control(path: str) -> str:
    return VENDOR_CACHE if path.startswith(VENDOR_PREFIX + "/") else OWN_CACHE


async def _static_headers(request: web.Request, response: web.StreamResponse) -> None:
    if not request.path.startswith(STATIC_PREFIX + "/") or response.status not in (200, 304):
        return
    response.headers.setdefault("Cache-Control", cache_control(request.path))
    suffix = PurePosixPath(request.path).suffix
    if response.status == 200 and suffix in TYPES:
        response.content_type = TYPES[suffix]


def setup_static(app: web.Application) -> None:
    for prefix, folder in VENDORS.items():
        if not folder.is_dir():
            log.warning("no %s at %s: run `make install` (npm ci)", prefix, folder)
            continue
        name = "vendor_" + prefix.removeprefix(VENDOR_PREFIX + "/").replace("/", "_").replace(
            ".", ""
        )
        app.router.add_static(prefix, folder, name=name, follow_symlinks=False)
    app.router.add_static(STATIC_PREFIX, STATIC_DIR, name="static", follow_symlinks=False)
    app.router.add_get("/favicon.ico", favicon)
    app.on_response_prepare.append(_static_headers)


async def favicon(request: web.Request) -> web.Response:
    """Browsers ask for /favicon.ico whatever the page links: send them to the SVG."""
    raise web.HTTPMovedPermanently(f"{STATIC_PREFIX}/favicon.svg")
