"""The writer: frame sizes from VP8 and H.264 headers, depayloading; a slow or refusing disk."""

import fractions
import threading
from pathlib import Path

import av
import pytest

from recordings.timeline import TrackFile
from recordings.writer import DiskWriter, TrackWriter, depayload, h264_size, vp8_size
from tests.recordings.tracks import solid_vp8, tone_opus
from tests.server.media.synthetic import vp8_payloads


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


def test_a_slow_disk_holds_up_no_frame_and_loses_none(tmp_path: Path) -> None:
    disk = DiskWriter("test")
    stuck = threading.Event()
    disk.do(stuck.wait)  # the disk takes its time: everything after waits on its thread
    track = TrackFile("p-video-1.webm", "p", "video", "VP8", 1)
    writer = TrackWriter(tmp_path / track.name, track, on_error=pytest.fail, disk=disk)
    frames = solid_vp8((0, 128, 255), count=90, size=(160, 120))

    for n, frame in enumerate(frames):  # three seconds: three clusters closed, handed over
        writer.write(tuple(vp8_payloads(frame, n)), n * 33, n == 0)
    nothing_yet = not (tmp_path / track.name).exists()
    stuck.set()
    writer.finish()
    disk.close()

    assert nothing_yet  # every frame was taken while the disk had written nothing
    with av.open(str(tmp_path / track.name)) as container:
        assert len(list(container.decode(video=0))) == len(frames)


def test_a_file_the_disk_refuses_stops_alone(tmp_path: Path) -> None:
    disk, failed = DiskWriter("test"), []
    audio = TrackFile("p-audio-1.webm", "p", "audio", "opus", 1)
    lost = TrackWriter(tmp_path / "gone" / audio.name, audio, on_error=failed.append, disk=disk)
    kept = TrackWriter(tmp_path / audio.name, audio, on_error=failed.append, disk=disk)
    frames = tone_opus(count=100)

    for n, frame in enumerate(frames):
        lost.write((frame,), n * 20, True)  # its folder is missing: refused, nothing raised
        kept.write((frame,), n * 20, True)
    lost.finish()
    kept.finish()
    disk.close()

    assert failed == [audio.name]
    with av.open(str(tmp_path / audio.name)) as container:
        assert len([p for p in container.demux(audio=0) if p.size]) == len(frames)
