"""The composition's layout from the timeline: the stage, the tiles, the chapters."""

import pytest

from recordings.layout import (
    GRID,
    Box,
    Chapter,
    Showing,
    SlidePage,
    chapters,
    chapters_vtt,
    end_of,
    fit,
    live_scene,
    read_timeline,
    scenes,
)
from recordings.timeline import line

SIZE = (640, 480)
STAGE = Box(0, 0, 640, 360)


def camera(pid: str, start: int, end: int, segment: int = 1) -> Showing:
    return Showing(f"{pid}-video-{segment}.webm", pid, "video", start, end)


def speaker(at: int, pid: str | None) -> dict:
    return {"at": at, "event": "speaker", "participant_id": pid}


def layout_of(entries: list[dict], videos: list[Showing], end: int) -> list[tuple]:
    """(start, end, stage file, tile files) of each scene."""
    return [
        (s.start_ms, s.end_ms, s.stage.name if s.stage else None, [t.name for t in s.tiles])
        for s in scenes(entries, videos, end_ms=end, size=SIZE)
    ]


def test_the_active_speaker_takes_the_stage_and_the_others_are_tiles() -> None:
    videos = [camera("a", 0, 9000), camera("b", 0, 9000), camera("c", 0, 9000)]
    entries = [speaker(0, "a"), speaker(3000, "b"), speaker(6000, "c")]

    found = scenes(entries, videos, end_ms=9000, size=SIZE)

    assert layout_of(entries, videos, 9000) == [
        (0, 3000, "a-video-1.webm", ["b-video-1.webm", "c-video-1.webm"]),
        (3000, 6000, "b-video-1.webm", ["a-video-1.webm", "c-video-1.webm"]),
        (6000, 9000, "c-video-1.webm", ["a-video-1.webm", "b-video-1.webm"]),
    ]
    assert found[0].stage is not None and found[0].stage.box == STAGE
    assert [t.box for t in found[0].tiles] == [Box(160, 360, 160, 120), Box(320, 360, 160, 120)]


def test_a_screen_share_takes_the_stage_from_the_speaker() -> None:
    screen = Showing("b-screen-1.webm", "b", "screen", 2000, 4000)
    videos = [camera("a", 0, 6000), camera("b", 0, 6000), screen]

    assert layout_of([speaker(0, "a")], videos, 6000) == [
        (0, 2000, "a-video-1.webm", ["b-video-1.webm"]),
        (2000, 4001, "b-screen-1.webm", ["a-video-1.webm", "b-video-1.webm"]),
        (4001, 6000, "a-video-1.webm", ["b-video-1.webm"]),
    ]


def test_a_live_scene_follows_the_same_rules_for_the_present_moment() -> None:
    a, b = camera("a", 1, 1), camera("b", 2, 2)
    screen = Showing("b-screen-1.webm", "b", "screen", 3, 3)

    def now(showing: list[Showing], speaking: str | None, last: str | None = None) -> tuple:
        scene = live_scene(showing, speaker=speaking, last=last, size=SIZE)
        return scene.stage.name if scene.stage else None, [t.name for t in scene.tiles]

    assert now([b, a], "b") == ("b-video-1.webm", ["a-video-1.webm"])
    assert now([a, b], "c", last="b") == ("b-video-1.webm", ["a-video-1.webm"])
    assert now([a, b], None) == ("a-video-1.webm", ["b-video-1.webm"])
    assert now([a, b, screen], "a") == ("b-screen-1.webm", ["a-video-1.webm", "b-video-1.webm"])
    assert now([], "a") == (None, [])


def test_a_speaker_without_a_camera_leaves_the_stage_to_who_had_it() -> None:
    videos = [camera("a", 0, 6000), camera("b", 0, 6000)]
    entries = [speaker(0, "b"), speaker(2000, "x"), speaker(4000, None)]

    assert layout_of(entries, videos, 6000) == [(0, 6000, "b-video-1.webm", ["a-video-1.webm"])]


def test_one_who_leaves_and_returns_is_a_tile_again_with_the_new_segment() -> None:
    videos = [camera("a", 0, 8000), camera("b", 0, 2000), camera("b", 5000, 8000, segment=2)]

    assert layout_of([speaker(0, "a")], videos, 8000) == [
        (0, 2001, "a-video-1.webm", ["b-video-1.webm"]),
        (2001, 5000, "a-video-1.webm", []),
        (5000, 8000, "a-video-1.webm", ["b-video-2.webm"]),
    ]


DECK, OTHER = "ab" * 16, "cd" * 16


def slides(at: int, file_id: str | None, page: int | None) -> dict:
    return {"at": at, "event": "slides", "file_id": file_id, "name": "deck.pdf", "page": page}


def staged(found: list) -> list[tuple]:
    """(start, end, what is on the stage: a slide page or a track file, tile files)."""
    return [
        (s.start_ms, s.end_ms, s.stage and (s.stage.slide or s.stage.name),
         [t.name for t in s.tiles])
        for s in found
    ]  # fmt: skip


def test_a_slide_page_takes_the_stage_unless_a_screen_is_shared() -> None:
    screen = Showing("b-screen-1.webm", "b", "screen", 4000, 5000)
    videos = [camera("a", 0, 8000), camera("b", 0, 8000), screen]
    entries = [speaker(0, "a"), slides(1000, DECK, 1), slides(2000, DECK, 2),
               slides(3000, OTHER, 1), slides(6000, None, None)]  # fmt: skip
    cameras = ["a-video-1.webm", "b-video-1.webm"]

    found = scenes(entries, videos, end_ms=8000, size=SIZE, decks={DECK})

    assert staged(found) == [
        (0, 1000, "a-video-1.webm", ["b-video-1.webm"]),
        (1000, 2000, SlidePage(DECK, 1), cameras),
        (2000, 3000, SlidePage(DECK, 2), cameras),
        (3000, 4000, "a-video-1.webm", ["b-video-1.webm"]),  # a deck it does not have
        (4000, 5001, "b-screen-1.webm", cameras),
        (5001, 8000, "a-video-1.webm", ["b-video-1.webm"]),
    ]
    assert found[1].stage is not None and found[1].stage.box == STAGE
    assert found[1].stage.name == f"deck-{DECK}.pdf#page=1"


def test_alone_with_slides_the_page_has_the_whole_frame() -> None:
    [scene] = scenes([slides(0, DECK, 3)], [], end_ms=1000, size=SIZE, decks={DECK})

    assert scene.stage is not None and scene.tiles == ()
    assert (scene.stage.slide, scene.stage.box) == (SlidePage(DECK, 3), Box(0, 0, 640, 480))


@pytest.mark.parametrize(
    ("count", "boxes"),
    [
        (1, [Box(0, 0, 640, 480)]),
        (2, [Box(0, 0, 320, 480), Box(320, 0, 320, 480)]),
        (3, [Box(0, 0, 320, 240), Box(320, 0, 320, 240), Box(160, 240, 320, 240)]),
        (5, [Box(2, 0, 212, 240), Box(214, 0, 212, 240), Box(426, 0, 212, 240),
             Box(108, 240, 212, 240), Box(320, 240, 212, 240)]),
    ],
)  # fmt: skip
def test_the_grid_gives_every_camera_an_equal_cell(count: int, boxes: list[Box]) -> None:
    videos = [camera(pid, 0, 1000) for pid in "abcde"[:count]]

    [scene] = scenes([speaker(0, "b")], videos, end_ms=1000, size=SIZE, mode=GRID)

    assert scene.stage is None
    assert [(t.name[0], t.box) for t in scene.tiles] == list(zip("abcde", boxes, strict=False))


def test_the_grid_gives_the_stage_to_a_screen_or_slides_and_ignores_the_speaker() -> None:
    screen = Showing("a-screen-1.webm", "a", "screen", 2000, 3000)
    videos = [camera("a", 0, 6000), camera("b", 1000, 6000), screen]
    entries = [speaker(0, "a"), speaker(1500, "b"), slides(4000, DECK, 1)]

    found = scenes(entries, videos, end_ms=6000, size=SIZE, mode=GRID, decks={DECK})

    assert staged(found) == [
        (0, 1000, None, ["a-video-1.webm"]),
        (1000, 2000, None, ["a-video-1.webm", "b-video-1.webm"]),
        (2000, 3001, "a-screen-1.webm", ["a-video-1.webm", "b-video-1.webm"]),
        (3001, 4000, None, ["a-video-1.webm", "b-video-1.webm"]),
        (4000, 6000, SlidePage(DECK, 1), ["a-video-1.webm", "b-video-1.webm"]),
    ]
    assert len(scenes([], [camera(str(n), 0, 1000) for n in range(12)], end_ms=1000,
                      size=SIZE, mode=GRID)[0].tiles) == 9  # fmt: skip


def test_alone_the_stage_is_the_whole_frame_and_nobody_is_a_black_scene() -> None:
    found = scenes([], [camera("a", 1000, 2000)], end_ms=3000, size=SIZE)

    assert [(s.start_ms, s.stage) for s in found][::2] == [(0, None), (2001, None)]
    assert found[1].stage is not None and found[1].stage.box == Box(0, 0, 640, 480)


def test_at_most_four_tiles() -> None:
    videos = [camera(pid, 0, 1000) for pid in "abcdef"]

    [scene] = scenes([speaker(0, "a")], videos, end_ms=1000, size=SIZE)

    assert [t.name[0] for t in scene.tiles] == ["b", "c", "d", "e"]


@pytest.mark.parametrize(
    ("box", "size", "fitted"),
    [
        (Box(0, 0, 640, 360), (640, 480), Box(80, 0, 480, 360)),  # pillarboxed
        (Box(0, 0, 640, 360), (1280, 720), Box(0, 0, 640, 360)),
        (Box(160, 360, 160, 120), (1280, 720), Box(160, 374, 160, 90)),  # letterboxed
        (Box(0, 0, 640, 480), (0, 0), Box(0, 0, 640, 480)),
    ],
)
def test_fit_keeps_the_pictures_shape(box: Box, size: tuple[int, int], fitted: Box) -> None:
    assert fit(box, *size) == fitted


def test_chapters_run_to_the_next_one_from_a_start_chapter() -> None:
    entries = [
        {"at": 0, "event": "start"},
        {"at": 1500, "event": "chapter", "source": "review_item", "title_en": "One"},
        {"at": 4000, "event": "chapter", "source": "review_item", "title_en": "Two (lost)"},
        {"at": 4000, "event": "chapter", "source": "review_item", "title_en": "Two"},
        {"at": 9000, "event": "stop"},
    ]

    found = chapters(entries, end_ms=end_of(entries, [], 0))

    assert [(c.start_ms, c.end_ms, c.data.get("title_en")) for c in found] == [
        (0, 1500, None), (1500, 4000, "One"), (4000, 9000, "Two")
    ]  # fmt: skip
    assert found[0].data["source"] == "start"
    assert chapters([{"at": 0, "event": "start"}], end_ms=1000) == []


def test_without_chapter_lines_the_slide_pages_are_the_chapters() -> None:
    entries = [
        {"at": 0, "event": "start"},
        {"at": 2000, "event": "slides", "file_id": "f", "name": "week1.pdf", "page": 1},
        {"at": 5000, "event": "slides", "file_id": "f", "name": "week1.pdf", "page": 2},
        {"at": 7000, "event": "slides", "file_id": None, "page": None},  # closed: page 2 runs on
        {"at": 9000, "event": "stop"},
    ]

    found = chapters(entries, end_ms=end_of(entries, [], 0))

    assert [(c.start_ms, c.end_ms, c.data["source"], c.data.get("page")) for c in found] == [
        (0, 2000, "start", None), (2000, 5000, "slides", 1), (5000, 9000, "slides", 2)
    ]  # fmt: skip
    assert found[1].data["name"] == "week1.pdf"


def test_a_first_chapter_from_about_the_start_begins_at_it() -> None:
    entries = [
        {"at": 0, "event": "start"},
        {"at": 40, "event": "slides", "file_id": "f", "name": "deck.pdf", "page": 1},
        {"at": 3000, "event": "slides", "file_id": "f", "name": "deck.pdf", "page": 2},
        {"at": 5000, "event": "stop"},
    ]

    found = chapters(entries, end_ms=end_of(entries, [], 0))

    assert [(c.start_ms, c.end_ms, c.data.get("page")) for c in found] == [
        (0, 3000, 1),
        (3000, 5000, 2),
    ]


def test_the_chapters_file_is_webvtt_with_safe_cue_text() -> None:
    titled = [(Chapter(0, 1500, {}), "Opening"), (Chapter(1500, 3_725_042, {}), "A <b>&\n--> x")]

    assert chapters_vtt(titled) == (
        "WEBVTT\n\n"
        "1\n00:00:00.000 --> 00:00:01.500\nOpening\n\n"
        "2\n00:00:01.500 --> 01:02:05.042\nA &lt;b&gt;&amp; -&gt; x\n"
    )


def test_a_timeline_cut_off_by_a_crash_is_read_up_to_the_cut() -> None:
    text = line(0, "start") + "\n" + line(500, "speaker", participant_id="a") + '\n{"at": 9'

    entries = read_timeline(text)

    assert [e["event"] for e in entries] == ["start", "speaker"]
    assert end_of(entries, [camera("a", 0, 2500)], 3000) == 3000
