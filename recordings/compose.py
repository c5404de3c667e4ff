"""Composing a recording: its track files and timeline into one MP4 (H.264 + AAC) with
chapters, and a ``chapters.vtt`` beside it.

The layout at each moment is ``recordings.layout``'s; here the track files are decoded,
each video frame scaled into its box on a canvas (4:2:0 planes copied row by row), the
audio tracks decoded, placed on the recording's clock and mixed, and the result encoded
with libx264 and AAC (PyAV's own FFmpeg) into MP4 with its chapters. A track file that
cannot be read (a crash cut it, or it holds nothing) is left out, and where a file stops
early (no index, a cut-off last cluster) what was written is used.

A ``Composition`` is worked in steps (``steps``: the milliseconds composed so far, after
each second of video), so its caller can report progress between them. Its files are
written under private names first and renamed into place at the end: a composition
stopped half-way leaves no file behind, and doing it again makes the same files.
"""

import logging
import os
import secrets
from array import array
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any, Generic, TypeVar

import av
from av.audio.frame import AudioFrame
from av.video.frame import VideoFrame

from recordings import layout
from recordings.layout import SPEAKER, Box, Chapter, Scene, Showing, Tile
from recordings.slide_pages import SlidePages
from recordings.timeline import deck_file_name, parse_track_file_name

log = logging.getLogger(__name__)

VIDEO_NAME = "video.mp4"
CHAPTERS_NAME = "chapters.vtt"
SIZES = {"640x480": (640, 480), "1280x720": (1280, 720)}
RATE = 48000  # audio samples a second, in and out
STEP_MS = 1000  # progress after each second of video
MS = Fraction(1, 1000)
BLACK = (16, 128, 128)  # Y, U, V
Titles = Callable[[Chapter], str]
Decks = Callable[[str], Path | None]  # a deck's file id to its PDF, if there is one
F = TypeVar("F", "VideoFeed", "AudioFeed")


def probe(path: Path) -> tuple[int, int] | None:
    """First and last packet time (ms) of a track file's one stream, without decoding; None
    when it cannot be read or holds nothing."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams[0]
            times = [
                int(p.pts * p.time_base * 1000)
                for p in container.demux(stream)
                if p.pts is not None and p.time_base is not None
            ]
    except (av.FFmpegError, IndexError, OSError):
        log.warning("track file %s cannot be read; left out", path)
        return None
    return (min(times), max(times)) if times else None


def track_files(folder: Path, entries: list[dict[str, Any]]) -> list[Showing]:
    """Every readable track file of the folder (its name says what it is), on the clock:
    from its first frame to its ``track_end`` line (else its last frame)."""
    ends = {e.get("file"): e["at"] for e in entries if e.get("event") == "track_end"}
    found = []
    for path in sorted(folder.iterdir()):
        track = parse_track_file_name(path.name)
        span = probe(path) if track is not None else None
        if track is not None and span is not None:
            end = max(span[1], ends.get(path.name, span[1]))
            found.append(Showing(path.name, track.participant_id, track.kind, span[0], end))
    return found


def kept_decks(folder: Path) -> Decks:
    """The decks a recording's folder keeps (``deck_file_name``)."""

    def find(file_id: str) -> Path | None:
        try:
            path = folder / deck_file_name(file_id)
        except ValueError:
            return None
        return path if path.is_file() else None

    return find


def deck_paths(entries: list[dict[str, Any]], decks: Decks) -> dict[str, Path]:
    """The PDF of each deck the timeline shows, where there is one."""
    shown = {e.get("file_id") for e in entries if e.get("event") == "slides"}
    paths = {file_id: decks(file_id) for file_id in shown if isinstance(file_id, str)}
    return {file_id: path for file_id, path in paths.items() if path is not None}


def _decoded(path: Path, kind: str) -> Iterator[tuple[int, av.frame.Frame]]:
    """(ms, frame) of a track file, decoded, until its end or the first thing that breaks."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams[0]
            stream.thread_type = "AUTO"
            for frame in container.decode(stream):
                if frame.pts is not None and frame.time_base is not None:
                    yield int(frame.pts * frame.time_base * 1000), frame
    except av.FFmpegError:
        log.warning("%s %s stops early: decoding failed", kind, path)


class Picture:
    """A video track's newest decoded frame, and that frame fitted into a box (kept while
    neither changes): what a tile of the canvas shows."""

    def __init__(self) -> None:
        self.frame: VideoFrame | None = None
        self._scaled: tuple[VideoFrame, Box, VideoFrame] | None = None

    def scaled(self, frame: VideoFrame, box: Box) -> tuple[Box, VideoFrame]:
        """The frame fitted into the box (kept while neither changes)."""
        fitted = layout.fit(box, frame.width, frame.height)
        if self._scaled is None or self._scaled[0] is not frame or self._scaled[1] != box:
            picture = frame.reformat(fitted.width, fitted.height, "yuv420p")
            self._scaled = (frame, box, picture)
        return fitted, self._scaled[2]


class VideoFeed(Picture):
    """One video track file, decoded as the composition's clock reaches its frames."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self._frames = _decoded(path, "video")
        self._next: tuple[int, av.frame.Frame] | None = next(self._frames, None)

    def at(self, at_ms: int) -> VideoFrame | None:
        """The newest frame at or before ``at_ms`` (the first, before its time)."""
        while self._next is not None and (self.frame is None or self._next[0] <= at_ms):
            self.frame = self._next[1]  # type: ignore[assignment]
            self._next = next(self._frames, None)
        return self.frame

    def close(self) -> None:
        self._frames.close()


class AudioFeed:
    """One audio track file as mono samples (float) at their place on the clock."""

    def __init__(self, path: Path) -> None:
        self._frames = _decoded(path, "audio")
        self._resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        self._pending: list[tuple[int, array]] = []  # (first sample, samples)

    def close(self) -> None:
        self._frames.close()

    def into(self, window: array, start: int) -> bool:
        """Add what falls in [start, start + len(window)) into the window; False when it
        had nothing there."""
        end = start + len(window)
        self._fill(end)
        added, kept = False, []
        for first, samples in self._pending:
            lo, hi = max(first, start), min(first + len(samples), end)
            if lo < hi:
                add_samples(window, lo - start, samples[lo - first : hi - first])
                added = True
            if first + len(samples) > end:
                kept.append((first, samples))
        self._pending = kept
        return added

    def _fill(self, end: int) -> None:
        while not self._pending or self._pending[-1][0] + len(self._pending[-1][1]) < end:
            found = next(self._frames, None)
            if found is None:
                return
            at_ms, frame = found
            samples = array("f")
            for out in self._resampler.resample(frame):  # type: ignore[arg-type]
                samples.frombytes(bytes(out.planes[0])[: out.samples * 4])
            if samples:
                self._pending.append((at_ms * RATE // 1000, samples))


class Feeds(Generic[F]):
    """The track files being read: each opened when the video first needs it and closed
    once the video is past its end, so a long recording of many files holds few open."""

    def __init__(self, folder: Path, showings: list[Showing], make: Callable[[Path], F]) -> None:
        self.folder, self.make = folder, make
        self.ends = {s.name: s.end_ms for s in showings}
        self.open: dict[str, F] = {}

    def get(self, name: str) -> F:
        if name not in self.open:
            self.open[name] = self.make(self.folder / name)
        return self.open[name]

    def past(self, at_ms: int) -> None:
        """Close every file that ended before ``at_ms``."""
        for name in [n for n in self.open if self.ends[n] < at_ms]:
            self.open.pop(name).close()


def add_samples(window: array, offset: int, samples: array) -> None:
    if not any(window[offset : offset + len(samples)]):
        window[offset : offset + len(samples)] = samples
        return
    for i, sample in enumerate(samples, start=offset):
        window[i] += sample


def mixed_frame(window: array, first: int) -> AudioFrame:
    """Mixed mono samples (clipped to [-1, 1]) as an audio frame starting at sample
    ``first``."""
    if window and (max(window) > 1.0 or min(window) < -1.0):
        window = array("f", (max(-1.0, min(1.0, s)) for s in window))
    frame = AudioFrame(format="flt", layout="mono", samples=len(window))
    frame.planes[0].update(window.tobytes())
    frame.sample_rate, frame.pts, frame.time_base = RATE, first, Fraction(1, RATE)
    return frame


class Canvas:
    """The output picture's three planes, tiles copied in row by row."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self._black = [bytes([v]) * (w * h) for v, (w, h) in zip(BLACK, self._sizes(), strict=True)]
        self.planes = [bytearray(b) for b in self._black]

    def _sizes(self) -> list[tuple[int, int]]:
        w, h = self.width, self.height
        return [(w, h), (w // 2, h // 2), (w // 2, h // 2)]

    def clear(self) -> None:
        self.planes = [bytearray(b) for b in self._black]

    def put(self, box: Box, picture: VideoFrame) -> None:
        for index, plane in enumerate(picture.planes):
            shift = 0 if index == 0 else 1
            x, y = box.x >> shift, box.y >> shift
            w, h = picture.width >> shift, picture.height >> shift
            stride, out, source = self._sizes()[index][0], self.planes[index], memoryview(plane)
            for row in range(h):
                at = (y + row) * stride + x
                out[at : at + w] = source[row * plane.line_size : row * plane.line_size + w]

    def draw(
        self,
        scene: Scene | None,
        picture: Callable[[str], Picture],
        slide: Callable[[Tile], tuple[Box, VideoFrame] | None] = lambda tile: None,
    ) -> VideoFrame:
        """The scene's tiles, each the newest frame of its track (``picture`` by track
        name; a track with no frame yet stays black) or its slide page (``slide``: the page
        fitted to the tile's box, None where there is none), as one frame."""
        self.clear()
        for tile in (scene.stage, *scene.tiles) if scene is not None else ():
            if tile is None:
                continue
            if tile.slide is not None:
                if (page := slide(tile)) is not None:
                    self.put(*page)
            elif (shown := picture(tile.name)).frame is not None:
                self.put(*shown.scaled(shown.frame, tile.box))
        return self.frame()

    def frame(self) -> VideoFrame:
        frame = VideoFrame(self.width, self.height, "yuv420p")
        for plane, data in zip(frame.planes, self.planes, strict=True):
            plane.update(bytes(data))
        return frame


class Composition:
    """One recording's folder into ``video.mp4`` and ``chapters.vtt`` beside its files."""

    def __init__(
        self, folder: Path, *, size: tuple[int, int] = (640, 480), fps: int = 25,
        titles: Titles = lambda chapter: str(chapter.data.get("title") or ""),
        mode: str = SPEAKER, decks: Decks | None = None,
    ) -> None:  # fmt: skip
        self.folder, self.size, self.fps, self.titles = folder, size, fps, titles
        timeline = folder / "timeline.jsonl"
        text = timeline.read_text(encoding="utf-8") if timeline.exists() else ""
        self.entries = layout.read_timeline(text)
        found = track_files(folder, self.entries)
        self.videos = [s for s in found if s.kind in ("video", "screen")]
        self.audios = [s for s in found if s.kind == "audio"]
        audio_end = max((a.end_ms + 20 for a in self.audios), default=0)
        self.end_ms = max(layout.end_of(self.entries, self.videos, audio_end), 1)
        self.pages = SlidePages(deck_paths(self.entries, decks or kept_decks(folder)))
        self.scenes = layout.scenes(
            self.entries, self.videos, end_ms=self.end_ms, size=size, mode=mode,
            decks=self.pages.readable(),
        )  # fmt: skip
        self.chapters = layout.chapters(self.entries, end_ms=self.end_ms)

    def steps(self) -> Iterator[int]:
        """Compose, yielding the milliseconds done after each second; the files are in
        place once it is exhausted."""
        self._clean()
        video = self.folder / f".{VIDEO_NAME}.{secrets.token_hex(4)}"
        try:
            yield from self._write(video)
            vtt = video.with_name(f".{CHAPTERS_NAME}.{secrets.token_hex(4)}")
            vtt.write_text(self._vtt(), encoding="utf-8")
            os.replace(vtt, self.folder / CHAPTERS_NAME)
            os.replace(video, self.folder / VIDEO_NAME)
        finally:
            video.unlink(missing_ok=True)
            self.pages.close()

    def run(self) -> Path:
        """Compose all at once; the video's path."""
        for _ in self.steps():
            pass
        return self.folder / VIDEO_NAME

    def _clean(self) -> None:
        """Half-written files of a composition that was stopped."""
        for name in (VIDEO_NAME, CHAPTERS_NAME):
            for left in self.folder.glob(f".{name}.*"):
                left.unlink(missing_ok=True)

    def _vtt(self) -> str:
        return layout.chapters_vtt([(c, self.titles(c)) for c in self.chapters])

    def _write(self, path: Path) -> Iterator[int]:
        options = {"movflags": "+faststart"}
        with av.open(str(path), "w", format="mp4", options=options) as out:
            out.set_chapters(self._chapter_list())
            picture = out.add_stream("libx264", rate=self.fps, options=_X264)
            picture.width, picture.height = self.size
            picture.pix_fmt = "yuv420p"
            sound = out.add_stream("aac", rate=RATE, layout="mono")
            sound.bit_rate = 64000
            yield from self._frames(out, picture, sound)
            for stream in (picture, sound):
                out.mux(stream.encode(None))

    def _chapter_list(self) -> list[dict[str, object]]:
        return [
            {"id": n, "start": c.start_ms, "end": c.end_ms, "time_base": MS,
             "metadata": {"title": self.titles(c)}}
            for n, c in enumerate(self.chapters, start=1)
        ]  # fmt: skip

    def _frames(self, out, picture, sound) -> Iterator[int]:  # type: ignore[no-untyped-def]
        videos = Feeds(self.folder, self.videos, VideoFeed)
        audios = Feeds(self.folder, self.audios, AudioFeed)
        canvas = Canvas(*self.size)
        scenes = iter(self.scenes)
        scene = next(scenes, None)
        for step_start in range(0, self.end_ms, STEP_MS):
            step_end = min(step_start + STEP_MS, self.end_ms)
            first, last = step_start * self.fps // 1000, step_end * self.fps // 1000
            for index in range(first, last):
                at = index * 1000 // self.fps
                while scene is not None and scene.end_ms <= at:
                    scene = next(scenes, None)
                frame = self._picture(canvas, videos, scene, at)
                frame.pts = index
                out.mux(picture.encode(frame))
            for frame in self._sound(audios, step_start, step_end):
                out.mux(sound.encode(frame))
            videos.past(step_end)
            audios.past(step_end - 1000)
            yield step_end
        for feeds in (videos, audios):
            feeds.past(self.end_ms + 2000)

    def _picture(
        self, canvas: Canvas, videos: Feeds[VideoFeed], scene: Scene | None, at: int
    ) -> VideoFrame:
        if scene is None or not scene.at(at):
            return canvas.draw(None, videos.get)
        for tile in (scene.stage, *scene.tiles):
            if tile is not None and tile.slide is None:
                videos.get(tile.name).at(at)
        return canvas.draw(scene, videos.get, self._slide)

    def _slide(self, tile: Tile) -> tuple[Box, VideoFrame] | None:
        return self.pages.picture(tile.slide, tile.box) if tile.slide is not None else None

    def _sound(self, audios: Feeds[AudioFeed], start: int, end: int) -> list[AudioFrame]:
        first, last = start * RATE // 1000, end * RATE // 1000
        window = array("f", bytes(4 * (last - first)))
        for showing in self.audios:
            if showing.start_ms < end and showing.end_ms + 100 >= start:
                audios.get(showing.name).into(window, first)
        return [mixed_frame(window, first)] if len(window) else []


_X264 = {"preset": "veryfast", "crf": "23"}
