"""The access log leaves out a load balancer's successful health checks, and only those."""

import logging

from server.logs import HealthChecks


def record(message: str) -> logging.LogRecord:
    return logging.LogRecord("aiohttp.access", logging.INFO, __file__, 1, message, None, None)


def test_successful_health_checks_are_left_out_of_the_access_log() -> None:
    checks = HealthChecks()
    line = '127.0.0.1 [05/Dec/2026:14:51:16 +0000] "GET {path} HTTP/1.0" {status} 648 "-" "-"'

    kept = [
        checks.filter(record(line.format(path=path, status=status)))
        for path, status in [("/healthz", 200), ("/healthz", 503), ("/health", 200),
                             ("/healthzz-page", 200), ("/sessions/1", 200)]
    ]  # fmt: skip

    assert kept == [False, True, False, True, True]
