"""Live rooms over Socket.IO: the server, its one namespace, the live rooms, the exports.

``setup_realtime(app)`` builds the python-socketio ``AsyncServer`` (aiohttp mode, websocket
first with long-polling as a fallback, only the site's own origins, events of a socket
handled one at a time in order, transport messages up to ``transport_max_bytes``, reserved
event names never dispatched from the wire: ``server/realtime/reserved.py``), attaches
it at ``/socket.io/``, registers ``RoomNamespace`` at ``/room``, and adds the CSV exports.
The live rooms (``LiveRooms``) start with the app and stop with it (a cleanup context).
"""

from collections.abc import AsyncIterator

import socketio
from aiohttp import web

from server.appkeys import SETTINGS, STORE
from server.i18n import CATALOGS
from server.realtime.agreement_files import setup_agreement_files
from server.realtime.export import setup_exports
from server.realtime.live import LIVE_ROOMS, LiveRooms
from server.realtime.materials import setup_materials
from server.realtime.namespace import RoomNamespace
from server.realtime.reserved import RoomServer
from server.realtime.slides_files import setup_slides
from server.settings import Settings, check_origins

SOCKETIO = web.AppKey("socketio", socketio.AsyncServer)


def make_server(settings: Settings) -> socketio.AsyncServer:
    return RoomServer(
        async_mode="aiohttp",
        cors_allowed_origins=list(check_origins(settings.cors_origins)),
        async_handlers=False,  # a socket's events in order: an answer never overtakes
        max_http_buffer_size=settings.transport_max_bytes,
        transports=["websocket", "polling"],
        logger=False,
        engineio_logger=False,
    )


async def _live_rooms(app: web.Application) -> AsyncIterator[None]:
    sio = app[SOCKETIO]
    live = LiveRooms(sio, app[STORE], app[SETTINGS], app[CATALOGS])
    app[LIVE_ROOMS] = live
    sio.register_namespace(RoomNamespace(live))
    live.start()
    yield
    await live.stop()


def setup_realtime(app: web.Application) -> None:
    """Attach the Socket.IO server; call after setup_i18n (the live rooms need the store,
    which exists once the app starts)."""
    sio = make_server(app[SETTINGS])
    sio.attach(app)
    app[SOCKETIO] = sio
    app.cleanup_ctx.append(_live_rooms)
    setup_exports(app)
    setup_materials(app)
    setup_slides(app)
    setup_agreement_files(app)
