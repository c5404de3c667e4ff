"""Browser fixtures: the real app on a real port, and Debian's Chromium driven by Playwright.

    async def test_something(live_server, new_page, sign_in):
        page = await new_page(lang="zh_CN")        # its own context: its own cookies
        await sign_in(page, email="host@example.org")  # an account made with create_staff
        await page.goto(live_server.base_url + "/console")

``live_server`` runs ``make_app`` with the test settings (scheduler off, no demo seed) on
127.0.0.1 and a free port, its ``base_url`` set to that address so Origin checks pass; it
carries the app's ``store`` (the flushed test Redis). ``browser`` is a launched headless
Chromium. Every page made by ``new_page`` is watched: an uncaught script error or a Content
Security Policy violation fails the test at teardown.
"""

import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace

import pytest
from aiohttp import web
from playwright.async_api import Browser, ConsoleMessage, Error, Page, async_playwright

from server.app import make_app
from server.settings import Settings
from server.store import Store
from tests.server.fixtures_login import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCALES = {"en": "en-US", "zh_CN": "zh-CN"}
TIMEOUT_MS = 10_000  # a selector or text that takes longer than this is not coming


@dataclass(frozen=True, slots=True)
class LiveServer:
    base_url: str
    store: Store
    settings: Settings


@dataclass
class PageProblems:
    """What went wrong inside the pages of one test: script errors, CSP violations."""

    found: list[str] = field(default_factory=list)

    def watch(self, page: Page, label: str) -> None:
        page.on("pageerror", lambda error: self.found.append(f"{label}: {error}"))
        page.on("console", lambda message: self._console(label, message))

    def _console(self, label: str, message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.found.append(f"{label}: {message.text}")


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture
async def live_server(settings: Settings, store: Store) -> AsyncIterator[LiveServer]:
    """The whole app listening on 127.0.0.1:<free port>, on the flushed test Redis."""
    sock = _listening_socket()
    port = sock.getsockname()[1]
    live = replace(settings, port=port, base_url=f"http://127.0.0.1:{port}")
    runner = web.AppRunner(make_app(live), handle_signals=False)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    try:
        yield LiveServer(base_url=live.base_url, store=store, settings=live)
    finally:
        await runner.cleanup()
        sock.close()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


NewPage = Callable[..., Awaitable[Page]]


@pytest.fixture
async def new_page(browser: Browser, live_server: LiveServer) -> AsyncIterator[NewPage]:
    """A factory of pages, each in a fresh browser context (its own cookies, one person)."""
    problems = PageProblems()
    contexts = []

    async def make(
        lang: str = "en", *, width: int = 1280, height: int = 900, scale: float = 1
    ) -> Page:
        context = await browser.new_context(
            base_url=live_server.base_url,
            locale=LOCALES[lang],
            viewport={"width": width, "height": height},
            device_scale_factor=scale,  # window.devicePixelRatio
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = await context.new_page()
        problems.watch(page, f"page {len(contexts)}")
        return page

    yield make
    for context in contexts:
        try:
            await context.close()
        except Error:  # the browser went away first; nothing left to close
            continue
    assert problems.found == []


SignIn = Callable[..., Awaitable[None]]


@pytest.fixture
def sign_in() -> SignIn:
    """Sign a page in through the login form (accounts from tests.server.fixtures_login)."""

    async def sign_in_page(page: Page, *, email: str, password: str = PASSWORD) -> None:
        await page.goto("/login")
        await page.fill("input[name=email]", email)
        await page.fill("input[name=password]", password)
        async with page.expect_navigation():
            await page.click("form[action='/login'] button[type=submit]")
        assert "/login" not in page.url, f"signing in as {email} failed"

    return sign_in_page
