"""A viewer behind a slow link, on a real kernel (tests/server/media/netns_slow_viewer.py, in
a network namespace of its own: root and iproute2's tc, which `make test` installs)."""

from typing import Any

import pytest

from tests.browser.netns import run_in_namespace


@pytest.fixture(scope="module")
def slow() -> dict[str, Any]:
    return run_in_namespace("tests.server.media.netns_slow_viewer", {}, timeout=120)


def test_slow_viewer_drops_to_key_frames_and_asks_the_publisher_for_them(
    slow: dict[str, Any],
) -> None:
    assert slow["drops"] >= 1  # the socket's buffer filled: writes would have blocked
    assert slow["keyframes_asked"] >= 1
    assert 0 < slow["slow_frames"] < slow["fast_frames"]  # it still sees whole frames
    assert slow["slow_gaps"] == 0  # what it got is gapless: dropped frames were never sent


def test_slow_viewer_does_not_hold_up_the_others(slow: dict[str, Any]) -> None:
    fps = slow["fast_frames"] / slow["seconds"]

    assert fps >= 25, slow  # the clip is 30 frames a second
    assert slow["fast_gaps"] == 0
