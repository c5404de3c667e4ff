"""python -m server: the web process (and, unless RUN_SCHEDULER=no, the scheduler)."""

import logging
import sys

from aiohttp import web

from server.app import make_app
from server.settings import Settings, SettingsError

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def main() -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"yunhui: cannot start: {error}", file=sys.stderr)
        return 2
    app = make_app(settings)
    print(f"Yunhui is starting: open {settings.base_url}/", flush=True)
    web.run_app(app, host=settings.host, port=settings.port, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
