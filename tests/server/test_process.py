"""``server.process.stop_tasks``: a stop that ends its tasks even when a cancellation is lost,
and never hangs on one that will not end."""

import asyncio
import logging

import pytest

from server.process import stop_tasks


async def swallows_one_cancel(log: list[str]) -> None:
    """As a task in ``asyncio.wait_for`` on Python 3.11 when what it waited on finished in
    the turn the cancel came in (CPython gh-86296): the first cancellation is lost."""
    try:
        await asyncio.sleep(60)
    except asyncio.CancelledError:
        log.append("swallowed")
    while True:
        await asyncio.sleep(0.01)


async def ignores_cancels(until: asyncio.Event) -> None:
    while not until.is_set():
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            pass


async def test_a_task_whose_cancellation_was_lost_is_cancelled_again() -> None:
    log: list[str] = []
    plain = asyncio.create_task(asyncio.sleep(60))
    stubborn = asyncio.create_task(swallows_one_cancel(log))
    await asyncio.sleep(0)

    await stop_tasks([plain, stubborn], within=5)

    assert log == ["swallowed"]
    assert plain.cancelled() and stubborn.cancelled()


async def test_a_task_that_never_ends_is_named_and_left(caplog: pytest.LogCaptureFixture) -> None:
    until = asyncio.Event()
    task = asyncio.create_task(ignores_cancels(until), name="the-stubborn-one")
    await asyncio.sleep(0)
    started = asyncio.get_running_loop().time()

    with caplog.at_level(logging.WARNING, logger="server.process"):
        await stop_tasks([task], within=0.5)

    assert asyncio.get_running_loop().time() - started < 3
    assert not task.done()
    assert "the-stubborn-one did not stop within" in caplog.text
    assert "test_process.py" in caplog.text  # where it was
    until.set()
    task.cancel()
    await task


async def test_what_a_task_ended_with_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    async def fails_on_cancel() -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            raise RuntimeError("broke while stopping") from None

    task = asyncio.create_task(fails_on_cancel(), name="breaks")
    await asyncio.sleep(0)
    with caplog.at_level(logging.ERROR, logger="server.process"):
        await stop_tasks([task])
    assert "breaks ended with RuntimeError('broke while stopping')" in caplog.text
