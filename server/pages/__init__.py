"""(placeholder: filled in by its owner)"""

from aiohttp import web


def setup_pages(app: web.Application) -> None:
    pass
