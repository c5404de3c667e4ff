"""Flash messages: what a form's success says on the page it redirects to.

An action that succeeds calls ``flash(request, message)`` before its 303; the next page
rendered in that browser session shows the message once, translated, in a
``role="status"`` box (base.html's ``flashes`` block; the room shows it on its pre-join
screen), and forgets it.
"""

from typing import Any

from aiohttp import web
from aiohttp_session import SESSION_KEY, STORAGE_KEY, get_session

from server.i18n import gettext
from server.templating import add_context

FLASH_KEY = "flash"
FLASHES_KEPT = 3


async def flash(request: web.Request, message: str, **params: object) -> None:
    """Keep ``message`` (English, translated now, then formatted with ``params``) for the
    next page this browser shows."""
    session = await get_session(request)
    text = gettext(request, message).format(**params)
    session[FLASH_KEY] = [*session.get(FLASH_KEY, []), text][-FLASHES_KEPT:]


async def flashes(request: web.Request) -> dict[str, Any]:
    """``flashes()`` for every page: the kept messages, taken out of the session when the
    page shows them (context processors run before every handler, rendered or not)."""
    if request.path.startswith("/static/") or STORAGE_KEY not in request:
        return {"flashes": list}
    await get_session(request)

    def take() -> list[str]:
        kept = request[SESSION_KEY].pop(FLASH_KEY, [])
        return [text for text in kept if isinstance(text, str)]

    return {"flashes": take}


def setup_flash(app: web.Application) -> None:
    add_context(app, flashes)
