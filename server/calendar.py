"""(placeholder: filled in by its owner)"""

from aiohttp import web


def setup_calendar(app: web.Application) -> None:
    pass
