"""A sample replay: a few seconds of a generated test card with a tone, as the MP4 a composed
recording is (H.264 and AAC, its index at the front so a browser plays it while it loads).

The demo seed gives its finished recording one, and the tests play one; nothing here reads
a room. Encoding is PyAV's (libx264, AAC), a second or so of CPU for the default length.
"""

import fractions
import math
from array import array
from pathlib import Path

import av

WIDTH, HEIGHT, FPS = 320, 180, 15
SAMPLE_RATE = 48_000
AUDIO_FRAME = 1024  # samples per AAC frame
TONE_HZ = 440.0
BARS = (  # the test card's colour bars, RGB
    (192, 192, 192), (192, 192, 0), (0, 192, 192), (0, 192, 0),
    (192, 0, 192), (192, 0, 0), (0, 0, 192), (16, 16, 16),
)  # fmt: skip


def _row(index: int) -> bytes:
    """One row of frame ``index`` of the test card, RGB: colour bars, or (``index`` < 0)
    the bars with the one at the current second white."""
    width = WIDTH // len(BARS)
    moving = (index // FPS) % len(BARS) if index >= 0 else -1
    pixels = [(255, 255, 255) if n == moving else colour for n, colour in enumerate(BARS)]
    return b"".join(bytes(colour) * width for colour in pixels)


def _card(index: int) -> av.VideoFrame:
    """Frame ``index`` of the test card: colour bars, and a white band low down that moves
    one bar every second (so a player visibly plays)."""
    frame = av.VideoFrame(WIDTH, HEIGHT, "rgb24")
    plane = frame.planes[0]
    bars, band = _row(-1), _row(index)
    pad = bytes(plane.line_size - len(bars))
    rows = [(band if y >= HEIGHT * 3 // 4 else bars) + pad for y in range(HEIGHT)]
    plane.update(b"".join(rows))
    return frame


def _tone(start: int, count: int) -> av.AudioFrame:
    """``count`` mono samples of the tone from sample ``start``, at a quarter of full scale."""
    samples = array(
        "h",
        (
            round(8191 * math.sin(2 * math.pi * TONE_HZ * n / SAMPLE_RATE))
            for n in range(start, start + count)
        ),
    )
    frame = av.AudioFrame(format="s16", layout="mono", samples=count)
    frame.planes[0].update(samples.tobytes())
    frame.sample_rate = SAMPLE_RATE
    frame.pts, frame.time_base = start, fractions.Fraction(1, SAMPLE_RATE)
    return frame


def write_sample(path: Path, *, seconds: float = 4.0) -> Path:
    """Write a test-card MP4 of about ``seconds`` to ``path`` (its folder must exist)."""
    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        video = out.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        video.options = {"preset": "ultrafast", "tune": "zerolatency"}
        audio = out.add_stream("aac", rate=SAMPLE_RATE)
        audio.layout = "mono"
        frames = round(seconds * FPS)
        for index in range(frames):
            frame = _card(index)
            frame.pts, frame.time_base = index, fractions.Fraction(1, FPS)
            out.mux(video.encode(frame))
        out.mux(video.encode())
        for start in range(0, round(seconds * SAMPLE_RATE), AUDIO_FRAME):
            out.mux(audio.encode(_tone(start, AUDIO_FRAME)))
        out.mux(audio.encode())
    return path
