"""A roadshow's judging (``rooms.workflow``): its judges score each pitch with the review's
rubric, sealed until the chair closes the pitch's scoring; a ranking of the closed pitches.

The judges are the roster's reviewers (``score`` in a roadshow, ``rooms.roles``). A pitch is
open to score once it has started on the run of show (a stage of its slot was handed over:
``rooms.run_of_show.started_slots``) and until the chair closes its scoring; a judge may
revise their card until then. Scores are sealed as in a review panel (``rooms.sealed``): a
judge's card goes to the store (``Keep(durable=True)``: answered only once Redis has it on
disk) and to nobody else; the chair sees how many judges have scored; a pitch's table is read
from the store once its scoring is closed (for the chair) or released (for the judges), and so
is the ranking of the pitches each may read.

Closing and releasing are kept as the pitch's run (``rooms.review_book.ItemRun``, ``closed``)
beside a review's, so a roadshow's results page, CSV and PDF (``server/results.py``) show its
judged pitches and their ranking as a review's.
"""

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime

from rooms import sealed
from rooms.errors import Conflict, Forbidden, NotFound
from rooms.items import Item
from rooms.outbox import Effect, Keep
from rooms.presence import Participant
from rooms.review_book import AuditEntry, Phase, ReviewBook
from rooms.roadshow import RunOfShow
from rooms.roles import Capability
from rooms.rubric import Rubric, rubric_fields
from rooms.run_of_show import started_slots
from rooms.scores import ItemResult, ranking

C = Capability


class PitchState:
    WAITING = "waiting"  # not started on the run of show yet
    OPEN = "open"  # started: its judges score it
    CLOSED = "closed"  # the chair closed its scoring


class Judging(sealed.ScoredItems):
    name = "judging"

    def reload(self, book: ReviewBook, *, now: datetime) -> list[Effect]:
        """The staff changed the preparation (pitches, rubric, roster) while live."""
        self.load(book, runs=self.runs, scored=self.scored)
        return self.news()

    # looking things up

    def pitch(self, item_id: str) -> Item:
        found = next((i for i in self.book.items if i.item_id == item_id), None)
        if found is None:
            raise NotFound("This roadshow has no such pitch.")
        return found

    def started(self) -> frozenset[str]:
        return started_slots(self.room.part(RunOfShow).show)

    def state(self, item_id: str) -> str:
        if self.runs[item_id].phase is Phase.CLOSED:
            return PitchState.CLOSED
        return PitchState.OPEN if item_id in self.started() else PitchState.WAITING

    def _open(self, item_id: str) -> Rubric:
        """The rubric to score a pitch with, if its scoring is open (started, not closed)."""
        state = self.state(item_id)
        if state == PitchState.CLOSED:
            raise Conflict("Scoring of this item is closed.", code="scoring_closed")
        if state == PitchState.WAITING:
            raise Conflict("This pitch has not started yet.", code="pitch_not_started")
        if self.book.rubric is None:
            raise Conflict("This roadshow has no rubric yet.", code="no_rubric")
        return self.book.rubric

    def _audit(self, action: str, actor: str, item_id: str, now: datetime) -> Keep:
        return Keep(AuditEntry(action, actor, item_id, now, {}))

    # the judges' events

    def score_pitch(
        self,
        sid: str,
        item_id: str,
        *,
        values: object,
        recommendation: object,
        comment: object,
        now: datetime,
    ) -> tuple[int, list[Effect]]:
        """A judge's scores of a started pitch: its revision number, and the effects."""
        self.pitch(item_id)
        p = self.scorer(sid, item_id)
        rubric = self._open(item_id)
        scores = {"values": values, "recommendation": recommendation, "comment": comment}
        return self.keep_card(
            p, item_id, rubric, scores=scores, progress_event="pitch_score_progress", now=now
        )

    def get_my_pitch_score(self, sid: str, item_id: str) -> str:
        """The judge key whose own card this socket may read."""
        p = self.room.require(sid, C.SCORE)
        self.pitch(item_id)
        return p.key

    # the chair's events

    def close_pitch_scoring(self, sid: str, item_id: str, *, now: datetime) -> list[Effect]:
        chair = self.room.require(sid, C.CHAIR)
        self.pitch(item_id)
        self._open(item_id)
        closed = replace(self.runs[item_id], phase=Phase.CLOSED, since=now)
        self.runs[item_id] = closed
        return [Keep(closed), self._audit("scoring_closed", chair.key, item_id, now), *self.news()]

    def release_pitch_results(self, sid: str, item_id: str, *, now: datetime) -> list[Effect]:
        chair = self.room.require(sid, C.CHAIR)
        run = self.runs[self.pitch(item_id).item_id]
        if run.phase is not Phase.CLOSED:
            raise Conflict("Results are released once the item is closed.", code="item_not_closed")
        released = replace(run, released=True)
        self.runs[item_id] = released
        audit = self._audit("results_released", chair.key, item_id, now)
        return [Keep(released), audit, *self.news()]

    # reading the tables

    def may_read_results(self, sid: str, item_id: str) -> bool:
        p = self.room.people.of_sid(sid)
        is_conflicted = p is not None and sealed.conflicted(self.book, p.key, item_id)
        run = self.runs[self.pitch(item_id).item_id]
        return sealed.may_read(self.room, p, run, is_conflicted=is_conflicted)

    def get_pitch_results(self, sid: str, item_id: str) -> None:
        """Refused unless this socket's person may see the pitch's table now."""
        if not self.may_read_results(sid, item_id):
            raise Forbidden("You cannot see the results of this item now.", code="sealed")

    def get_ranking(self, sid: str) -> list[str]:
        """The pitches whose tables this socket's person may read (what their ranking is
        made of): none for anyone but the chair and the judges."""
        return [i.item_id for i in self.book.items if self.may_read_results(sid, i.item_id)]

    # what each person is shown

    def _position(self, item_id: str) -> int:
        return 1 + [i.item_id for i in self.book.items].index(item_id)

    def view_for(self, p: Participant) -> dict[str, object] | None:
        """The judging as this person may see it (PROTOCOL.md, ``judging``): the chair and
        the judges only."""
        caps = self.room.caps(p)
        chair, judge = C.CHAIR in caps, C.SCORE in caps
        if not (chair or judge):
            return None
        slots = {s.slot_id: s for s in self.room.part(RunOfShow).show.plan.slots}
        pitches = [
            {
                "item_id": item.item_id,
                "position": self._position(item.item_id),
                "title_zh": item.title_zh,
                "title_en": item.title_en,
                # its founders' names as the run of show has them (else the applicant)
                "founder": slots[item.item_id].founder_name
                if item.item_id in slots
                else item.applicant_name,
                "state": self.state(item.item_id),
                "released": self.runs[item.item_id].released,
                "conflict": judge and sealed.conflicted(self.book, p.key, item.item_id),
            }
            for item in self.book.items
        ]
        view: dict[str, object] = {"pitches": pitches, "chair": chair, "judge": judge}
        view["rubric"] = rubric_fields(self.book.rubric) if self.book.rubric else None
        if judge:
            view["my_scores"] = {i: keys[p.key] for i, keys in self.scored.items() if p.key in keys}
        if chair:
            view["progress"] = {
                i.item_id: sealed.progress(self.book, self.scored, i.item_id)
                for i in self.book.items
            }
        return view

    def news(self) -> list[Effect]:
        """The chair and the judges get the judging as they may see it (one send per view);
        nobody else gets anything."""
        return sealed.news_by_view(self.room, "judging", self.view_for)

    def snapshot(self, p: Participant, *, now: datetime) -> dict[str, object]:
        view = self.view_for(p)
        return {"judging": view} if view is not None else {}

    def role_changed(self, p: Participant, *, now: datetime) -> list[Effect]:
        return self.news()


def ranking_rows(
    results: Iterable[ItemResult], *, titles: Mapping[str, tuple[str, str]]
) -> list[dict[str, object]]:
    """Closed pitches by their judges' mean weighted score (``rooms.scores.ranking``), best
    first: equal means share a rank (``tied``); a pitch nobody scored comes last, unranked."""
    ranked = ranking(results)
    means = [r.mean for r in ranked]
    rows: list[dict[str, object]] = []
    for result in ranked:
        mean = result.mean
        rank = None if mean is None else 1 + sum(1 for m in means if m is not None and m > mean)
        zh, en = titles.get(result.item_id, ("", ""))
        rows.append(
            {
                "item_id": result.item_id,
                "title_zh": zh,
                "title_en": en,
                "rank": rank,
                "tied": mean is not None and means.count(mean) > 1,
                "mean": mean,
                "median": result.median,
                "submitted": result.submitted,
                "expected": len(result.rows),
            }
        )
    return rows
