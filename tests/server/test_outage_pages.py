"""Pages and the API while Redis is down or hung: 503 with ``Retry-After``, the error page in the
reader's language (its frame made without the store), one warning line, no traceback; and
the realtime connection's handshake is not a page: it reads no web session, so Engine.IO
answers it and Socket.IO's own connect refuses it ``unavailable`` (PROTOCOL.md).

Real parts: the whole app, a redis-server of the test's own killed as in a crash.
"""

import logging
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.server.store.redis_servers import REDIS_6, RedisServer


@pytest.fixture
async def redis_server(tmp_path: Path) -> AsyncIterator[RedisServer]:
    server = RedisServer(REDIS_6, tmp_path / "redis")
    await server.start()
    yield server
    await server.kill()  # SIGKILL: a stopped one too


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    return redis_server.url


@pytest.mark.parametrize("fault", ["kill", "stop"], ids=["down", "hung"])
async def test_while_redis_is_down_pages_and_the_api_say_so_with_a_503(
    client, redis_server: RedisServer, caplog: pytest.LogCaptureFixture, fault: str
) -> None:
    assert (await client.get("/")).status == 200
    if fault == "kill":
        await redis_server.kill()
    else:  # SIGSTOP: its socket stays open, it answers nothing (each read waits 2 s)
        assert redis_server.process is not None
        redis_server.process.send_signal(signal.SIGSTOP)

    with caplog.at_level(logging.WARNING):
        page = await client.get("/", headers={"Accept-Language": "zh-CN"})
        api = await client.get("/api/events")
        handshake = await client.get("/socket.io/", params={"EIO": "4", "transport": "polling"})

    html = await page.text()
    assert (page.status, page.headers.get("Retry-After")) == (503, "5")
    assert '<html lang="zh-CN">' in html  # the site's error page, not plain text
    assert "数据库没有响应，未保存任何内容。请稍后重试。" in html
    assert (api.status, api.headers.get("Retry-After")) == (503, "5")
    assert (await api.json())["error"]["code"] == "unavailable"
    assert handshake.status == 200 and (await handshake.text()).startswith("0{")
    assert all(r.exc_info is None for r in caplog.records), [r.getMessage() for r in caplog.records]
    assert any("GET /: Redis did not answer" in r.getMessage() for r in caplog.records)
