"""Chat rules: what a message is, who may see it, how fast one may send, how it exports.

A message goes to the whole room (``to == "room"``), to the moderators (``"hosts"``), to a
review's panel (``"panel"``), to an audience a workflow keeps (a breakout group's chat,
``"group:<round>:<group>"``: those in the group) or to one participant (their
participant_id). Text is kept raw (the page escapes it when showing it) and holds 1 to
``CHAT_TEXT_MAX_BYTES`` (rooms.limits) bytes of UTF-8 once trimmed.
"""

from dataclasses import dataclass
from datetime import datetime

from rooms.errors import DomainError
from rooms.limits import CHAT_TEXT_MAX_BYTES
from rooms.protocol import TO_HOSTS, TO_PANEL, TO_ROOM

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP's CSV injection list
EXPORT_HEADER = ("time", "from", "role", "to", "text")


@dataclass(frozen=True, slots=True)
class ChatMessage:
    message_id: str  # the stream id; "" until stored
    sender_id: str  # participant_id
    sender_name: str
    sender_role: str
    to: str  # "room", "hosts" or a participant_id
    to_name: str  # the recipient's name for a private message, else ""
    text: str
    client_id: str
    at: datetime

    @property
    def private(self) -> bool:
        return self.to != TO_ROOM


def check_text(text: str) -> None:
    """Refuse an empty message or one over the size limit."""
    if not text.strip():
        raise DomainError("A chat message cannot be empty.", code="invalid_payload")
    if len(text.encode()) > CHAT_TEXT_MAX_BYTES:
        raise DomainError(
            "A chat message may hold at most {most} bytes.",
            code="invalid_payload",
            most=CHAT_TEXT_MAX_BYTES,
        )


def visible_to(
    message: ChatMessage,
    *,
    participant_id: str,
    moderator: bool,
    panel: bool = False,
    audiences: frozenset[str] = frozenset(),
) -> bool:
    """May this viewer see the message, live or in history? (``panel``: the viewer is on a
    review's panel; ``audiences``: the workflows' chat audiences they are in now.)"""
    if message.to == TO_ROOM or message.sender_id == participant_id:
        return True
    if message.to == TO_HOSTS:
        return moderator
    if message.to == TO_PANEL:
        return panel
    return message.to == participant_id or message.to in audiences


@dataclass(frozen=True, slots=True)
class Absence:
    """A mark in a room's chat: a participant was sent out of the room, or brought back."""

    entry_id: str
    participant_id: str
    out: bool


def history_for(
    entries: list[ChatMessage | Absence],
    *,
    participant_id: str,
    moderator: bool,
    absences: frozenset[str] = frozenset(),
    panel: bool = False,
    audiences: frozenset[str] = frozenset(),
) -> list[ChatMessage]:
    """The messages among these entries (in stream order) a viewer may see: ``visible_to``
    them, and not posted while they were away: sent out of the room (their own marks), or
    between the marks of ``absences`` (a review item they are conflicted on). A first mark
    that brings them back means they were out from the start of the entries."""
    theirs = absences | {participant_id}
    away: dict[str, bool] = {}
    for entry in entries:
        if isinstance(entry, Absence) and entry.participant_id in theirs:
            away.setdefault(entry.participant_id, not entry.out)
    shown: list[ChatMessage] = []
    for entry in entries:
        if isinstance(entry, Absence):
            if entry.participant_id in theirs:
                away[entry.participant_id] = entry.out
        elif not any(away.values()) and visible_to(
            entry,
            participant_id=participant_id,
            moderator=moderator,
            panel=panel,
            audiences=audiences,
        ):
            shown.append(entry)
    return shown


def message_payload(message: ChatMessage) -> dict[str, object]:
    """A message as the protocol's ``chat`` event carries it."""
    return {
        "message_id": message.message_id,
        "from": {
            "participant_id": message.sender_id,
            "name": message.sender_name,
            "role": message.sender_role,
        },
        "to": message.to,
        "to_name": message.to_name,
        "text": message.text,
        "client_id": message.client_id,
        "at": message.at.isoformat(),
    }


def defuse(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def export_rows(messages: list[ChatMessage]) -> list[tuple[str, ...]]:
    """The chat as CSV rows (header first), oldest first."""
    rows: list[tuple[str, ...]] = [EXPORT_HEADER]
    for m in messages:
        to = m.to if m.to in (TO_ROOM, TO_HOSTS, TO_PANEL) else m.to_name
        cells = (m.at.isoformat(), m.sender_name, m.sender_role, to, m.text)
        rows.append(tuple(defuse(cell) for cell in cells))
    return rows


@dataclass(slots=True)
class TokenBucket:
    """A rate limit: ``burst`` sends at once, then ``per_second`` on average."""

    burst: float
    per_second: float
    tokens: float
    updated: datetime | None = None

    @classmethod
    def full(cls, *, burst: float, per_second: float) -> "TokenBucket":
        return cls(burst=burst, per_second=per_second, tokens=burst)

    def take(self, *, now: datetime) -> bool:
        """Spend one token if there is one; False when the sender must wait."""
        if self.updated is not None:
            elapsed = max((now - self.updated).total_seconds(), 0.0)
            self.tokens = min(self.burst, self.tokens + elapsed * self.per_second)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True
