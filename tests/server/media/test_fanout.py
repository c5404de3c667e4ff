"""The compiled fan-out (server/media/_fanout.c): what it puts on a real UDP socket, SRTP and
all, is what the outlet's own Python path writes; with real aiortc viewers it carries the
steady stream; and without it the media plane still forwards (in a child process where the
extension cannot be imported)."""

import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from aiortc.rtcrtpparameters import (
    RTCRtcpParameters,
    RTCRtpCodecParameters,
    RTCRtpHeaderExtensionParameters,
    RTCRtpSendParameters,
)
from pylibsrtp import Policy, Session

from server.media import hooks, outlet
from server.media._fanout import Lane, fan_out  # built by `pip install -e .` (make install)
from server.media.outlet import Outlet
from server.media.packets import (
    ABS_SEND_TIME_URI,
    AUDIO_LEVEL_URI,
    AUDIO_LEVELS,
    MID_URI,
    Packet,
    abs_send_time,
    even_frame,
)
from server.media.source import Source
from tests.server.media.conftest import Link, Room, until
from tests.server.media.synthetic import SyntheticViewer
from tests.server.media.test_outlet import FakeSource

ROOT = Path(__file__).resolve().parents[3]
KEY = bytes(range(44))  # AES-256-GCM: a 32-byte key and a 12-byte salt
VP8 = RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000, payloadType=97)
OPUS = RTCRtpCodecParameters(mimeType="audio/opus", clockRate=48000, channels=2, payloadType=111)
SO_NO_CHECK = 11  # asm-generic/socket.h: no UDP checksum, and so no segmentation offload


def session(direction: int) -> Session:
    return Session(
        Policy(key=KEY, ssrc_type=direction, srtp_profile=Policy.SRTP_PROFILE_AEAD_AES_256_GCM)
    )


class Viewer:
    """One outlet on a real wire: SRTP over a UDP socket to a receiving socket."""

    def __init__(self, kind: str, codec: RTCRtpCodecParameters) -> None:
        self.receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.receiver.bind(("127.0.0.1", 0))
        self.receiver.settimeout(0.5)
        self.sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sender.bind(("127.0.0.1", 0))
        transport = SimpleNamespace(get_extra_info=lambda name: self.sender)
        pair = SimpleNamespace(
            remote_addr=self.receiver.getsockname(), protocol=SimpleNamespace(transport=transport)
        )
        ice = SimpleNamespace(_connection=SimpleNamespace(_nominated={1: pair}))
        dtls = SimpleNamespace(_tx_srtp=session(Policy.SSRC_ANY_OUTBOUND), transport=ice)
        self.wire = hooks.Wire(dtls, direct=True)  # type: ignore[arg-type]
        self.inbound = session(Policy.SSRC_ANY_INBOUND)
        self.outlet = Outlet(kind=kind, sender=SimpleNamespace(_ssrc=1111, _rtx_ssrc=2222))  # type: ignore[arg-type]
        self.source = FakeSource()
        self.outlet.attach(self.source)
        extension = ABS_SEND_TIME_URI if kind == "video" else AUDIO_LEVEL_URI
        parameters = RTCRtpSendParameters(
            codecs=[codec],
            headerExtensions=[
                RTCRtpHeaderExtensionParameters(id=1, uri=MID_URI),
                RTCRtpHeaderExtensionParameters(id=3, uri=extension),
            ],
            muxId="1",
            rtcp=RTCRtcpParameters(cname="viewer"),
        )
        self.outlet.bind(parameters, self.wire)  # type: ignore[arg-type]
        # both outlets of a test start from the same numbers
        self.outlet.last_seq, self.outlet.ts_offset = 65530, 4_000_000_000

    def received(self) -> list[bytes]:
        found = []
        while True:
            try:
                found.append(self.inbound.unprotect(self.receiver.recv(2048)))
            except TimeoutError:
                return found

    def close(self) -> None:
        self.outlet.close()
        self.sender.close()
        self.receiver.close()


@pytest.fixture
def pair() -> Iterator[tuple[Viewer, Viewer]]:
    """A video viewer fed by the compiled fan-out and one fed by Outlet.send alone."""
    viewers = (Viewer("video", VP8), Viewer("video", VP8))
    yield viewers
    for viewer in viewers:
        viewer.close()


def video_frames() -> list[list[Packet]]:
    """A key frame, frames of several packets of unequal sizes, a late packet, a packet from
    before the start, sequence numbers that wrap, and a jump far ahead (a re-base)."""
    frames: list[list[Packet]] = []
    seq, ts = 65500, 4_294_000_000
    for number in range(30):
        sizes = [1100, 1093, 1100, 700][: 1 + number % 4]
        frames.append(
            [
                (
                    (seq + i) & 0xFFFF,
                    ts,
                    int(i == len(sizes) - 1),
                    bytes([number, i]) * (size // 2),
                    number == 0 and i == 0,
                    0,
                )
                for i, size in enumerate(sizes)
            ]
        )
        seq, ts = (seq + len(sizes)) & 0xFFFF, (ts + 3000) & 0xFFFFFFFF
        if number == 10:
            late = frames[-1].pop(1)  # comes after the next frame
        if number == 11:
            frames.append([late, (65000, ts - 9000, 0, b"before the start", False, 0)])
        if number == 20:
            seq = (seq + 5000) & 0xFFFF  # the publisher's numbers jump: base moves along
    return frames


def forward(viewer: Viewer, packets: list[Packet], ext: bytes, ntp: int, *, compiled: bool):
    if not compiled:
        viewer.outlet.send(packets, ext, ntp)
        return [], []
    left, behind = fan_out([viewer.outlet], packets, ext, ntp)
    for lagging in behind:
        lagging.fall_behind()
    for waiting in left:
        waiting.send(packets, ext, ntp)
    return left, behind


def state(lane: Outlet) -> tuple[int, ...]:
    return (lane.offset, lane.base, lane.ts_offset, lane.last_seq, lane.last_ts, lane.last_ntp,
            lane.packets, lane.octets, lane.drops, int(lane.waiting))  # fmt: skip


def test_fan_out_sends_the_bytes_the_outlet_sends(pair: tuple[Viewer, Viewer]) -> None:
    compiled, python = pair
    lefts = []
    for number, frame in enumerate(video_frames()):
        packets = even_frame(frame) if len(frame) > 1 else frame
        ntp = (3_900_000_000 + number) << 32
        lefts.append(forward(compiled, packets, abs_send_time(ntp), ntp, compiled=True)[0])
        forward(python, packets, abs_send_time(ntp), ntp, compiled=False)

    sent = compiled.received()
    assert len(sent) == sum(1 + number % 4 for number in range(30))  # the late one too
    assert sent == python.received()
    assert state(compiled.outlet) == state(python.outlet)
    assert [len(left) for left in lefts] == [1] + [0] * (len(lefts) - 1)  # waiting: Python
    assert [compiled.outlet.recall(s) for s in range(128)] == [
        python.outlet.recall(s) for s in range(128)
    ]  # what NACKs are answered from


def test_fan_out_sends_audio_with_its_level_as_the_outlet_does() -> None:
    compiled, python = Viewer("audio", OPUS), Viewer("audio", OPUS)
    try:
        for number in range(40):
            packet: Packet = (number * 7 % 65536, number * 960, 0, b"opus%d" % number, False, 0)
            level = AUDIO_LEVELS[number % 128]
            forward(compiled, [packet], level, number << 32, compiled=True)
            forward(python, [packet], level, number << 32, compiled=False)

        sent = compiled.received()
        assert len(sent) == 40
        assert sent == python.received()
        assert state(compiled.outlet) == state(python.outlet)
    finally:
        compiled.close()
        python.close()


def test_fan_out_sends_packet_by_packet_where_the_kernel_cannot_segment(
    pair: tuple[Viewer, Viewer],
) -> None:
    compiled, python = pair
    assert compiled.wire._socket is not None
    compiled.wire._socket.setsockopt(socket.SOL_SOCKET, SO_NO_CHECK, 1)  # GSO: EINVAL
    for number, frame in enumerate(video_frames()[:8]):
        packets = even_frame(frame) if len(frame) > 1 else frame
        forward(compiled, packets, b"\1\2\3", number << 32, compiled=True)
        forward(python, packets, b"\1\2\3", number << 32, compiled=False)

    sent = compiled.received()
    assert len(sent) == 1 + 2 + 3 + 4 + 1 + 2 + 3 + 4
    assert sent == python.received()


def test_fan_out_leaves_an_outlet_without_a_socket_to_python() -> None:
    unplugged = Outlet(kind="video", sender=SimpleNamespace(_ssrc=1, _rtx_ssrc=2))  # type: ignore[arg-type]
    unplugged.waiting = False  # as if started: only the missing socket keeps it out
    packets: list[Packet] = [(1, 3000, 1, b"payload", False, 0)]

    left, behind = fan_out([unplugged], packets, b"\0\0\0", 0)

    assert (left, behind) == ([unplugged], [])
    assert isinstance(unplugged, Lane)
    assert unplugged.packets == 0


@pytest.fixture
def by_python(monkeypatch: pytest.MonkeyPatch) -> list[Outlet]:
    """The outlets that sent for themselves (``Outlet.send``, Python), once per call."""
    called: list[Outlet] = []
    send = outlet.Outlet.send

    def counted(self: Outlet, packets: list[Packet], ext: bytes, ntp: int) -> None:
        called.append(self)
        send(self, packets, ext, ntp)

    monkeypatch.setattr(outlet.Outlet, "send", counted)
    return called


async def carried_steadily(
    sources: Callable[[], Iterable[Source]], viewers: list[SyntheticViewer],
    by_python: list[Outlet],
) -> None:  # fmt: skip
    """Once every outlet of ``sources`` started, the fan-out alone carries the stream to
    the viewers, without a gap."""

    def outlets() -> list[Outlet]:
        return [o for s in sources() for o in s.outlets]

    expected = 2 * len(viewers)
    await until(
        lambda: len(outlets()) == expected and not any(o.waiting for o in outlets()), within=10
    )
    started = len(by_python)  # Python sent until each outlet started (a key frame, audio)
    forwarded = sum(o.packets for o in outlets())
    await until(lambda: all(len(v.received["video"].seqs) >= 100 for v in viewers), within=10)

    assert all(o.plugged is o.wire for o in outlets())
    assert sum(o.packets for o in outlets()) >= forwarded + len(viewers) * 50
    assert len(by_python) == started  # and none of the steady stream
    gaps = [(v.received["video"].gaps, v.received["audio"].gaps) for v in viewers]
    assert gaps == [(0, 0)] * len(viewers)


async def test_fan_out_carries_the_steady_stream_to_aiortc_viewers(
    room: Room, by_python: list[Outlet]
) -> None:
    await room.publish("alice")
    viewers = [await room.watch(name) for name in ("bob", "cai", "dan")]

    await carried_steadily(lambda: room.router.sources.values(), viewers, by_python)


async def test_fan_out_carries_the_steady_stream_to_an_edges_viewers(
    room: Room, link: Link, by_python: list[Outlet]
) -> None:
    """An edge's copy of a source (``RelayedSource``) forwards as the owner's does."""
    await room.publish("alice")
    viewers = [await link.watch(name) for name in ("bob", "cai", "dan")]

    await carried_steadily(lambda: link.edge.link.sources.values(), viewers, by_python)


def test_forwarding_without_the_compiled_fan_out() -> None:
    """The media plane's forwarding tests, in a child where the extension is not there."""
    child = (
        "import sys; sys.modules['server.media._fanout'] = None\n"
        "from server.media import lane\n"
        "assert lane.fan_out is None and lane.Lane is lane.PythonLane\n"
        "import pytest\n"
        "sys.exit(pytest.main(['-o', 'addopts=', '-q', '-p', 'no:cacheprovider', "
        "'tests/server/media/test_forwarding.py', 'tests/server/media/test_outlet.py', "
        "'tests/server/media/test_relay.py']))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", child], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert " passed" in done.stdout and "failed" not in done.stdout
