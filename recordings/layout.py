"""A composition's pure parts: who is where in the video at each moment, and its chapters.

- **Showing**: one video track file's span on the recording's clock (a camera or a screen
  share from its first frame to its last).
- **Scene**: a stretch of the video whose layout does not change: the **stage** (one track
  on most of the frame) and the **tiles** (the other cameras, small, in a row below it).
  A screen share takes the stage (the newest, if several); else the slide page shown (the
  timeline's ``slides`` lines, where the composition has the deck's PDF); else, in the
  ``speaker`` layout, the active speaker's camera (the timeline's ``speaker`` lines), else
  whoever had it last while still there, else the first camera. In the ``grid`` layout,
  with nothing on the stage, every camera has an equal cell of a grid (up to ``MAX_GRID``,
  the first to come). Without tiles the stage takes the whole frame.
- **Slide page**: one page of a deck shown in the room, on the stage as a picture (the
  composer renders it from the deck's PDF kept in the recording's folder).
- **Chapter**: from one ``chapter`` line of the timeline to the next (or the end).

Everything here is arithmetic on the timeline's lines (``recordings.timeline.line``); the
decoding and encoding is ``recordings.compose``.
"""

import json
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from recordings.timeline import deck_file_name

START = "start"  # the source of the chapter before the first one
SLIDES = "slides"  # the source of a chapter made from a slide page shown
SHORTEST_CHAPTER_MS = 1000  # a first chapter closer to the start begins at the start
MAX_TILES = 4  # cameras shown beside the stage; more are left out (the newest ones)
MAX_GRID = 9  # cameras shown in the grid layout (3 × 3); more are left out (the newest ones)
SPEAKER, GRID = "speaker", "grid"  # the layouts
LAYOUTS = (SPEAKER, GRID)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Box:
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Showing:
    """A video track file on the recording's clock: [start_ms, end_ms]."""

    name: str
    participant_id: str
    kind: str  # "video" (a camera) or "screen"
    start_ms: int
    end_ms: int


@dataclass(frozen=True, slots=True)
class SlidePage:
    """A page of a deck (its stored file's id, as the timeline's ``slides`` lines name it)."""

    file_id: str
    page: int  # from 1


@dataclass(frozen=True, slots=True)
class Tile:
    name: str  # the track file shown (for a slide page: its deck's file and "#page=<n>")
    box: Box
    slide: SlidePage | None = None  # a slide page instead of a track file


@dataclass(frozen=True, slots=True)
class Scene:
    start_ms: int
    end_ms: int
    stage: Tile | None
    tiles: tuple[Tile, ...] = ()

    def at(self, at_ms: int) -> bool:
        return self.start_ms <= at_ms < self.end_ms


@dataclass(frozen=True, slots=True)
class Chapter:
    start_ms: int
    end_ms: int
    data: Mapping[str, Any]  # the chapter line: source, titles, signing step ...


def read_timeline(text: str) -> list[dict[str, Any]]:
    """The timeline's lines, in time order; a line a crash cut off (or any line that is not
    a timeline entry) is left out."""
    entries = []
    for raw in text.splitlines():
        try:
            entry = json.loads(raw)
        except ValueError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("at"), int):
            entries.append(entry)
    return sorted(entries, key=lambda e: e["at"])


def even(value: int) -> int:
    return value - value % 2


def fit(box: Box, width: int, height: int) -> Box:
    """The largest box of the picture's shape inside ``box``, centred (even sizes, for
    4:2:0 pictures)."""
    if width <= 0 or height <= 0:
        return box
    scale = min(box.width / width, box.height / height)
    w, h = max(2, even(int(width * scale))), max(2, even(int(height * scale)))
    return Box(box.x + even((box.width - w) // 2), box.y + even((box.height - h) // 2), w, h)


def speakers(entries: Iterable[Mapping[str, Any]]) -> list[tuple[int, str | None]]:
    """(at, participant) of each change of the active speaker."""
    return [(e["at"], e.get("participant_id")) for e in entries if e.get("event") == "speaker"]


def slide_pages(
    entries: Iterable[Mapping[str, Any]], decks: Collection[str]
) -> list[tuple[int, SlidePage | None]]:
    """(at, page) of each ``slides`` line: the page shown, or None (the slides stopped, or
    a deck the composition does not have: not in ``decks``)."""
    found: list[tuple[int, SlidePage | None]] = []
    for e in entries:
        if e.get("event") != "slides":
            continue
        file_id, page = e.get("file_id"), e.get("page")
        shown = isinstance(page, int) and page >= 1 and file_id in decks
        found.append((e["at"], SlidePage(str(file_id), page) if shown else None))
    return found


def _latest(changes: Sequence[tuple[int, T | None]], at_ms: int) -> T | None:
    """The value of the last change at or before ``at_ms``."""
    value = None
    for at, changed in changes:
        if at > at_ms:
            break
        value = changed
    return value


def _stage_of(showing: list[Showing], speaker: str | None, last: str | None) -> Showing | None:
    screens = [s for s in showing if s.kind == "screen"]
    if screens:
        return max(screens, key=lambda s: (s.start_ms, s.name))
    cameras = {s.participant_id: s for s in showing}
    for participant_id in (speaker, last):
        if participant_id in cameras:
            return cameras[participant_id]
    return showing[0] if showing else None


def _boxes(width: int, height: int, tiles: int) -> tuple[Box, list[Box]]:
    """The stage's box and the tiles', in a row under it."""
    if not tiles:
        return Box(0, 0, width, height), []
    tile_w, tile_h = even(width // MAX_TILES), even(height // 4)
    stage = Box(0, 0, width, height - tile_h)
    left = even((width - tile_w * tiles) // 2)
    return stage, [Box(left + i * tile_w, height - tile_h, tile_w, tile_h) for i in range(tiles)]


def _grid(width: int, height: int, count: int) -> list[Box]:
    """Equal cells, row by row (as square as they go), an unfilled last row centred."""
    columns = math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    cell_w, cell_h = even(width // columns), even(height // rows)
    top = even((height - cell_h * rows) // 2)
    boxes = []
    for index in range(count):
        row, column = divmod(index, columns)
        in_row = min(columns, count - row * columns)
        left = even((width - cell_w * in_row) // 2)
        boxes.append(Box(left + column * cell_w, top + row * cell_h, cell_w, cell_h))
    return boxes


def page_tile(page: SlidePage, box: Box) -> Tile:
    return Tile(f"{deck_file_name(page.file_id)}#page={page.page}", box, page)


def _staged(
    showing: list[Showing], stage: Showing | SlidePage | None, *, size: tuple[int, int]
) -> tuple[Tile | None, tuple[Tile, ...]]:
    """A stage and the cameras that are not on it as tiles in a row."""
    others = [s for s in showing if s is not stage and s.kind != "screen"][:MAX_TILES]
    stage_box, boxes = _boxes(*size, len(others))
    tiles = tuple(Tile(s.name, box) for s, box in zip(others, boxes, strict=True))
    if isinstance(stage, SlidePage):
        return page_tile(stage, stage_box), tiles
    return (Tile(stage.name, stage_box) if stage else None), tiles


def _gridded(showing: list[Showing], size: tuple[int, int]) -> tuple[None, tuple[Tile, ...]]:
    cameras = [s for s in showing if s.kind != "screen"][:MAX_GRID]
    boxes = _grid(*size, len(cameras)) if cameras else []
    return None, tuple(Tile(s.name, box) for s, box in zip(cameras, boxes, strict=True))


def scenes(
    entries: Sequence[Mapping[str, Any]],
    videos: Sequence[Showing],
    *,
    end_ms: int,
    size: tuple[int, int],
    mode: str = SPEAKER,
    decks: Collection[str] = frozenset(),
) -> list[Scene]:
    """The video's scenes from 0 to ``end_ms``, in order, each layout once (a change of
    speaker that changes nothing on screen makes no new scene); ``decks``: the file ids of
    the decks whose pages can be shown."""
    changes = speakers(entries)
    pages = slide_pages(entries, decks)
    points = {0, end_ms, *(at for at, _ in changes), *(at for at, _ in pages)}
    points |= {t for v in videos for t in (v.start_ms, v.end_ms + 1)}
    cuts = sorted(p for p in points if 0 <= p <= end_ms)
    ordered = sorted(videos, key=lambda v: (v.start_ms, v.name))
    found: list[Scene] = []
    last: str | None = None
    for start, end in zip(cuts, cuts[1:], strict=False):
        showing = [v for v in ordered if v.start_ms <= start <= v.end_ms]
        screens = [s for s in showing if s.kind == "screen"]
        page = _latest(pages, start)
        if screens or page is not None or mode != GRID:
            stage = _stage_of(showing, _latest(changes, start), last)
            if stage is not None and stage.kind != "screen":
                last = stage.participant_id
            on_stage = page if page is not None and not screens else stage
            staged = _staged(showing, on_stage, size=size)
        else:
            staged = _gridded(showing, size)
        if found and (found[-1].stage, found[-1].tiles) == staged:
            found[-1] = Scene(found[-1].start_ms, end, *staged)
        else:
            found.append(Scene(start, end, *staged))
    return found


def live_scene(
    showing: Sequence[Showing], *, speaker: str | None, last: str | None, size: tuple[int, int]
) -> Scene:
    """The layout of the present moment, for a live stream: the tracks showing now (in the
    order they started), the active speaker and who had the stage ``last``; the rules are
    ``scenes``' (its span is meaningless: the moment is now)."""
    ordered = sorted(showing, key=lambda v: (v.start_ms, v.name))
    stage = _stage_of(ordered, speaker, last)
    return Scene(0, 1, *_staged(ordered, stage, size=size))


def chapters(entries: Sequence[Mapping[str, Any]], *, end_ms: int) -> list[Chapter]:
    """Each ``chapter`` line, to the next one or the end (two at one moment: the later);
    before the first, from the start, a chapter of source ``start`` (chapters in MP4 have
    no gaps). A recording without chapter lines (a class, a meeting) is chaptered by its
    slide pages, each from when it was shown, as lecture capture indexes a lecture by its
    slides."""
    lines = [e for e in entries if e.get("event") == "chapter" and 0 <= e["at"] < end_ms]
    if not lines:  # a class or a meeting: its slides index it, page by page
        lines = [
            {"at": e["at"], "event": "chapter", "source": SLIDES, "name": e.get("name"),
             "page": e["page"]}
            for e in entries
            if e.get("event") == "slides" and e.get("page") is not None and 0 <= e["at"] < end_ms
        ]  # fmt: skip
    if not lines:
        return []
    after = [*lines[1:], None]
    kept = [a for a, b in zip(lines, after, strict=True) if not b or b["at"] > a["at"]]
    if kept[0]["at"] >= SHORTEST_CHAPTER_MS:
        kept.insert(0, {"at": 0, "event": "chapter", "source": START})
    else:  # a first chapter from (about) the start: no sliver of a chapter before it
        kept[0] = {**kept[0], "at": 0}
    ends = [e["at"] for e in kept[1:]] + [end_ms]
    return [Chapter(e["at"], end, e) for e, end in zip(kept, ends, strict=True)]


def end_of(entries: Sequence[Mapping[str, Any]], videos: Sequence[Showing], audio_ms: int) -> int:
    """Where the video ends: the ``stop`` line, else the last thing recorded."""
    stops = [e["at"] for e in entries if e.get("event") == "stop"]
    if stops:
        return max(stops)
    return max([audio_ms, *(v.end_ms for v in videos), *(e["at"] for e in entries)])


def timestamp(at_ms: int) -> str:
    """WebVTT's ``hh:mm:ss.mmm``."""
    seconds, ms = divmod(max(at_ms, 0), 1000)
    minutes, s = divmod(seconds, 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}:{s:02d}.{ms:03d}"


def chapters_vtt(titled: Sequence[tuple[Chapter, str]]) -> str:
    """A WebVTT chapters file: one cue per chapter, its title as the cue's text."""
    cues = [
        f"{n}\n{timestamp(c.start_ms)} --> {timestamp(c.end_ms)}\n{_cue_text(title)}\n"
        for n, (c, title) in enumerate(titled, start=1)
    ]
    return "\n".join(["WEBVTT\n", *cues])


def _cue_text(title: str) -> str:
    """A title as one cue line: no line breaks, no "-->", markup characters escaped."""
    flat = " ".join(title.split()).replace("-->", "->")
    return flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") or "-"
