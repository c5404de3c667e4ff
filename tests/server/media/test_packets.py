"""RTP as bytes: keyframe detection tables, and what we write read back by aiortc's parser."""

import struct

import pytest
from aiortc.rtcrtpparameters import RTCRtpHeaderExtensionParameters, RTCRtpParameters
from aiortc.rtp import (
    HeaderExtensionsMap,
    RtcpPacket,
    RtcpReceiverInfo,
    RtcpRrPacket,
    RtcpRtpfbPacket,
    RtcpSdesPacket,
    RtcpSourceInfo,
    RtpPacket,
    unpack_remb_fci,
    unwrap_rtx,
)

from server.media.packets import (
    ABS_SEND_TIME_URI,
    AUDIO_LEVEL_URI,
    AUDIO_LEVELS,
    KEY_FRAME,
    MAX_FEEDBACK,
    MID_URI,
    P_BIT,
    V2,
    HeaderWriter,
    Packet,
    abs_send_time,
    even_frame,
    feedback,
    h264_keyframe_start,
    is_rtcp,
    keyframe_detector,
    not_after,
    padding,
    pli_packet,
    remb_packet,
    rtx_packet,
    vp8_keyframe_start,
)

KEY = 0x50  # a VP8 frame tag byte with P=0: key frame
DELTA = 0x31  # P=1: inter frame


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (bytes([0x10, KEY]), True),  # S=1, PID=0, no extension
        (bytes([0x10, DELTA]), False),
        (bytes([0x00, KEY]), False),  # not the start of a partition
        (bytes([0x11, KEY]), False),  # partition 1
        (bytes([0x90, 0x80, 0x85, 0x17, KEY]), True),  # X, I with a 15-bit picture id
        (bytes([0x90, 0x80, 0x05, KEY]), True),  # 7-bit picture id
        (bytes([0x90, 0xC0, 0x05, 0x01, KEY]), True),  # I and L (TL0PICIDX)
        (bytes([0x90, 0xF0, 0x85, 0x17, 0x01, 0x20, KEY]), True),  # I, L, T/K
        (bytes([0x90, 0x80, 0x85, 0x17, DELTA]), False),
        (bytes([0x90, 0x80, 0x85]), False),  # truncated
        (b"", False),
    ],
)
def test_vp8_keyframe_start_reads_the_descriptor_and_frame_tag(
    payload: bytes, expected: bool
) -> None:
    assert vp8_keyframe_start(payload) is expected


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (bytes([0x65, 0x88]), True),  # single NAL: IDR slice (type 5)
        (bytes([0x67, 0x42]), True),  # single NAL: sequence parameter set (7)
        (bytes([0x41, 0x9A]), False),  # single NAL: non-IDR slice (1)
        (bytes([0x68, 0xCE]), False),  # picture parameter set alone (8)
        (bytes([0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xCE]), True),  # STAP-A: SPS, PPS
        (bytes([0x78, 0x00, 0x02, 0x41, 0x9A, 0x00, 0x02, 0x68, 0xCE]), False),
        (bytes([0x78, 0x00, 0x00]), False),  # STAP-A with an empty unit
        (bytes([0x7C, 0x85, 0x88]), True),  # FU-A start of an IDR slice
        (bytes([0x7C, 0x05, 0x88]), False),  # FU-A continuation
        (bytes([0x7C, 0x81, 0x9A]), False),  # FU-A start of a non-IDR slice
        (b"", False),
    ],
)
def test_h264_keyframe_start_reads_single_stap_a_and_fu_a(payload: bytes, expected: bool) -> None:
    assert h264_keyframe_start(payload) is expected


def test_keyframe_detector_is_never_true_for_audio() -> None:
    assert keyframe_detector("opus")(bytes([0x10, KEY])) is False


def _map() -> HeaderExtensionsMap:
    extensions = HeaderExtensionsMap()
    extensions.configure(
        RTCRtpParameters(
            headerExtensions=[
                RTCRtpHeaderExtensionParameters(id=1, uri=MID_URI),
                RTCRtpHeaderExtensionParameters(id=2, uri=AUDIO_LEVEL_URI),
                RTCRtpHeaderExtensionParameters(id=3, uri=ABS_SEND_TIME_URI),
            ]
        )
    )
    return extensions


def test_header_writer_video_header_reads_back_in_aiortc() -> None:
    writer = HeaderWriter(
        ssrc=77, mid="12", extensions={MID_URI: 1, ABS_SEND_TIME_URI: 3}, audio=False
    )

    packet = RtpPacket.parse(
        writer.write(V2, 0x80 | 97, 65535, 4_000_000_000, b"\x01\x02\x03") + b"vp8", _map()
    )

    assert (packet.marker, packet.payload_type, packet.sequence_number, packet.timestamp) == (
        1,
        97,
        65535,
        4_000_000_000,
    )
    assert (packet.ssrc, packet.payload) == (77, b"vp8")
    assert (packet.extensions.mid, packet.extensions.abs_send_time) == ("12", 0x010203)


def test_header_writer_audio_header_carries_the_level() -> None:
    writer = HeaderWriter(ssrc=5, mid="0", extensions={MID_URI: 1, AUDIO_LEVEL_URI: 2}, audio=True)

    packet = RtpPacket.parse(writer.write(V2, 111, 1, 960, AUDIO_LEVELS[42]) + b"opus", _map())

    assert (packet.extensions.mid, packet.extensions.audio_level, packet.payload) == (
        "0",
        (False, 42),
        b"opus",
    )


def test_header_writer_without_extensions_writes_padding_only() -> None:
    writer = HeaderWriter(ssrc=5, mid="0", extensions={}, audio=True)

    packet = RtpPacket.parse(writer.write(V2, 111, 1, 960, AUDIO_LEVELS[42]) + b"opus", _map())

    assert (packet.extensions.mid, packet.extensions.audio_level, packet.payload) == (
        None,
        None,
        b"opus",
    )


def test_rtx_packet_unwraps_to_the_original() -> None:
    writer = HeaderWriter(ssrc=77, mid="1", extensions={MID_URI: 1}, audio=False)
    header = writer.write(V2, 0x80 | 97, 1234, 90000, b"\0\0\0")

    rtx = RtpPacket.parse(
        b"".join(rtx_packet(header, b"payload", rtx_pt=98, rtx_seq=7, rtx_ssrc=88))
    )
    restored = unwrap_rtx(rtx, payload_type=97, ssrc=77)

    assert (rtx.payload_type, rtx.sequence_number, rtx.ssrc, rtx.marker) == (98, 7, 88, 1)
    assert (restored.sequence_number, restored.timestamp, restored.payload) == (
        1234,
        90000,
        b"payload",
    )


def test_pli_and_remb_packets_parse_as_rtcp() -> None:
    pli, remb = RtcpPacket.parse(pli_packet(1, 2) + remb_packet(1, 2, 1_500_000))

    assert (pli.fmt, pli.ssrc, pli.media_ssrc) == (1, 1, 2)
    assert (remb.fmt, unpack_remb_fci(remb.fci)) == (15, (1_500_000, [2]))


def test_abs_send_time_is_six_dot_eighteen_seconds() -> None:
    ntp = (3 << 32) | (1 << 31)  # 3.5 s

    assert abs_send_time(ntp) == bytes([0x0E, 0x00, 0x00])


def test_padded_packet_reads_back_with_its_own_payload_in_aiortc() -> None:
    writer = HeaderWriter(ssrc=77, mid="1", extensions={MID_URI: 1}, audio=False)

    packet = writer.write(V2 | P_BIT, 0x80 | 97, 1, 90000, b"\0\0\0") + b"vp8 data" + padding(7)
    parsed = RtpPacket.parse(packet, _map())

    assert (parsed.payload, parsed.padding_size, parsed.marker, parsed.extensions.mid) == (
        b"vp8 data",
        7,
        1,
        "1",
    )


def _frame(*sizes: int) -> list[Packet]:
    return [(n, 3000, 0, bytes(size), False, 0) for n, size in enumerate(sizes)]


def test_even_frame_pads_all_but_the_last_payload_to_one_size() -> None:
    evened = even_frame(_frame(1100, 1101, 1099, 600))

    assert [len(p[3]) for p in evened] == [1101, 1101, 1101, 600]
    assert [p[5] for p in evened] == [P_BIT, 0, P_BIT, 0]
    assert evened[0][3][-1] == 1 and evened[2][3][-2:] == b"\0\2"


def test_even_frame_leaves_alone_what_padding_cannot_reach() -> None:
    frame = _frame(1200, 900, 1200, 50)

    assert even_frame(frame) == frame


def test_not_after_compares_rtp_timestamps_across_the_wrap() -> None:
    assert not_after(10, 10)
    assert not_after(0xFFFFFFF0, 5)  # before, across the wrap
    assert not not_after(5, 0xFFFFFFF0)
    assert not not_after(10, 10 + 3 * 90000)  # that far back is a new timeline


def test_feedback_reads_nacks_and_key_frame_requests_from_a_browsers_compound_rtcp() -> None:
    report = RtcpRrPacket(
        ssrc=9,
        reports=[RtcpReceiverInfo(
            ssrc=5, fraction_lost=0, packets_lost=1, highest_sequence=3, jitter=1, lsr=0, dlsr=0
        )],
    )  # fmt: skip
    sdes = RtcpSdesPacket(chunks=[RtcpSourceInfo(ssrc=9, items=[(1, b"viewer")])])
    nack = RtcpRtpfbPacket(fmt=1, ssrc=9, media_ssrc=5, lost=[100, 101, 103, 140])
    wrapping = struct.pack("!BBHIIHH", 0x81, 205, 3, 9, 5, 65535, 0b1)  # 65535, then 0
    fir = struct.pack("!BBHII", 0x84, 206, 4, 9, 0) + struct.pack("!IB3x", 6, 1)
    packet = bytes(report) + bytes(sdes) + bytes(nack) + wrapping + pli_packet(9, 7) + fir

    assert is_rtcp(packet) and not is_rtcp(bytes([0x80, 96, 0, 1]))
    assert feedback(packet) == [
        (5, 100), (5, 101), (5, 103), (5, 140), (5, 65535), (5, 0), (7, KEY_FRAME), (6, KEY_FRAME)
    ]  # fmt: skip


def test_feedback_stops_at_a_malformed_packet_and_at_its_cap() -> None:
    nack = bytes(RtcpRtpfbPacket(fmt=1, ssrc=9, media_ssrc=5, lost=[10]))
    everything = bytes(RtcpRtpfbPacket(fmt=1, ssrc=9, media_ssrc=5, lost=list(range(0, 4000))))

    assert feedback(nack + nack[:-1]) == [(5, 10)]  # the second one is cut short
    assert feedback(bytes([0x41]) + nack[1:]) == []  # not version 2
    assert feedback(b"") == feedback(b"\x81") == []
    assert len(feedback(everything)) == MAX_FEEDBACK
    flood = struct.pack("!BBHII", 0x81, 205, 2 + 16000, 9, 5) + bytes(4) * 16000  # 64 KB
    assert len(feedback(flood)) == MAX_FEEDBACK  # however many entries it lists
