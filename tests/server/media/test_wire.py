"""The wire: SRTP-protected RTP on a real UDP socket, a video frame in one segmented send."""

import errno
import socket
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from pylibsrtp import Policy, Session

from server.media import hooks
from server.media.packets import MID_URI, V2, HeaderWriter, even_frame

KEY = bytes(range(44))  # AES-256-GCM: a 32-byte key and a 12-byte salt


def session(direction: int) -> Session:
    return Session(
        Policy(key=KEY, ssrc_type=direction, srtp_profile=Policy.SRTP_PROFILE_AEAD_AES_256_GCM)
    )


@pytest.fixture
def link() -> Iterator[tuple[hooks.Wire, socket.socket]]:
    """A wire from one UDP socket to another, both on 127.0.0.1, as after ICE and DTLS."""
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(2)
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender.bind(("127.0.0.1", 0))
    transport = SimpleNamespace(get_extra_info=lambda name: sender)
    pair = SimpleNamespace(
        remote_addr=receiver.getsockname(), protocol=SimpleNamespace(transport=transport)
    )
    ice = SimpleNamespace(_connection=SimpleNamespace(_nominated={1: pair}))
    dtls = SimpleNamespace(_tx_srtp=session(Policy.SSRC_ANY_OUTBOUND), transport=ice)
    wire = hooks.Wire(dtls, direct=True)  # type: ignore[arg-type]
    yield wire, receiver
    wire.close()
    sender.close()
    receiver.close()


def frame(*sizes: int, first: int = 0) -> list[tuple[bytes, bytes]]:
    """A frame's packets as an outlet hands them to the wire: (header, payload)."""
    writer = HeaderWriter(ssrc=5, mid="1", extensions={MID_URI: 1}, audio=False)
    packets = even_frame(
        [(seq, 3000, 0, bytes([seq]) * n, False, 0) for seq, n in enumerate(sizes, start=first)]
    )
    return [(writer.write(V2 | p[5], 97, p[0], p[1], b""), p[3]) for p in packets]


def received(receiver: socket.socket, count: int) -> list[bytes]:
    inbound = session(Policy.SSRC_ANY_INBOUND)
    return [inbound.unprotect(receiver.recv(2048)) for _ in range(count)]


def test_wire_frame_arrives_as_its_own_packets(link: tuple[hooks.Wire, socket.socket]) -> None:
    wire, receiver = link
    items = frame(1100, 1098, 1100, 400)

    assert wire.send_rtp(items)

    assert received(receiver, 4) == [header + payload for header, payload in items]
    assert link_socket(wire).getpeername() == receiver.getsockname()  # connected to the viewer


def link_socket(wire: hooks.Wire) -> socket.socket:
    assert wire._socket is not None
    return wire._socket


def test_wire_sends_packet_by_packet_where_the_kernel_cannot_segment(
    link: tuple[hooks.Wire, socket.socket],
) -> None:
    wire, receiver = link
    refused = []

    def no_segmentation(*args: object) -> int:
        refused.append(args)
        raise OSError(errno.EIO, "no checksum offload")

    wire._sendmsg = no_segmentation
    items = frame(1000, 1000, 300)
    assert wire.send_rtp(items)
    assert wire.send_rtp(frame(900, 900, first=3))  # not asked again

    assert received(receiver, 5)[:3] == [header + payload for header, payload in items]
    assert len(refused) == 1


def test_wire_refuses_more_than_its_buffer_and_sends_nothing(
    link: tuple[hooks.Wire, socket.socket],
) -> None:
    wire, receiver = link
    receiver.settimeout(0.2)

    with pytest.raises(ValueError, match="64 KiB"):
        wire.send_rtp(frame(*[1400] * 48))

    with pytest.raises(TimeoutError):
        receiver.recv(2048)


async def test_a_wire_over_a_closed_transport_counts_its_writes_as_lost() -> None:
    """A source may ask a publisher for a key frame after their connection closed: writing
    on the closed asyncio transport is a lost packet, never an error out of the wire."""
    import asyncio

    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        asyncio.DatagramProtocol, local_addr=("127.0.0.1", 0)
    )
    pair = SimpleNamespace(
        remote_addr=("127.0.0.1", 9), protocol=SimpleNamespace(transport=transport)
    )
    ice = SimpleNamespace(_connection=SimpleNamespace(_nominated={1: pair}))
    dtls = SimpleNamespace(_tx_srtp=session(Policy.SSRC_ANY_OUTBOUND), transport=ice)
    wire = hooks.Wire(dtls, direct=False)  # type: ignore[arg-type]
    transport.close()
    await asyncio.sleep(0.05)  # the loop drops the transport's socket

    wire.send_rtcp(b"\x81\xce\x00\x02" + bytes(8))  # a PLI: nothing raised
    assert wire.send_rtp(frame(100))  # lost on the way, like UDP
