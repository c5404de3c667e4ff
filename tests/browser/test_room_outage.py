"""``kill -9`` of Redis under a live room, in real Chromium: what a guest typed while Redis
was gone reaches everyone once, soon after Redis is back.

Real parts: the app on a port, a redis-server of the test's own (the embedded one, AOF with
``appendfsync always``) killed as in a crash and started again on its folder, two pages. The
room's owner cannot renew its lease, so it drops the room and closes its connections under
them (the host's page says it is reconnecting); the pages connect again by themselves,
refused ``unavailable`` while Redis is gone (each refusal is seen on the wire), and the
guest's page sends the post again with the same client id after the ``chat_history`` of its
rejoin (web/static/js/room/connection.js). Before the drop closed the websockets
themselves, a page stayed on its dead connection until its ping timeout, 45 s.

And Redis refusing writes (out of memory) while it answers the rest: the room stays, the
post is answered ``unavailable``, and the page sends it again by itself until it is kept.
"""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, WebSocket, expect

from rooms.agenda import Session
from tests.browser.test_room import HOST_EMAIL, join_as_guest, open_meeting, room_path, say
from tests.server.store.redis_servers import REDIS_6, RedisServer

# Redis gone for longer than the owner trusts its lease without renewing it (4 s) and a
# reconnect after that (1 s): the pages are refused `unavailable` before Redis is back
GONE_SECONDS = 7.0
DROPPED_MS = 8_000  # the room dropped and the pages told: the lease's trust, and a margin
BACK_MS = 15_000  # the lease's 5 s, a reconnect, the resend (a page left to its ping timeout: 45 s)


@pytest.fixture
async def redis_server(tmp_path: Path) -> AsyncIterator[RedisServer]:
    server = RedisServer(
        REDIS_6, tmp_path / "redis", "--appendonly", "yes", "--appendfsync", "always"
    )
    await server.start()
    yield server
    await server.kill()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The app and the test's store on this test's own Redis (the suite's is left alone)."""
    return redis_server.url


async def chatting(
    live_server: Any, new_page: Any, sign_in: Any, prefix: str
) -> tuple[Session, Page, Page, list[str]]:
    """A meeting open now, its host and a guest in it, "before" said and seen; and the
    Socket.IO frames starting with ``prefix`` that either page receives, from the start."""
    session = await open_meeting(live_server.store, lobby=False)
    host, guest = await new_page(), await new_page(lang="zh_CN")
    frames: list[str] = []

    def watch(socket: WebSocket) -> None:
        socket.on("framereceived", lambda frame: frames.append(frame) if (
            isinstance(frame, str) and frame.startswith(prefix)) else None)  # fmt: skip

    for page in (host, guest):
        page.on("websocket", watch)
    await sign_in(host, email=HOST_EMAIL)
    await host.goto(room_path(session))
    await host.click("#join-button")
    await join_as_guest(guest, session, "Li Lei")
    await expect(guest.locator("#room")).to_be_visible()
    await say(host, "before")
    await expect(guest.locator("#chat-log .text")).to_have_text(["before"])
    return session, host, guest, frames


async def test_a_chat_post_typed_while_redis_is_down_reaches_everyone_once(
    live_server, new_page, sign_in, redis_server: RedisServer
) -> None:
    # the handshakes' refusals (Socket.IO CONNECT_ERROR packets)
    session, host, guest, refused = await chatting(live_server, new_page, sign_in, "44/room,")

    await redis_server.kill()
    gone = asyncio.get_running_loop().time()
    await say(guest, "typed while Redis was down")
    banner = "Connection lost. Reconnecting…"
    await expect(host.locator("#banner")).to_have_text(banner, timeout=DROPPED_MS)
    await asyncio.sleep(GONE_SECONDS - (asyncio.get_running_loop().time() - gone))
    await redis_server.start()  # on its folder: "before" is still there

    for page in (guest, host):
        await expect(page.locator("#chat-log .text")).to_have_text(
            ["before", "typed while Redis was down"], timeout=BACK_MS
        )
    kept = await live_server.store.chat.messages(session.session_id)
    assert [m.text for m in kept] == ["before", "typed while Redis was down"]
    await expect(guest.locator("#chat-text")).to_have_value("")  # not handed back as refused
    assert refused and all('"code":"unavailable"' in frame for frame in refused), refused


async def test_a_chat_post_redis_refused_is_sent_again_by_the_page_and_reaches_everyone_once(
    live_server, new_page, sign_in, redis_server: RedisServer
) -> None:
    """Redis out of memory (``maxmemory`` reached, no eviction): it still renews the room's
    lease, but refuses the post's write, so the room stays up and answers the post
    ``unavailable`` after its retries; the page sends it again with the same client id
    every ``RETRY_MS`` (web/static/js/room/connection.js) until Redis takes it."""
    # the acks (Socket.IO ACK packets of the /room namespace)
    session, host, guest, answers = await chatting(live_server, new_page, sign_in, "43/room,")
    admin = live_server.store.redis

    await admin.config_set("maxmemory", 1)  # every write that could grow memory is refused
    try:
        await say(guest, "typed while Redis was full")
        for _ in range(200):  # the server's retries: RETRY_SECONDS, then the answer
            if any('"code":"unavailable"' in frame for frame in answers):
                break
            await asyncio.sleep(0.1)
    finally:
        await admin.config_set("maxmemory", 0)

    refused = [frame for frame in answers if '"code":"unavailable"' in frame]
    assert refused, answers
    for page in (guest, host):
        await expect(page.locator("#chat-log .text")).to_have_text(
            ["before", "typed while Redis was full"], timeout=BACK_MS
        )
    kept = await live_server.store.chat.messages(session.session_id)
    assert [m.text for m in kept] == ["before", "typed while Redis was full"]
    await expect(host.locator("#banner")).to_be_hidden()  # the room stayed up throughout
