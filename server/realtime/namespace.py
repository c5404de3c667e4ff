"""The ``/room`` namespace: one handler per client event (PROTOCOL.md).

``trigger_event`` checks every event's payload before its handler runs
(server/realtime/payloads.py) and turns any refusal into an ``error`` event; handlers look
the room up, make one call on the Room, persist, and deliver through ``LiveRooms``. The
Room checks the capability of each event (rooms.protocol.EVENTS). Media events go to the
room's ``RoomMedia`` (server/realtime/media.py); the host controls and the microphone and
camera reports also tell it what to forward. The server runs with ``async_handlers=False``,
so a socket's events are handled one at a time, in order.
"""

import logging
from typing import Any

import socketio

from rooms.attendance import presence_payload, totals
from rooms.errors import DomainError
from rooms.outbox import Text
from rooms.protocol import TO_ROOM
from rooms.roles import Capability
from server.realtime.fanout import NAMESPACE
from server.realtime.identity import arrive, language_of
from server.realtime.live import Connection, LiveRooms
from server.realtime.payloads import check_payload, event_label

log = logging.getLogger(__name__)

C = Capability
_LIFECYCLE = frozenset({"connect", "disconnect"})


class RoomNamespace(socketio.AsyncNamespace):
    def __init__(self, live: LiveRooms) -> None:
        super().__init__(NAMESPACE)
        self.live = live
        self.store = live.store

    async def trigger_event(self, event: str, *args: Any) -> Any:
        if event in _LIFECYCLE:
            return await super().trigger_event(event, *args)
        sid, data = args[0], args[1:]
        try:
            payload = check_payload(event, data, max_bytes=self.live.settings.payload_max_bytes)
            return await getattr(self, f"on_{event}")(sid, payload)
        except DomainError as error:
            await self.live.refuse(sid, event_label(event), error)
        except Exception:
            log.exception("event %s failed", event_label(event))
            internal = DomainError(
                "Internal error. It has been logged; please try again.", code="internal"
            )
            await self.live.refuse(sid, event_label(event), internal)
        return None

    # connecting

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: object = None) -> None:
        request = environ["aiohttp.request"]
        lang = language_of(request, auth)
        try:
            arrival = await arrive(request, auth=auth, now=self.live.clock())
            live = await self.live.room_for(arrival.session)
            live.room.check_entry(arrival.person)
        except DomainError as error:
            message = self.live.translate(lang, error.template, error.params)
            raise socketio.exceptions.ConnectionRefusedError(
                message, {"code": error.code, "message": message}
            ) from None
        self.live.connections[sid] = Connection(arrival.person, arrival.session, lang)

    async def on_disconnect(self, sid: str, reason: str | None = None) -> None:
        connection = self.live.connections.pop(sid, None)
        live = self.live.rooms.get(connection.session.session_id) if connection else None
        if live is not None:
            await live.media.socket_gone(sid)
            await self.live.apply(live, live.room.leave(sid, now=self.live.clock()))

    async def on_join(self, sid: str, data: dict[str, Any]) -> None:
        connection = self.live.connections[sid]
        live = await self.live.room_for(connection.session)
        connection.chat_after = data["chat_after"]
        await self.live.apply(live, live.room.join(sid, connection.person, now=self.live.clock()))

    async def on_ping(self, sid: str, data: dict[str, Any]) -> None:
        await self.live.fanout.to_sid(sid, "pong", {})

    # chat

    async def on_chat(self, sid: str, data: dict[str, Any]) -> dict[str, object]:
        live = self.live.room_of(sid)
        message = live.room.post_chat(
            sid, text=data["text"], client_id=data["client_id"], to=TO_ROOM, now=self.live.clock()
        )
        return await self.live.post_chat(live, message)

    async def on_chat_private(self, sid: str, data: dict[str, Any]) -> dict[str, object]:
        live = self.live.room_of(sid)
        message = live.room.post_chat(
            sid,
            text=data["text"],
            client_id=data["client_id"],
            to=data["to"],
            now=self.live.clock(),
        )
        return await self.live.post_chat(live, message)

    async def on_chat_delete(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        message = await self.store.chat.get(live.session_id, data["message_id"])
        effects = live.room.delete_chat(sid, message)
        by = self.live.connections[sid].person.participant_id
        await self.live.delete_chat(live, data["message_id"], effects, by=by)

    async def on_set_chat_enabled(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        effects = live.room.set_chat_enabled(sid, data["enabled"])
        await self.store.rooms.save_flags(live.room.session, live.room.flags)
        await self.live.apply(live, effects)

    # hands, reactions, microphones and cameras

    async def on_raise_hand(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        await self.live.apply(live, live.room.raise_hand(sid, now=self.live.clock()))

    async def on_lower_hand(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        await self.live.apply(live, live.room.lower_hand(sid))

    async def on_lower_hand_of(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        await self.live.apply(live, live.room.lower_hand_of(sid, data["participant_id"]))

    async def on_lower_all_hands(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        await self.live.apply(live, live.room.lower_all_hands(sid))

    async def on_react(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        await self.live.apply(live, live.room.react(sid, data["emoji"], now=self.live.clock()))

    async def on_set_mic(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        effects = live.room.set_mic(sid, data["on"])
        live.media.follow(self.live.participant_of(sid))
        await self.live.apply(live, effects)

    async def on_set_camera(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        effects = live.room.set_camera(sid, data["on"])
        live.media.follow(self.live.participant_of(sid))
        await self.live.apply(live, effects)

    # the lobby

    async def on_admit(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        await self.live.apply(
            live, live.room.admit(sid, data["participant_id"], now=self.live.clock())
        )

    async def on_admit_all(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        await self.live.apply(live, live.room.admit_all(sid, now=self.live.clock()))

    async def on_deny(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        await self.live.apply(
            live, live.room.deny(sid, data["participant_id"], now=self.live.clock())
        )

    async def on_deny_all(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        await self.live.apply(live, live.room.deny_all(sid, now=self.live.clock()))

    async def on_send_to_lobby(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        effects = live.room.send_to_lobby(sid, data["participant_id"], now=self.live.clock())
        await self.live.apply(live, effects)
        await live.media.close_participant(data["participant_id"], reason="lobby")

    # host controls

    async def on_mute(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        effects = live.room.mute(sid, data["participant_id"])
        live.media.follow(data["participant_id"])
        await self.live.apply(live, effects)

    async def on_mute_all(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        effects = live.room.mute_all(sid)
        live.media.follow()
        await self.live.apply(live, effects)

    async def on_remove(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        effects = live.room.remove(
            sid, data["participant_id"], ban=data["ban"], now=self.live.clock()
        )
        await live.media.close_participant(data["participant_id"])
        await self.store.rooms.save_flags(live.room.session, live.room.flags)
        await self.live.apply(live, effects)

    async def on_set_locked(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        effects = live.room.set_locked(sid, data["locked"])
        await self.store.rooms.save_flags(live.room.session, live.room.flags)
        await self.live.apply(live, effects)

    async def on_set_role(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        effects = live.room.set_role(
            sid, data["participant_id"], data["role"], now=self.live.clock()
        )
        await self.store.rooms.save_flags(live.room.session, live.room.flags)
        await self.live.apply(live, effects)
        await live.media.role_changed(data["participant_id"])

    async def on_get_attendance(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        live.room.require(sid, C.MODERATE)
        passages = await self.store.attendance.passages(live.session_id)
        people = [presence_payload(p) for p in totals(passages, until=self.live.clock())]
        await self.live.fanout.to_sid(sid, "attendance", {"people": people})

    async def on_end_session(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        live.room.require(sid, C.END_SESSION)
        await self.store.rooms.end_session(live.session_id, now=self.live.clock())
        await self.live.close(live, Text("The host ended the session."))

    # media (PROTOCOL.md, Media; the work is in server/realtime/media.py)

    async def on_media_start(self, sid: str, data: dict[str, Any]) -> None:
        await self.live.room_of(sid).media.start(sid)

    async def on_publish_offer(self, sid: str, data: dict[str, Any]) -> None:
        media = self.live.room_of(sid).media
        await media.publish(sid, data["sdp"], screen_mids=data["screen_mids"] or ())

    async def on_subscribe_answer(self, sid: str, data: dict[str, Any]) -> None:
        media = self.live.room_of(sid).media
        await media.answer(sid, data["sdp"], revision=data["revision"])

    async def on_ice_candidate(self, sid: str, data: dict[str, Any]) -> None:
        media = self.live.room_of(sid).media
        await media.candidate(sid, data["connection"], data["candidate"])

    async def on_media_stop(self, sid: str, data: dict[str, Any]) -> None:
        await self.live.room_of(sid).media.stop(sid)

    async def on_stop_video(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        target, screen = data["participant_id"], data["screen"]
        effects = live.room.stop_video(sid, target, screen=screen)
        if screen:
            live.media.stop_screen(target)
        live.media.follow(target)
        await self.live.apply(live, effects)
