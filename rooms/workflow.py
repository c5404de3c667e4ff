"""The seam between a live room's core and the workflows beside it.

``rooms.room.Room`` is the common core of every live room: who is present (in the room or
its lobby), their roles, chat, flags, host controls. Everything else a room does is a
**workflow**: a class of its own module in ``rooms/`` that owns its state, handles its own
client events (``rooms.protocol.HANDLED_BY`` names the workflow of each event), returns the
same outbox effects as the core, and answers the core's questions:

- ``about(p)``: fields it adds to a participant as the protocol shows them;
- ``snapshot(p)``: keys it adds to the ``joined`` snapshot of that person;
- ``admitted(p)``, ``gone(p)``, ``role_changed(p)``: the effects it adds when someone enters
  the room, leaves it (or is sent out), or gets another role;
- ``may_hear(listener, speaker)`` and ``may_see(viewer, subject)``: whether one person may
  hear (media) or see (roster, video) another now — asked by the room and the media plane;
- ``withholds(p)``: capabilities of their role they may not use now (``Room.caps`` leaves
  them out; the media plane forwards nothing they may not publish);
- ``holds(p)``: whether a person must stay out of the room now (a reviewer conflicted on the
  current item): they are in none of its groups, and not in the lobby's queue;
- ``absences(p)``: chat marks that count as their being away (not in their history);
- ``audience(p)``: the chat audience the person is in now besides the room's (a breakout
  group's): their room chat goes there, and they read its messages, live and in history;
- ``grants(p)``: a **stage grant**: capabilities it gives this person for now beside their
  role's (a listener invited to speak publishes audio; a class's student speaking in their
  breakout group); ``Room.caps`` adds them, so every check and the media plane see them,
  and they end when the workflow stops giving them.

Every room runs the lobby and the hand queue (``rooms.lobby``, ``rooms.hands``); a session
kind adds its own (``rooms.kinds``). A workflow reaches the core only through ``Core``.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

from rooms.agenda import Session
from rooms.outbox import Effect, RoomFlags
from rooms.presence import Participant, People
from rooms.roles import Capability

if TYPE_CHECKING:
    from rooms.hands import Hands
    from rooms.lobby import Lobby


W = TypeVar("W", bound="Workflow")


class Core(Protocol):
    """What a workflow may use of its room (``part``: another workflow of the room, whose
    state it may read, never change)."""

    session: Session
    flags: RoomFlags
    people: People
    lobby: "Lobby"
    hands: "Hands"

    def caps(self, p: Participant) -> frozenset[Capability]: ...

    def part(self, kind: type[W]) -> W: ...

    def require(self, sid: str, capability: Capability) -> Participant: ...

    def target(self, participant_id: str, *, admitted: bool | None = True) -> Participant: ...

    def check_outranks(self, actor: Participant, target: Participant) -> None: ...

    def hold_of(self, p: Participant) -> dict[str, object] | None: ...

    def updated(self, p: Participant) -> list[Effect]: ...

    def payload(self, p: Participant) -> dict[str, object]: ...
    def regranted(self, p: Participant) -> list[Effect]: ...

    def enter(self, p: Participant, *, now: datetime) -> list[Effect]: ...

    def shown_to(self, p: Participant) -> list[Participant]: ...

    def departed(self, p: Participant, *, now: datetime) -> list[Effect]: ...

    def turn_away(
        self, p: Participant, event: str, payload: dict[str, object], *, now: datetime
    ) -> list[Effect]: ...


class Workflow:
    """A part of a live room beside its core. The defaults add nothing and allow all."""

    name = ""  # as ``rooms.protocol.WORKFLOW_EVENTS`` names it
    # whether everyone who sees the roster is told when its grants or withholdings change
    # (``participant_updated``), so that a participant's ``publishes`` counts them
    announces_grants = True

    def __init__(self, room: Core) -> None:
        self.room = room

    def about(self, p: Participant) -> dict[str, object]:
        return {}

    def snapshot(self, p: Participant, *, now: datetime) -> dict[str, object]:
        return {}

    def admitted(self, p: Participant, *, now: datetime) -> list[Effect]:
        return []

    def gone(self, p: Participant, *, now: datetime) -> list[Effect]:
        return []

    def role_changed(self, p: Participant, *, now: datetime) -> list[Effect]:
        return []

    def may_hear(self, listener: Participant, speaker: Participant) -> bool:
        return True

    def may_see(self, viewer: Participant, subject: Participant) -> bool:
        return True

    def withholds(self, p: Participant) -> frozenset[Capability]:
        """Capabilities of this person's role they may not use now (a roadshow's founder
        off stage may not publish)."""
        return frozenset()

    def holds(self, p: Participant) -> dict[str, object] | None:
        """Why this person must stay out of the room now (the ``stepped_out`` payload), or
        None. Asked at every entrance and after the workflow's changes."""
        return None

    def absences(self, p: Participant) -> frozenset[str]:
        """Chat marks (``rooms.outbox.Mark``) besides their own that count as this person's
        being out of the room: what was posted between them is not in their history."""
        return frozenset()

    def grants(self, p: Participant) -> frozenset[Capability]:
        """Capabilities this person has now beyond their role's. Must not ask the room's
        ``caps`` (which asks this)."""
        return frozenset()

    def audience(self, p: Participant) -> tuple[str, str] | None:
        """The chat audience (its key, as a message's ``to``, and its name) this person is
        in now instead of the whole room's, or None: their room chat goes to it, and they
        read its messages, live and in history, while they are in it."""
        return None
