"""The composition root: one frozen Settings in, one aiohttp application out."""

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from aiohttp import web

from server import i18n
from server.accounts import hashing_pool
from server.api import setup_api
from server.appkeys import DURABILITY, REPORT_FONT, SEAL, SETTINGS, STORE
from server.auth import setup_auth
from server.edges import EdgeService
from server.errors import error_middleware
from server.flash import setup_flash
from server.health import setup_health
from server.media import check_hooks
from server.methods import answer_methods
from server.pages import setup_pages
from server.realtime import setup_realtime
from server.realtime.engineio_hooks import check_engineio_hooks
from server.realtime.signalling import media_config
from server.reports import find_font
from server.scheduler import Scheduler
from server.security import security_headers
from server.seed import seed_demo
from server.settings import Settings, SettingsError
from server.signing_seal import load_seal
from server.static import setup_static
from server.store import (
    Durability,
    EmbeddedRedis,
    Store,
    StoreError,
    connect,
    describe,
    rename_old_keys,
)
from server.templating import setup_templates
from server.terms import load_dictionary
from server.worker import Worker

log = logging.getLogger(__name__)

PROBE_SECONDS = 5.0  # for Redis to say at start-up how it keeps writes


async def _store(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    embedded = None
    url = settings.redis_url
    if url is None:
        embedded = EmbeddedRedis(settings.data_dir / "redis")
        await embedded.start()
        url = embedded.url
    store = Store(connect(url))
    try:
        await _rename_old_keys(store)
        durability = await _check_durability(store, settings, embedded=embedded is not None)
        if durability is not None:
            app[DURABILITY] = durability
        app[STORE] = store
        if settings.seed_demo:
            await seed_demo(store, settings)
        yield
    finally:
        await store.close()
        if embedded is not None:
            await embedded.stop()


async def _rename_old_keys(store: Store) -> None:
    """Give the keys of a Redis written before the hash tags their new names (once)."""
    try:
        await rename_old_keys(store.redis)
    except (StoreError, OSError) as error:
        log.warning("Redis does not answer (%r): old key names are renamed at a later start", error)


async def _check_durability(
    store: Store, settings: Settings, *, embedded: bool
) -> Durability | None:
    """Say whether an acknowledged score survives a crash of Redis; production needs AOF.
    None: Redis did not answer (in dev only), and the first durable commit will ask it."""
    where = f"{'embedded ' if embedded else ''}Redis at {describe(store.redis)}"
    try:
        async with asyncio.timeout(PROBE_SECONDS):
            durability = await store.durable.probe()
    except (StoreError, OSError, TimeoutError) as error:
        if settings.production:
            raise SettingsError(
                f"YUNHUI_MODE=production needs Redis with AOF persistence (appendonly yes), "
                f"and {where} does not answer to say whether it has it ({error!r})."
            ) from error
        log.warning("%s does not answer (%r): its durability is not known yet", where, error)
        return None
    if settings.production and not durability.aof:
        raise SettingsError(
            f"YUNHUI_MODE=production needs Redis with AOF persistence (appendonly yes), "
            f"and {where} has it off."
        )
    level = logging.INFO if durability.promise else logging.WARNING
    log.log(level, "%s: %s", where, durability.why)
    return durability


async def _scheduler(app: web.Application) -> AsyncIterator[None]:
    scheduler = Scheduler(app[STORE], app[SETTINGS])
    scheduler.start()
    yield
    await scheduler.stop()


async def _edge(app: web.Application) -> AsyncIterator[None]:
    """This process serves as an edge for other owners' rooms (server/edges.py)."""
    settings = app[SETTINGS]
    edge = EdgeService(
        app[STORE],
        name=settings.process_name or f"{settings.host}:{settings.port}",
        config=media_config(settings),
        relay_host=settings.relay_host,
    )
    edge.start()
    yield
    await edge.stop()


async def _worker(app: web.Application) -> AsyncIterator[None]:
    worker = Worker(app[STORE], app[SETTINGS])
    worker.start()
    yield
    await worker.stop()


async def _check_hooks(app: web.Application) -> None:
    """The media plane and the realtime send path reach into their libraries' internals
    (aiortc's, engineio's): refuse to start if those moved."""
    await check_hooks()
    await check_engineio_hooks()


async def _find_report_font(app: web.Application) -> None:
    """Generated PDFs embed a CJK font; without one the server still runs, and making a
    document fails saying which package to install."""
    app[REPORT_FONT] = find_font(app[SETTINGS].report_font)
    if app[REPORT_FONT].path is None:
        log.warning("%s", app[REPORT_FONT].missing_message())


async def _load_seal(app: web.Application) -> None:
    """The organization's seal on signed agreements (made at first start in dev)."""
    app[SEAL] = await asyncio.to_thread(load_seal, app[SETTINGS], now=datetime.now(UTC))
    if app[SEAL].missing:
        log.warning("%s", app[SEAL].missing)


async def _load_search_dictionary(app: web.Application) -> None:
    """jieba's dictionary, loaded once per process in a thread (server/terms.py)."""
    await load_dictionary()


def make_app(settings: Settings) -> web.Application:
    app = web.Application(
        middlewares=[security_headers, error_middleware],
        client_max_size=settings.max_body_bytes,
    )
    app[SETTINGS] = settings
    app.on_startup.append(_check_hooks)
    app.on_startup.append(_find_report_font)
    app.on_startup.append(_load_search_dictionary)
    app.on_startup.append(_load_seal)
    app.cleanup_ctx.append(_store)
    app.cleanup_ctx.append(hashing_pool)
    if settings.run_scheduler:
        app.cleanup_ctx.append(_scheduler)
    if settings.run_worker:
        app.cleanup_ctx.append(_worker)
    if settings.edge:
        app.cleanup_ctx.append(_edge)
    i18n.setup_i18n(app)
    setup_templates(app)
    setup_auth(app)
    setup_flash(app)
    setup_static(app)
    setup_health(app)
    setup_api(app)
    setup_pages(app)
    setup_realtime(app)
    answer_methods(app)  # last: every path routed so far answers exactly its own methods
    return app
