"""The room page across a failover, in real Chromium (tests/browser/netns_failover.py, in a
network namespace of its own): two guests publishing through HAProxy in front of two web
processes; `kill -9` of the process holding the room, or SIGSTOP (hung; resumed afterwards);
each page reconnects by itself, joins the room's new owner, publishes again and decodes the
other's video again. Prints when."""

from typing import Any

import pytest

from tests.browser.netns import Subnet, run_in_namespace


@pytest.mark.parametrize("fault", ["kill", "stop"], ids=["kill_9", "sigstop"])
def test_the_room_page_reconnects_and_republishes_by_itself_after_its_owner_dies(
    redis_url: str, fault: str
) -> None:
    config = {"redis_url": redis_url, "subnet": Subnet.random().third, "fault": fault}
    seen: dict[str, Any] = run_in_namespace("tests.browser.netns_failover", config, timeout=150)

    print(f"\nfailover page: back_s={seen.get('back_s')} timeline={seen.get('timeline')}")
    problems = {label: page["problems"] for label, page in seen.get("pages", {}).items()}
    assert seen.get("failed") is None, seen["log"]
    assert problems == {"li": [], "wang": []}
    assert seen["owner_after"] not in ("", seen["owner_before"])
    assert sorted(seen["back_s"]) == ["li", "wang"]
    if fault == "stop":  # the old owner, resumed, left the room to the new one
        assert seen["after_resume"] == {"li": True, "wang": True}
        assert seen["holder_after_resume"] == seen["owner_after"]
