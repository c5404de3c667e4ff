"""Moderated Q&A with upvotes: a workflow (``rooms.workflow``) of classes, meetings and
roadshows.

People with ``ask_question`` ask questions and upvote others' (once each, never their own);
everyone sees them sorted by votes. A question is pending (while the host has pre-moderation
on) → visible → answering (highlighted for all; one at a time) → answered, or dismissed
from any state before answered. The moderators (``moderate``) approve, answer, dismiss, pin
one question, and set the room's Q&A settings (anonymous questions allowed, pre-moderation).

In a roadshow a question belongs to the pitch on stage when it was asked (its pitch or its
Q&A phase, read from the room's run of show, ``rooms.roadshow``): it carries that slot's id,
and the export names the pitch.

Who sees what: a pending or dismissed question only its author and the moderators; the rest
everyone in the room. An anonymous question shows no name to anyone, the moderators
included (as Slido does): only its author is told it is theirs, and the export says
"Anonymous". Asking is idempotent: a question carries its author's client-made id (as a chat
message does), and a resend with the same id (after an answer lost, or a question "not
saved" while Redis was down) is the same question, kept again, never a second one. Every
change is one record (``Keep``: the whole question, or the settings) that
the store keeps on the room's line; a person entering gets the list once, in ``joined``.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from rooms.chat import TokenBucket, defuse
from rooms.errors import Conflict, DomainError, Forbidden, NotFound
from rooms.limits import QUESTION_CHARS_MAX
from rooms.outbox import Effect, Group, Keep, Send
from rooms.presence import Participant
from rooms.roadshow import RunOfShow
from rooms.roles import Capability, Kind
from rooms.workflow import Core, Workflow

C = Capability
ASK_BURST, ASK_PER_SECOND = 3, 0.2  # three at once, then one every five seconds
VOTE_BURST, VOTE_PER_SECOND = 10, 2.0
ANONYMOUS_NAME = "Anonymous"
EXPORT_HEADER = ("asked_at", "name", "question", "state", "votes")


class QState(StrEnum):
    PENDING = "pending"
    VISIBLE = "visible"
    ANSWERING = "answering"
    ANSWERED = "answered"
    DISMISSED = "dismissed"


# the moderators' moves: a state -> the states it may go to
MOVES: dict[QState, frozenset[QState]] = {
    QState.PENDING: frozenset({QState.VISIBLE, QState.DISMISSED}),
    QState.VISIBLE: frozenset({QState.ANSWERING, QState.ANSWERED, QState.DISMISSED}),
    QState.ANSWERING: frozenset({QState.VISIBLE, QState.ANSWERED, QState.DISMISSED}),
    QState.ANSWERED: frozenset(),
    QState.DISMISSED: frozenset(),
}
PUBLIC = frozenset({QState.VISIBLE, QState.ANSWERING, QState.ANSWERED})
VOTABLE = frozenset({QState.VISIBLE, QState.ANSWERING})
ORDER = {QState.ANSWERING: 0, QState.PENDING: 1, QState.VISIBLE: 1, QState.ANSWERED: 2,
         QState.DISMISSED: 3}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Question:
    """One question of a session (persisted whole at each change)."""

    question_id: str
    number: int  # 1, 2, ... in the order asked
    author_key: str
    author_name: str  # kept even when anonymous: never shown
    anonymous: bool
    text: str
    state: QState
    asked_at: datetime
    voters: tuple[str, ...] = ()  # person keys: one vote each, whatever their tabs
    slot_id: str = ""  # a roadshow's pitch on stage when it was asked ("" elsewhere)
    client_id: str = ""  # its author's client's id for it ("": none sent)


@dataclass(frozen=True, slots=True)
class QaSettings:
    """The room's Q&A settings (persisted)."""

    anonymous: bool = True  # attendees may ask anonymously
    premoderated: bool = False  # new questions wait for a moderator's approval
    pinned: str = ""  # the pinned question's id, or ""


def check_question(text: str) -> str:
    """The question's text, trimmed; refused when empty or too long."""
    text = text.strip()
    if not text:
        raise DomainError("Write a question first.", code="empty_question")
    if len(text) > QUESTION_CHARS_MAX:
        raise DomainError(
            "A question has at most {most} characters.",
            code="question_too_long",
            most=QUESTION_CHARS_MAX,
        )
    return text


def sort_key(q: Question, pinned: str) -> tuple[int, int, int, int]:
    """Pinned first, the one being answered next, then by votes, then oldest first."""
    return (q.question_id != pinned, ORDER[q.state], -len(q.voters), q.number)


def export_rows(
    questions: list[Question], *, pitches: Mapping[str, str] | None = None
) -> list[tuple[str, ...]]:
    """The session's questions as CSV rows (header first), in the order asked; with
    ``pitches`` (a roadshow's slot id -> title), a last column names each one's pitch."""
    header = EXPORT_HEADER if pitches is None else (*EXPORT_HEADER, "pitch")
    rows: list[tuple[str, ...]] = [header]
    for q in sorted(questions, key=lambda q: q.number):
        name = ANONYMOUS_NAME if q.anonymous else q.author_name
        cells: tuple[str, ...] = (
            q.asked_at.isoformat(), name, q.text, str(q.state), str(len(q.voters)),
        )  # fmt: skip
        if pitches is not None:
            cells += (pitches.get(q.slot_id, q.slot_id),)
        rows.append(tuple(defuse(c) for c in cells))
    return rows


class Questions(Workflow):
    name = "questions"

    def __init__(self, room: Core) -> None:
        super().__init__(room)
        self.questions: dict[str, Question] = {}
        self.settings = QaSettings()
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._asked: dict[tuple[str, str], str] = {}  # (author, client id) -> question id

    def load(self, questions: list[Question], settings: QaSettings) -> None:
        """The questions as the store has them (a room opening, or after a restart)."""
        self.questions = {q.question_id: q for q in sorted(questions, key=lambda q: q.number)}
        self._asked = {(q.author_key, q.client_id): q.question_id for q in questions if q.client_id}
        self.settings = settings

    # looking things up

    def moderates(self, p: Participant) -> bool:
        return C.MODERATE in self.room.caps(p)

    def question(self, question_id: str) -> Question:
        found = self.questions.get(question_id)
        if found is None:
            raise NotFound("There is no such question.")
        return found

    def pitch_on(self) -> str:
        """The slot id of the roadshow's pitch on stage now ("" between pitches, before and
        after the show, and in other kinds of room)."""
        if self.room.session.kind is not Kind.ROADSHOW:
            return ""
        stage = self.room.part(RunOfShow).on_stage()
        return stage.slot_id if stage is not None else ""

    def shown(self, q: Question, p: Participant) -> bool:
        return q.state in PUBLIC or q.author_key == p.key or self.moderates(p)

    def _take(self, p: Participant, purpose: str, *, now: datetime) -> None:
        burst, rate = (
            (ASK_BURST, ASK_PER_SECOND) if purpose == "ask" else (VOTE_BURST, VOTE_PER_SECOND)
        )
        bucket = self._buckets.setdefault(
            (p.key, purpose), TokenBucket.full(burst=burst, per_second=rate)
        )
        if not bucket.take(now=now):
            raise DomainError("You are sending too fast; wait a moment.", code="rate_limited")

    # what each person is shown

    def item(self, q: Question, p: Participant) -> dict[str, object]:
        """One question as this person sees it."""
        return {
            "question_id": q.question_id,
            "text": q.text,
            "name": None if q.anonymous else q.author_name,
            "anonymous": q.anonymous,
            "state": str(q.state),
            "votes": len(q.voters),
            "voted": p.key in q.voters,
            "mine": q.author_key == p.key,
            "pinned": q.question_id == self.settings.pinned,
            "asked_at": q.asked_at.isoformat(),
            "slot_id": q.slot_id or None,
        }

    def _settings(self) -> dict[str, object]:
        s = self.settings
        return {
            "anonymous": s.anonymous,
            "premoderated": s.premoderated,
            "pinned": s.pinned or None,
        }

    def listing(self, p: Participant) -> list[dict[str, object]]:
        """The questions this person may see, sorted as they are shown."""
        shown = [q for q in self.questions.values() if self.shown(q, p)]
        return [
            self.item(q, p) for q in sorted(shown, key=lambda q: sort_key(q, self.settings.pinned))
        ]

    def snapshot(self, p: Participant, *, now: datetime) -> dict[str, object]:
        return {"questions": {"settings": self._settings(), "list": self.listing(p)}}

    def role_changed(self, p: Participant, *, now: datetime) -> list[Effect]:
        return [Send("questions", {"list": self.listing(p)}, sids=tuple(p.sids))]

    def news(self, q: Question, *, hide: bool = False) -> list[Effect]:
        """One question to everyone who may see it (one send per view); ``hide``: those who
        may no longer see it are told to drop it."""
        by_view: dict[str, tuple[dict[str, object], list[str]]] = {}
        hidden: list[str] = []
        for p in self.room.people.admitted():
            if not self.shown(q, p):
                hidden += p.sids
                continue
            view = self.item(q, p)
            text = json.dumps(view, sort_keys=True)
            by_view.setdefault(text, (view, []))[1].extend(p.sids)
        sends: list[Effect] = [
            Send("question", {"question": view}, sids=tuple(sids))
            for view, sids in by_view.values()
        ]
        if hide and hidden:
            sends.append(
                Send("question_hidden", {"question_id": q.question_id}, sids=tuple(hidden))
            )
        return sends

    def _set(self, q: Question, *, hide: bool = False) -> list[Effect]:
        self.questions[q.question_id] = q
        return [Keep(q), *self.news(q, hide=hide)]

    def _set_settings(self, settings: QaSettings) -> list[Effect]:
        self.settings = settings
        return [Keep(settings), Send("qa_settings", self._settings(), group=Group.ROOM)]

    # the attendees' events

    def ask_question(
        self, sid: str, text: str, *, anonymous: bool, now: datetime, client_id: str = ""
    ) -> tuple[str, list[Effect]]:
        """A new question: its id, and the effects. A resend (the same author and client
        id) answers the question already asked and keeps it again: nothing new."""
        p = self.room.require(sid, C.ASK_QUESTION)
        asked = self._asked.get((p.key, client_id)) if client_id else None
        if asked is not None:
            q = self.questions[asked]
            return q.question_id, [Keep(q), Send("question", {"question": self.item(q, p)},
                                                 sids=tuple(p.sids))]  # fmt: skip
        text = check_question(text)
        if anonymous and not self.settings.anonymous:
            raise Forbidden("The host does not allow anonymous questions.", code="anonymous_off")
        self._take(p, "ask", now=now)
        number = len(self.questions) + 1
        state = QState.PENDING if self.settings.premoderated else QState.VISIBLE
        q = Question(
            question_id=f"q{number}", number=number, author_key=p.key, author_name=p.person.name,
            anonymous=anonymous, text=text, state=state, asked_at=now, slot_id=self.pitch_on(),
            client_id=client_id,
        )  # fmt: skip
        if client_id:
            self._asked[(p.key, client_id)] = q.question_id
        return q.question_id, self._set(q)

    def upvote_question(self, sid: str, question_id: str, *, now: datetime) -> list[Effect]:
        p = self.room.require(sid, C.ASK_QUESTION)
        q = self.question(question_id)
        if not self.shown(q, p):
            raise NotFound("There is no such question.")
        if q.author_key == p.key:
            raise Conflict("You cannot upvote your own question.", code="own_question")
        if p.key in q.voters:
            raise Conflict("You have upvoted this question already.", code="already_voted")
        if q.state not in VOTABLE:
            raise Conflict("This question is closed for votes.", code="not_votable")
        self._take(p, "vote", now=now)
        return self._set(replace(q, voters=(*q.voters, p.key)))

    # the moderators' events

    def set_question_state(self, sid: str, question_id: str, state: str) -> list[Effect]:
        self.room.require(sid, C.MODERATE)
        q, to = self.question(question_id), QState(state)
        if to not in MOVES[q.state]:
            raise Conflict(
                "A question that is {was} cannot become {to}.",
                code="bad_move", was=str(q.state), to=str(to),
            )  # fmt: skip
        effects: list[Effect] = []
        busy = next((o for o in self.questions.values() if o.state is QState.ANSWERING), None)
        if to is QState.ANSWERING and busy is not None:
            effects += self._set(replace(busy, state=QState.ANSWERED))
        effects += self._set(replace(q, state=to), hide=to is QState.DISMISSED)
        if self.settings.pinned == question_id and to in (QState.ANSWERED, QState.DISMISSED):
            effects += self._set_settings(replace(self.settings, pinned=""))
        return effects

    def pin_question(self, sid: str, question_id: str, *, pinned: bool) -> list[Effect]:
        self.room.require(sid, C.MODERATE)
        q = self.question(question_id)
        if pinned and q.state not in VOTABLE:
            raise Conflict("Only an open question can be pinned.", code="not_pinnable")
        if not pinned and self.settings.pinned != question_id:
            return []
        return self._set_settings(replace(self.settings, pinned=question_id if pinned else ""))

    def set_qa_settings(self, sid: str, *, anonymous: bool, premoderated: bool) -> list[Effect]:
        self.room.require(sid, C.MODERATE)
        return self._set_settings(
            replace(self.settings, anonymous=anonymous, premoderated=premoderated)
        )
