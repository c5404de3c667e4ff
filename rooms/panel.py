"""The live review panel: a review room's workflow (``rooms.workflow``).

The chair (a host, ``chair``) walks each item of the review through its phases: waiting →
presenting (its applicant is admitted from the lobby; a countdown on server time) → Q&A →
deliberation (applicants are moved out) → scoring → closed; or skips a waiting item. The
panel's reviewers (``score``) score the current item during deliberation and scoring, and
may revise until the chair closes it.

Who is where follows from the state, not from what happened to a socket: ``holds`` says
whether a person must stay out of the room now — a reviewer conflicted on the current item
(``rooms.conflicts``), an applicant while the panel deliberates or once their item is over —
and the room asks it at every entrance (a reconnect, a second tab, a stale invite). Each
change of phase moves out those it now holds and brings back those it no longer does.
While out they receive nothing: they are in none of the room's groups, the media plane
forwards them nothing, and the chat keeps a mark of the item (``item:<id>``) and of its
deliberation (``panel:<id>``): what was posted in between is never in their history.

Scores are sealed: a reviewer's values go to the store (``Keep(durable=True)``: answered only
once Redis has them on disk) and to nobody else; the chair sees how many have scored; the
table is read from the store only once the item is closed (for the chair) or released (for
the panel: ``may_read_results``).
"""

from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial

from rooms import sealed
from rooms.agenda import PersonType, person_key
from rooms.conflicts import ConflictNote, NoteKind, Standing
from rooms.errors import Conflict, DomainError, Forbidden, NotFound
from rooms.holding import regroup
from rooms.items import Item
from rooms.outbox import Effect, Keep, Mark, Text
from rooms.panel_view import view_for
from rooms.presence import Participant
from rooms.review_book import (
    ACTIVE,
    APPLICANT_IN,
    NEXT,
    SCORABLE,
    AuditEntry,
    ItemOrder,
    ItemRun,
    Phase,
    ReviewBook,
    item_mark,
    panel_mark,
)
from rooms.roles import Capability, Role

C = Capability
EXTEND_MAX = 60  # minutes the chair may add at once


class Panel(sealed.ScoredItems):
    name = "panel"

    def reload(self, book: ReviewBook, *, now: datetime) -> list[Effect]:
        """The staff changed the preparation (items, conflicts, settings) while live."""
        self.load(book, runs=self.runs, scored=self.scored)
        return self._regroup(now=now) + self.news()

    # looking things up

    @property
    def current(self) -> ItemRun | None:
        return next((run for run in self.runs.values() if run.phase in ACTIVE), None)

    def item(self, item_id: str) -> Item:
        found = next((i for i in self.book.items if i.item_id == item_id), None)
        if found is None:
            raise NotFound("This review has no such item.")
        return found

    def position(self, item_id: str) -> int:
        return 1 + [i.item_id for i in self.book.items].index(item_id)

    def _is_applicant(self, p: Participant, item: Item) -> bool:
        email = item.applicant_email
        return bool(email) and p.key == person_key(PersonType.GUEST, email)

    def _own_item(self, p: Participant) -> Item | None:
        return next((i for i in self.book.items if self._is_applicant(p, i)), None)

    def is_chair(self, p: Participant) -> bool:
        return C.CHAIR in self.room.caps(p)

    def _chair(self, sid: str) -> Participant:
        return self.room.require(sid, C.CHAIR)

    # who stays out of the room now

    def holds(self, p: Participant) -> dict[str, object] | None:
        """Why a person must stay out of the room now, or None."""
        if p.person.owner or C.MODERATE in self.room.caps(p):
            return None
        run, own = self.current, self._own_item(p) if p.role is Role.PRESENTER else None
        if own is not None and self.runs[own.item_id].phase not in (Phase.WAITING, *APPLICANT_IN):
            return {"reason": "done", "message": Text("Your item is over. Thank you.")}
        if run is not None and run.phase in SCORABLE and C.SCORE not in self.room.caps(p):
            message = Text("The panel is deliberating; you will be let in afterwards.")
            return {"reason": "deliberation", "message": message}
        if run is not None and self.conflicted(p.key, run.item_id):
            return {
                "reason": "conflict",
                "message": Text(
                    "You have a conflict of interest with the current item. "
                    "You will be brought back when it is over."
                ),
                "position": self.position(run.item_id),
            }
        return None

    def absences(self, p: Participant) -> frozenset[str]:
        """The chat marks that count as this person's being away."""
        items = [i.item_id for i in self.book.items]
        marks = {item_mark(i) for i in items if self.conflicted(p.key, i)}
        if not ({C.SCORE, C.MODERATE} & self.room.caps(p)):
            marks |= {panel_mark(i) for i in items}  # out while the panel deliberates
        return frozenset(marks)

    def _regroup(self, *, now: datetime) -> list[Effect]:
        """Move out those the state now holds; bring back those it no longer holds."""
        return regroup(self.room, now=now, note=partial(self._moved, now=now))

    def _moved(self, p: Participant, out: bool, why: str, *, now: datetime) -> list[Effect]:
        if out:
            return [self._audit("moved_out", "", now, item=self.current, who=p, why=why)]
        return [self._audit("brought_back", "", now, item=None, who=p, why="")]

    def _admit_applicants(self, item: Item, *, now: datetime) -> list[Effect]:
        waiting = [
            p
            for p in self.room.people.waiting()
            if self._is_applicant(p, item) and p.key not in self.room.flags.sent_out
        ]
        return [e for p in waiting for e in self.room.enter(p, now=now)]

    # what each person is shown

    def news(self) -> list[Effect]:
        """Everyone in the room gets the panel as they may see it (one send per view)."""
        return sealed.news_by_view(self.room, "review", partial(view_for, self))

    def snapshot(self, p: Participant, *, now: datetime) -> dict[str, object]:
        return {"review": view_for(self, p)}

    def role_changed(self, p: Participant, *, now: datetime) -> list[Effect]:
        return self._regroup(now=now) + self.news()

    # the chair's events

    def _audit(
        self,
        action: str,
        actor: str,
        now: datetime,
        *,
        item: ItemRun | None,
        who: Participant | None = None,
        why: str = "",
    ) -> Keep:
        detail = {"person": who.key, "name": who.person.name} if who else {}
        detail |= {"reason": why} if why else {}
        return Keep(AuditEntry(action, actor, item.item_id if item else "", now, detail))

    def _set(self, run: ItemRun) -> Keep:
        self.runs[run.item_id] = run
        return Keep(run)

    def start_item(self, sid: str, item_id: str, *, now: datetime) -> list[Effect]:
        chair = self._chair(sid)
        item, run = self.item(item_id), self.runs[item_id]
        busy = self.current
        if busy is not None:
            raise Conflict(
                "Item {position} is still running: close it first.",
                code="item_running",
                position=self.position(busy.item_id),
            )
        if run.phase is not Phase.WAITING:
            raise Conflict("This item has already been reviewed.", code="item_done")
        if self.book.rubric is None:
            raise Conflict("Set the rubric before the first item starts.", code="no_rubric")
        ends = now + timedelta(minutes=item.present_minutes)
        started = replace(run, phase=Phase.PRESENTING, since=now, ends_at=ends)
        return [
            self._set(started),
            self._audit("item_started", chair.key, now, item=started),
            Mark(item_mark(item_id), out=True),
            *self._regroup(now=now),
            *self._admit_applicants(item, now=now),
            *self.news(),
        ]

    def next_phase(self, sid: str, item_id: str, *, now: datetime) -> list[Effect]:
        chair = self._chair(sid)
        item, run = self.item(item_id), self.runs[item_id]
        if run.phase not in ACTIVE:
            raise Conflict("This item is not running.", code="item_not_running")
        phase = NEXT[run.phase]
        ends = now + timedelta(minutes=item.qa_minutes) if phase is Phase.QA else None
        moved = self._set(replace(run, phase=phase, since=now, ends_at=ends))
        marks: list[Effect] = []
        if phase is Phase.DELIBERATION:
            marks = [Mark(panel_mark(item_id), out=True)]
        elif phase is Phase.CLOSED:
            marks = [Mark(panel_mark(item_id), out=False), Mark(item_mark(item_id), out=False)]
        audit = self._audit(f"phase_{phase}", chair.key, now, item=self.runs[item_id])
        return [moved, audit, *marks, *self._regroup(now=now), *self.news()]

    def extend_item(self, sid: str, item_id: str, minutes: int, *, now: datetime) -> list[Effect]:
        chair = self._chair(sid)
        run = self.runs[self.item(item_id).item_id]
        if run.phase not in APPLICANT_IN or run.ends_at is None:
            raise Conflict("Only a presentation or Q&A can be extended.", code="not_timed")
        if not 1 <= minutes <= EXTEND_MAX:
            raise DomainError(
                "Extend by 1 to {most} minutes.", code="invalid_minutes", most=EXTEND_MAX
            )
        ends = max(run.ends_at, now) + timedelta(minutes=minutes)
        extended = self._set(replace(run, ends_at=ends))
        why = f"+{minutes} min"
        return [extended, self._audit("extended", chair.key, now, item=run, why=why), *self.news()]

    def skip_item(self, sid: str, item_id: str, *, now: datetime) -> list[Effect]:
        chair = self._chair(sid)
        run = self.runs[self.item(item_id).item_id]
        if run.phase is not Phase.WAITING:
            raise Conflict("Only a waiting item can be skipped.", code="item_not_waiting")
        skipped = self._set(replace(run, phase=Phase.SKIPPED, since=now))
        return [skipped, self._audit("skipped", chair.key, now, item=run), *self.news()]

    def reorder_items(self, sid: str, item_ids: list[str], *, now: datetime) -> list[Effect]:
        """A new order of the waiting items (the others keep their places before them)."""
        chair = self._chair(sid)
        waiting = [
            i.item_id for i in self.book.items if self.runs[i.item_id].phase is Phase.WAITING
        ]
        if sorted(item_ids) != sorted(waiting) or len(set(item_ids)) != len(item_ids):
            raise Conflict(
                "Name every waiting item once: the items changed meanwhile.", code="items_changed"
            )
        done = [i.item_id for i in self.book.items if i.item_id not in waiting]
        order = (*done, *item_ids)
        by_id = {i.item_id: i for i in self.book.items}
        self.book = replace(self.book, items=tuple(by_id[i] for i in order))
        return [
            Keep(ItemOrder(order)),
            self._audit("reordered", chair.key, now, item=None),
            *self.news(),
        ]

    def release_results(self, sid: str, item_id: str, *, now: datetime) -> list[Effect]:
        chair = self._chair(sid)
        run = self.runs[self.item(item_id).item_id]
        if run.phase is not Phase.CLOSED:
            raise Conflict("Results are released once the item is closed.", code="item_not_closed")
        released = self._set(replace(run, released=True))
        return [released, self._audit("results_released", chair.key, now, item=run), *self.news()]

    def set_conflict(
        self,
        sid: str,
        item_id: str,
        participant_id: str,
        *,
        waive: bool,
        reason: str,
        now: datetime,
    ) -> list[Effect]:
        """The chair adds a conflict of a reviewer in the room with an item, or waives it."""
        chair = self._chair(sid)
        self.item(item_id)
        p = self.room.people.of_participant(participant_id)
        if p is None or (C.SCORE not in self.room.caps(p) and p.key not in self.book.reviewers):
            raise NotFound("Nobody with that id is a reviewer here.")
        reason = reason.strip()
        if not reason:
            raise DomainError("Give a reason.", code="missing_reason")
        kind = NoteKind.WAIVED if waive else NoteKind.ADDED
        note = ConflictNote(item_id, p.key, kind, reason[:500], chair.key, now)
        self._note(note)
        action = "conflict_waived" if waive else "conflict_added"
        entry = self._audit(action, chair.key, now, item=self.runs[item_id], who=p, why=reason)
        return [Keep(note), entry, *self._regroup(now=now), *self.news()]

    def _note(self, note: ConflictNote) -> None:
        table = {i: dict(row) for i, row in self.book.table.items()}
        was = table.setdefault(note.item_id, {}).get(note.person_key, Standing(()))
        if note.kind is NoteKind.WAIVED:
            now_standing = Standing(was.reasons, waived=True)
        else:
            now_standing = Standing((*was.reasons, f"{note.kind}:{note.reason}"), waived=False)
        table[note.item_id][note.person_key] = now_standing
        self.book = replace(self.book, table=table, notes=(*self.book.notes, note))

    # the reviewers' events

    def submit_score(
        self,
        sid: str,
        item_id: str,
        *,
        values: object,
        recommendation: object,
        comment: object,
        now: datetime,
    ) -> tuple[int, list[Effect]]:
        """A reviewer's scores of the current item: its revision number, and the effects."""
        run = self.runs[self.item(item_id).item_id]
        p = self.scorer(sid, item_id)
        if run.phase is Phase.CLOSED:
            raise Conflict("Scoring of this item is closed.", code="scoring_closed")
        if run.phase not in SCORABLE:
            raise Conflict("Scoring of this item is not open.", code="scoring_not_open")
        assert self.book.rubric is not None  # an item starts only with a rubric
        scores = {"values": values, "recommendation": recommendation, "comment": comment}
        return self.keep_card(
            p, item_id, self.book.rubric, scores=scores, progress_event="score_progress", now=now
        )

    def get_results(self, sid: str, item_id: str) -> None:
        """Refused unless this socket's person may see the item's table now."""
        if not self.may_read_results(sid, item_id):
            raise Forbidden("You cannot see the results of this item now.", code="sealed")

    def may_read_results(self, sid: str, item_id: str) -> bool:
        """Whether this socket's person may see a closed item's table: the chair once it is
        closed; the panel's unconflicted reviewers once it is released. Never applicants."""
        p = self.room.people.of_sid(sid)
        run = self.runs[self.item(item_id).item_id]
        is_conflicted = p is not None and self.conflicted(p.key, item_id)
        return sealed.may_read(self.room, p, run, is_conflicted=is_conflicted)

    def get_my_score(self, sid: str, item_id: str) -> str:
        """The reviewer key whose own card this socket may read."""
        p = self.room.require(sid, C.SCORE)
        self.item(item_id)
        return p.key
