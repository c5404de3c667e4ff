"""The writer's pure helpers: frame sizes from VP8 and H.264 headers, depayloading."""

import fractions

import av
import pytest

from recordings.writer import depayload, h264_size, vp8_size


def encoded(codec: str, width: int, height: int) -> bytes:
    context = av.CodecContext.create(codec, "w")
    context.width, context.height, context.pix_fmt = width, height, "yuv420p"
    context.time_base = fractions.Fraction(1, 30)
    frame = av.VideoFrame(width, height, "yuv420p")
    frame.pts = 0
    return b"".join(bytes(p) for p in [*context.encode(frame), *context.encode(None)])


@pytest.mark.parametrize(("width", "height"), [(640, 480), (322, 242)])
def test_frame_sizes_come_from_the_key_frames_headers(width: int, height: int) -> None:
    assert vp8_size(encoded("libvpx", width, height)) == (width, height)
    assert h264_size(encoded("libx264", width, height)) == (width, height)


def test_no_size_from_what_is_not_a_key_frame() -> None:
    assert vp8_size(b"\x01" * 20) is None
    assert h264_size(b"\x00\x00\x00\x01\x41\x9a") is None  # a P slice, no SPS
    assert h264_size(b"\x00\x00\x00\x01\x67\x64") is None  # a cut-off SPS


def test_depayload_strips_the_descriptors() -> None:
    vp8 = [bytes((0x90, 0x80, 0x80, 0x01)) + b"key", bytes((0x80, 0x80, 0x80, 0x01)) + b"rest"]
    fu_a = [bytes((0x7C, 0x85)) + b"idr1", bytes((0x7C, 0x45)) + b"idr2"]

    assert depayload("VP8", tuple(vp8)) == b"keyrest"
    assert depayload("H264", tuple(fu_a)) == b"\x00\x00\x00\x01\x65idr1idr2"
    assert depayload("opus", (b"\xfc\x01",)) == b"\xfc\x01"
