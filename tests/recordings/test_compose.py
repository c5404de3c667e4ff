"""The composed video of a three-person session (synthetic track files, each camera a solid
colour): the stage and the tiles change at the timeline's moments, the chapters are in the
MP4 and in chapters.vtt, the audio is where it was recorded, and composing again (after a
stopped composition) makes the same files."""

import shutil
from array import array
from pathlib import Path

import av
import pytest

from recordings.compose import CHAPTERS_NAME, VIDEO_NAME, Composition
from recordings.layout import GRID
from tests.recordings.tracks import (
    BLUE,
    CYAN,
    GREEN,
    MAGENTA,
    RED,
    YELLOW,
    near,
    rgb_at,
    three_people,
    two_people_and_slides,
)

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
    return {(x, y): rgb_at(frame, x, y) for x, y in (STAGE, LEFT, MIDDLE, RIGHT)}


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


@pytest.fixture(scope="module")
def with_slides(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("slides")
    two_people_and_slides(folder)
    return folder


def frames_at(path: Path, seconds: list[float]) -> list[av.VideoFrame]:
    with av.open(str(path)) as container:
        frames = {round(f.time * 1000): f for f in container.decode(container.streams.video[0])}
    return [frames[40 * round(second * 25)] for second in seconds]


def test_a_slide_page_is_on_the_stage_at_the_timelines_moments(with_slides: Path) -> None:
    Composition(with_slides).run()

    found = [pixels(f) for f in frames_at(with_slides / VIDEO_NAME, [0.5, 1.5, 2.5, 3.5])]

    wanted = [
        {STAGE: RED, LEFT: GREEN},  # a speaks: a's camera on the stage
        {STAGE: MAGENTA, LEFT: RED, RIGHT: GREEN},  # page 1, both cameras as tiles
        {STAGE: CYAN, LEFT: RED, RIGHT: GREEN},  # page 2
        {STAGE: RED, MIDDLE: GREEN},  # the slides stopped
    ]
    for seen, colours in zip(found, wanted, strict=True):
        assert all(near(seen[p], colour) for p, colour in colours.items()), seen


def test_the_grid_layout_gives_each_camera_an_equal_cell(with_slides: Path) -> None:
    folder = with_slides / "grid"
    shutil.copytree(with_slides, folder, ignore=shutil.ignore_patterns("grid", "*.mp4", "*.vtt"))

    Composition(folder, mode=GRID, size=(1280, 720)).run()

    quiet, slide = frames_at(folder / VIDEO_NAME, [0.5, 1.5])
    assert (quiet.width, quiet.height) == (1280, 720)
    assert near(rgb_at(quiet, 320, 360), RED) and near(rgb_at(quiet, 960, 360), GREEN)
    assert near(rgb_at(slide, 640, 270), MAGENTA)
    assert near(rgb_at(slide, 480, 630), RED) and near(rgb_at(slide, 800, 630), GREEN)
