"""The roadshow room's run of show (``rooms.run_of_show``) as a workflow (``rooms.workflow``).

The room follows the show log, never its own clock: the stage on now is the last one handed
over (the scheduler writes hand-overs, the chair starts, extends and cuts; all of it lands in
Redis first, and the room reloads the show from there). From the stage on now:

- every founder of the slot on stage (pitch or Q&A) may publish camera, microphone and
  screen; every other founder may not (``withholds``) — the stage is taken back when its
  time is up, whatever their browser does;
- a founder whose pitch is still to come waits in the lobby (``holds``), told when it
  starts (their own countdown); once their pitch is over they may stay and listen;
- everyone sees the show: the slot on stage, its phase and when it ends (server time; a
  warning a minute before), what comes next, and who is on stage (the stage layout).
"""

from datetime import datetime
from functools import partial

from rooms import run_of_show
from rooms.holding import regroup
from rooms.outbox import Effect, Group, Send, Text
from rooms.presence import Participant
from rooms.roles import Capability
from rooms.run_of_show import (
    ON_STAGE,
    WARNING,
    Change,
    Show,
    Stage,
    check_change,
    check_extend,
    check_start,
    is_over,
    stage_on,
    started_slots,
    timeline,
)
from rooms.workflow import Core, Workflow

C = Capability
STAGE_RIGHTS = frozenset({C.PUBLISH_AUDIO, C.PUBLISH_VIDEO, C.PUBLISH_SCREEN})
WAITING = "Your pitch starts soon: you will be let in when it is your turn."


class RunOfShow(Workflow):
    name = "show"

    def __init__(self, room: Core) -> None:
        super().__init__(room)
        self.show = Show()

    def load(self, show: Show) -> None:
        self.show = show

    def reload(self, show: Show, *, now: datetime) -> list[Effect]:
        """The show as the store has it now; an older show than the room's is ignored (two
        reloads may finish out of order)."""
        if show.version < self.show.version:
            return []
        before = self.show
        people = self.room.people.everyone()
        waiting = {p.participant_id: self.holds(p) for p in people if p.held}
        had = {p.key: self._has_stage(p) for p in self.room.people.admitted()}
        self.show = show
        if before == show:
            return []
        moved = regroup(self.room, now=now) + self._moved(waiting)
        return moved + self._rights_news(had) + self.news()

    def _rights_news(self, had: dict[str, bool]) -> list[Effect]:
        """The founders still in the room whose stage began or ended are told their rights
        (``you``; at the end with ``reason: "stage"``: their page says their time is up, as
        when a listener's floor ends); what they may no longer send is off in the roster."""
        effects: list[Effect] = []
        for p in self.room.people.admitted():
            if p.key not in had or had[p.key] == self._has_stage(p):
                continue
            caps = self.room.caps(p)
            p.mic = p.mic and C.PUBLISH_AUDIO in caps
            p.camera = p.camera and C.PUBLISH_VIDEO in caps
            you: dict[str, object] = {
                "participant": self.room.payload(p),
                "capabilities": sorted(caps),
            }
            if had[p.key]:
                you["reason"] = "stage"
            effects += [*self.room.updated(p), Send("you", you, sids=tuple(p.sids))]
        return effects

    def _moved(self, waiting: dict[str, dict[str, object] | None]) -> list[Effect]:
        """Founders still waiting whose pitch now starts at another time (the chair started
        the show early, extended or ended a stage) are told their new start."""
        effects: list[Effect] = []
        for p in self.room.people.everyone():
            hold, was = self.holds(p), waiting.get(p.participant_id)
            if p.held and hold is not None and was is not None:
                if hold["starts_at"] != was["starts_at"]:
                    effects.append(Send("stepped_out", hold, sids=tuple(p.sids)))
        return effects

    # who is where

    def _founded(self, p: Participant) -> list[str]:
        return [s.slot_id for s in self.show.plan.slots if p.key in s.founder_keys]

    def on_stage(self) -> Stage | None:
        stage = stage_on(self.show)
        return stage if stage is not None and stage.phase in ON_STAGE else None

    def _has_stage(self, p: Participant) -> bool:
        stage = self.on_stage()
        return stage is not None and stage.slot_id in self._founded(p)

    def _upcoming(self, p: Participant) -> str | None:
        """This founder's next slot still to come, if any."""
        if is_over(self.show):
            return None
        begun = started_slots(self.show)
        return next((s for s in self._founded(p) if s not in begun), None)

    def holds(self, p: Participant) -> dict[str, object] | None:
        if self._has_stage(p) or C.MODERATE in self.room.caps(p):
            return None
        slot_id = self._upcoming(p)
        if slot_id is None:
            return None
        first = next((s for s in timeline(self.show) if s.slot_id == slot_id), None)
        return {
            "reason": "pitch_waiting",
            "message": Text(WAITING),
            "slot_id": slot_id,
            "starts_at": first.begins.isoformat() if first else None,
        }

    def withholds(self, p: Participant) -> frozenset[Capability]:
        if not self._founded(p) or self._has_stage(p):
            return frozenset()
        return STAGE_RIGHTS

    # the chair's changes: checked here against the room's show, and again by the store
    # against the show as Redis has it when it writes (``server/store/show.py``)

    def start_show(self, sid: str) -> Change:
        p = self.room.require(sid, C.CHAIR)
        check_start(self.show)
        return partial(run_of_show.start_show, actor=p.key)

    def extend_stage(self, sid: str, stage: str, minutes: int, *, now: datetime) -> Change:
        p = self.room.require(sid, C.CHAIR)
        check_change(self.show, stage, now)
        seconds = check_extend(minutes * 60)
        return partial(run_of_show.extend_stage, stage=stage, seconds=seconds, actor=p.key)

    def end_stage(self, sid: str, stage: str, *, now: datetime) -> Change:
        p = self.room.require(sid, C.CHAIR)
        check_change(self.show, stage, now)
        return partial(run_of_show.end_stage, stage=stage, actor=p.key)

    # what everyone is shown

    def view(self) -> dict[str, object]:
        stages = timeline(self.show)
        stage = stage_on(self.show)
        founders: list[str] = []
        founders_stage = stage is not None and stage.phase in ON_STAGE
        if stage is not None and founders_stage:
            slot = self.show.plan.slot(stage.slot_id)
            keys = slot.founder_keys if slot else ()
            founders = [p.participant_id for p in self.room.people.admitted() if p.key in keys]
        # what comes next: the next pitch (not the Q&A or break of the one on now)
        after = [
            s
            for s in stages
            if stage is not None and s.begins >= stage.ends and s.slot_id != stage.slot_id
        ]
        if stage is None and not self.show.started:
            after = stages
        return {
            "started": self.show.started,
            "over": is_over(self.show),
            "start": self.show.start.isoformat() if self.show.start else None,
            "stage": _stage(stage) if stage else None,
            "warn_at": (stage.ends - WARNING).isoformat() if stage and founders_stage else None,
            "on_stage": founders,
            "next": _stage(after[0]) if after else None,
            "slots": [
                {
                    "slot_id": s.slot_id,
                    "title_zh": s.title_zh,
                    "title_en": s.title_en,
                    "founder": s.founder_name,
                    "pitch_seconds": s.pitch_seconds,
                    "qa_seconds": s.qa_seconds,
                    "achievement_id": s.achievement_id,
                }
                for s in self.show.plan.slots
            ],
        }

    def news(self) -> list[Effect]:
        view = self.view()
        return [Send("show", view, group=Group.ROOM), Send("show", view, group=Group.LOBBY)]

    def snapshot(self, p: Participant, *, now: datetime) -> dict[str, object]:
        return {"show": self.view()}

    def admitted(self, p: Participant, *, now: datetime) -> list[Effect]:
        return self.news() if self._has_stage(p) else []  # the stage layout shows them

    def gone(self, p: Participant, *, now: datetime) -> list[Effect]:
        return self.news() if self._has_stage(p) else []


def _stage(stage: Stage) -> dict[str, object]:
    return {
        "key": stage.key,
        "slot_id": stage.slot_id,
        "phase": str(stage.phase),
        "begins": stage.begins.isoformat(),
        "ends": stage.ends.isoformat(),
    }
