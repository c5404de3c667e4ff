"""A recording's pure parts: who may record, what its files are called, its clock, its timeline.

- **Policy**: a session is recorded only where it allows it (``Session.recording_allowed``;
  new sessions, reviews included, default to off) and only by someone who may moderate the
  room (the room checks the capability per event, ``rooms.protocol.EVENTS``).
- **Track file**: one file per published track *segment*: a source the media plane has
  (a participant's microphone, camera or screen) from when the recorder first sees it to
  when it goes. A publisher who leaves and comes back starts a new segment (a new file, the
  segment number one more), since their new tracks may use another codec or size. Every file
  is on the recording's one clock (milliseconds since the recording started), so the files
  of a recording line up as they are, without looking anything up.
- **Track clock**: RTP timestamps of one track to that clock. A track's first second of
  frames is held and placed by the least delayed of them (``TrackClock.settle``: where it
  arrived, less the media time since the first); later frames by their RTP timestamps (so
  jitter on the way does not move them), a gap (a mute, a key-frame wait, a network stall)
  stays a gap. When the RTP
  timeline and arrival time disagree by more than ``JUMP_MS`` (the sender restarted its
  clock) the track is placed by arrival again. Timestamps only go forward.
- **Timeline**: the room's moments beside the tracks, one JSON object a line: joins and
  leaves, the active speaker, tracks starting and ending (a screen share is a ``screen``
  track), slide pages (``slides``: the deck's file id, name and page; no file id
  when the slides stop), chapters (a roadshow pitch starting, a review item starting,
  a signing ceremony's steps).
- **Deck copy**: the PDF of each deck shown while recording, kept in the recording's folder
  under ``deck_file_name`` (the composer puts its pages on the stage).
  ``Timeline.observe`` turns what the room sends (its events and payloads) into lines,
  and leaves out what did not change.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rooms.agenda import Session
from rooms.errors import Conflict, Forbidden
from rooms.outbox import Group, Send

JUMP_MS = 2000
EXTENSIONS = {"VP8": "webm", "OPUS": "webm", "H264": "mkv"}  # Matroska for H.264
FORMATS = {"webm": "webm", "mkv": "matroska"}
RECORDABLE = frozenset(EXTENSIONS)


def check_may_record(session: Session, *, recording: bool) -> None:
    """Refuse to start a recording the session does not allow, or a second one."""
    if not session.recording_allowed:
        raise Forbidden("Recording is not allowed in this session.", code="recording_not_allowed")
    if recording:
        raise Conflict("This session is being recorded already.", code="already_recording")


def check_may_stop(*, recording: bool) -> None:
    if not recording:
        raise Conflict("This session is not being recorded.", code="not_recording")


def recording_news(started_at: str | None) -> list[Send]:
    """``recording`` to the room and its lobby: started (at), or stopped (None)."""
    payload = {"recording": started_at is not None, "started_at": started_at}
    return [Send("recording", payload, group=group) for group in (Group.ROOM, Group.LOBBY)]


def track_file_name(participant_id: str, kind: str, segment: int, codec: str) -> str:
    """``<participant>-<kind>-<segment>.<webm|mkv>``; participant ids are the room's own
    (hex), so the name needs no escaping, but anything else is refused."""
    safe = all(c.isalnum() or c in "-_" for c in participant_id) and participant_id
    if not safe or kind not in ("audio", "video", "screen") or segment < 1:
        raise ValueError("not a track file's name")
    return f"{participant_id}-{kind}-{segment}.{EXTENSIONS[codec.upper()]}"


def _rtp_step(last: int, rtp_timestamp: int) -> int:
    """RTP ticks from ``last`` to ``rtp_timestamp``, across the 32-bit wrap (signed)."""
    return ((rtp_timestamp - last + 0x80000000) & 0xFFFFFFFF) - 0x80000000


class TrackClock:
    """One track's RTP timestamps to milliseconds on the recording's clock."""

    __slots__ = ("rate", "_base_rtp", "_base_ms", "_ticks", "_last_rtp", "_last_ms")

    def __init__(self, clock_rate: int) -> None:
        self.rate = clock_rate
        self._base_rtp: int | None = None
        self._base_ms = 0
        self._ticks = 0  # RTP ticks since the base, unwrapped
        self._last_rtp = 0
        self._last_ms = -1

    def at(self, rtp_timestamp: int, arrived_ms: int) -> int:
        """Where a frame with this RTP timestamp that arrived at ``arrived_ms`` goes."""
        if self._base_rtp is None:
            placed = self._anchor(rtp_timestamp, arrived_ms)
        else:
            self._ticks += _rtp_step(self._last_rtp, rtp_timestamp)
            self._last_rtp = rtp_timestamp
            placed = self._base_ms + self._ticks * 1000 // self.rate
            if abs(placed - arrived_ms) > JUMP_MS:
                placed = self._anchor(rtp_timestamp, arrived_ms)
        placed = max(placed, self._last_ms + 1)
        self._last_ms = placed
        return placed

    def settle(self, frames: Sequence[tuple[int, int]]) -> None:
        """Anchor on a track's first stretch of frames (RTP timestamp, arrived ms; in order)
        by the least delayed of them, not by the first: a first frame held up on its way
        (a busy process, a key frame's many packets) would otherwise put the whole track
        that much late, out of step with the publisher's other tracks. Frames after a jump
        of the RTP timeline (``JUMP_MS``) do not count."""
        if not frames:
            return
        first_rtp, first_ms = frames[0]
        base, ticks, last = first_ms, 0, first_rtp
        for rtp_timestamp, arrived_ms in frames[1:]:
            ticks += _rtp_step(last, rtp_timestamp)
            last = rtp_timestamp
            candidate = arrived_ms - ticks * 1000 // self.rate
            if abs(candidate - first_ms) > JUMP_MS:
                break
            base = min(base, candidate)
        self._anchor(first_rtp, max(base, 0))

    @property
    def anchored(self) -> bool:
        """Whether it has placed a frame (or settled): later frames go by their RTP time."""
        return self._base_rtp is not None

    def _anchor(self, rtp_timestamp: int, arrived_ms: int) -> int:
        self._base_rtp, self._last_rtp = rtp_timestamp, rtp_timestamp
        self._base_ms, self._ticks = arrived_ms, 0
        return arrived_ms


@dataclass(frozen=True, slots=True)
class TrackFile:
    """One track file of a recording, as the recording's record keeps it."""

    name: str
    participant_id: str
    kind: str  # "audio", "video" or "screen"
    codec: str  # "VP8", "H264", "opus"
    segment: int
    started_ms: int | None = None  # its first frame on the recording's clock
    ended_ms: int | None = None  # its last
    frames: int = 0


def deck_file_name(file_id: str) -> str:
    """``deck-<file id>.pdf``: the copy of a deck shown while recording, kept in the
    recording's folder (the room deletes its own once the deck leaves the stage); file ids
    are the server's own (hex), anything else is refused."""
    if not (file_id and all(c in "0123456789abcdef" for c in file_id)):
        raise ValueError("not a deck's file id")
    return f"deck-{file_id}.pdf"


def parse_track_file_name(name: str) -> TrackFile | None:
    """A track file as its name says (what a crashed recording's folder holds), or None."""
    stem, _, extension = name.rpartition(".")
    parts = stem.rsplit("-", 2)
    codecs = {"webm": ("VP8", "opus"), "mkv": ("H264", "H264")}.get(extension)
    if len(parts) != 3 or codecs is None or not parts[2].isdigit():
        return None
    participant_id, kind, segment = parts[0], parts[1], int(parts[2])
    codec = codecs[1] if kind == "audio" else codecs[0]
    try:
        if track_file_name(participant_id, kind, segment, codec) != name:
            return None
    except ValueError:
        return None
    return TrackFile(
        name=name, participant_id=participant_id, kind=kind, codec=codec, segment=segment
    )


@dataclass(frozen=True, slots=True)
class Recording:
    """A recording's record (kept in Redis): its session, its times, its files."""

    recording_id: str
    session_id: str
    folder: str  # relative to the data folder: recordings/<session>/<recording>
    started_at: str  # ISO 8601, UTC
    started_by: str  # participant id of the host who started it
    stopped_at: str | None = None
    tracks: tuple[TrackFile, ...] = ()
    timeline: str = "timeline.jsonl"
    video: str | None = None  # the composed video's file in the folder, once composed
    title: str = ""  # given by staff in the library; "" shows the session's title
    published_at: str | None = None  # ISO 8601, UTC: a public replay since then


def line(at_ms: int, event: str, **data: Any) -> str:
    """One timeline line: ``{"at": ms, "event": ..., ...}``."""
    return json.dumps({"at": at_ms, "event": event, **data}, ensure_ascii=False, sort_keys=True)


class Timeline:
    """What the room sends, as timeline entries (kind, data), with repeats left out."""

    def __init__(self) -> None:
        self._speaker: str | None = None
        self._page: tuple[object, object] | None = None
        self._stage: object = None
        self._item: object = None
        self._present: set[object] = set()
        self._ceremony: set[tuple[str, object]] = set()  # the signing steps chaptered so far

    def observe(self, event: str, payload: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        handler = getattr(self, f"_on_{event}", None)
        return handler(payload) if handler is not None else []

    def _on_participant_joined(self, payload: Mapping[str, Any]) -> list[tuple[str, dict]]:
        p = payload.get("participant") or {}
        if p.get("participant_id") in self._present:
            return []
        self._present.add(p.get("participant_id"))
        return [("join", {"participant_id": p.get("participant_id"), "name": p.get("name")})]

    def _on_participant_left(self, payload: Mapping[str, Any]) -> list[tuple[str, dict]]:
        if payload.get("participant_id") not in self._present:
            return []
        self._present.discard(payload.get("participant_id"))
        return [("leave", {"participant_id": payload.get("participant_id")})]

    def present(self, participants: list[tuple[str, str]]) -> list[tuple[str, dict[str, Any]]]:
        """Who is in the room when the recording starts: a join line each."""
        return [
            entry
            for pid, name in participants
            for entry in self._on_participant_joined(
                {"participant": {"participant_id": pid, "name": name}}
            )
        ]

    def _on_active_speaker(self, payload: Mapping[str, Any]) -> list[tuple[str, dict]]:
        speaker = payload.get("participant_id")
        if speaker == self._speaker:
            return []
        self._speaker = speaker
        return [("speaker", {"participant_id": speaker})]

    def _on_slides(self, payload: Mapping[str, Any]) -> list[tuple[str, dict]]:
        slides = payload.get("slides")
        page = (slides.get("file_id"), slides.get("page")) if slides else None
        if page == self._page:
            return []
        self._page = page
        if slides is None:
            return [("slides", {"file_id": None, "page": None})]
        return [("slides", {"file_id": page[0], "name": slides.get("name"), "page": page[1]})]

    def _on_show(self, payload: Mapping[str, Any]) -> list[tuple[str, dict]]:
        stage = payload.get("stage") or {}
        key = stage.get("key")
        if key == self._stage:
            return []
        self._stage = key
        if not key or stage.get("phase") != "pitch":
            return []
        slot = next(
            (s for s in payload.get("slots") or () if s.get("slot_id") == stage.get("slot_id")),
            {},
        )
        title = {"title_zh": slot.get("title_zh"), "title_en": slot.get("title_en")}
        return [("chapter", {"source": "pitch", "slot_id": stage.get("slot_id"), **title})]

    def _on_review(self, payload: Mapping[str, Any]) -> list[tuple[str, dict]]:
        current = payload.get("current")
        if current == self._item:
            return []
        self._item = current
        if not current:
            return []
        item = next((i for i in payload.get("items") or () if i.get("item_id") == current), {})
        title = {"title_zh": item.get("title_zh"), "title_en": item.get("title_en")}
        return [("chapter", {"source": "review_item", "item_id": current, **title})]

    def _on_signing(self, payload: Mapping[str, Any]) -> list[tuple[str, dict]]:
        """A chapter for each step of a signing ceremony the first time the room shows it:
        the document fixed, each signer called and each signature, each witness, the close."""
        view = payload.get("signing") or {}
        parties = {p.get("party_id"): p for p in view.get("parties") or ()}
        steps: list[tuple[str, object, dict[str, Any]]] = []
        if view.get("fixed"):
            steps.append(("document_fixed", None, {"title": view.get("title")}))
        called = parties.get(view.get("called"))
        if called is not None:
            steps.append(("signer_called", called.get("party_id"), _party(called)))
        for party in parties.values():
            if party.get("signed_at"):
                steps.append(("signed", party.get("party_id"), _party(party)))
        for witness in view.get("witnesses") or ():
            if witness.get("attested_at"):
                steps.append(("witnessed", witness.get("name"), {"name": witness.get("name")}))
        if view.get("closed"):
            steps.append(("ceremony_closed", None, {}))
        found = []
        for step, subject, data in steps:
            if (step, subject) not in self._ceremony:
                self._ceremony.add((step, subject))
                found.append(("chapter", {"source": "signing", "step": step, **data}))
        return found


def _party(party: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("party_id", "organization", "signer")
    return {key: party.get(key) for key in keys}
