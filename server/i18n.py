"""Chinese and English: gettext catalogs (Babel .po files under web/translations), the
language of each request (cookie, then Accept-Language, then English), and the switch.
"""

import gettext as gettext_module
import io
from pathlib import Path

from aiohttp import web
from babel.messages import Catalog, mofile, pofile

from rooms.roles import Kind
from server.kind_nouns import in_kind

LANGUAGES = ("zh_CN", "en")
DEFAULT = "en"
COOKIE = "lang"
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "web" / "translations"
CATALOGS = web.AppKey("catalogs", dict)
LANG = web.RequestKey("lang", str)
KIND = web.RequestKey("kind", Kind)  # the session kind a page is about, when it is one's


_COMPILED: dict[tuple[object, ...], dict[str, gettext_module.NullTranslations]] = {}


def load_catalogs(folder: Path = TRANSLATIONS_DIR) -> dict[str, gettext_module.NullTranslations]:
    """Each language's .po files compiled in memory (English is the source language), once
    per process while the files stay as they are: each app made in a process shares them."""
    files = sorted(folder.glob("*/LC_MESSAGES/*.po"))
    version = (folder, *((str(po), po.stat().st_mtime_ns, po.stat().st_size) for po in files))
    if version not in _COMPILED:
        _COMPILED.clear()
        _COMPILED[version] = _compile(folder)
    return dict(_COMPILED[version])


def _compile(folder: Path) -> dict[str, gettext_module.NullTranslations]:
    catalogs: dict[str, gettext_module.NullTranslations] = {"en": gettext_module.NullTranslations()}
    for lang in LANGUAGES:
        files = sorted((folder / lang / "LC_MESSAGES").glob("*.po"))
        if not files:
            continue
        catalog = Catalog(locale=lang)
        for po in files:  # one file per area of the app, merged into one catalog
            with po.open("rb") as source:
                for message in pofile.read_po(source, locale=lang):
                    if message.id and message.string:
                        catalog[message.id] = message
        buffer = io.BytesIO()
        mofile.write_mo(buffer, catalog)
        buffer.seek(0)
        catalogs[lang] = gettext_module.GNUTranslations(buffer)
    return catalogs


def normalize(tag: str) -> str | None:
    """'zh', 'zh-CN', 'zh_cn', 'zh-Hans' -> 'zh_CN'; 'en-US' -> 'en'; others -> None."""
    primary = tag.strip().replace("-", "_").split("_")[0].lower()
    return {"zh": "zh_CN", "en": "en"}.get(primary)


def negotiate(cookie: str | None, accept_language: str) -> str:
    if cookie and normalize(cookie):
        return normalize(cookie) or DEFAULT
    ranked = []
    for position, part in enumerate(accept_language.split(",")[:20]):
        tag, _, q = part.partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            continue
        if (lang := normalize(tag)) is not None:
            ranked.append((-weight, position, lang))
    return min(ranked)[2] if ranked else DEFAULT


def language(request: web.Request) -> str:
    lang = request.get(LANG)
    if lang is None:
        lang = negotiate(request.cookies.get(COOKIE), request.headers.get("Accept-Language", ""))
        request[LANG] = lang
    return lang


def about_kind(request: web.Request, kind: Kind) -> None:
    """This request is about a session of ``kind``: its words name the session by the
    kind's noun (server/kind_nouns.py), its errors too."""
    request[KIND] = kind


def kind_of(request: web.Request) -> Kind | None:
    """The session kind this request is about (``about_kind``), or None."""
    kind = request.get(KIND)
    return kind if isinstance(kind, Kind) else None


def gettext(request: web.Request, message: str) -> str:
    catalogs, lang = request.app[CATALOGS], language(request)
    text = catalogs.get(lang, catalogs["en"]).gettext(message)
    return in_kind(text, lang=lang, kind=request.get(KIND))


def ngettext(request: web.Request, singular: str, plural: str, n: int) -> str:
    catalogs, lang = request.app[CATALOGS], language(request)
    text = catalogs.get(lang, catalogs["en"]).ngettext(singular, plural, n)
    return in_kind(text, lang=lang, kind=request.get(KIND))


def _safe_next(target: str) -> str:
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


async def switch_language(request: web.Request) -> web.Response:
    """GET /lang/{lang}?next=/path: remember the choice in a cookie and go back."""
    lang = normalize(request.match_info["lang"])
    if lang is None:
        raise web.HTTPNotFound()
    response = web.HTTPSeeOther(_safe_next(request.query.get("next", "/")))
    response.set_cookie(COOKIE, lang, max_age=365 * 86400, httponly=True, samesite="Lax")
    raise response


def setup_i18n(app: web.Application) -> None:
    app[CATALOGS] = load_catalogs()
    app.router.add_get("/lang/{lang}", switch_language, name="switch_language")
