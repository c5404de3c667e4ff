"""Synthetic recordings for the composition's tests and bench: track files written by the
real writer (``recordings.writer.TrackWriter``) from frames PyAV encodes here (VP8 of a
solid colour or of a moving clip, Opus of a tone), and a timeline of the lines given."""

import fractions
import math
import struct
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import av
from fpdf import FPDF

from recordings.timeline import TrackFile, deck_file_name, line, track_file_name
from recordings.writer import TrackWriter
from tests.server.media.synthetic import vp8_payloads

Frames = Sequence[bytes]


def yuv(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """BT.601 limited range, as FFmpeg's scaler converts back."""
    r, g, b = (c / 255 for c in rgb)
    y = 16 + 65.481 * r + 128.553 * g + 24.966 * b
    u = 128 - 37.797 * r - 74.203 * g + 112.0 * b
    v = 128 + 112.0 * r - 93.786 * g - 18.214 * b
    return round(y), round(u), round(v)


def solid_vp8(
    rgb: tuple[int, int, int], *, count: int, size: tuple[int, int] = (320, 240)
) -> Frames:
    """``count`` VP8 frames of one colour; the first is a key frame."""
    width, height = size
    encoder = av.CodecContext.create("libvpx", "w")
    encoder.width, encoder.height, encoder.pix_fmt = width, height, "yuv420p"
    encoder.time_base, encoder.bit_rate = fractions.Fraction(1, 30), 200_000
    encoder.gop_size = 100000
    encoder.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
    values = yuv(rgb)
    found: list[bytes] = []
    for n in range(count):
        frame = av.VideoFrame(width, height, "yuv420p")
        for plane, value in zip(frame.planes, values, strict=True):
            plane.update(bytes([value]) * plane.buffer_size)
        frame.pts = n
        found += [bytes(p) for p in encoder.encode(frame)]
    return found + [bytes(p) for p in encoder.encode(None)]


def tone_opus(*, count: int, pitch: float = 0.05, level: int = 6000) -> Frames:
    """``count`` 20 ms Opus packets of a tone."""
    encoder = av.CodecContext.create("libopus", "w")
    encoder.sample_rate, encoder.layout, encoder.format = 48000, "mono", "s16"
    encoder.bit_rate = 32000
    found: list[bytes] = []
    for n in range(count):
        frame = av.AudioFrame(format="s16", layout="mono", samples=960)
        tone = (int(level * math.sin((n * 960 + i) * pitch)) for i in range(960))
        frame.planes[0].update(struct.pack("<960h", *tone))
        frame.sample_rate, frame.pts = 48000, n * 960
        found += [bytes(p) for p in encoder.encode(frame)]
    return found + [bytes(p) for p in encoder.encode(None)]


def write_track(
    folder: Path,
    participant_id: str,
    kind: str,
    frames: Frames,
    *,
    start_ms: int,
    step_ms: int,
    segment: int = 1,
) -> TrackFile:
    """A track file as the recorder writes it: ``frames`` from ``start_ms``, one every
    ``step_ms`` (video: VP8, the first a key frame; audio: Opus)."""
    codec = "opus" if kind == "audio" else "VP8"
    name = track_file_name(participant_id, kind, segment, codec)
    track = TrackFile(name, participant_id, kind, codec, segment)
    writer = TrackWriter(folder / name, track, on_error=lambda name: None)
    for n, frame in enumerate(frames):
        payloads = (frame,) if kind == "audio" else vp8_payloads(frame, n % 0x8000)
        writer.write(tuple(payloads), start_ms + n * step_ms, n == 0)
    writer.close()
    end = start_ms + (len(frames) - 1) * step_ms
    return TrackFile(name, participant_id, kind, codec, segment, start_ms, end, len(frames))


def rgb_at(frame: av.VideoFrame, x: int, y: int) -> tuple[int, ...]:
    rgb = frame.reformat(format="rgb24")
    data, stride = bytes(rgb.planes[0]), rgb.planes[0].line_size
    return tuple(data[y * stride + x * 3 : y * stride + x * 3 + 3])


def near(found: tuple[int, ...], wanted: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 40 for a, b in zip(found, wanted, strict=True))


def write_timeline(folder: Path, entries: Iterable[tuple[int, str, dict[str, Any]]]) -> None:
    text = "".join(line(at, event, **data) + "\n" for at, event, data in entries)
    (folder / "timeline.jsonl").write_text(text, encoding="utf-8")


RED, GREEN, BLUE, YELLOW = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)


def three_people(folder: Path) -> None:
    """Ten seconds of a three-person session, each camera a colour (a red, b green, c blue):
    b shares a yellow screen from 5 s to 7 s; c leaves at 3 s and comes back at 8 s; the
    active speaker is a, then b (2 s), then c (4 s, while away, so b keeps the stage); a's audio
    has a gap from 4 s to 6 s; chapters at 1 s and 5 s; b's camera file was cut off by a
    crash (no index, its last cluster half-written)."""
    folder.mkdir(parents=True, exist_ok=True)
    spans = [("a", "video", RED, 0, 10000, 1), ("b", "video", GREEN, 0, 10000, 1),
             ("c", "video", BLUE, 0, 3000, 1), ("c", "video", BLUE, 8000, 10000, 2),
             ("b", "screen", YELLOW, 5000, 7000, 1)]  # fmt: skip
    lines: list[tuple[int, str, dict[str, Any]]] = [(0, "start", {})]
    for pid, kind, colour, start, end, segment in spans:
        frames = solid_vp8(colour, count=(end - start) // 100)
        track = write_track(folder, pid, kind, frames, start_ms=start, step_ms=100, segment=segment)
        about = {"participant_id": pid, "kind": kind, "file": track.name}
        lines += [(start, "track", about), (end, "track_end", about)]
    audio = tone_opus(count=200)
    write_track(folder, "a", "audio", audio, start_ms=0, step_ms=20)  # 0-4 s
    write_track(folder, "a", "audio", audio, start_ms=6000, step_ms=20, segment=2)  # 6-10 s
    cut = folder / "b-video-1.webm"
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size * 2 // 3])
    (folder / "d-video-1.webm").write_bytes(b"\x1a\x45\xdf\xa3 not a whole file")
    lines += [(0, "speaker", {"participant_id": "a"}), (2000, "speaker", {"participant_id": "b"}),
              (4000, "speaker", {"participant_id": "c"}),
              (1000, "chapter", {"source": "review_item", "title_en": "Item one"}),
              (5000, "chapter", {"source": "review_item", "title_en": "Item two"}),
              (10000, "stop", {})]  # fmt: skip
    write_timeline(folder, sorted(lines, key=lambda entry: entry[0]))


DECK = "5e" * 16  # a deck's file id
MAGENTA, CYAN = (255, 0, 255), (0, 255, 255)


def write_deck(path: Path, colours: Sequence[tuple[int, int, int]]) -> None:
    """A 4:3 PDF deck (fpdf2), page n a white page with a block of colour n over most of it."""
    pdf = FPDF(unit="pt", format=(640, 480))
    for colour in colours:
        pdf.add_page()
        pdf.set_fill_color(*colour)
        pdf.rect(40, 40, 560, 400, style="F")
    path.write_bytes(bytes(pdf.output()))


def two_people_and_slides(folder: Path) -> None:
    """Four seconds of two cameras (a red, b green), a the speaker; a shows slides from 1 s
    (page 1 magenta, page 2 at 2 s cyan) and stops them at 3 s; the deck's copy is in the
    folder, as the recorder keeps it."""
    folder.mkdir(parents=True, exist_ok=True)
    lines: list[tuple[int, str, dict[str, Any]]] = [(0, "start", {})]
    for pid, colour in (("a", RED), ("b", GREEN)):
        track = write_track(folder, pid, "video", solid_vp8(colour, count=40), start_ms=0,
                            step_ms=100)  # fmt: skip
        about = {"participant_id": pid, "kind": "video", "file": track.name}
        lines += [(0, "track", about), (4000, "track_end", about)]
    write_deck(folder / deck_file_name(DECK), [MAGENTA, CYAN])
    shown = {"file_id": DECK, "name": "Results.pdf"}
    lines += [(0, "speaker", {"participant_id": "a"}), (1000, "slides", {**shown, "page": 1}),
              (2000, "slides", {**shown, "page": 2}),
              (3000, "slides", {"file_id": None, "page": None}), (4000, "stop", {})]  # fmt: skip
    write_timeline(folder, sorted(lines, key=lambda entry: entry[0]))
