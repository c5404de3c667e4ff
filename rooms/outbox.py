"""What a Room asks the edge to do after a change: its outbox, and the people it knows.

A Room never sends anything. Its methods return a list of effects, which the edge applies
on the room's one ordered path (``server/realtime/line.py``): what must be kept (``Attend``,
``Post``, ``Erase``, ``Mark``, and the room's flags when they changed) is persisted first,
then sends, group moves and history are delivered in order, then ``Drop``ped sockets are
disconnected. Groups are Socket.IO rooms of one session: ``room`` (everyone admitted),
``hosts`` (moderators), ``roster`` (those who may see the roster), ``lobby`` (those
waiting).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from rooms.attendance import Movement
from rooms.chat import ChatMessage
from rooms.roles import Role


class Group(StrEnum):
    ROOM = "room"
    HOSTS = "hosts"
    ROSTER = "roster"
    LOBBY = "lobby"


@dataclass(frozen=True, slots=True)
class Text:
    """A sentence for a person, translated at the edge into their language."""

    template: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Person:
    """Who is connecting, as the server resolved it (never from a payload)."""

    person_key: str
    participant_id: str
    name: str
    role: Role
    owner: bool = False  # the session's host by account: always enters, cannot be demoted
    rejoin_token: str = ""  # an anonymous guest's way back as the same person (``joined``)


@dataclass(frozen=True, slots=True)
class RoomFlags:
    """What a room remembers beyond the people in it (persisted)."""

    locked: bool = False
    chat_enabled: bool = True
    bans: frozenset[str] = frozenset()  # person keys removed for good from this session
    sent_out: frozenset[str] = frozenset()  # person keys a host sent to the lobby: they wait
    roles: Mapping[str, Role] = field(default_factory=dict)  # person key -> role given live

    def with_ban(self, person_key: str) -> "RoomFlags":
        return replace(self, bans=self.bans | {person_key})

    def with_role(self, person_key: str, role: Role) -> "RoomFlags":
        return replace(self, roles={**self.roles, person_key: role})

    def with_sent_out(self, person_key: str, out: bool) -> "RoomFlags":
        keys = self.sent_out | {person_key} if out else self.sent_out - {person_key}
        return replace(self, sent_out=keys)


@dataclass(frozen=True, slots=True)
class Send:
    """An event to a group of the room, or to some sockets."""

    event: str
    payload: Mapping[str, object]
    group: Group | None = None
    sids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Move:
    """Sockets entering and leaving groups."""

    sids: tuple[str, ...]
    enter: tuple[Group, ...] = ()
    leave: tuple[Group, ...] = ()


@dataclass(frozen=True, slots=True)
class History:
    """Send these sockets the chat they may see (from the store)."""

    sids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Drop:
    """Disconnect these sockets (after everything else is delivered)."""

    sids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Attend:
    """A join or leave to record in the session's attendance."""

    movement: Movement
    person: Person
    role: Role


@dataclass(frozen=True, slots=True)
class Post:
    """Store a chat message (once per client id), then deliver its sends, with its id, if
    it was new. The sends were decided when the message was posted."""

    message: ChatMessage
    sends: tuple[Send, ...]


@dataclass(frozen=True, slots=True)
class Erase:
    """Delete a chat message for everyone, then deliver the sends if it was still there."""

    message_id: str
    by: str  # participant_id of the moderator
    sends: tuple[Send, ...]


@dataclass(frozen=True, slots=True)
class Mark:
    """Note in the chat's order that a participant was sent out of the room (``out``) or
    brought back: what was posted in between is never theirs to see."""

    participant_id: str
    out: bool


@dataclass(frozen=True, slots=True)
class Keep:
    """A workflow's record, kept with the change (the store knows each kind of record).
    ``durable``: the change is answered only once Redis has it on disk (a review's score)."""

    record: object
    durable: bool = False


Effect = Send | Move | History | Drop | Attend | Post | Erase | Mark | Keep
