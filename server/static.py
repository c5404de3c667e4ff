"""(placeholder: filled in by its owner)"""

from aiohttp import web


def setup_static(app: web.Application) -> None:
    pass
