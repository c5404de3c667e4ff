"""Anonymous guests: the person key a browser holds in its web session, so that all its tabs
are one person in a room.

The room page gives the browser its key (``remember_guest``): a Socket.IO connection cannot
write the web session, so the realtime server only reads the field (``GUEST_KEY``).
"""

import secrets

from aiohttp import web
from aiohttp_session import get_session

GUEST_KEY = "room_guest"  # the web session's field holding an anonymous guest's person key


def is_guest_key(key: object) -> bool:
    """Whether a value is an anonymous guest's person key."""
    return isinstance(key, str) and key.startswith("anon:")


def new_guest_key() -> str:
    return f"anon:{secrets.token_hex(8)}"


async def remember_guest(request: web.Request) -> str:
    """This browser's anonymous guest person key, given and kept in its web session on the
    first call."""
    web_session = await get_session(request)
    key = web_session.get(GUEST_KEY)
    if not is_guest_key(key):
        key = new_guest_key()
        web_session[GUEST_KEY] = key
    return key
