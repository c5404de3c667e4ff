"""Breakout groups: a live room's workflow (``rooms.workflow``) in classes and meetings.

A host (``moderate``) splits the room into 2..``GROUPS_MAX`` groups: at random (balanced:
sizes differ by one at most; people arriving later join the smallest group), by hand (the
host assigns each person; nobody assigned stays in the main room), or self-chosen (each
person picks a group). Moderators are not split at random: they stay in the main room and
may visit any group. While groups are open each group is a room of its own: its people hear
and see only each other (``may_hear``, asked by the media plane) and their room chat goes to
the group alone (``audience``: a chat audience ``group:<round>:<group>``, live and in
history, for those in the group now). A host visiting a group is in it; hosts not visiting
stay in the main room with those not assigned. A host's broadcast is shown in every group.
Groups close by the host's "return all" or when their time is up (``ends_at``, server time:
the live room closes them, ``due``): everyone is back in the main room.

Where each person is belongs to the person (``participant_id``, the same across tabs and
reconnects), not to a socket: someone who reconnects lands back in their group. The state is
one record (``BreakoutState``), kept with every change and loaded when the room opens.
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from rooms.errors import Conflict, DomainError
from rooms.outbox import Effect, Group, Keep, Send
from rooms.presence import Participant
from rooms.protocol import BROADCAST_CHARS_MAX, GROUPS_MAX
from rooms.roles import Capability, capabilities
from rooms.workflow import Core, Workflow

C = Capability
GROUPS_MIN = 2
MINUTES_MAX = 60
MAIN = 0  # the main room, as a place
SPEAKING = frozenset({C.PUBLISH_AUDIO, C.PUBLISH_VIDEO})  # what a group gives who may chat
AUDIENCE_PREFIX = "group:"  # a group's chat audience: "group:<round>:<group>"


class Mode(StrEnum):
    RANDOM = "random"  # the room splits its people at random, balanced
    MANUAL = "manual"  # a host assigns each person
    CHOOSE = "choose"  # each person picks a group


@dataclass(frozen=True, slots=True)
class BreakoutState:
    """A room's breakout groups (kept): which round, how many groups, who is where."""

    round: int = 0  # how many times groups were opened in this session
    count: int = 0  # groups open now; 0: everyone is in the main room
    mode: Mode = Mode.MANUAL
    ends_at: datetime | None = None  # when the groups close by themselves
    groups: Mapping[str, int] = field(default_factory=dict)  # participant_id -> group
    visits: Mapping[str, int] = field(default_factory=dict)  # a host's participant_id -> group
    broadcast: str = ""  # the host's latest message to every group
    broadcast_by: str = ""
    broadcast_at: datetime | None = None

    @property
    def open(self) -> bool:
        return self.count > 0


def audience_of(round_: int, group: int) -> str:
    """The chat audience of one group of one round."""
    return f"{AUDIENCE_PREFIX}{round_}:{group}"


def balanced_split(participant_ids: list[str], *, count: int, round_: int) -> dict[str, int]:
    """Deal people into ``count`` groups in an order that looks random (a hash of the round
    and each id: a new round mixes them again), so sizes differ by one at most."""
    order = sorted(
        participant_ids, key=lambda pid: hashlib.sha256(f"{round_}:{pid}".encode()).digest()
    )
    return {pid: 1 + n % count for n, pid in enumerate(order)}


def check_count(count: object) -> int:
    if (
        not isinstance(count, int)
        or isinstance(count, bool)
        or not (GROUPS_MIN <= count <= GROUPS_MAX)
    ):
        raise DomainError(
            "Open {least} to {most} groups.",
            code="invalid_count",
            least=GROUPS_MIN,
            most=GROUPS_MAX,
        )
    return count


def check_minutes(minutes: object) -> int | None:
    if minutes is None:
        return None
    if (
        not isinstance(minutes, int)
        or isinstance(minutes, bool)
        or not (1 <= minutes <= MINUTES_MAX)
    ):
        raise DomainError(
            "A timer runs 1 to {most} minutes.", code="invalid_minutes", most=MINUTES_MAX
        )
    return minutes


def check_mode(mode: object) -> Mode:
    if mode not in tuple(Mode):
        raise DomainError('The mode is "random", "manual" or "choose".', code="invalid_mode")
    return Mode(str(mode))


def check_group(group: object, *, count: int, main: bool = False) -> int:
    """One of ``count`` groups (or ``MAIN`` for None, where the main room is allowed)."""
    if group is None and main:
        return MAIN
    if not isinstance(group, int) or isinstance(group, bool) or not 1 <= group <= count:
        raise DomainError(
            "There is no group {group}: there are {count}.",
            code="no_such_group",
            group=str(group),
            count=count,
        )
    return group


class Breakouts(Workflow):
    name = "breakouts"

    def __init__(self, room: Core) -> None:
        super().__init__(room)
        self.state = BreakoutState()

    def load(self, state: BreakoutState) -> None:
        """The groups as the store has them (a room opening, or after a restart)."""
        self.state = state

    # looking things up

    def place(self, p: Participant) -> int:
        """Where a person is now: a group's number, or ``MAIN``."""
        state, pid = self.state, p.participant_id
        if not state.open:
            return MAIN
        return state.visits.get(pid, state.groups.get(pid, MAIN))

    def next_deadline(self) -> datetime | None:
        return self.state.ends_at if self.state.open else None

    def _opened(self) -> BreakoutState:
        if not self.state.open:
            raise Conflict("No breakout groups are open.", code="breakouts_closed")
        return self.state

    # what each person is shown

    def view(self) -> dict[str, object]:
        state = self.state
        broadcast = (
            {"text": state.broadcast, "name": state.broadcast_by,
             "at": state.broadcast_at.isoformat() if state.broadcast_at else None}
            if state.broadcast and state.open
            else None
        )  # fmt: skip
        return {
            "open": state.open,
            "round": state.round,
            "count": state.count,
            "mode": str(state.mode),
            "ends_at": state.ends_at.isoformat() if state.ends_at else None,
            "groups": dict(state.groups),
            "visits": dict(state.visits),
            "broadcast": broadcast,
        }

    def _set(self, state: BreakoutState, *, regrant: bool = True) -> list[Effect]:
        """The new state, kept and shown to everyone; those whose capabilities it changed
        (``grants``) are told theirs."""
        people = self.room.people.admitted()
        before = {p.participant_id: self.room.caps(p) for p in people}
        self.state = state
        shown = Send("breakouts", {"breakouts": self.view()}, Group.ROOM)
        changed = [p for p in people if regrant and self.room.caps(p) != before[p.participant_id]]
        return [Keep(state), shown, *(e for p in changed for e in self.room.regranted(p))]

    def snapshot(self, p: Participant, *, now: datetime) -> dict[str, object]:
        return {"breakouts": self.view()}

    # the seams: who hears whom, whose chat is whose

    def may_hear(self, listener: Participant, speaker: Participant) -> bool:
        return self.place(listener) == self.place(speaker)

    announces_grants = False  # told only to the holder (``you``): a class of 500 in groups

    def grants(self, p: Participant) -> frozenset[Capability]:
        """In a group, whoever may chat may also speak and show their camera (a class's
        students, who otherwise speak only when a host lets them)."""
        if p.participant_id not in self.state.groups or not self.state.open:
            return frozenset()
        if C.CHAT not in capabilities(self.room.session.kind, p.role):
            return frozenset()
        return SPEAKING

    def audience(self, p: Participant) -> tuple[str, str] | None:
        place = self.place(p)
        if place == MAIN:
            return None
        return audience_of(self.state.round, place), str(place)

    def admitted(self, p: Participant, *, now: datetime) -> list[Effect]:
        """In random mode, someone new (not a moderator) joins the smallest group."""
        state = self.state
        pid = p.participant_id
        if state.mode is not Mode.RANDOM or not state.open or pid in state.groups:
            return []
        if C.MODERATE in self.room.caps(p):
            return []
        sizes = {g: 0 for g in range(1, state.count + 1)}
        for group in state.groups.values():
            sizes[group] = sizes.get(group, 0) + 1
        smallest = min(sizes, key=lambda g: (sizes[g], g))
        # their `joined`, which follows, carries their capabilities
        return self._set(replace(state, groups={**state.groups, pid: smallest}), regrant=False)

    # a host's moves

    def open_breakouts(
        self,
        sid: str,
        *,
        count: object,
        mode: object,
        minutes: object = None,
        assignments: Mapping[str, object] | None = None,
        now: datetime,
    ) -> list[Effect]:
        self.room.require(sid, C.MODERATE)
        if self.state.open:
            raise Conflict("Breakout groups are open already.", code="breakouts_open")
        count, mode, minutes = check_count(count), check_mode(mode), check_minutes(minutes)
        round_ = self.state.round + 1
        groups = self._first_groups(mode, count, round_, assignments or {})
        opening = BreakoutState(round=round_, count=count, mode=mode, groups=groups)
        ends = now + timedelta(minutes=minutes) if minutes else None
        return self._set(replace(opening, ends_at=ends))

    def _first_groups(
        self, mode: Mode, count: int, round_: int, assignments: Mapping[str, object]
    ) -> dict[str, int]:
        if mode is Mode.RANDOM:
            split = [
                p.participant_id
                for p in self.room.people.admitted()
                if C.MODERATE not in self.room.caps(p)
            ]
            return balanced_split(split, count=count, round_=round_)
        groups: dict[str, int] = {}
        for participant_id, group in assignments.items():
            self.room.target(participant_id)
            groups[participant_id] = check_group(group, count=count)
        return groups

    def assign_breakout(self, sid: str, participant_id: str, group: object) -> list[Effect]:
        """Put someone in a group, or (``None``) back in the main room."""
        self.room.require(sid, C.MODERATE)
        state = self._opened()
        target = self.room.target(participant_id)
        groups = _moved(state.groups, target, check_group(group, count=state.count, main=True))
        return self._set(replace(state, groups=groups))

    def visit_breakout(self, sid: str, group: object) -> list[Effect]:
        """A host goes into a group (hearing and seeing it), or (``None``) back to the main
        room."""
        host = self.room.require(sid, C.MODERATE)
        state = self._opened()
        visits = _moved(state.visits, host, check_group(group, count=state.count, main=True))
        return self._set(replace(state, visits=visits))

    def broadcast_breakouts(self, sid: str, text: object, *, now: datetime) -> list[Effect]:
        """A message from a host shown in every group (and the main room)."""
        host = self.room.require(sid, C.MODERATE)
        state = self._opened()
        if not isinstance(text, str) or not text.strip() or len(text) > BROADCAST_CHARS_MAX:
            raise DomainError(
                "A broadcast holds 1 to {most} characters.",
                code="invalid_broadcast",
                most=BROADCAST_CHARS_MAX,
            )
        sent = replace(state, broadcast=text.strip(), broadcast_by=host.person.name,
                       broadcast_at=now)  # fmt: skip
        shown = {"text": sent.broadcast, "name": sent.broadcast_by, "at": now.isoformat()}
        return [*self._set(sent), Send("breakout_broadcast", shown, Group.ROOM)]

    def close_breakouts(self, sid: str, *, now: datetime) -> list[Effect]:
        """Return all: everyone back in the main room."""
        self.room.require(sid, C.MODERATE)
        self._opened()
        return self._closed()

    def _closed(self) -> list[Effect]:
        return self._set(BreakoutState(round=self.state.round))

    def due(self, *, now: datetime) -> list[Effect]:
        """Close the groups when their time is up (the live room asks, on time)."""
        ends = self.next_deadline()
        return self._closed() if ends is not None and ends <= now else []

    # everyone's move

    def choose_breakout(self, sid: str, group: object) -> list[Effect]:
        """Pick a group, where people choose their own."""
        p = self.room.require(sid, C.JOIN)
        state = self._opened()
        if state.mode is not Mode.CHOOSE:
            raise Conflict("A host assigns the groups here.", code="not_self_chosen")
        groups = _moved(state.groups, p, check_group(group, count=state.count))
        return self._set(replace(state, groups=groups))


def _moved(places: Mapping[str, int], p: Participant, group: int) -> dict[str, int]:
    """``places`` with this person in ``group`` (out of it for ``MAIN``)."""
    moved = {pid: g for pid, g in places.items() if pid != p.participant_id}
    if group != MAIN:
        moved[p.participant_id] = group
    return moved
