"""Static files: web/static at /static, and the socket.io browser client from node_modules
at /static/vendor/socket.io/.

No directory listings, no symlinks followed out of the folders; aiohttp refuses paths that
leave them. Our own files carry no version in their names, so browsers revalidate them on
each use (cheap 304s via ETag/Last-Modified); the vendored client is pinned by package.json
and cached for a day.
"""

import logging
from pathlib import PurePosixPath

from aiohttp import web

from server.settings import ROOT

log = logging.getLogger(__name__)

STATIC_DIR = ROOT / "web" / "static"
VENDOR_DIR = ROOT / "node_modules" / "socket.io-client" / "dist"
STATIC_PREFIX = "/static"
VENDOR_PREFIX = "/static/vendor/socket.io"
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
    if VENDOR_DIR.is_dir():  # registered first: it lies inside /static
        app.router.add_static(
            VENDOR_PREFIX, VENDOR_DIR, name="vendor_socketio", follow_symlinks=False
        )
    else:
        log.warning("no socket.io client at %s: run `make install` (npm ci)", VENDOR_DIR)
    app.router.add_static(STATIC_PREFIX, STATIC_DIR, name="static", follow_symlinks=False)
    app.router.add_get("/favicon.ico", favicon)
    app.on_response_prepare.append(_static_headers)


async def favicon(request: web.Request) -> web.Response:
    """Browsers ask for /favicon.ico whatever the page links: send them to the SVG."""
    raise web.HTTPMovedPermanently(f"{STATIC_PREFIX}/favicon.svg")
