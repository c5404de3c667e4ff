"""The composed video of a three-person session (synthetic track files, each camera a solid
colour): the stage and the tiles change at the timeline's moments, the chapters are in the
MP4 and in chapters.vtt, the audio is where it was recorded, and composing again (after a
stopped composition) makes the same files."""

from array import array
from pathlib import Path

import av
import pytest

from recordings.compose import CHAPTERS_NAME, VIDEO_NAME, Composition
from tests.recordings.tracks import BLUE, GREEN, RED, YELLOW, three_people

STAGE, LEFT, MIDDLE, RIGHT = (320, 180), (240, 420), (320, 420), (400, 420)
# (second, {point: colour}) as the timeline has it; see three_people
EXPECTED = [
    (0.5, {STAGE: RED, LEFT: GREEN, RIGHT: BLUE}),
    (2.5, {STAGE: GREEN, LEFT: RED, RIGHT: BLUE}),
    (3.5, {STAGE: GREEN, MIDDLE: RED}),  # c left: one tile, in the middle
    (4.5, {STAGE: GREEN, MIDDLE: RED}),  # c speaks, but is away: b keeps the stage
    (6.0, {STAGE: YELLOW, LEFT: RED, RIGHT: GREEN}),  # b's screen share takes the stage
    (7.5, {STAGE: GREEN, MIDDLE: RED}),
    (9.0, {STAGE: BLUE, LEFT: RED, RIGHT: GREEN}),  # c is back, and the speaker
]


def title(chapter) -> str:  # type: ignore[no-untyped-def]
    return chapter.data.get("title_en") or "Opening"


@pytest.fixture(scope="module")
def composed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("recording")
    three_people(folder)
    (folder / f".{VIDEO_NAME}.dead0001").write_bytes(b"left by a killed worker")
    Composition(folder, titles=title).run()
    return folder


def pixels(frame: av.VideoFrame) -> dict[tuple[int, int], tuple[int, ...]]:
    rgb = frame.reformat(format="rgb24")
    data, stride = bytes(rgb.planes[0]), rgb.planes[0].line_size
    points = (STAGE, LEFT, MIDDLE, RIGHT)
    return {(x, y): tuple(data[y * stride + x * 3 : y * stride + x * 3 + 3]) for x, y in points}


def near(found: tuple[int, ...], wanted: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 40 for a, b in zip(found, wanted, strict=True))


def test_the_layout_changes_at_the_timelines_moments(composed: Path) -> None:
    with av.open(str(composed / VIDEO_NAME)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.width, stream.height) == ("h264", 640, 480)
        frames = {round(f.time * 1000): f for f in container.decode(stream)}

    for second, wanted in EXPECTED:
        seen = pixels(frames[40 * round(second * 25)])  # the frame at (or just before) it
        assert all(near(seen[p], colour) for p, colour in wanted.items()), (second, seen)
    assert max(frames) == 9960  # 25 frames a second up to the stop


def test_the_chapters_are_in_the_mp4_and_beside_it(composed: Path) -> None:
    with av.open(str(composed / VIDEO_NAME)) as container:
        found = container.chapters()
    chapters = [(c["start"] * c["time_base"], c["metadata"]["title"]) for c in found]

    assert chapters == [(0, "Opening"), (1, "Item one"), (5, "Item two")]
    assert (composed / CHAPTERS_NAME).read_text() == (
        "WEBVTT\n\n"
        "1\n00:00:00.000 --> 00:00:01.000\nOpening\n\n"
        "2\n00:00:01.000 --> 00:00:05.000\nItem one\n\n"
        "3\n00:00:05.000 --> 00:00:10.000\nItem two\n"
    )


def test_the_audio_is_mixed_where_it_was_recorded(composed: Path) -> None:
    samples = array("f")
    with av.open(str(composed / VIDEO_NAME)) as container:
        stream = container.streams.audio[0]
        assert (stream.codec_context.name, stream.rate) == ("aac", 48000)
        for frame in container.decode(stream):
            samples.frombytes(bytes(frame.planes[0])[: frame.samples * 4])

    def loudness(start: float, end: float) -> float:
        part = samples[int(start * 48000) : int(end * 48000)]
        return (sum(s * s for s in part) / len(part)) ** 0.5

    assert abs(len(samples) / 48000 - 10) < 0.1
    assert loudness(1, 3) > 0.05 and loudness(7, 9) > 0.05  # a's tone
    assert loudness(4.3, 5.7) < 0.005  # the gap


def test_composing_again_makes_the_same_files_and_leaves_no_half_written_one(
    composed: Path,
) -> None:
    first = (composed / VIDEO_NAME).stat().st_size
    steps = Composition(composed, titles=title).steps()
    next(steps)
    steps.close()  # stopped half-way, as a worker that stops

    assert sorted(p.name for p in composed.glob(".*")) == []
    Composition(composed, titles=title).run()
    assert (composed / VIDEO_NAME).stat().st_size == first
