"""Sealed scores: what a review panel (``rooms.panel``) and a roadshow's judging
(``rooms.judging``) share.

A scorer's card is checked against the rubric and counted as their next revision
(``record_card``); it is kept durably and sent to nobody else. The chair sees how many have
scored of how many expected (``progress``); the table of an item is read from the store only
once its scoring is closed, by the chair, or by the unconflicted scorers once the chair
released it (``may_read``).
"""

import json
from collections.abc import Callable, Mapping
from datetime import datetime

from rooms.conflicts import conflicted_on
from rooms.errors import Conflict
from rooms.outbox import Effect, Keep, Send
from rooms.presence import Participant
from rooms.review_book import AuditEntry, ItemRun, Phase, ReviewBook
from rooms.roles import Capability
from rooms.rubric import Rubric
from rooms.scores import Scorecard, new_scorecard
from rooms.workflow import Core, Workflow

C = Capability
Scored = dict[str, dict[str, int]]  # item_id -> scorer's key -> their card's revision


class ScoredItems(Workflow):
    """A workflow whose items are scored, sealed (a review's panel, a roadshow's judging):
    its preparation (the book), each item's run, and who scored what (revisions only)."""

    def __init__(self, room: Core) -> None:
        super().__init__(room)
        self.book = ReviewBook()
        self.runs: dict[str, ItemRun] = {}
        self.scored: Scored = {}

    def load(
        self, book: ReviewBook, *, runs: Mapping[str, ItemRun], scored: Mapping[str, dict[str, int]]
    ) -> None:
        """As the store has it (a room opening, or after a restart)."""
        self.book = book
        self.runs = {i.item_id: runs.get(i.item_id, ItemRun(i.item_id)) for i in book.items}
        self.scored = {item_id: dict(keys) for item_id, keys in scored.items()}

    def conflicted(self, person_key: str, item_id: str) -> bool:
        return conflicted(self.book, person_key, item_id)

    def expected(self, item_id: str) -> list[str]:
        """The scorers expected on an item (``expected``)."""
        return expected(self.book, self.scored, item_id)

    def news(self) -> list[Effect]:
        return []

    def scorer(self, sid: str, item_id: str) -> Participant:
        """The person of this socket, if they may score the item (not conflicted on it)."""
        p = self.room.require(sid, C.SCORE)
        if self.conflicted(p.key, item_id):
            raise Conflict(
                "You have a conflict with this item: you cannot score it.", code="conflicted"
            )
        return p

    def keep_card(
        self,
        p: Participant,
        item_id: str,
        rubric: Rubric,
        *,
        scores: Mapping[str, object],
        progress_event: str,
        now: datetime,
    ) -> tuple[int, list[Effect]]:
        """A scorer's card (``values``, ``recommendation``, ``comment``) as their next
        revision: kept durably and audited; the chairs get the count (``progress_event``),
        everyone the news. Its revision number, and the effects."""
        card = record_card(
            rubric, self.scored, item_id=item_id, scorer_key=p.key, values=scores["values"],
            recommendation=scores["recommendation"], comment=scores["comment"], now=now,
        )  # fmt: skip
        action = "score_submitted" if card.revision == 1 else "score_revised"
        counts = {"item_id": item_id, **progress(self.book, self.scored, item_id)}
        return card.revision, [
            Keep(card, durable=True),
            Keep(AuditEntry(action, p.key, item_id, now, {})),
            Send(progress_event, counts, sids=chair_sids(self.room)),
            *self.news(),  # the scorer's other tabs see their revision; the chair the count
        ]


def news_by_view(
    room: Core, event: str, view_of: Callable[[Participant], dict[str, object] | None]
) -> list[Effect]:
    """Everyone admitted gets the event with their view of it, one send per distinct view;
    a person whose view is None gets nothing."""
    by_view: dict[str, tuple[dict[str, object], list[str]]] = {}
    for p in room.people.admitted():
        view = view_of(p)
        if view is None:
            continue
        text = json.dumps(view, sort_keys=True, default=str)
        by_view.setdefault(text, (view, []))[1].extend(p.sids)
    return [Send(event, view, sids=tuple(sids)) for view, sids in by_view.values()]


def conflicted(book: ReviewBook, person_key: str, item_id: str) -> bool:
    return person_key in conflicted_on(book.table, item_id)


def expected(book: ReviewBook, scored: Mapping[str, Mapping[str, int]], item_id: str) -> list[str]:
    """The scorers expected on an item: the roster's reviewers less the conflicted, and
    anyone else who scored it."""
    out = conflicted_on(book.table, item_id)
    keys = [k for k in book.reviewers if k not in out]
    return keys + [k for k in scored.get(item_id, {}) if k not in keys]


def progress(
    book: ReviewBook, scored: Mapping[str, Mapping[str, int]], item_id: str
) -> dict[str, int]:
    """The chair's counts: how many have scored an item, of how many expected."""
    return {
        "submitted": len(scored.get(item_id, {})),
        "expected": len(expected(book, scored, item_id)),
    }


def record_card(
    rubric: Rubric,
    scored: Scored,
    *,
    item_id: str,
    scorer_key: str,
    values: object,
    recommendation: object,
    comment: object,
    now: datetime,
) -> Scorecard:
    """A scorer's card, checked against the rubric, as their next revision (counted in
    ``scored`` once it is valid)."""
    revision = scored.get(item_id, {}).get(scorer_key, 0) + 1
    card = new_scorecard(
        rubric, item_id=item_id, reviewer_key=scorer_key, values=values,
        recommendation=recommendation, comment=comment, now=now, revision=revision,
    )  # fmt: skip
    scored.setdefault(item_id, {})[scorer_key] = revision
    return card


def chair_sids(room: Core) -> tuple[str, ...]:
    """The sockets of the chairs in the room (who get the progress counts)."""
    return tuple(s for q in room.people.admitted() if C.CHAIR in room.caps(q) for s in q.sids)


def may_read(room: Core, p: Participant | None, run: ItemRun, *, is_conflicted: bool) -> bool:
    """Whether a person may see an item's table: the chair once its scoring is closed; the
    unconflicted scorers once it is also released. Nobody else, and nobody before."""
    if p is None or not p.admitted or run.phase is not Phase.CLOSED:
        return False
    caps = room.caps(p)
    if C.CHAIR in caps:
        return True
    return run.released and C.SCORE in caps and not is_conflicted
