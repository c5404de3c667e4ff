"""Media after failover (ARCHITECTURE.md "Rooms across processes"): an aiortc publisher and
viewer join a meeting through HAProxy in front of two web processes (inside a network
namespace of the test's own: tests/server/netns_failover_media.py); `kill -9` of the room's
owner; both come back through HAProxy by themselves, renegotiate their media with the new
owner, and the viewer receives the publisher's video again. Prints the seconds until the
clients were back and until the video flowed again."""

import pytest

from tests.browser.netns import NamespaceError, Subnet, run_in_namespace


def test_media_flows_again_through_the_new_owner_after_kill_9(redis_url: str) -> None:
    config = {"subnet": Subnet.random().third, "redis_url": redis_url}
    try:
        seen = run_in_namespace("tests.server.netns_failover_media", config, timeout=150)
    except NamespaceError as error:
        pytest.fail(str(error))

    print(
        f"\nfailover media: back_s={seen['back_s']} media_back_s={seen['media_back_s']} "
        f"frames_before={seen['frames_before']} frames_after={seen['frames_after']} "
        f"keyframes_asked={seen['keyframes_asked']} refusals={seen['refusals']}"
    )
    assert seen["owner_after"] not in ("", seen["owner_before"])
    assert (seen["frames_before"] >= 15, seen["frames_after"] >= 15) == (True, True)
