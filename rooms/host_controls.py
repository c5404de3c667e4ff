"""A live room's host controls (``Room.controls``): what a moderator does to the room and the
people in it — mute one or everyone, stop a camera or a screen share, remove (and ban),
lock the room, turn the chat off, give someone another role.

Each checks that the acting socket's person may do it (``moderate``, ``manage_roles``) and
may do it to that person (nobody touches the session's owner; only a host touches a host),
changes the room's people or flags, and returns the effects, as the rest of the room does.
Ending the room is the room's own (``Room.close``).
"""

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from rooms.errors import DomainError, Forbidden
from rooms.outbox import Effect, Group, Move, Send, Text
from rooms.presence import Participant
from rooms.roles import Capability, Role, roles_for

if TYPE_CHECKING:
    from rooms.room import Room

C = Capability


class HostControls:
    def __init__(self, room: "Room") -> None:
        self.room = room

    def mute(self, sid: str, participant_id: str) -> list[Effect]:
        actor = self.room.require(sid, C.MODERATE)
        return self._mute(actor, [self.room.target(participant_id)])

    def mute_all(self, sid: str) -> list[Effect]:
        room = self.room
        actor = room.require(sid, C.MODERATE)
        return self._mute(
            actor, [p for p in room.people.admitted() if C.MODERATE not in room.caps(p)]
        )

    def _mute(self, actor: Participant, targets: list[Participant]) -> list[Effect]:
        """Microphones off (the edge stops forwarding their audio); their clients are asked."""
        news = [e for p in targets if p.mic for e in self.room.set_devices(p, mic=False)]
        sids = tuple(s for p in targets for s in p.sids)
        asked = [Send("mute_request", {"by": actor.person.name}, sids=sids)] if sids else []
        return news + asked

    def stop_video(self, sid: str, participant_id: str, *, screen: bool) -> list[Effect]:
        """A camera off (or a screen share stopped, which the edge alone tracks)."""
        room = self.room
        actor = room.require(sid, C.MODERATE)
        p = room.target(participant_id)
        news = room.set_devices(p, camera=False) if p.camera and not screen else []
        request = {"by": actor.person.name, "screen": screen}
        return [*news, Send("stop_video_request", request, sids=tuple(p.sids))]

    def remove(self, sid: str, participant_id: str, *, ban: bool, now: datetime) -> list[Effect]:
        room = self.room
        actor = room.require(sid, C.MODERATE)
        p = room.target(participant_id, admitted=None)
        room.check_outranks(actor, p)
        if ban:
            room.flags = room.flags.with_ban(p.key)
        forgotten = room.lobby.forget(p.key)
        payload = {"banned": ban, "message": Text("A host removed you from the session.")}
        return [*forgotten, *room.turn_away(p, "removed", payload, now=now)]

    def _flags_news(self) -> list[Effect]:
        flags = self.room.flags
        payload = {"locked": flags.locked, "chat_enabled": flags.chat_enabled}
        return [Send("room_flags", payload, group=Group.ROOM)]

    def set_locked(self, sid: str, locked: bool) -> list[Effect]:
        room = self.room
        room.require(sid, C.MODERATE)
        room.flags = replace(room.flags, locked=locked)
        return self._flags_news()

    def set_chat_enabled(self, sid: str, enabled: bool) -> list[Effect]:
        room = self.room
        room.require(sid, C.MODERATE)
        room.flags = replace(room.flags, chat_enabled=enabled)
        return self._flags_news()

    def set_role(self, sid: str, participant_id: str, role: Role, *, now: datetime) -> list[Effect]:
        room = self.room
        actor = room.require(sid, C.MANAGE_ROLES)
        p = room.target(participant_id)
        if p is actor:
            raise Forbidden("You cannot change your own role.", code="own_role")
        room.check_outranks(actor, p)
        if role not in roles_for(room.session.kind):
            raise DomainError(
                "There is no {role} role in this session.", code="invalid_role", role=str(role)
            )
        if role is Role.HOST and actor.role is not Role.HOST:
            raise Forbidden("Only a host can make someone a host.", code="protected")
        before = set(room.groups(p))
        p.role = role
        room.flags = room.flags.with_role(p.key, role)
        after, sids = set(room.groups(p)), tuple(p.sids)
        moved = Move(sids, enter=tuple(after - before), leave=tuple(before - after))
        added = [e for w in room.workflows for e in w.role_changed(p, now=now)]
        you = {"participant": room.payload(p), "capabilities": sorted(room.caps(p))}
        return [moved, *added, *room.updated(p), Send("you", you, sids=sids)]
