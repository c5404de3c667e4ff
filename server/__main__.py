"""python -m server: the web process (and, unless RUN_SCHEDULER=no, the scheduler)."""

import sys

from aiohttp import web

from server.app import make_app
from server.logs import setup_logging
from server.settings import Settings, SettingsError


def main() -> int:
    setup_logging()
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"yunhui: cannot start: {error}", file=sys.stderr)
        return 2
    app = make_app(settings)

    async def announce(app: web.Application) -> None:
        print(f"\n  Yunhui is running: open {settings.base_url}/\n", flush=True)

    app.on_startup.append(announce)
    try:
        web.run_app(app, host=settings.host, port=settings.port, print=None)
    except SettingsError as error:  # found at start-up, e.g. a Redis without AOF in production
        print(f"yunhui: cannot start: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
