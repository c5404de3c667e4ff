"""(placeholder: filled in by its owner)"""

from aiohttp import web


def setup_api(app: web.Application) -> None:
    pass
