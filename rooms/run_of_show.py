"""A roadshow's run of show: its pitch slots on server time, and the log that moves it on.

A roadshow's items (``rooms.items``) are its **pitch slots**, in the staff's order: each has
its founders (people on the roster, or else the item's applicant:
``rooms.items.founder_keys``), pitch minutes, Q&A minutes and a buffer after it (its own, or
else the show's). From the show's start the slots follow one another; each is a run of
**stages** (pitch, Q&A, buffer), and ``timeline`` computes every stage's begin and end from the
plan and the **show log**:

- ``start``: the show starts (the chair starting it, or the scheduler at the session's
  start); a later start entry moves the whole show;
- ``extend``: the chair adds seconds to the stage on now (logged, so overruns are known);
- ``cut``: the chair ends the stage on now early;
- ``handover``: a stage began — written once per stage by whichever scheduler saw it due
  first (``due_handovers``), with how late it was. The room follows these entries, never its
  own clock: the stage on now is the last one handed over (``stage_on``), so every process
  and every restart agree, and each hand-over happens exactly once. The hand-overs are the
  recording's chapters.

Extending or cutting is accepted only for the stage on now, before its end; nothing moves
what has already been handed over.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from rooms.errors import Conflict, DomainError
from rooms.items import BUFFER_MINUTES_MAX, Item, founder_keys

EXTEND_MAX = 15 * 60  # seconds the chair may add at once
BUFFER_MAX = BUFFER_MINUTES_MAX  # minutes between two slots
WARNING = timedelta(minutes=1)  # everyone is warned this long before a stage with a founder ends
END = "end"  # the key of the hand-over after the last stage


class StagePhase(StrEnum):
    PITCH = "pitch"
    QA = "qa"
    BUFFER = "buffer"


ON_STAGE = frozenset({StagePhase.PITCH, StagePhase.QA})  # the founder has the stage


class EntryKind(StrEnum):
    START = "start"
    EXTEND = "extend"
    CUT = "cut"
    HANDOVER = "handover"


@dataclass(frozen=True, slots=True)
class PitchSlot:
    """One pitch of the show: an item of the session, as the run of show sees it."""

    slot_id: str  # the item's id
    title_zh: str
    title_en: str
    founder_keys: tuple[str, ...]  # who pitches it: person keys (none when the item names none)
    founder_name: str  # their names, as the show bar shows them
    pitch_seconds: int
    qa_seconds: int
    achievement_id: str = ""  # the achievement it pitches, in the library ("" when none)
    buffer_seconds: int | None = None  # its own break after it (None: the show's buffer)

    def title(self, lang: str) -> str:
        zh = lang.startswith("zh")
        return (self.title_zh if zh else self.title_en) or self.title_zh or self.title_en


@dataclass(frozen=True, slots=True)
class ShowPlan:
    """What the show is prepared with: its slots in order, the planned start (the session's
    start), the buffer after each slot."""

    slots: tuple[PitchSlot, ...] = ()
    planned_start: datetime | None = None
    buffer_seconds: int = 0

    def slot(self, slot_id: str) -> PitchSlot | None:
        return next((s for s in self.slots if s.slot_id == slot_id), None)


@dataclass(frozen=True, slots=True)
class ShowEntry:
    """One line of the show log (persisted, append only)."""

    kind: EntryKind
    at: datetime  # when it was written (server time)
    stage: str = ""  # extend, cut, handover: the stage's key ("<slot id>:<phase>" or END)
    seconds: int = 0  # extend: seconds added; handover: seconds after its due time
    actor: str = ""  # who: a participant's person key, or "scheduler"
    due: datetime | None = None  # handover: when it was due, exactly (``seconds`` is rounded)


@dataclass(frozen=True, slots=True)
class Stage:
    slot_id: str
    phase: StagePhase
    begins: datetime
    ends: datetime
    planned_seconds: int

    @property
    def key(self) -> str:
        return f"{self.slot_id}:{self.phase}"

    @property
    def overrun_seconds(self) -> int:
        return max(0, round((self.ends - self.begins).total_seconds()) - self.planned_seconds)


@dataclass(frozen=True, slots=True)
class Show:
    """A run of show: the plan and its log. ``version`` is the log's length, so a room never
    goes back to an older show than the one it has."""

    plan: ShowPlan = field(default_factory=ShowPlan)
    log: tuple[ShowEntry, ...] = ()

    @property
    def version(self) -> int:
        return len(self.log)

    @property
    def start(self) -> datetime | None:
        starts = [e.at for e in self.log if e.kind is EntryKind.START]
        return starts[-1] if starts else self.plan.planned_start

    @property
    def started(self) -> bool:
        return any(e.kind is EntryKind.HANDOVER for e in self.log)

    def handed(self) -> list[str]:
        return [e.stage for e in self.log if e.kind is EntryKind.HANDOVER]


Change = Callable[["Show", datetime], list["ShowEntry"]]  # what a change appends to the log


def slots_of(
    items: Sequence[Item], names: Mapping[str, str] | None = None
) -> tuple[PitchSlot, ...]:
    """The show's slots from the session's items (in order); ``names`` maps a founder's
    person key to their name on the roster (an item without founders shows its applicant)."""
    names = names or {}

    def shown(item: Item) -> str:
        if not item.founders:
            return item.applicant_name
        return ", ".join(n for n in (names.get(k, "") for k in item.founders) if n)

    return tuple(
        PitchSlot(
            slot_id=i.item_id,
            title_zh=i.title_zh,
            title_en=i.title_en,
            founder_keys=founder_keys(i),
            founder_name=shown(i),
            pitch_seconds=i.present_minutes * 60,
            qa_seconds=i.qa_minutes * 60,
            achievement_id=i.achievement_id,
            buffer_seconds=None if i.buffer_minutes is None else i.buffer_minutes * 60,
        )
        for i in items
    )


def _buffer(plan: ShowPlan, slot: PitchSlot) -> int:
    return plan.buffer_seconds if slot.buffer_seconds is None else slot.buffer_seconds


def _planned(plan: ShowPlan) -> list[tuple[str, StagePhase, int]]:
    out = []
    for slot in plan.slots:
        for phase, seconds in (
            (StagePhase.PITCH, slot.pitch_seconds),
            (StagePhase.QA, slot.qa_seconds),
            (StagePhase.BUFFER, _buffer(plan, slot)),
        ):
            if seconds > 0:
                out.append((slot.slot_id, phase, seconds))
    return out


def timeline(show: Show) -> list[Stage]:
    """Every stage with its begin and end, from the start, the plan and the chair's entries."""
    start = show.start
    if start is None:
        return []
    added: dict[str, int] = {}
    cuts: dict[str, datetime] = {}
    for entry in show.log:
        if entry.kind is EntryKind.EXTEND:
            added[entry.stage] = added.get(entry.stage, 0) + entry.seconds
        elif entry.kind is EntryKind.CUT:
            cuts[entry.stage] = entry.at
    # the stage on now begins when it was due, whatever the staff changed before it since
    anchors = {
        e.stage: e.due if e.due is not None else e.at - timedelta(seconds=e.seconds)
        for e in show.log
        if e.kind is EntryKind.HANDOVER
    }
    last = next((k for k in reversed(show.handed()) if k != END), None)
    stages: list[Stage] = []
    at = start
    for slot_id, phase, seconds in _planned(show.plan):
        key = f"{slot_id}:{phase}"
        if key == last:
            at = anchors[key]
        ends = at + timedelta(seconds=seconds + added.get(key, 0))
        if key in cuts:
            ends = max(at, min(ends, cuts[key]))
        stages.append(Stage(slot_id, phase, at, ends, seconds))
        at = ends
    return stages


def show_end(stages: Sequence[Stage]) -> datetime | None:
    return stages[-1].ends if stages else None


def stage_on(show: Show) -> Stage | None:
    """The stage handed over last, if the show is on (not before, not after the end)."""
    handed = show.handed()
    if not handed or handed[-1] == END:
        return None
    return next((s for s in timeline(show) if s.key == handed[-1]), None)


def is_over(show: Show) -> bool:
    return END in show.handed()


def due_handovers(show: Show, now: datetime) -> list[tuple[str, datetime]]:
    """The hand-overs due by now and not yet written, in order: (stage key, due time). A
    stage already over by now is skipped to the one on now (nobody is given a stage whose
    time has passed); its hand-over is still written, so the log shows it."""
    stages = timeline(show)
    if not stages or now < stages[0].begins:
        return []
    handed = set(show.handed())
    due = [(s.key, s.begins) for s in stages if s.begins <= now]
    end = show_end(stages)
    if end is not None and end <= now:
        due.append((END, end))
    return [(key, at) for key, at in due if key not in handed]


def next_change(show: Show, now: datetime) -> datetime | None:
    """When the scheduler must look at this show next; None once it is over."""
    if is_over(show):
        return None
    stages = timeline(show)
    if not stages:
        return None
    times = [s.begins for s in stages] + [stages[-1].ends]
    later = [t for t in times if t > now]
    if due_handovers(show, now):
        return now
    return min(later) if later else now


def check_change(show: Show, stage_key: str, now: datetime) -> Stage:
    """The stage on now, if it is ``stage_key`` and has not ended: the chair may extend or cut
    only that one (a page showing an older stage is refused, not applied to the next)."""
    stage = stage_on(show)
    if stage is None:
        raise Conflict("The show is not on.", code="show_not_on")
    if stage.key != stage_key or now >= stage.ends:
        raise Conflict(
            "That stage is over; the show has moved on.", code="stage_over", stage=stage.key
        )
    return stage


def check_extend(seconds: object) -> int:
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 < seconds <= EXTEND_MAX:
        raise DomainError(
            "Extend by 1 to {most} minutes.", code="invalid_field", most=EXTEND_MAX // 60
        )
    return seconds


def check_start(show: Show) -> None:
    if show.started:
        raise Conflict("The show has already started.", code="show_started")
    if not show.plan.slots:
        raise Conflict("The show has no pitches yet.", code="show_empty")


def started_slots(show: Show) -> frozenset[str]:
    """The slots that have been on (a stage of theirs handed over)."""
    return frozenset(key.rsplit(":", 1)[0] for key in show.handed() if key != END)


def check_edit(show: Show, slot_id: str) -> None:
    """A slot may change until it starts."""
    if slot_id in started_slots(show):
        raise Conflict("This pitch has started: it can no longer change.", code="slot_started")


def chapters(show: Show, lang: str) -> list[dict[str, object]]:
    """The recording's chapters: each pitch's first hand-over, with its title."""
    out: list[dict[str, object]] = []
    seen: set[str] = set()
    for entry in show.log:
        if entry.kind is not EntryKind.HANDOVER or entry.stage == END:
            continue
        slot_id = entry.stage.rsplit(":", 1)[0]
        slot = show.plan.slot(slot_id)
        if slot is None or slot_id in seen:
            continue
        seen.add(slot_id)
        out.append({"slot_id": slot_id, "title": slot.title(lang), "at": entry.at.isoformat()})
    return out


def _vtt_time(seconds: float) -> str:
    whole = max(0, round(seconds * 1000))
    hours, rest = divmod(whole, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def chapters_vtt(show: Show, lang: str) -> str:
    """The chapters as a WebVTT chapter track for the show's recording: times from the first
    hand-over (the recording of the show starts there), each pitch until the next one (the
    last until the show's end, or its last hand-over while it is still on)."""
    found = chapters(show, lang)
    lines = ["WEBVTT", ""]
    if not found:
        return "\n".join(lines)
    origin = datetime.fromisoformat(str(found[0]["at"]))
    ends = [e.due or e.at for e in show.log if e.kind is EntryKind.HANDOVER and e.stage == END]
    last = ends[0] if ends else max(e.at for e in show.log if e.kind is EntryKind.HANDOVER)
    starts = [datetime.fromisoformat(str(c["at"])) for c in found]
    for n, (chapter, begins) in enumerate(zip(found, starts, strict=True), start=1):
        finish = starts[n] if n < len(starts) else max(last, begins)
        span = f"{_vtt_time((begins - origin).total_seconds())} --> "
        span += _vtt_time((finish - origin).total_seconds())
        title = " ".join(str(chapter["title"]).split()).replace("-->", "->")
        lines += [str(n), span, title, ""]
    return "\n".join(lines)


def overruns(show: Show) -> list[dict[str, object]]:
    """Each stage that ran longer than planned, by how much, and who extended it."""
    by_stage: dict[str, list[str]] = {}
    for entry in show.log:
        if entry.kind is EntryKind.EXTEND:
            by_stage.setdefault(entry.stage, []).append(entry.actor)
    return [
        {"stage": s.key, "seconds": s.overrun_seconds, "by": sorted(set(by_stage.get(s.key, [])))}
        for s in timeline(show)
        if s.overrun_seconds > 0
    ]


def start_show(show: Show, now: datetime, *, actor: str) -> list[ShowEntry]:
    """The chair starts the show now (before or after its planned start)."""
    check_start(show)
    return [ShowEntry(EntryKind.START, now, actor=actor)]


def extend_stage(
    show: Show, now: datetime, *, stage: str, seconds: int, actor: str
) -> list[ShowEntry]:
    """The chair adds time to the stage on now."""
    check_change(show, stage, now)
    return [
        ShowEntry(EntryKind.EXTEND, now, stage=stage, seconds=check_extend(seconds), actor=actor)
    ]


def end_stage(show: Show, now: datetime, *, stage: str, actor: str) -> list[ShowEntry]:
    """The chair ends the stage on now; the next one is handed over at once."""
    check_change(show, stage, now)
    return [ShowEntry(EntryKind.CUT, now, stage=stage, actor=actor)]
