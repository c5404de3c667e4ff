"""A live room's chat (``Room.chat``): who may post what to whom now, exactly which sockets
receive each message, who reads what (a ``Viewer``), and the moderators' deletions.

What a message is, who may see one and how fast one may send are ``rooms.chat``'s rules;
this applies them to the room as it is now: its people, the chat's flag, the review's panel
and the chat audiences its workflows keep (a breakout group's). Like the rest of the room it
changes nothing outside itself and returns effects: a ``Post`` to store and deliver, an
``Erase``.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rooms.chat import ChatMessage, check_text, message_payload, visible_to
from rooms.errors import DomainError, Forbidden, NotFound
from rooms.outbox import Effect, Erase, Group, Post, Send
from rooms.presence import Participant
from rooms.protocol import TO_GROUP, TO_HOSTS, TO_PANEL, TO_ROOM
from rooms.roles import Capability, Kind

if TYPE_CHECKING:
    from rooms.room import Room

C = Capability


@dataclass(frozen=True, slots=True)
class Viewer:
    """A person as the chat sees them: their id, whether they moderate, and the marks of
    the times they were away beside their own (``Workflow.absences``)."""

    participant_id: str
    moderator: bool
    absences: frozenset[str] = frozenset()
    panel: bool = False
    audiences: frozenset[str] = frozenset()  # the workflows' chat audiences they are in now


class RoomChat:
    def __init__(self, room: "Room") -> None:
        self.room = room

    def viewer(self, sid: str) -> Viewer | None:
        """Who a socket's admitted person is, for what chat they see; None if the socket is
        not in the room (any more)."""
        room = self.room
        p = room.people.of_sid(sid)
        if p is None or not p.admitted:
            return None
        absences = frozenset(m for w in room.workflows for m in w.absences(p))
        caps = room.caps(p)
        return Viewer(
            p.participant_id, C.MODERATE in caps, absences, self.on_panel(p), self.audiences(p)
        )

    def on_panel(self, p: Participant) -> bool:
        """On a review's panel: its chair and its reviewers (the panel chat's people)."""
        room = self.room
        return bool({C.CHAIR, C.SCORE} & room.caps(p)) and room.session.kind is Kind.REVIEW

    def audience(self, p: Participant) -> tuple[str, str] | None:
        """The chat audience a workflow puts this person in now (their breakout group's),
        as (key, name), if one does: their room chat goes there."""
        return next((a for w in self.room.workflows if (a := w.audience(p)) is not None), None)

    def audiences(self, p: Participant) -> frozenset[str]:
        """The chat audiences whose messages this person reads now."""
        audience = self.audience(p)
        return frozenset({audience[0]}) if audience else frozenset()

    def post(self, sid: str, *, text: str, client_id: str, to: str, now: datetime) -> list[Effect]:
        """A message this socket's person may send now, to be stored and delivered. In a
        workflow's chat audience (a breakout group), their room chat goes to it."""
        room = self.room
        p = room.require(sid, C.CHAT if to in (TO_ROOM, TO_GROUP) else C.CHAT_PRIVATE)
        check_text(text)
        if not room.flags.chat_enabled and C.MODERATE not in room.caps(p):
            raise Forbidden("A host has turned the chat off.", code="chat_disabled")
        if to == TO_PANEL and not self.on_panel(p):
            raise Forbidden("Only the review's panel can use the panel chat.", code="not_panel")
        audience = self.audience(p)
        if to == TO_GROUP and audience is None:
            raise DomainError("You are not in a breakout group.", code="no_group")
        if to in (TO_ROOM, TO_GROUP) and audience is not None:
            to, to_name = audience
        else:
            to_name = "" if to in (TO_ROOM, TO_HOSTS, TO_PANEL) else room.target(to).person.name
        room.take_token(p, "chat", now=now)
        message = ChatMessage(
            message_id="", sender_id=p.participant_id, sender_name=p.person.name,
            sender_role=str(p.role), to=to, to_name=to_name, text=text, client_id=client_id, at=now,
        )  # fmt: skip
        return [Post(message, self._sends(p, message))]

    def _sends(self, sender: Participant, message: ChatMessage) -> tuple[Send, ...]:
        """Exactly those who may see the message, as the room is now (its id comes later)."""
        people = self.room.people
        payload = message_payload(message)
        if message.to == TO_ROOM:
            return (Send("chat", payload, group=Group.ROOM),)
        if message.to == TO_PANEL:
            panel = (s for q in people.admitted() if self.on_panel(q) for s in q.sids)
            return (Send("chat", payload, sids=tuple(panel)),)
        audience = self.audience(sender)
        if audience is not None and message.to == audience[0]:
            members = (
                s for q in people.admitted()
                if (a := self.audience(q)) and a[0] == message.to for s in q.sids
            )  # fmt: skip
            return (Send("chat", payload, sids=tuple(members)),)
        hosts = Send("chat", payload, group=Group.HOSTS)
        if message.to == TO_HOSTS:
            if C.MODERATE in self.room.caps(sender):
                return (hosts,)
            return (hosts, Send("chat", payload, sids=tuple(sender.sids)))
        target = people.of_participant(message.to)
        target_sids = tuple(target.sids) if target and target is not sender else ()
        return (Send("chat", payload, sids=tuple(sender.sids) + target_sids),)

    def delete(self, sid: str, message: ChatMessage | None) -> list[Effect]:
        p = self.room.require(sid, C.MODERATE)
        if message is None or not visible_to(
            message, participant_id=p.participant_id, moderator=True, audiences=self.audiences(p)
        ):
            raise NotFound("There is no such message.")
        deleted = Send("chat_deleted", {"message_id": message.message_id}, group=Group.ROOM)
        return [Erase(message.message_id, by=p.participant_id, sends=(deleted,))]
