"""Polls and quizzes: a live room's workflow (``rooms.workflow``) in classes, meetings and
roadshows.

A host or presenter (``run_polls``) launches a poll — from the session's bank or made up on
the spot — single choice, multiple choice or a rating, anonymous or named, open until they
close it or until its deadline on server time (the live room closes it: ``due``). Everyone
who may vote (``vote``) votes once as a person (their tabs are one person) and may change
their vote until it closes. Those who run polls see the results live; everyone else sees
them once a host shares them. A poll with correct answers is a quiz: each person's right
answers across the session's quizzes make a leaderboard a host may show.

Polls and ballots are records (``Keep``) kept with the room's change; a room that opens
again (a restart) loads them (``load``) and carries on.
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from rooms.chat import TokenBucket
from rooms.errors import Conflict, DomainError, NotFound
from rooms.outbox import Effect, Keep, Send
from rooms.poll_spec import (
    Ballot,
    PollSpec,
    check_choices,
    poll_spec,
    quiz_scores,
    spec_fields,
    tally,
)
from rooms.presence import Participant
from rooms.roles import Capability
from rooms.workflow import Core, Workflow

C = Capability
POLLS_MAX = 200  # polls one session may launch
VOTE_BURST = 5  # like chat: this many votes at once, then one a second
VOTES_PER_SECOND = 1.0


@dataclass(frozen=True, slots=True)
class LivePoll:
    """A launched poll and where it is (persisted)."""

    poll_id: str
    spec: PollSpec
    launched_by: str  # person key
    opened_at: datetime
    closes_at: datetime | None = None
    closed_at: datetime | None = None
    shared: bool = False  # its results are shown to everyone

    @property
    def open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True, slots=True)
class BoardShown:
    """Whether the room's quiz leaderboard is shown to everyone (persisted)."""

    shown: bool


LEADERBOARD = ""  # the leaderboard's place among counted tallies (no poll id is empty)


class Polls(Workflow):
    name = "polls"

    def __init__(self, room: Core) -> None:
        super().__init__(room)
        self.polls: dict[str, LivePoll] = {}
        self.ballots: dict[str, dict[str, Ballot]] = {}  # poll_id -> person key -> ballot
        self.board_shown = False
        self.bank: dict[str, PollSpec] = {}  # draft id -> a poll prepared for the session
        self._buckets: dict[str, TokenBucket] = {}
        # while ``news`` runs: each poll's tally (and the leaderboard) counted once for all
        self._counted: dict[str, object] | None = None

    def load(
        self,
        polls: Iterable[LivePoll],
        *,
        ballots: Iterable[Ballot],
        board_shown: bool,
        bank: Mapping[str, PollSpec] | None = None,
    ) -> None:
        """The polls as the store has them (a room opening, or after a restart), and the
        session's bank, which those who run polls launch from."""
        self.bank = dict(bank or {})
        self.polls = {p.poll_id: p for p in sorted(polls, key=lambda p: p.opened_at)}
        self.ballots = {}
        for ballot in ballots:
            self.ballots.setdefault(ballot.poll_id, {})[ballot.person_key] = ballot
        self.board_shown = board_shown

    def set_bank(self, bank: Mapping[str, PollSpec]) -> list[Effect]:
        """The staff changed the session's bank: those who run polls see the new one."""
        self.bank = dict(bank)
        return self.news([p for p in self.room.people.admitted() if self.runs_polls(p)])

    # looking things up

    def poll(self, poll_id: str) -> LivePoll:
        found = self.polls.get(poll_id)
        if found is None:
            raise NotFound("There is no such poll.")
        return found

    def runs_polls(self, p: Participant) -> bool:
        return C.RUN_POLLS in self.room.caps(p)

    def next_deadline(self) -> datetime | None:
        """When the next open poll closes by itself, if any does."""
        ends = [p.closes_at for p in self.polls.values() if p.open and p.closes_at]
        return min(ends, default=None)

    def leaderboard(self) -> list[dict[str, object]]:
        if self._counted is not None and LEADERBOARD in self._counted:
            return self._counted[LEADERBOARD]  # type: ignore[return-value]
        closed = [p for p in self.polls.values() if not p.open]
        board = quiz_scores((p.spec, self.ballots.get(p.poll_id, {}).values()) for p in closed)
        if self._counted is not None:
            self._counted[LEADERBOARD] = board
        return board

    def results(self, poll_id: str) -> dict[str, object]:
        if self._counted is not None and poll_id in self._counted:
            return self._counted[poll_id]  # type: ignore[return-value]
        poll = self.poll(poll_id)
        counted = tally(poll.spec, self.ballots.get(poll_id, {}).values())
        if self._counted is not None:
            self._counted[poll_id] = counted
        return counted

    # what each person is shown

    def _poll_view(self, poll: LivePoll, p: Participant) -> dict[str, object]:
        runner = self.runs_polls(p)
        mine = self.ballots.get(poll.poll_id, {}).get(p.key)
        view: dict[str, object] = {
            "poll_id": poll.poll_id,
            **spec_fields(poll.spec),
            "quiz": poll.spec.quiz,
            "opened_at": poll.opened_at.isoformat(),
            "closes_at": poll.closes_at.isoformat() if poll.closes_at else None,
            "closed": not poll.open,
            "shared": poll.shared,
            "mine": list(mine.choices) if mine else None,
        }
        if not runner and not (poll.shared and not poll.open):
            view["correct"] = []  # the answers show once the results are shared and closed
        if runner or poll.shared:
            view["results"] = self.results(poll.poll_id)
        return view

    def view(self, p: Participant) -> dict[str, object]:
        runner = self.runs_polls(p)
        return {
            "polls": [self._poll_view(poll, p) for poll in self.polls.values()],
            "runner": runner,
            "voter": C.VOTE in self.room.caps(p),
            "board_shown": self.board_shown,
            "leaderboard": self.leaderboard() if runner or self.board_shown else None,
            "bank": [{"draft_id": k, **spec_fields(s)} for k, s in self.bank.items()]
            if runner
            else [],
        }

    def news(self, people: Iterable[Participant] | None = None) -> list[Effect]:
        """These people (everyone admitted by default) get the polls as they may see them.
        Each poll's tally and the leaderboard are counted once for all of them, not once per
        person (a class of 500 would count 500 times)."""
        self._counted = {}
        try:
            by_view: dict[str, tuple[dict[str, object], list[str]]] = {}
            for p in self.room.people.admitted() if people is None else people:
                view = self.view(p)
                text = json.dumps(view, sort_keys=True, default=str)
                by_view.setdefault(text, (view, []))[1].extend(p.sids)
        finally:
            self._counted = None
        return [Send("polls", view, sids=tuple(sids)) for view, sids in by_view.values()]

    def snapshot(self, p: Participant, *, now: datetime) -> dict[str, object]:
        return {"polls": self.view(p)}

    def role_changed(self, p: Participant, *, now: datetime) -> list[Effect]:
        return self.news([p])

    # those who run polls

    def _set(self, poll: LivePoll) -> Keep:
        self.polls[poll.poll_id] = poll
        return Keep(poll)

    def launch_poll(
        self, sid: str, poll: Mapping[str, object], *, now: datetime
    ) -> tuple[str, list[Effect]]:
        """A new poll, open at once: its id, and the effects."""
        runner = self.room.require(sid, C.RUN_POLLS)
        spec = poll_spec(poll)
        if len(self.polls) >= POLLS_MAX:
            raise Conflict(
                "This session has had {most} polls already.", code="too_many_polls", most=POLLS_MAX
            )
        poll_id = f"poll-{len(self.polls) + 1}"
        ends = now + timedelta(seconds=spec.seconds) if spec.seconds else None
        launched = LivePoll(poll_id, spec, runner.key, now, closes_at=ends)
        return poll_id, [self._set(launched), *self.news()]

    def close_poll(self, sid: str, poll_id: str, *, now: datetime) -> list[Effect]:
        self.room.require(sid, C.RUN_POLLS)
        poll = self.poll(poll_id)
        if not poll.open:
            raise Conflict("This poll is closed.", code="poll_closed")
        return [self._set(replace(poll, closed_at=now)), *self.news()]

    def share_results(self, sid: str, poll_id: str, *, shared: bool) -> list[Effect]:
        self.room.require(sid, C.RUN_POLLS)
        poll = self.poll(poll_id)
        return [self._set(replace(poll, shared=shared)), *self.news()]

    def show_leaderboard(self, sid: str, *, shown: bool) -> list[Effect]:
        self.room.require(sid, C.RUN_POLLS)
        self.board_shown = shown
        return [Keep(BoardShown(shown)), *self.news()]

    def due(self, *, now: datetime) -> list[Effect]:
        """Close the polls whose deadline has come (the live room asks, on time)."""
        ended = [
            p
            for p in self.polls.values()
            if p.open and p.closes_at is not None and p.closes_at <= now
        ]
        if not ended:
            return []
        kept = [self._set(replace(p, closed_at=p.closes_at)) for p in ended]
        return [*kept, *self.news()]

    # voters

    def vote(self, sid: str, poll_id: str, choices: object, *, now: datetime) -> list[Effect]:
        """This person's vote (their earlier one, from any tab, is replaced)."""
        p = self.room.require(sid, C.VOTE)
        poll = self.poll(poll_id)
        if not poll.open or (poll.closes_at is not None and poll.closes_at <= now):
            raise Conflict("This poll is closed.", code="poll_closed")
        picked = check_choices(poll.spec, choices)
        bucket = self._buckets.setdefault(
            p.key, TokenBucket.full(burst=VOTE_BURST, per_second=VOTES_PER_SECOND)
        )
        if not bucket.take(now=now):
            raise DomainError("You are sending too fast; wait a moment.", code="rate_limited")
        ballot = Ballot(poll_id, p.key, p.person.name, picked, now)
        self.ballots.setdefault(poll_id, {})[p.key] = ballot
        runners = [q for q in self.room.people.admitted() if self.runs_polls(q)]
        told = None if poll.shared else [p, *(q for q in runners if q is not p)]
        return [Keep(ballot), *self.news(told)]
