"""A review room under random sequences of the chair's, the reviewers' and everyone's
actions (Hypothesis ``RuleBasedStateMachine``), with what the room sends delivered as the
edge would (groups and sockets), and the panel's promises checked after every step:

- no event ever carries a score's values (scores travel only in acks, to their reviewer,
  and in tables read by those ``may_read_results`` allows: the chair after close, the
  unconflicted reviewers after release);
- a reviewer conflicted on the running item receives nothing of it: no event but their own
  ``stepped_out``/``you``, no chat (they are in no group), no media (``may_hear``);
- everyone the media plane may forward to, or from, is in the room and allowed now.
"""

import json
from dataclasses import replace
from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from rooms.conflicts import Standing
from rooms.errors import DomainError
from rooms.items import ReviewSettings
from rooms.outbox import Effect, Group, Move, Person, Post, RoomFlags, Send
from rooms.panel import Panel
from rooms.review_book import ACTIVE, Phase, ReviewBook
from rooms.roles import Kind, Role
from rooms.room import ChatLimit, Room
from tests.rooms.test_panel import RUBRIC, item
from tests.rooms.test_room import NOW, OWNER, SESSION

R1 = Person("expert:r1", "p-r1", "R1", Role.REVIEWER)
R2 = Person("expert:r2", "p-r2", "R2", Role.REVIEWER)
R3 = Person("expert:r3", "p-r3", "R3", Role.REVIEWER)
APPLICANT = Person("guest:app@lab.cn", "p-app", "Applicant", Role.PRESENTER)
OBSERVER = Person("guest:obs@x.org", "p-obs", "Observer", Role.OBSERVER)
PEOPLE = (OWNER, R1, R2, R3, APPLICANT, OBSERVER)
REVIEWERS = (R1, R2, R3)
ITEMS = ("i1", "i2", "i3")
BOOK = ReviewBook(
    items=(item("i1", "app@lab.cn"), item("i2"), item("i3")),
    rubric=RUBRIC,
    settings=ReviewSettings(blind=True),
    reviewers=tuple(r.person_key for r in REVIEWERS),
    table={
        "i1": {"expert:r2": Standing(("org:Lab",))},
        "i2": {"expert:r3": Standing(("project:X",)), "expert:r1": Standing(("org:Y",))},
    },
)
SCORE_MARK = 4.375  # a value no other field of the room ever holds
HELD_MAY_GET = frozenset({"stepped_out", "you", "participant_updated", "error"})


class ReviewMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.room = Room(
            session=replace(SESSION, kind=Kind.REVIEW), flags=RoomFlags(), chat_limit=ChatLimit()
        )
        self.panel = self.room.part(Panel)
        self.panel.load(BOOK, runs={}, scored={})
        self.now = NOW
        self.tabs = 0
        self.groups: dict[str, set[Group]] = {}  # socket -> the room's groups it is in
        self.sid_of: dict[str, str] = {}  # socket -> person key
        self.received: list[tuple[str, str, str]] = []  # (socket, event, payload json) this step
        self.apply(self.room.join("s-owner", OWNER, now=self.now))
        self.sid_of["s-owner"] = OWNER.person_key

    # delivering as the edge does

    def apply(self, effects: list[Effect]) -> None:
        for effect in effects:
            if isinstance(effect, Move):
                for sid in effect.sids:
                    held = self.groups.setdefault(sid, set())
                    held -= set(effect.leave)
                    held |= set(effect.enter)
            elif isinstance(effect, Send):
                self.deliver(effect)
            elif isinstance(effect, Post):
                for send in effect.sends:
                    self.deliver(send)

    def deliver(self, send: Send) -> None:
        to = set(send.sids)
        if send.group is not None:
            to |= {sid for sid, groups in self.groups.items() if send.group in groups}
        text = json.dumps(send.payload, default=str)
        self.received += [(sid, send.event, text) for sid in to]

    def act(self, call: object) -> None:
        self.received = []
        self.now += timedelta(seconds=1)
        try:
            effects = call()  # type: ignore[operator]
        except DomainError:
            return
        if isinstance(effects, tuple):
            effects = effects[1]
        self.apply(effects)

    # rules

    @rule(who=st.sampled_from(PEOPLE[1:]))
    def join(self, who: Person) -> None:
        self.tabs += 1
        sid = f"s-{self.tabs}"
        self.sid_of[sid] = who.person_key
        self.groups[sid] = set()
        self.act(lambda: self.room.join(sid, who, now=self.now))

    @rule(data=st.data())
    def leave(self, data: st.DataObject) -> None:
        sids = sorted(s for s in self.sid_of if s != "s-owner")
        if sids:
            sid = data.draw(st.sampled_from(sids))
            self.act(lambda: self.room.leave(sid, now=self.now))
            self.sid_of.pop(sid)
            self.groups.pop(sid, None)

    @rule(item_id=st.sampled_from(ITEMS))
    def start_item(self, item_id: str) -> None:
        self.act(lambda: self.panel.start_item("s-owner", item_id, now=self.now))

    @rule(item_id=st.sampled_from(ITEMS))
    def next_phase(self, item_id: str) -> None:
        self.act(lambda: self.panel.next_phase("s-owner", item_id, now=self.now))

    @rule(item_id=st.sampled_from(ITEMS))
    def release(self, item_id: str) -> None:
        self.act(lambda: self.panel.release_results("s-owner", item_id, now=self.now))

    @rule(data=st.data(), item_id=st.sampled_from(ITEMS))
    def score(self, data: st.DataObject, item_id: str) -> None:
        sids = sorted(self.sid_of)
        sid = data.draw(st.sampled_from(sids))
        values = {"c1": SCORE_MARK, "c2": data.draw(st.integers(-1, 11))}
        self.act(
            lambda: self.panel.submit_score(
                sid, item_id, values=values, recommendation="fund", comment="", now=self.now
            )
        )

    @rule(who=st.sampled_from(PEOPLE[1:]))
    def send_to_lobby(self, who: Person) -> None:
        self.act(lambda: self.room.lobby.send_to_lobby("s-owner", who.participant_id, now=self.now))

    @rule(who=st.sampled_from(PEOPLE[1:]))
    def admit(self, who: Person) -> None:
        self.act(lambda: self.room.lobby.admit("s-owner", who.participant_id, now=self.now))

    @rule(who=st.sampled_from(PEOPLE[1:]), role=st.sampled_from([Role.REVIEWER, Role.OBSERVER]))
    def set_role(self, who: Person, role: Role) -> None:
        self.act(
            lambda: self.room.controls.set_role("s-owner", who.participant_id, role, now=self.now)
        )

    @rule(who=st.sampled_from(REVIEWERS), item_id=st.sampled_from(ITEMS), waive=st.booleans())
    def conflict(self, who: Person, item_id: str, waive: bool) -> None:
        self.act(
            lambda: self.panel.set_conflict(
                "s-owner", item_id, who.participant_id, waive=waive, reason="r", now=self.now
            )
        )

    @precondition(lambda self: self.panel.current is not None)
    @rule()
    def chat(self) -> None:
        self.act(
            lambda: self.room.chat.post(
                "s-owner", text="about the item", client_id=f"c{self.tabs}", to="room", now=self.now
            )
        )

    # what must always hold

    def conflicted_now(self, person_key: str) -> bool:
        run = self.panel.current
        return run is not None and self.panel.conflicted(person_key, run.item_id)

    @invariant()
    def no_event_carries_a_score(self) -> None:
        leaked = [(sid, event) for sid, event, text in self.received if str(SCORE_MARK) in text]
        assert leaked == []

    @invariant()
    def a_conflicted_reviewer_gets_nothing_of_the_running_item(self) -> None:
        for sid, event, text in self.received:
            key = self.sid_of.get(sid)
            if key is None or not self.conflicted_now(key):
                continue
            p = self.room.people.get(key)
            assert p is not None and not p.admitted, (sid, event)
            assert event in HELD_MAY_GET, (sid, event, text)
        for sid, groups in self.groups.items():
            if self.conflicted_now(self.sid_of.get(sid, "")):
                assert groups == set(), (sid, groups)

    @invariant()
    def media_flows_only_between_people_allowed_now(self) -> None:
        people = self.room.people.everyone()
        run = self.panel.current
        for listener in people:
            for speaker in people:
                if listener is speaker or not self.room.may_hear(
                    listener.participant_id, speaker.participant_id
                ):
                    continue
                assert listener.admitted and speaker.admitted
                assert not (self.conflicted_now(listener.key) or self.conflicted_now(speaker.key))
                if run is not None and run.phase in ACTIVE - {Phase.PRESENTING, Phase.QA}:
                    assert Role.PRESENTER not in (listener.role, speaker.role)

    @invariant()
    def results_only_to_those_allowed(self) -> None:
        for sid, key in self.sid_of.items():
            p = self.room.people.get(key)
            for item_id in ITEMS:
                if not self.panel.may_read_results(sid, item_id):
                    continue
                run = self.panel.runs[item_id]
                assert p is not None and p.admitted and run.phase is Phase.CLOSED
                if not self.panel.is_chair(p):
                    assert run.released and not self.panel.conflicted(key, item_id)
                    assert p.role is Role.REVIEWER


ReviewMachine.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestReviewMachine = ReviewMachine.TestCase
