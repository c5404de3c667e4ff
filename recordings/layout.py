"""A composition's pure parts: who is where in the video at each moment, and its chapters.

- **Showing**: one video track file's span on the recording's clock (a camera or a screen
  share from its first frame to its last).
- **Scene**: a stretch of the video whose layout does not change: the **stage** (one track
  on most of the frame) and the **tiles** (the other cameras, small, in a row below it).
  A screen share takes the stage (the newest, if several); else the active speaker's camera
  (the timeline's ``speaker`` lines); else whoever had it last while still there; else the
  first camera. Without tiles the stage takes the whole frame.
- **Chapter**: from one ``chapter`` line of the timeline to the next (or the end).

Everything here is arithmetic on the timeline's lines (``recordings.timeline.line``); the
decoding and encoding is ``recordings.compose``.
"""

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

START = "start"  # the source of the chapter before the first one
MAX_TILES = 4  # cameras shown beside the stage; more are left out (the newest ones)


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
class Tile:
    name: str  # the track file shown
    box: Box


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


def _speaker_at(changes: Sequence[tuple[int, str | None]], at_ms: int) -> str | None:
    speaker = None
    for at, participant_id in changes:
        if at > at_ms:
            break
        speaker = participant_id
    return speaker


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


def _scene(
    showing: list[Showing], stage: Showing | None, *, start: int, end: int, size: tuple[int, int]
) -> Scene:
    others = [s for s in showing if s is not stage and s.kind != "screen"][:MAX_TILES]
    stage_box, boxes = _boxes(*size, len(others))
    tiles = tuple(Tile(s.name, box) for s, box in zip(others, boxes, strict=True))
    return Scene(start, end, Tile(stage.name, stage_box) if stage else None, tiles)


def scenes(
    entries: Sequence[Mapping[str, Any]],
    videos: Sequence[Showing],
    *,
    end_ms: int,
    size: tuple[int, int],
) -> list[Scene]:
    """The video's scenes from 0 to ``end_ms``, in order, each layout once (a change of
    speaker that changes nothing on screen makes no new scene)."""
    changes = speakers(entries)
    points = {0, end_ms, *(at for at, _ in changes)}
    points |= {t for v in videos for t in (v.start_ms, v.end_ms + 1)}
    cuts = sorted(p for p in points if 0 <= p <= end_ms)
    ordered = sorted(videos, key=lambda v: (v.start_ms, v.name))
    found: list[Scene] = []
    last: str | None = None
    for start, end in zip(cuts, cuts[1:], strict=False):
        showing = [v for v in ordered if v.start_ms <= start <= v.end_ms]
        stage = _stage_of(showing, _speaker_at(changes, start), last)
        if stage is not None and stage.kind != "screen":
            last = stage.participant_id
        scene = _scene(showing, stage, start=start, end=end, size=size)
        if found and (found[-1].stage, found[-1].tiles) == (scene.stage, scene.tiles):
            found[-1] = Scene(found[-1].start_ms, end, scene.stage, scene.tiles)
        else:
            found.append(scene)
    return found


def live_scene(
    showing: Sequence[Showing], *, speaker: str | None, last: str | None, size: tuple[int, int]
) -> Scene:
    """The layout of the present moment, for a live stream: the tracks showing now (in the
    order they started), the active speaker and who had the stage ``last``; the rules are
    ``scenes``' (its span is meaningless: the moment is now)."""
    ordered = sorted(showing, key=lambda v: (v.start_ms, v.name))
    stage = _stage_of(ordered, speaker, last)
    return _scene(ordered, stage, start=0, end=1, size=size)


def chapters(entries: Sequence[Mapping[str, Any]], *, end_ms: int) -> list[Chapter]:
    """Each ``chapter`` line, to the next one or the end (two at one moment: the later);
    before the first, from the start, a chapter of source ``start`` (chapters in MP4 have
    no gaps)."""
    lines = [e for e in entries if e.get("event") == "chapter" and 0 <= e["at"] < end_ms]
    if not lines:
        return []
    after = [*lines[1:], None]
    kept = [a for a, b in zip(lines, after, strict=True) if not b or b["at"] > a["at"]]
    if kept[0]["at"] > 0:
        kept.insert(0, {"at": 0, "event": "chapter", "source": START})
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
