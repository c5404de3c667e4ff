"""Jinja2 pages: templates under web/templates, autoescape on, translations per request."""

from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from rooms import limits
from rooms.roles import Kind
from server import i18n
from server.kind_nouns import in_kind

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "web" / "templates"
CONTEXT_EXTRAS = web.AppKey("context_extras", list)


# requests no page is rendered for (a file, the realtime connection's handshake): their
# context is the basics alone, so they cost no look-up of the web session or the account
PAGELESS = ("/static/", "/socket.io/")


def basics(request: web.Request) -> dict[str, Any]:
    """What every template needs, from the request alone (no store): the request, its
    language and the translation functions. The error page renders with these even when the
    rest of the context could not be made (Redis down)."""
    return {
        "request": request,
        "lang": i18n.language(request),
        "_": lambda message: i18n.gettext(request, message),
        "ngettext": lambda s, p, n: i18n.ngettext(request, s, p, n),
    }


async def _context(request: web.Request) -> dict[str, Any]:
    context = basics(request)
    if request.path.startswith(PAGELESS):
        return context
    for extra in request.app.get(CONTEXT_EXTRAS, []):
        context.update(await extra(request))
    return context


@jinja2.pass_context
def of_kind(context: jinja2.runtime.Context, text: str, kind: str) -> str:
    """A translated text naming one session by its kind's noun, where the page is about
    sessions of several kinds: ``{{ _("Session certificate") | of_kind(session.kind) }}``."""
    return in_kind(text, lang=context["lang"], kind=Kind(kind))


def setup_templates(app: web.Application) -> None:
    app[CONTEXT_EXTRAS] = []
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        context_processors=[aiohttp_jinja2.request_processor, _context],
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["limits"] = limits  # maxlength of form fields: rooms/limits.py
    env.filters["of_kind"] = of_kind
    env.globals["url"] = lambda name, **parts: str(
        app.router[name].url_for(**{k: str(v) for k, v in parts.items()})
    )


def add_context(app: web.Application, extra: Any) -> None:
    """Register an async function request -> dict merged into every page's context."""
    app[CONTEXT_EXTRAS].append(extra)
