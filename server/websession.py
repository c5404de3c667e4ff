"""The browser session: aiohttp-session, with its data in Redis through our store.

``StoreSessionStorage`` is an aiohttp-session ``AbstractStorage``; it looks the store up
from the app on every use, because the store exists only once the app has started. The
cookie (``YUNHUI_SESSION``) holds only a random key; it is HttpOnly, SameSite=Lax, and Secure
when the site is served over https. A signed-in session lives ``SESSION_SECONDS`` from its
last change, a visitor's (which holds little more than a CSRF token) ``VISITOR_SECONDS``.

Code reads and writes the session with ``aiohttp_session.get_session(request)``;
``restart_session`` drops it and starts an empty one that will get a new key (sign-in and
sign-out), so a session id known before signing in is worthless after.
"""

import secrets

import aiohttp_session
from aiohttp import web
from aiohttp_session import AbstractStorage, Session

from server.appkeys import STORE
from server.settings import Settings

SESSION_COOKIE = "YUNHUI_SESSION"
SESSION_SECONDS = 14 * 86400  # a signed-in session, from its last change
VISITOR_SECONDS = 86400  # a session without an account
ACCOUNT_ID = "account_id"  # the session field naming the signed-in account
_KEY_MAX = 64


def _well_formed(session_key: str) -> bool:
    return 0 < len(session_key) <= _KEY_MAX and session_key.isascii()


class StoreSessionStorage(AbstractStorage):
    """Session data as JSON in Redis under a random key; the cookie holds the key."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(
            cookie_name=SESSION_COOKIE,
            max_age=SESSION_SECONDS,
            httponly=True,
            samesite="Lax",
            secure=settings.secure_cookies,
        )

    async def load_session(self, request: web.Request) -> Session:
        session_key = self.load_cookie(request)
        if session_key is None or not _well_formed(session_key):
            return Session(None, data=None, new=True)
        text = await request.app[STORE].web_sessions.load(session_key)
        try:
            data = None if text is None else self._decoder(text)
        except ValueError:
            data = None
        if not isinstance(data, dict) or not data:
            return Session(None, data=None, new=True)  # unknown or expired: start afresh
        return Session(session_key, data=data, new=False)

    async def save_session(
        self, request: web.Request, response: web.StreamResponse, session: Session
    ) -> None:
        if session.empty:
            await self.discard(request, session)
            if self.load_cookie(request) is not None:
                self.save_cookie(response, "")  # deletes the cookie
            return
        session_key = session.identity or secrets.token_urlsafe(32)
        ttl = SESSION_SECONDS if ACCOUNT_ID in session else VISITOR_SECONDS
        data = self._encoder(self._get_session_data(session))
        await request.app[STORE].web_sessions.save(session_key, data, ttl_seconds=ttl)
        self.save_cookie(response, session_key, max_age=ttl)

    async def discard(self, request: web.Request, session: Session) -> None:
        """Forget the session in Redis; its cookie then names nothing."""
        if session.identity is not None:
            await request.app[STORE].web_sessions.delete(session.identity)


STORAGE = web.AppKey("session_storage", StoreSessionStorage)


async def restart_session(request: web.Request) -> Session:
    """Delete the current session and start an empty one, saved under a new key."""
    await request.app[STORAGE].discard(request, await aiohttp_session.get_session(request))
    fresh = await aiohttp_session.new_session(request)
    fresh.changed()  # even left empty (sign-out), it is saved: the old cookie is deleted
    return fresh


def setup_websession(app: web.Application, settings: Settings, *, position: int) -> None:
    """Install the session middleware at ``position`` in the app's middleware list."""
    app[STORAGE] = StoreSessionStorage(settings)
    app.middlewares.insert(position, aiohttp_session.session_middleware(app[STORAGE]))
