"""Process-wide logging set-up for the server's entry points."""

import logging

from server.store.connection import StoreError

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# libraries that narrate routine work at INFO: fontTools lists every glyph of each PDF's font
# subset (dozens of lines per certificate or results PDF)
QUIET = ("fontTools",)
# requests a load balancer makes every second (HAProxy's health checks): not logged when
# answered 200, so the access log keeps what people did
CHECKS = ('"GET /healthz ', '"GET /health ')


class HealthChecks(logging.Filter):
    """Leaves out access-log lines of successful health checks."""

    def filter(self, record: logging.LogRecord) -> bool:
        line = record.getMessage()
        return not (any(check in line for check in CHECKS) and '" 200 ' in line)


def setup_logging() -> None:
    logging.basicConfig(level=logging.INFO, format=FORMAT)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").addFilter(HealthChecks())


def retrying(log: logging.Logger, what: str, error: BaseException) -> None:
    """A background loop's round failed and will be tried again: while Redis is down or hung
    (``StoreError``: redis-py's errors, its timeouts too; or a connection refused or reset)
    that is an outage, not a bug, and one line says so each round; anything else (a file
    that could not be written, too) is logged with its traceback."""
    if isinstance(error, StoreError | ConnectionError):
        log.warning("%s: Redis did not answer (%s: %s); retrying", what,
                    type(error).__name__, error)  # fmt: skip
    else:
        log.error("%s; retrying", what, exc_info=error)
