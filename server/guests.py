"""Anonymous guests: the person key a browser holds in its web session, so that all its tabs
are one person in a room.

The room page gives the browser its key (``remember_guest``): a Socket.IO connection cannot
write the web session, so the realtime server only reads the field (``GUEST_KEY``).
"""

import secrets

from aiohttp import web
from aiohttp_session import get_session

GUEST_KEY = "room_guest"  # the web session's field holding an anonymous guest's person key


async def remember_guest(request: web.Request) -> str:
    """This browser's anonymous guest person key, given and kept in its web session on the
    first call."""
    web_session = await get_session(request)
    key = web_session.get(GUEST_KEY)
    if not isinstance(key, str) or not key.startswith("anon:"):
        key = f"anon:{secrets.token_hex(8)}"
        web_session[GUEST_KEY] = key
    return key
