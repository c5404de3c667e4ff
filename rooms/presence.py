"""The people of a live room as the protocol shows them: participants, the lobby queue,
the session's card, and which groups a role belongs to."""

from dataclasses import dataclass, field
from datetime import datetime

from rooms.agenda import Session
from rooms.lifecycle import TERMINAL, scheduled_state
from rooms.outbox import Group, Person
from rooms.roles import Capability, Role

C = Capability
# a group of the room -> the capability that puts an admitted person in it
GROUP_NEEDS = ((Group.ROOM, C.JOIN), (Group.HOSTS, C.MODERATE), (Group.ROSTER, C.SEE_ROSTER))


@dataclass(slots=True)
class Participant:
    """A person present in the room or its lobby, with all their sockets."""

    person: Person
    role: Role
    since: datetime  # entered the room, or the lobby
    sids: list[str] = field(default_factory=list)
    admitted: bool = False
    held: bool = False  # a workflow keeps them out of the room now (``Workflow.holds``)
    mic: bool = False
    camera: bool = False

    @property
    def key(self) -> str:
        return self.person.person_key

    @property
    def participant_id(self) -> str:
        return self.person.participant_id


def groups_of(caps: frozenset[Capability]) -> tuple[Group, ...]:
    """The groups an admitted person with these capabilities belongs to."""
    return tuple(group for group, needs in GROUP_NEEDS if needs in caps)


def participant_payload(p: Participant) -> dict[str, object]:
    return {
        "participant_id": p.participant_id,
        "name": p.person.name,
        "role": str(p.role),
        "mic": p.mic,
        "camera": p.camera,
        "owner": p.person.owner,
    }


def queue_payload(waiting: list[Participant], *, now: datetime) -> list[dict[str, object]]:
    """The lobby queue as moderators see it, first come first."""
    return [
        {
            "participant_id": p.participant_id,
            "name": p.person.name,
            "waiting_since": p.since.isoformat(),
            "waited_seconds": int((now - p.since).total_seconds()),
        }
        for p in waiting
    ]


def session_card(session: Session, *, now: datetime) -> dict[str, object]:
    """The session as the room's snapshot shows it (its state by the clock unless over)."""
    state = session.state
    if state not in TERMINAL:
        state = scheduled_state(
            start=session.start, end=session.end, lobby_minutes=session.lobby_minutes, now=now
        )
    return {
        "session_id": session.session_id,
        "kind": str(session.kind),
        "title": session.title,
        "state": str(state),
        "start": session.start.isoformat(),
        "end": session.end.isoformat(),
        "zone": session.zone,
    }


class People:
    """Who is present (in the room or its lobby): by person key, socket and participant id."""

    def __init__(self) -> None:
        self._by_key: dict[str, Participant] = {}
        self._by_sid: dict[str, str] = {}
        self._by_id: dict[str, str] = {}

    def __bool__(self) -> bool:
        return bool(self._by_key)

    def get(self, person_key: str) -> Participant | None:
        return self._by_key.get(person_key)

    def of_sid(self, sid: str) -> Participant | None:
        key = self._by_sid.get(sid)
        return None if key is None else self._by_key[key]

    def of_participant(self, participant_id: str) -> Participant | None:
        key = self._by_id.get(participant_id)
        return None if key is None else self._by_key[key]

    def sids(self) -> tuple[str, ...]:
        return tuple(self._by_sid)

    def add(self, p: Participant) -> None:
        self._by_key[p.key], self._by_id[p.participant_id] = p, p.key
        for sid in p.sids:
            self._by_sid[sid] = p.key

    def add_sid(self, p: Participant, sid: str) -> None:
        p.sids.append(sid)
        self._by_sid[sid] = p.key

    def drop_sid(self, sid: str) -> Participant | None:
        """Forget a socket; its person if it was their last one (they are gone then)."""
        key = self._by_sid.pop(sid, None)
        if key is None:
            return None
        p = self._by_key[key]
        p.sids.remove(sid)
        if p.sids:
            return None
        self.forget(p)
        return p

    def forget(self, p: Participant) -> None:
        self._by_key.pop(p.key, None)
        self._by_id.pop(p.participant_id, None)
        for sid in p.sids:
            self._by_sid.pop(sid, None)

    def everyone(self) -> list[Participant]:
        return list(self._by_key.values())

    def admitted(self) -> list[Participant]:
        return [p for p in self._by_key.values() if p.admitted]

    def waiting(self) -> list[Participant]:
        """Those in the lobby, first come first (not those a workflow holds out)."""
        waiting = (p for p in self._by_key.values() if not (p.admitted or p.held))
        return sorted(waiting, key=lambda p: p.since)
