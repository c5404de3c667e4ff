import socket
import time
from dataclasses import replace

from prometheus_client import REGISTRY

from server.app import make_app
from server.health import METRICS


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_healthz_is_ok_when_redis_answers(client) -> None:
    response = await client.get("/healthz")

    assert response.status == 200
    assert await response.json() == {"status": "ok", "redis": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


async def test_healthz_is_503_when_redis_is_unreachable(aiohttp_client, settings) -> None:
    broken = replace(settings, redis_url=f"redis://127.0.0.1:{closed_port()}/0")
    client = await aiohttp_client(make_app(broken))
    started = time.monotonic()

    response = await client.get("/healthz")

    assert response.status == 503
    assert await response.json() == {"status": "unavailable", "redis": "unreachable"}
    assert time.monotonic() - started < 5


async def test_metrics_show_redis_down_when_it_is(aiohttp_client, settings) -> None:
    broken = replace(settings, redis_url=f"redis://127.0.0.1:{closed_port()}/0")
    client = await aiohttp_client(make_app(broken))

    text = await (await client.get("/metrics")).text()

    assert "yunhui_redis_up 0.0" in text.splitlines()


async def test_metrics_are_prometheus_text_with_redis_up(client) -> None:
    response = await client.get("/metrics")

    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    assert "yunhui_redis_up 1.0" in (await response.text()).splitlines()


async def test_metrics_count_requests_by_route_template_and_status(client) -> None:
    await client.get("/lang/en?next=/", allow_redirects=False)
    await client.get("/lang/zh_CN", allow_redirects=False)
    await client.get("/no/such/page")

    lines = (await (await client.get("/metrics")).text()).splitlines()

    assert 'yunhui_http_requests_total{method="GET",route="/lang/{lang}",status="303"} 2.0' in lines
    assert 'yunhui_http_requests_total{method="GET",route="unmatched",status="404"} 1.0' in lines
    assert 'yunhui_http_request_duration_seconds_count{method="GET",route="/lang/{lang}"} 2.0' in (
        lines
    )


async def test_metrics_count_refused_requests_with_their_final_status(client) -> None:
    await client.post("/logout")  # no CSRF token: 403

    lines = (await (await client.get("/metrics")).text()).splitlines()

    assert 'yunhui_http_requests_total{method="POST",route="/logout",status="403"} 1.0' in lines


async def test_each_app_owns_its_registry(settings) -> None:
    first, second = make_app(settings), make_app(settings)

    assert first[METRICS].registry is not second[METRICS].registry
    assert REGISTRY.get_sample_value("yunhui_redis_up") is None


async def test_favicon_ico_points_at_the_svg_icon(client) -> None:
    response = await client.get("/favicon.ico", allow_redirects=False)

    assert (response.status, response.headers["Location"]) == (301, "/static/favicon.svg")
    icon = await client.get("/static/favicon.svg")
    assert (icon.status, icon.content_type) == (200, "image/svg+xml")
