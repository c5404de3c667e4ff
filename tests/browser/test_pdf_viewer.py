"""pdf-viewer.js in headless Chromium: pdf.js (served from node_modules) draws a PDF made
here onto a canvas, under the site's Content-Security-Policy; the viewer page turns pages.

The app is the real one with two routes of this test's own, since who may read a file is
the rule of the page that shows it: ``/test/files/{file_id}`` serves a stored file to
anyone, ``/test/files/{file_id}/view`` is the viewer page for it.
"""

import hashlib
import socket
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from aiohttp import web
from playwright.async_api import ConsoleMessage, Page, expect

from rooms.files import FilePurpose, MediaType, StoredFile
from server.app import make_app
from server.appkeys import SETTINGS, STORE
from server.files import file_path, file_response, files_root, find_file, new_file_id, viewer_page
from server.settings import Settings
from server.store import Store
from tests.browser.conftest import LiveServer
from tests.fixtures_files import make_pdf

NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
BOX_RGB = (26, 77, 204)  # the box each page of make_pdf paints: 0.1 0.3 0.8 rg

OPEN = """async ([url, page]) => {
  const { openPdf } = await import("/static/js/pdf-viewer.js");
  const box = document.createElement("div");
  box.style.width = "600px";
  document.body.append(box);
  window.viewer = await openPdf(box, url, { page });
  return { page: window.viewer.page, pages: window.viewer.pages };
}"""

# What the canvas shows: its size, the colour at the page's centre (inside the box), and how
# many pixels of the line of text (white on the box) are white.
PIXELS = """() => {
  const canvas = window.viewer.canvas;
  const context = canvas.getContext("2d");
  const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
  const at = (x, y) => {
    const start = (y * canvas.width + x) * 4;
    return Array.from(data.slice(start, start + 4));
  };
  let white = 0;
  for (let y = 219; y < 255; y++) for (let x = 105; x < 210; x++) {
    const [r, g, b] = at(x, y);
    if (r > 200 && g > 200 && b > 200) white += 1;
  }
  return {
    width: canvas.width, height: canvas.height, cssWidth: canvas.getBoundingClientRect().width,
    centre: at(canvas.width / 2, canvas.height / 2), corner: at(2, 2), white,
  };
}"""


def _serving_app(settings: Settings) -> web.Application:
    app = make_app(settings)

    async def everyone(stored: StoredFile) -> bool:
        return True

    async def serve(request: web.Request) -> web.StreamResponse:
        root = files_root(request.app[SETTINGS])
        file_id = request.match_info["file_id"]
        return await file_response(request.app[STORE], root, file_id, may_read=everyone)

    async def view(request: web.Request) -> web.Response:
        stored = await find_file(request.app[STORE], request.match_info["file_id"])
        assert stored is not None
        url = f"/test/files/{stored.file_id}"
        return viewer_page(request, stored, file_url=url, page=int(request.query["page"]))

    app.router.add_get("/test/files/{file_id}", serve)
    app.router.add_get("/test/files/{file_id}/view", view)
    return app


@pytest.fixture
async def live_server(settings: Settings, store: Store) -> AsyncIterator[LiveServer]:
    """The real app with the test's two file routes, on 127.0.0.1 and a free port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    live = replace(settings, port=port, base_url=f"http://127.0.0.1:{port}")
    runner = web.AppRunner(_serving_app(live), handle_signals=False)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    try:
        yield LiveServer(base_url=live.base_url, store=store, settings=live)
    finally:
        await runner.cleanup()
        sock.close()


async def stored_pdf(live: LiveServer, pdf: bytes) -> StoredFile:
    """A PDF in the file store, as save_upload leaves one."""
    stored = StoredFile(
        file_id=new_file_id(), org_id="o1", scope_id="s1", purpose=FilePurpose.MATERIAL,
        name="评审材料 Review.pdf", media_type=MediaType.PDF, size=len(pdf),
        sha256=hashlib.sha256(pdf).hexdigest(), created_at=NOW, created_by="a1",
    )  # fmt: skip
    path = file_path(files_root(live.settings), stored.file_id)
    path.parent.mkdir(parents=True)
    path.write_bytes(pdf)
    await live.store.files.add(stored)
    return stored


def watch_console(page: Page) -> list[str]:
    """Every console error and warning of the page and of its workers (pdf.js's worker
    reports a refused eval or WebAssembly, a missing font or CMap there)."""
    found: list[str] = []

    def note(message: ConsoleMessage) -> None:
        if message.type in {"error", "warning"}:
            found.append(f"{message.type}: {message.text}")

    page.on("console", note)
    page.on("worker", lambda worker: worker.on("console", note))
    return found


async def test_open_pdf_draws_the_page_and_counts_the_pages(live_server, new_page) -> None:
    stored = await stored_pdf(live_server, make_pdf(pages=3))
    page = await new_page()
    errors = watch_console(page)
    await page.goto("/")  # any page of the site: its Content-Security-Policy holds

    opened = await page.evaluate(OPEN, [f"/test/files/{stored.file_id}", 2])
    pixels = await page.evaluate(PIXELS)

    assert opened == {"page": 2, "pages": 3}
    assert (pixels["width"], pixels["height"], pixels["cssWidth"]) == (600, 450, 600)
    assert pixels["corner"] == [255, 255, 255, 255]  # the page's white margin
    *centre_rgb, centre_alpha = pixels["centre"]
    assert all(abs(a - b) <= 2 for a, b in zip(centre_rgb, BOX_RGB, strict=True))  # rounding
    assert centre_alpha == 255
    assert pixels["white"] > 100  # "Page 2", in white on the box
    assert errors == []


async def test_pdf_viewer_turns_pages_within_the_document_and_tells_onpage(
    live_server, new_page
) -> None:
    stored = await stored_pdf(live_server, make_pdf(pages=3))
    page = await new_page()
    await page.goto("/")
    await page.evaluate(OPEN, [f"/test/files/{stored.file_id}", 2])

    turned = await page.evaluate("""async () => {
      const seen = [];
      window.viewer.onpage = (page) => seen.push(page);
      await window.viewer.next();
      await window.viewer.next();  // past the last page: stays
      await window.viewer.goTo(1);
      await window.viewer.prev();  // before the first: stays
      await window.viewer.goTo(99);
      await window.viewer.goTo("2");
      return { seen, page: window.viewer.page };
    }""")

    assert turned == {"seen": [3, 1, 3, 2], "page": 2}


async def test_viewer_page_shows_a_pdf_and_turns_its_pages(live_server, new_page) -> None:
    stored = await stored_pdf(live_server, make_pdf(pages=3))
    page = await new_page(lang="zh_CN")
    errors = watch_console(page)

    await page.goto(f"/test/files/{stored.file_id}/view?page=1")

    await expect(page.locator("#viewer-view canvas")).to_have_count(1)
    await expect(page.locator("#viewer-count")).to_have_text("3")
    await expect(page.locator("h1.viewer-title")).to_have_text("评审材料 Review.pdf")
    await expect(page.locator("#viewer-prev")).to_be_disabled()
    await page.click("#viewer-next")
    await expect(page.locator("#viewer-page")).to_have_value("2")
    await page.keyboard.press("ArrowRight")
    await expect(page.locator("#viewer-page")).to_have_value("3")
    await expect(page.locator("#viewer-next")).to_be_disabled()
    await expect(page.locator("#viewer-next")).to_have_text("下一页")
    await expect(page.locator("#viewer-status")).to_be_hidden()
    assert errors == []
