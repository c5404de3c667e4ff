"""Liveness and metrics: GET /healthz (JSON, 503 when Redis does not answer) and
GET /metrics (Prometheus text) from a registry owned by the app.

The metrics middleware times every request and counts it by method, route template and
status; it sits outermost so it sees the final status of errors too.
"""

import asyncio
import logging
import time
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from server.appkeys import STORE
from server.store import Store

log = logging.getLogger(__name__)

PING_SECONDS = 2.0
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@dataclass(frozen=True)
class Metrics:
    registry: CollectorRegistry
    requests: Counter
    latency: Histogram
    redis_up: Gauge


def new_metrics() -> Metrics:
    registry = CollectorRegistry()
    return Metrics(
        registry=registry,
        requests=Counter(
            "yunhui_http_requests",
            "HTTP requests answered, by method, route and status.",
            ["method", "route", "status"],
            registry=registry,
        ),
        latency=Histogram(
            "yunhui_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route.",
            ["method", "route"],
            registry=registry,
        ),
        redis_up=Gauge(
            "yunhui_redis_up", "1 if Redis answered the last ping, else 0.", registry=registry
        ),
    )


METRICS = web.AppKey("metrics", Metrics)


def route_label(request: web.Request) -> str:
    """The route's template (/events/{event_id}), never the raw path: labels stay few."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


def _observe(request: web.Request, status: int, seconds: float) -> None:
    metrics = request.app[METRICS]
    method = request.method if request.method in METHODS else "OTHER"
    route = route_label(request)
    metrics.requests.labels(method, route, str(status)).inc()
    metrics.latency.labels(method, route).observe(seconds)


@web.middleware
async def metrics_middleware(request: web.Request, handler):  # type: ignore[no-untyped-def]
    started, status = time.perf_counter(), 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    except asyncio.CancelledError:
        status = 499  # the client went away
        raise
    finally:
        _observe(request, status, time.perf_counter() - started)


async def redis_answers(store: Store) -> bool:
    try:
        async with asyncio.timeout(PING_SECONDS):
            return await store.ping()
    except Exception as exc:  # whatever the failure, Redis is not usable: say so, keep serving
        log.warning("redis did not answer a ping: %r", exc)
        return False


async def _check_redis(request: web.Request) -> bool:
    up = await redis_answers(request.app[STORE])
    request.app[METRICS].redis_up.set(1 if up else 0)
    return up


async def healthz(request: web.Request) -> web.Response:
    up = await _check_redis(request)
    body = {"status": "ok" if up else "unavailable", "redis": "ok" if up else "unreachable"}
    return web.json_response(body, status=200 if up else 503, headers={"Cache-Control": "no-store"})


async def metrics(request: web.Request) -> web.Response:
    await _check_redis(request)
    body = generate_latest(request.app[METRICS].registry)
    return web.Response(
        body=body, headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"}
    )


def setup_health(app: web.Application) -> None:
    app[METRICS] = new_metrics()
    app.middlewares.insert(0, metrics_middleware)  # outermost: it sees every final status
    app.router.add_get("/healthz", healthz, name="healthz")
    app.router.add_get("/metrics", metrics, name="metrics")
