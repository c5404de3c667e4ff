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

    def announce(_aiohttp_line: str) -> None:
        """Called by run_app once its site listens (on_startup runs before the bind: a client
        told "running" then could be refused, as a crash test was on a busy CI machine)."""
        print(f"\n  Yunhui is running: open {settings.base_url}/\n", flush=True)

    try:
        web.run_app(app, host=settings.host, port=settings.port, print=announce)
    except SettingsError as error:  # found at start-up, e.g. a Redis without AOF in production
        print(f"yunhui: cannot start: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # the bind: the port is taken, or the address is not this host's
        print(
            f"yunhui: cannot start: cannot listen on {settings.host}:{settings.port}: "
            f"{error.strerror or error} (set HOST and PORT)",
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
