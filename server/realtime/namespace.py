"""The ``/room`` namespace: one handler per client event (PROTOCOL.md).

``trigger_event`` checks every event's payload before its handler runs
(server/realtime/payloads.py) and turns any refusal into an ``error`` event — and, when the
client asked for an acknowledgement, into the ack ``{"error": {code, message, event}}``.
Reserved names sent by a client (``server/realtime/reserved.py``) are refused like unknown
events: only the real connection and disconnection reach ``on_connect``/``on_disconnect``.
Handlers make one change on the Room through ``LiveRooms.change`` (the room's one ordered
path: change, persist, deliver). The Room checks the capability of each event
(rooms.protocol.EVENTS). Media events go to the room's ``RoomMedia``
(server/realtime/signalling.py); the host controls and the microphone and camera reports also
tell it what to forward. The server runs with ``async_handlers=False``, so a socket's events
are handled one at a time, in order.
"""

import logging
from typing import Any

import socketio

from rooms.attendance import presence_payload, totals
from rooms.errors import DomainError
from rooms.outbox import Text
from rooms.protocol import TO_ROOM
from rooms.roles import Capability
from server import i18n
from server.realtime.breakout_events import BreakoutEvents
from server.realtime.fanout import NAMESPACE
from server.realtime.identity import arrive, client_of, language_of
from server.realtime.interest_events import InterestEvents
from server.realtime.judging_events import JudgingEvents
from server.realtime.live import Connection, LiveRooms
from server.realtime.ownership import WRONG_OWNER
from server.realtime.panel_events import PanelEvents
from server.realtime.payloads import check_payload, event_label
from server.realtime.poll_events import PollEvents
from server.realtime.question_events import QuestionEvents
from server.realtime.recording_events import RecordingEvents
from server.realtime.reserved import WireReserved
from server.realtime.show_events import ShowEvents
from server.realtime.signing_events import SigningEvents
from server.realtime.slides_events import SlidesEvents
from server.realtime.speaking_events import SpeakingEvents
from server.realtime.stream_events import StreamEvents
from server.store.connection import StoreError
from server.store.owners import Fenced

log = logging.getLogger(__name__)

C = Capability
_LIFECYCLE = frozenset({"connect", "disconnect"})
INTERNAL = "Internal error. It has been logged; please try again."
NOT_SAVED = "The message was not saved; it will be sent again."
UNREACHABLE = "The room's database did not answer; please try again."


class RoomNamespace(
    PanelEvents,
    PollEvents,
    QuestionEvents,
    InterestEvents,
    BreakoutEvents,
    ShowEvents,
    JudgingEvents,
    SlidesEvents,
    SpeakingEvents,
    SigningEvents,
    RecordingEvents,
    StreamEvents,
    socketio.AsyncNamespace,
):
    def __init__(self, live: LiveRooms) -> None:
        super().__init__(NAMESPACE)
        self.live = live
        self.store = live.store

    async def trigger_event(self, event: str, *args: Any) -> Any:
        if event in _LIFECYCLE and not isinstance(event, WireReserved):
            return await super().trigger_event(event, *args)
        sid, data = args[0], args[1:]
        try:
            if isinstance(event, WireReserved):
                raise DomainError(
                    "{event} is a reserved name: no client may send it.",
                    code="reserved_event",
                    event=event_label(str(event)),
                )
            payload = check_payload(event, data, max_bytes=self.live.settings.payload_max_bytes)
            return await getattr(self, f"on_{event}")(sid, payload)
        except DomainError as error:
            return await self.live.refuse(sid, event_label(event), error)
        except Fenced as fenced:  # a write outside the line: another process owns the room
            log.warning("room %s: %s refused: another process owns the room now",
                        fenced.session_id, event_label(event))  # fmt: skip
            refusal = await self.live.refuse(sid, event_label(event), _moved())
            await self.live.lost(fenced.session_id)
            return refusal
        except StoreError as error:  # Redis is down or hung: not a bug, and said so
            log.warning("event %s: Redis did not answer: %r", event_label(event), error)
            unreachable = DomainError(UNREACHABLE, code="unavailable")
            return await self.live.refuse(sid, event_label(event), unreachable)
        except Exception:
            log.exception("event %s failed", event_label(event))
            internal = DomainError(INTERNAL, code="internal")
            return await self.live.refuse(sid, event_label(event), internal)

    # connecting

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: object = None) -> None:
        request = environ["aiohttp.request"]
        lang = language_of(request, auth)
        try:
            arrival = await arrive(request, auth=auth, now=self.live.clock())
            live = await self.live.room_for(arrival.session)
            live.room.check_entry(arrival.person)
        except StoreError as error:  # Redis is down or hung: refused, the client tries again
            log.warning("a connection: Redis did not answer: %r", error)
            raise self._refused(lang, UNREACHABLE, "unavailable") from None
        except DomainError as error:
            kind = i18n.kind_of(request)  # known once arrive found the session
            message = self.live.translate(lang, error.template, error.params, kind)
            data = {"code": error.code, "message": message}
            if error.code == "wrong_owner":  # where to reconnect: HAProxy routes ?owner= to it
                data["owner"] = str(error.params["owner"])
            raise socketio.exceptions.ConnectionRefusedError(message, data) from None
        except Exception:  # a bug: answered all the same (else the client waits, unanswered)
            log.exception("a connection failed")
            raise self._refused(lang, INTERNAL, "internal") from None
        self.live.connections[sid] = Connection(
            arrival.person, arrival.session, lang, **client_of(request)
        )

    def _refused(
        self, lang: str, template: str, code: str
    ) -> socketio.exceptions.ConnectionRefusedError:
        """A connection refused with ``code`` and the template's message in ``lang``."""
        message = self.live.translate(lang, template, {}, None)
        return socketio.exceptions.ConnectionRefusedError(
            message, {"code": code, "message": message}
        )

    async def on_disconnect(self, sid: str, reason: str | None = None) -> None:
        connection = self.live.connections.pop(sid, None)
        live = self.live.rooms.get(connection.session.session_id) if connection else None
        if live is not None:
            await live.media.socket_gone(sid)
            await self.live.run(live, live.room.leave(sid, now=self.live.clock()))

    async def on_join(self, sid: str, data: dict[str, Any]) -> None:
        connection = self.live.connections[sid]
        live = await self.live.room_for(connection.session)
        effects = live.room.join(sid, connection.person, now=self.live.clock())
        connection.chat_after = data["chat_after"]
        await self.live.run(live, effects)

    async def on_ping(self, sid: str, data: dict[str, Any]) -> None:
        await self.live.fanout.to_sid(sid, "pong", {})

    async def on_attention(self, sid: str, data: dict[str, Any]) -> None:
        now, visible = self.live.clock(), data["visible"]
        await self.live.change(sid, lambda room: room.attend(sid, visible, now=now))

    # chat

    async def on_chat(self, sid: str, data: dict[str, Any]) -> dict[str, object]:
        return await self._post(sid, data, to=TO_ROOM)

    async def on_chat_private(self, sid: str, data: dict[str, Any]) -> dict[str, object]:
        return await self._post(sid, data, to=data["to"])

    async def _post(self, sid: str, data: dict[str, Any], *, to: str) -> dict[str, object]:
        text, client_id, now = data["text"], data["client_id"], self.live.clock()
        outcome = await self.live.change(
            sid, lambda room: room.chat.post(sid, text=text, client_id=client_id, to=to, now=now)
        )
        stored = outcome.stored[0] if outcome.stored else None
        if stored is None:
            raise DomainError(NOT_SAVED, code="unavailable")
        return {"message_id": stored[0], "duplicate": not stored[1]}

    async def on_chat_delete(self, sid: str, data: dict[str, Any]) -> None:
        message = await self.store.chat.get(self.live.room_of(sid).session_id, data["message_id"])
        await self.live.change(sid, lambda room: room.chat.delete(sid, message))

    async def on_set_chat_enabled(self, sid: str, data: dict[str, Any]) -> None:
        await self.live.change(
            sid, lambda room: room.controls.set_chat_enabled(sid, data["enabled"])
        )

    # hands, reactions, microphones and cameras

    async def on_raise_hand(self, sid: str, data: dict[str, Any]) -> None:
        now = self.live.clock()
        await self.live.change(sid, lambda room: room.hands.raise_hand(sid, now=now))

    async def on_lower_hand(self, sid: str, data: dict[str, Any]) -> None:
        await self.live.change(sid, lambda room: room.hands.lower_hand(sid))

    async def on_lower_hand_of(self, sid: str, data: dict[str, Any]) -> None:
        target = data["participant_id"]
        await self.live.change(sid, lambda room: room.hands.lower_hand_of(sid, target))

    async def on_lower_all_hands(self, sid: str, data: dict[str, Any]) -> None:
        await self.live.change(sid, lambda room: room.hands.lower_all_hands(sid))

    async def on_react(self, sid: str, data: dict[str, Any]) -> None:
        now = self.live.clock()
        await self.live.change(sid, lambda room: room.react(sid, data["emoji"], now=now))

    async def on_set_mic(self, sid: str, data: dict[str, Any]) -> None:
        await self._device(sid, lambda room: room.set_mic(sid, data["on"]))

    async def on_set_camera(self, sid: str, data: dict[str, Any]) -> None:
        await self._device(sid, lambda room: room.set_camera(sid, data["on"]))

    async def _device(self, sid: str, change: Any) -> None:
        live = self.live.room_of(sid)
        effects = change(live.room)
        live.media.follow(self.live.participant_of(sid))
        await self.live.run(live, effects)

    # the lobby

    async def on_admit(self, sid: str, data: dict[str, Any]) -> None:
        now = self.live.clock()
        target = data["participant_id"]
        await self.live.change(sid, lambda room: room.lobby.admit(sid, target, now=now))

    async def on_admit_all(self, sid: str, data: dict[str, Any]) -> None:
        now = self.live.clock()
        await self.live.change(sid, lambda room: room.lobby.admit_all(sid, now=now))

    async def on_deny(self, sid: str, data: dict[str, Any]) -> None:
        now = self.live.clock()
        target = data["participant_id"]
        await self.live.change(sid, lambda room: room.lobby.deny(sid, target, now=now))

    async def on_deny_all(self, sid: str, data: dict[str, Any]) -> None:
        now = self.live.clock()
        await self.live.change(sid, lambda room: room.lobby.deny_all(sid, now=now))

    async def on_send_to_lobby(self, sid: str, data: dict[str, Any]) -> None:
        target, now = data["participant_id"], self.live.clock()
        await self.live.change(sid, lambda room: room.lobby.send_to_lobby(sid, target, now=now))
        await self.live.room_of(sid).media.close_participant(target, reason="lobby")

    # host controls

    async def on_mute(self, sid: str, data: dict[str, Any]) -> None:
        live, target = self.live.room_of(sid), data["participant_id"]
        effects = live.room.controls.mute(sid, target)
        live.media.follow(target)
        await self.live.run(live, effects)

    async def on_mute_all(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        effects = live.room.controls.mute_all(sid)
        live.media.follow()
        await self.live.run(live, effects)

    async def on_remove(self, sid: str, data: dict[str, Any]) -> None:
        live, target, now = self.live.room_of(sid), data["participant_id"], self.live.clock()
        effects = live.room.controls.remove(sid, target, ban=data["ban"], now=now)
        await live.media.close_participant(target)
        await self.live.run(live, effects)

    async def on_set_locked(self, sid: str, data: dict[str, Any]) -> None:
        await self.live.change(sid, lambda room: room.controls.set_locked(sid, data["locked"]))

    async def on_set_role(self, sid: str, data: dict[str, Any]) -> None:
        target, role, now = data["participant_id"], data["role"], self.live.clock()
        live = self.live.room_of(sid)
        await self.live.change(sid, lambda room: room.controls.set_role(sid, target, role, now=now))
        await live.media.rights_changed(target, reason="role")

    async def on_get_attendance(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        live.room.require(sid, C.MODERATE)
        passages = await self.store.attendance.passages(live.session_id)
        people = [presence_payload(p) for p in totals(passages, until=self.live.clock())]
        await self.live.fanout.to_sid(sid, "attendance", {"people": people})

    async def on_end_session(self, sid: str, data: dict[str, Any]) -> None:
        live = self.live.room_of(sid)
        live.room.require(sid, C.END_SESSION)
        fence = self.live.fence(live)
        await self.store.rooms.end_session(live.session_id, now=self.live.clock(), fence=fence)
        await self.live.close(live, Text("The host ended the session."))

    # media (PROTOCOL.md, Media; the work is in server/realtime/signalling.py)

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
        effects = live.room.controls.stop_video(sid, target, screen=screen)
        if screen:
            live.media.stop_screen(target)
        live.media.follow(target)
        await self.live.run(live, effects)


def _moved() -> DomainError:
    return DomainError(WRONG_OWNER, code="wrong_owner")
