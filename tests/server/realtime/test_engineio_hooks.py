"""The engineio/socketio internals of the send path: they fit the pinned versions, and the
start-up check breaks loudly when one of them moves."""

import asyncio
import tomllib
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from engineio.async_socket import AsyncSocket
from engineio.base_socket import BaseSocket
from socketio.base_manager import BaseManager

from server.app import make_app
from server.realtime.engineio_hooks import EngineIOHookError, check_engineio_hooks
from server.settings import Settings

PINS = {"python-engineio": "4.15.1", "python-socketio": "5.18.1"}
PYPROJECT = Path(__file__).resolve().parents[3] / "pyproject.toml"


async def test_engineio_hooks_fit_the_installed_libraries() -> None:
    await check_engineio_hooks()


def test_engineio_hooks_libraries_are_pinned_and_installed() -> None:
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    pinned = {name: v for name, _, v in (d.partition("==") for d in dependencies) if name in PINS}

    assert (pinned, {name: version(name) for name in PINS}) == (PINS, PINS)


async def test_engineio_hooks_missing_websocket_handler_fails_loudly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delattr(AsyncSocket, "_websocket_handler")

    with pytest.raises(EngineIOHookError, match=r"missing: AsyncSocket\._websocket_handler$"):
        await check_engineio_hooks()


async def test_engineio_hooks_missing_socket_state_fails_loudly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    build = BaseSocket.__init__

    def renamed(self: BaseSocket, *args: Any) -> None:
        build(self, *args)
        self.upgrade_in_progress = self.__dict__.pop("upgrading")

    monkeypatch.setattr(BaseSocket, "__init__", renamed)

    with pytest.raises(EngineIOHookError, match=r"missing: AsyncSocket\.upgrading$"):
        await check_engineio_hooks()


async def test_engineio_hooks_driver_factory_called_another_way_fails_loudly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def upgrade(self: AsyncSocket, environ: dict[str, Any]) -> Any:
        driver = self.server._async["websocket"](self._websocket_handler)  # server left out
        return await driver(environ)

    monkeypatch.setattr(AsyncSocket, "_upgrade_websocket", upgrade)

    with pytest.raises(EngineIOHookError, match=r"factory\(socket\._websocket_handler, server\)$"):
        await check_engineio_hooks()


async def test_engineio_hooks_queue_made_elsewhere_fails_loudly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    build = BaseSocket.__init__

    def own_queue(self: BaseSocket, server: Any, sid: str) -> None:
        build(self, server, sid)
        self.queue = asyncio.Queue()  # no longer through server.create_queue()

    monkeypatch.setattr(BaseSocket, "__init__", own_queue)

    with pytest.raises(EngineIOHookError, match=r"AsyncSocket\.queue from .*create_queue"):
        await check_engineio_hooks()


async def test_engineio_hooks_participants_in_another_shape_fail_loudly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    participants = BaseManager.get_participants

    def eio_sids_first(self: BaseManager, namespace: str, room: str) -> Iterator[Any]:
        yield from ((eio_sid, sid) for sid, eio_sid in participants(self, namespace, room))

    monkeypatch.setattr(BaseManager, "get_participants", eio_sids_first)

    with pytest.raises(EngineIOHookError, match=r"get_participants\(namespace, room\)"):
        await check_engineio_hooks()


async def test_app_does_not_start_when_an_engineio_hook_moved(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(AsyncSocket, "_websocket_handler")
    runner = web.AppRunner(make_app(settings))

    with pytest.raises(EngineIOHookError):
        await runner.setup()
    await runner.cleanup()  # what started before the check stops again
