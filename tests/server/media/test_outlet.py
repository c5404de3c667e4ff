"""An outlet's rules, with a fake wire: start at a key frame, no gaps, fall behind, NACK/RTX."""

from types import SimpleNamespace

from aiortc.rtcrtpparameters import (
    RTCRtcpParameters,
    RTCRtpCodecParameters,
    RTCRtpHeaderExtensionParameters,
    RTCRtpSendParameters,
)
from aiortc.rtp import RtcpPacket, RtpPacket

from server.media.outlet import Outlet, sender_reports
from server.media.packets import MID_URI, even_frame

VP8 = RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000, payloadType=97)
RTX = RTCRtpCodecParameters(
    mimeType="video/rtx", clockRate=90000, payloadType=98, parameters={"apt": 97}
)
OPUS = RTCRtpCodecParameters(mimeType="audio/opus", clockRate=48000, channels=2, payloadType=111)


class FakeWire:
    def __init__(self) -> None:
        self.sent: list[RtpPacket] = []
        self.writes: list[list[int]] = []  # the sizes of the packets given in each call
        self.full = False
        self.closed = False

    def send_rtp(self, items: list[tuple[bytes, bytes]]) -> bool:
        if self.full:
            return False
        self.writes.append([len(header + payload) for header, payload in items])
        self.sent.extend(RtpPacket.parse(header + payload) for header, payload in items)
        return True

    def send_one(self, header: bytes, payload: bytes) -> bool:
        return self.send_rtp([(header, payload)])

    def handles(self) -> None:  # no socket for the compiled fan-out: the outlet sends
        return None

    def close(self) -> None:
        self.closed = True


class FakeSource:
    def __init__(self) -> None:
        self.outlets: list[Outlet] = []
        self.keyframe_requests = 0

    def request_keyframe(self) -> None:
        self.keyframe_requests += 1


def outlet_for(kind: str, *codecs: RTCRtpCodecParameters) -> tuple[Outlet, FakeWire, FakeSource]:
    sender = SimpleNamespace(_ssrc=1111, _rtx_ssrc=2222)
    outlet = Outlet(kind=kind, sender=sender)  # type: ignore[arg-type]
    source = FakeSource()
    outlet.attach(source)
    wire = FakeWire()
    parameters = RTCRtpSendParameters(
        codecs=list(codecs),
        headerExtensions=[RTCRtpHeaderExtensionParameters(id=1, uri=MID_URI)],
        muxId="3",
        rtcp=RTCRtcpParameters(cname="viewer-cname"),
    )
    outlet.bind(parameters, wire)  # type: ignore[arg-type]
    return outlet, wire, source


def video(outlet: Outlet, seq: int, *, key: bool = False, marker: int = 1) -> None:
    outlet.send([(seq, seq * 3000, marker, b"frame%d" % seq, key, 0)], b"\0\0\0", 0)


def test_outlet_video_starts_at_a_key_frame_and_asks_for_one() -> None:
    outlet, wire, source = outlet_for("video", VP8, RTX)
    requests_on_bind = source.keyframe_requests

    video(outlet, 100)
    video(outlet, 101)
    video(outlet, 102, key=True)
    video(outlet, 103)

    assert requests_on_bind == 1  # asked as soon as the viewer's sender started
    assert source.keyframe_requests == 3  # and again for each packet it had to skip
    assert [p.payload for p in wire.sent] == [b"frame102", b"frame103"]
    assert wire.sent[1].sequence_number == (wire.sent[0].sequence_number + 1) & 0xFFFF
    assert {(p.ssrc, p.payload_type) for p in wire.sent} == {(1111, 97)}


def test_outlet_keeps_the_publishers_spacing_so_a_late_packet_fills_its_hole() -> None:
    outlet, wire, _ = outlet_for("video", VP8)
    video(outlet, 10, key=True)

    video(outlet, 12)
    video(outlet, 11)  # retransmitted by the publisher, arrives late

    first = wire.sent[0].sequence_number
    assert [(p.sequence_number - first) & 0xFFFF for p in wire.sent] == [0, 2, 1]


def test_outlet_drops_packets_from_before_its_start() -> None:
    outlet, wire, _ = outlet_for("video", VP8)
    video(outlet, 10, key=True)

    video(outlet, 9)

    assert [p.payload for p in wire.sent] == [b"frame10"]


def test_outlet_slow_viewer_drops_to_the_next_key_frame_and_asks_for_one() -> None:
    outlet, wire, source = outlet_for("video", VP8)
    video(outlet, 1, key=True)
    before = source.keyframe_requests

    wire.full = True
    video(outlet, 2)  # the socket would block: behind
    wire.full = False
    video(outlet, 3)
    video(outlet, 4)
    video(outlet, 5, key=True)

    assert (outlet.drops, source.keyframe_requests - before) == (1, 3)
    assert [p.payload for p in wire.sent] == [b"frame1", b"frame5"]
    assert wire.sent[1].sequence_number == (wire.sent[0].sequence_number + 1) & 0xFFFF


def test_outlet_audio_resumes_without_a_gap_after_falling_behind() -> None:
    outlet, wire, source = outlet_for("audio", OPUS)

    for seq in (50, 51):
        outlet.send([(seq, seq * 960, 1, b"a%d" % seq, False, 0)], b"\x1e", 0)
    wire.full = True
    outlet.send([(52, 52 * 960, 1, b"a52", False, 0)], b"\x1e", 0)
    wire.full = False
    outlet.send([(53, 53 * 960, 1, b"a53", False, 0)], b"\x1e", 0)

    seqs = [p.sequence_number for p in wire.sent]
    assert [p.payload for p in wire.sent] == [b"a50", b"a51", b"a53"]
    assert [(s - seqs[0]) & 0xFFFF for s in seqs] == [0, 1, 2]
    assert source.keyframe_requests == 0


def test_outlet_answers_a_nack_with_an_rtx_packet() -> None:
    outlet, wire, _ = outlet_for("video", VP8, RTX)
    video(outlet, 7, key=True)
    lost = wire.sent[0]

    outlet.retransmit(lost.sequence_number)
    outlet.retransmit((lost.sequence_number + 5) & 0xFFFF)  # never sent: ignored

    rtx = wire.sent[1]
    assert len(wire.sent) == 2
    assert (rtx.payload_type, rtx.ssrc, rtx.timestamp) == (98, 2222, lost.timestamp)
    assert rtx.payload == lost.sequence_number.to_bytes(2, "big") + b"frame7"


def test_outlet_reattached_to_another_source_continues_its_own_numbering() -> None:
    outlet, wire, _ = outlet_for("video", VP8)
    video(outlet, 500, key=True)
    other = FakeSource()

    outlet.attach(other)
    video(outlet, 9000, key=True)

    first, second = wire.sent
    assert second.sequence_number == (first.sequence_number + 1) & 0xFFFF
    assert 0 < (second.timestamp - first.timestamp) & 0xFFFFFFFF < 90000
    assert other.keyframe_requests == 1


def test_outlet_close_releases_the_wire_and_stops_forwarding() -> None:
    outlet, wire, source = outlet_for("video", VP8)

    outlet.close()
    video(outlet, 1, key=True)

    assert (wire.closed, wire.sent, source.outlets) == (True, [], [])


def test_outlet_closes_a_wire_bound_after_it_was_closed() -> None:
    # aiortc starts a sender from a background task once DTLS is up, which can be while the
    # connection is closing: that wire (a duplicated UDP socket) must not outlive it.
    outlet, first, source = outlet_for("video", VP8)
    outlet.close()
    late = FakeWire()

    outlet.bind(RTCRtpSendParameters(codecs=[VP8], muxId="3"), late)  # type: ignore[arg-type]
    video(outlet, 1, key=True)

    assert (first.closed, late.closed, outlet.wire, late.sent) == (True, True, None, [])


def test_outlet_sender_reports_are_compound_rtcp_per_dozen_outlets() -> None:
    outlets = []
    for n in range(13):
        outlet, _, _ = outlet_for("audio", OPUS)
        outlet.sender._ssrc = 1000 + n
        outlet.send([(n, 960, 1, b"opus", False, 0)], b"\x1e", (5 << 32) | n)
        outlets.append(outlet)
    silent, _, _ = outlet_for("video", VP8)

    packets = [RtcpPacket.parse(p) for p in sender_reports([*outlets, silent])]

    assert [len(p) for p in packets] == [13, 2]  # 12 SRs + SDES, then 1 SR + SDES
    first = packets[0][0]
    assert (first.ssrc, first.sender_info.packet_count, first.sender_info.octet_count) == (
        1000,
        1,
        4,
    )
    assert first.sender_info.ntp_timestamp == 5 << 32
    assert packets[1][1].chunks[0].items == [(1, b"viewer-cname")]


def test_outlet_sends_a_frame_in_one_write_and_answers_nacks_from_it() -> None:
    outlet, wire, _ = outlet_for("video", VP8, RTX)
    frame = even_frame(
        [
            (10, 3000, 0, b"k" * 1000, True, 0),
            (11, 3000, 0, b"x" * 998, False, 0),
            (12, 3000, 1, b"y" * 300, False, 0),
        ]
    )

    outlet.send(frame, b"\0\0\0", 0)
    outlet.retransmit(wire.sent[1].sequence_number)

    (sizes, [rtx]) = wire.writes
    assert sizes[0] == sizes[1] > sizes[2]  # the kernel can cut them from one buffer
    assert [p.payload for p in wire.sent[:3]] == [b"k" * 1000, b"x" * 998, b"y" * 300]
    assert [(p.marker, p.padding_size) for p in wire.sent[:3]] == [(0, 0), (0, 2), (1, 0)]
    assert wire.sent[3].payload[2:] == b"x" * 998  # the retransmission, padding taken off
    assert wire.sent[3].padding_size == 2
    assert outlet.octets == 1000 + 998 + 300  # payload octets, as sender reports count them


def test_outlet_waiting_for_a_key_frame_skips_a_frame_and_asks_once() -> None:
    outlet, wire, source = outlet_for("video", VP8)
    before = source.keyframe_requests

    outlet.send([(1, 3000, 0, b"a", False, 0), (2, 3000, 1, b"b", False, 0)], b"\0\0\0", 0)

    assert (wire.writes, source.keyframe_requests - before) == ([], 1)
