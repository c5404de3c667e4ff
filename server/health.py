"""(placeholder: filled in by its owner)"""

from aiohttp import web


def setup_health(app: web.Application) -> None:
    pass
