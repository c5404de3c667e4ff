"""A viewer behind a slow link, on a real kernel: run inside a network namespace.

    echo '{}' | unshare --net python -m tests.server.media.netns_slow_viewer

In a namespace of its own (so the shaping touches nothing else), with ``lo`` up, a synthetic
publisher (≈600 kbps VP8 + Opus) and two counting viewers meet the SFU on 127.0.0.1. Then
everything sent to the slow viewer's port is limited to ``RATE`` (tc: an htb class on
``lo`` with a u32 filter on that port): what the SFU writes to that viewer
queues in the kernel, charged to the SFU's socket, until the socket's send buffer is full
and a write would block. The SFU must then drop that viewer's video to the next key frame
(asking the publisher for one) while the other viewer goes on undisturbed. It prints one
JSON object with what it saw; tests/server/media/test_slow_viewer.py judges it.
"""

import asyncio
import json
import subprocess
import sys
import time
from typing import Any

from tests.server.media.conftest import Room, until
from tests.server.media.synthetic import encode_clip

RATE = "100kbit"  # far below the publisher's 600 kbps
SECONDS = 8.0  # shaped, after the viewers are up


def run(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True)


def shape_port(port: int) -> None:
    """Everything to ``port`` on lo through an htb class of RATE (its queue, 1,000 packets,
    holds more than a socket's send buffer); everything else unshaped."""
    tc = ("tc",)
    run(*tc, "qdisc", "add", "dev", "lo", "root", "handle", "1:", "htb", "default", "10")
    run(*tc, "class", "add", "dev", "lo", "parent", "1:", "classid", "1:10", "htb",
        "rate", "10gbit")  # fmt: skip
    run(*tc, "class", "add", "dev", "lo", "parent", "1:", "classid", "1:20", "htb",
        "rate", RATE, "ceil", RATE)  # fmt: skip
    run(*tc, "filter", "add", "dev", "lo", "protocol", "ip", "parent", "1:", "prio", "1",
        "u32", "match", "ip", "dport", str(port), "0xffff", "flowid", "1:20")  # fmt: skip


def nominated(sender_or_receiver: Any) -> Any:
    """The ICE candidate pair a sender's or receiver's connection sends on (aioice)."""
    return sender_or_receiver.transport.transport._connection._nominated[1]


async def scenario() -> dict[str, object]:
    clip = encode_clip(seconds=3, width=640, height=480, bitrate=600_000)
    room = Room(clip)
    try:
        publisher = await room.publish("alice")
        fast = await room.watch("bob")
        slow = await room.watch("cai")
        await until(lambda: min(v.received["video"].frames for v in (fast, slow)) >= 10)
        port = nominated(slow.pc.getTransceivers()[0].receiver).local_candidate.port
        shape_port(port)
        [source] = [s for s in room.router.sources.values() if s.kind == "video"]
        [outlet] = [o for o in source.outlets if nominated(o.sender).remote_addr[1] == port]
        before = {
            "fast": fast.received["video"].frames,
            "slow": slow.received["video"].frames,
            "asked": publisher.keyframe_requests,
        }
        shaped_at = time.monotonic()
        await asyncio.sleep(SECONDS)
        return {
            "drops": outlet.drops,
            "keyframes_asked": publisher.keyframe_requests - before["asked"],
            "fast_frames": fast.received["video"].frames - before["fast"],
            "fast_gaps": fast.received["video"].gaps,
            "slow_frames": slow.received["video"].frames - before["slow"],
            "slow_gaps": slow.received["video"].gaps,
            "seconds": round(time.monotonic() - shaped_at, 1),
        }
    finally:
        await room.close()


def main() -> None:
    json.load(sys.stdin)
    run("ip", "link", "set", "lo", "up")
    print(json.dumps(asyncio.run(scenario())))


if __name__ == "__main__":
    main()
