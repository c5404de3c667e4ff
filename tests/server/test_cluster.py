"""server.cluster: the HAProxy configuration it writes (and ships as deploy/haproxy.cfg) and the
Procfile it runs; then real HAProxy with that configuration in front of two small servers:
a room's requests always reach one of them, other requests go round robin, and when one
dies its rooms move to the other while the rest stay where they were."""

import asyncio
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from yarl import URL

from server.cluster import ROOT, haproxy_config, procfile
from tests.server.test_review_crash import free_port

SESSIONS = [f"s{n}" for n in range(24)]


def test_the_shipped_configuration_is_the_one_written_for_three_processes() -> None:
    written = haproxy_config(host="127.0.0.1", front=8080, web_ports=[8081, 8082, 8083])

    assert (ROOT / "deploy" / "haproxy.cfg").read_text() == written


def test_the_shipped_configuration_is_valid_for_haproxy() -> None:
    assert shutil.which("haproxy"), "make haproxy installs Debian's haproxy"
    checked = subprocess.run(
        ["haproxy", "-c", "-f", str(ROOT / "deploy" / "haproxy.cfg")], capture_output=True
    )

    assert checked.returncode == 0, checked.stderr


def test_the_procfile_runs_the_web_processes_first_then_the_rest_and_haproxy() -> None:
    base = "scheduler: python -m server.scheduler\nweb: python -m server\n# note\n"

    assert procfile(base, Path("/x/haproxy.cfg")).splitlines() == [
        "web: while :; do python -m server; rc=$?; [ $rc -ge 128 ] || exit $rc; "
        'echo "killed ($rc): starting it again"; sleep 1; done',
        "scheduler: python -m server.scheduler",
        "haproxy: haproxy -db -f /x/haproxy.cfg",
    ]


async def backend(name: str, port: int) -> web.AppRunner:
    async def answer(request: web.Request) -> web.Response:
        return web.Response(text=name)

    app = web.Application()
    app.router.add_get("/healthz", answer)
    app.router.add_get("/", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


@pytest.fixture
async def two_behind_haproxy(tmp_path: Path) -> AsyncIterator[tuple[str, list[web.AppRunner]]]:
    ports = [free_port(), free_port()]
    runners = [await backend(f"web{n}", port) for n, port in enumerate(ports, 1)]
    front = free_port()
    config = tmp_path / "haproxy.cfg"
    config.write_text(haproxy_config(host="127.0.0.1", front=front, web_ports=ports))
    proxy = await asyncio.create_subprocess_exec(
        "haproxy", "-db", "-f", str(config), stdout=subprocess.DEVNULL
    )
    try:
        yield f"http://127.0.0.1:{front}", runners
    finally:
        proxy.terminate()
        await proxy.wait()
        for runner in runners:
            await runner.cleanup()


async def routes(url: str) -> dict[str, str]:
    """Which server each session's requests reach (each asked twice: always the same)."""
    found: dict[str, str] = {}
    async with aiohttp.ClientSession() as http:
        for session_id in SESSIONS * 2:
            async with http.get(f"{url}/?session={session_id}") as response:
                name = await response.text()
            assert found.setdefault(session_id, name) == name, session_id
    return found


async def until_up(url: str) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(200):
            try:
                async with http.get(f"{url}/") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise AssertionError("HAProxy did not answer")


async def test_haproxy_keeps_a_room_on_one_process_and_moves_only_a_dead_ones_rooms(
    two_behind_haproxy: tuple[str, list[web.AppRunner]],
) -> None:
    url, runners = two_behind_haproxy
    await until_up(url)
    before = await routes(url)
    async with aiohttp.ClientSession() as http:
        unbound = [await (await http.get(f"{url}/")).text() for _ in range(8)]
        owner = runners[1].addresses[0][1]  # web2's port: a room whose owner it is
        hinted = [
            await (
                await http.get(
                    URL(f"{url}/?session={s}&owner=127.0.0.1{colon}{owner}", encoded=True)
                )
            ).text()
            for s in SESSIONS[:6]
            for colon in (":", "%3A")  # as socket.io-client sends it: encoded
        ]

    dead = runners[0].addresses[0][1]
    await runners[0].cleanup()  # web1 dies
    await asyncio.sleep(2.5)  # two failed checks, a second apart
    after = await routes(url)
    async with aiohttp.ClientSession() as http:  # a hint naming the dead owner: ignored
        stale = await (await http.get(f"{url}/?session=s1&owner=127.0.0.1:{dead}")).text()

    assert set(before.values()) == {"web1", "web2"}  # rooms are spread over both
    assert set(unbound) == {"web1", "web2"}  # the rest: spread (round robin)
    assert hinted == ["web2"] * 12  # ?owner= names the process that owns the room
    moved = {s for s in SESSIONS if before[s] != after[s]}
    assert moved == {s for s in SESSIONS if before[s] == "web1"}
    assert (set(after.values()), stale) == ({"web2"}, "web2")
