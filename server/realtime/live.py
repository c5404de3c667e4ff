"""The live rooms of this process and how their effects reach people.

``LiveRooms`` owns one ``rooms.room.Room`` per live room (created on the first connection,
with its flags from Redis) with its media (``server.realtime.media.RoomMedia``: the room's
SFU router, made with the room and closed with it), the connections (socket -> person,
language), and one task that ends rooms whose session ended or was cancelled and forgets
rooms left empty.

Delivery: a Room's effects are applied in order under the room's lock — attendance is
persisted first, then sends, group moves and chat history go out, then dropped sockets are
disconnected (outside the lock: a disconnect runs the disconnect handler at once). Chat
posts take the same lock around "store in the stream, deliver", so every member gets the
room's messages in stream order, and a socket entering the room reads its history and joins
the group with no message falling in between (none missed, none twice). Every send goes
through ``Fanout``. Texts (``rooms.outbox.Text``) are translated per recipient's language.
"""

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from gettext import NullTranslations

import socketio

from rooms.agenda import Session
from rooms.attendance import Passage
from rooms.chat import ChatMessage, message_payload, visible_to
from rooms.errors import DomainError
from rooms.lifecycle import TERMINAL
from rooms.outbox import Attend, Drop, Effect, History, Move, Person, Send, Text
from rooms.room import ChatLimit, Room
from server.realtime.fanout import NAMESPACE, Fanout
from server.realtime.media import RoomMedia, media_config
from server.settings import Settings
from server.store import Store

log = logging.getLogger(__name__)

HISTORY_SIZE = 100  # messages a newcomer gets
FORGET_EMPTY = timedelta(minutes=2)  # an empty room is kept this long for reconnects


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class Connection:
    """One socket: who it is, in which session, in which language."""

    person: Person
    session: Session  # as it was at connect
    lang: str
    chat_after: str | None = None


@dataclass(slots=True)
class LiveRoom:
    room: Room
    lock: asyncio.Lock
    media: RoomMedia  # the room's SFU: made with the room, closed with it

    @property
    def session_id(self) -> str:
        return self.room.session.session_id


def group_name(group: str, session_id: str) -> str:
    return f"{group}:{session_id}"


class LiveRooms:
    def __init__(
        self,
        sio: socketio.AsyncServer,
        store: Store,
        settings: Settings,
        catalogs: Mapping[str, NullTranslations],
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sio = sio
        self.fanout = Fanout(sio, NAMESPACE)
        self.store = store
        self.settings = settings
        self.catalogs = catalogs
        self.clock = clock
        self.rooms: dict[str, LiveRoom] = {}
        self.connections: dict[str, Connection] = {}
        self.media_config = media_config(settings)  # tests may limit it to loopback
        self._task: asyncio.Task[None] | None = None

    # rooms and connections

    async def room_for(self, session: Session) -> LiveRoom:
        """The session's live room, made on first use with its flags from Redis."""
        live = self.rooms.get(session.session_id)
        if live is None:
            flags = await self.store.rooms.flags(session.session_id)
            limit = ChatLimit(self.settings.chat_burst, self.settings.chat_per_second)
            room = Room(session=session, flags=flags, chat_limit=limit)
            live = self.rooms.get(session.session_id) or self._open(room)
        return live

    def _open(self, room: Room) -> LiveRoom:
        session_id = room.session.session_id

        async def deliver(send: Send) -> None:
            await self._send(session_id, send)

        media = RoomMedia(
            room=room,
            config=self.media_config,
            ice_servers=self.settings.ice_servers,
            deliver=deliver,
        )
        live = self.rooms[session_id] = LiveRoom(room, asyncio.Lock(), media)
        return live

    def room_of(self, sid: str) -> LiveRoom:
        """The live room of a connected socket."""
        connection = self.connections.get(sid)
        live = self.rooms.get(connection.session.session_id) if connection else None
        if live is None or live.room.closed:
            raise DomainError("This session has ended.", code="session_ended")
        return live

    # words

    def translate(self, lang: str, template: str, params: Mapping[str, object]) -> str:
        catalog = self.catalogs.get(lang, self.catalogs["en"])
        return catalog.gettext(template).format(**params)

    def participant_of(self, sid: str) -> str:
        """The participant id of a connected socket."""
        return self.connections[sid].person.participant_id

    def lang_of(self, sid: str) -> str:
        connection = self.connections.get(sid)
        return connection.lang if connection else "en"

    async def refuse(self, sid: str, event: str, error: DomainError) -> None:
        message = self.translate(self.lang_of(sid), error.template, error.params)
        await self.fanout.to_sid(
            sid, "error", {"code": error.code, "message": message, "event": event}
        )

    # delivering effects

    async def apply(self, live: LiveRoom, effects: list[Effect]) -> None:
        if not effects:
            return
        await self._record(live.session_id, [e for e in effects if isinstance(e, Attend)])
        drops: list[str] = []
        async with live.lock:
            for effect in effects:
                if isinstance(effect, Send):
                    await self._send(live.session_id, effect)
                elif isinstance(effect, Move):
                    await self._move(live.session_id, effect)
                elif isinstance(effect, History):
                    await self._history(live, effect.sids)
                elif isinstance(effect, Drop):
                    drops += effect.sids
        for sid in drops:
            await self.sio.disconnect(sid, namespace=NAMESPACE)

    async def _record(self, session_id: str, attends: list[Attend]) -> None:
        now = self.clock()
        passages = [
            Passage(movement=a.movement, person_key=a.person.person_key,
                    participant_id=a.person.participant_id, name=a.person.name,
                    role=str(a.role), at=now)
            for a in attends
        ]  # fmt: skip
        await self.store.attendance.record(session_id, passages)

    async def _send(self, session_id: str, send: Send) -> None:
        if send.group is not None:
            await self.fanout.to_room(group_name(send.group, session_id), send.event, send.payload)
        if not send.sids:
            return
        if not any(isinstance(v, Text) for v in send.payload.values()):
            await self.fanout.to_sids(list(send.sids), send.event, send.payload)
            return
        by_lang: dict[str, list[str]] = {}
        for sid in send.sids:
            by_lang.setdefault(self.lang_of(sid), []).append(sid)
        for lang, sids in by_lang.items():
            payload = {k: self._words(lang, v) for k, v in send.payload.items()}
            await self.fanout.to_sids(sids, send.event, payload)

    def _words(self, lang: str, value: object) -> object:
        return (
            self.translate(lang, value.template, value.params) if isinstance(value, Text) else value
        )

    async def _move(self, session_id: str, move: Move) -> None:
        for sid in move.sids:
            for group in move.leave:
                await self.sio.leave_room(sid, group_name(group, session_id), namespace=NAMESPACE)
            for group in move.enter:
                await self.sio.enter_room(sid, group_name(group, session_id), namespace=NAMESPACE)

    async def _history(self, live: LiveRoom, sids: tuple[str, ...]) -> None:
        """Each socket's chat: the latest messages, or those after the id it last saw."""
        for sid in sids:
            viewer, connection = live.room.viewer(sid), self.connections.get(sid)
            if viewer is None or connection is None:
                continue  # removed or gone while the room was busy
            after, connection.chat_after = connection.chat_after, None
            messages, deleted = await self._chat_after(live.session_id, after)
            participant_id, moderator = viewer
            shown = [
                message_payload(m)
                for m in messages
                if visible_to(m, participant_id=participant_id, moderator=moderator)
            ]
            if after is None:
                shown = shown[-HISTORY_SIZE:]
            payload = {"messages": shown, "deleted": deleted, "catch_up": after is not None}
            await self.fanout.to_sid(sid, "chat_history", payload)

    async def _chat_after(
        self, session_id: str, after: str | None
    ) -> tuple[list[ChatMessage], list[str]]:
        if after is None:
            return await self.store.chat.recent(session_id), []
        return await self.store.chat.after(session_id, after)

    # chat

    async def post_chat(self, live: LiveRoom, message: ChatMessage) -> dict[str, object]:
        """Store a message (once per client id) and deliver it, in the room's order."""
        async with live.lock:
            message_id, fresh = await self.store.chat.post(live.session_id, message)
            if fresh:
                for send in live.room.chat_sends(replace(message, message_id=message_id)):
                    assert isinstance(send, Send)
                    await self._send(live.session_id, send)
        return {"message_id": message_id, "duplicate": not fresh}

    async def delete_chat(
        self, live: LiveRoom, message_id: str, effects: list[Effect], *, by: str
    ) -> None:
        async with live.lock:
            deleted = await self.store.chat.delete(
                live.session_id, message_id, by=by, at=self.clock()
            )
            for send in effects if deleted else []:
                assert isinstance(send, Send)
                await self._send(live.session_id, send)

    # ending rooms

    async def close(self, live: LiveRoom, message: Text) -> None:
        self.rooms.pop(live.session_id, None)
        await live.media.close()
        await self.apply(live, live.room.close(message, now=self.clock()))

    def start(self) -> None:
        self._task = asyncio.create_task(self._watch(), name="live-rooms")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        for live in list(self.rooms.values()):
            await self.close(live, Text("The server is restarting; join again in a moment."))

    async def _watch(self) -> None:
        while True:
            try:
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("watching live rooms failed; retrying")
            await asyncio.sleep(self.settings.room_watch_seconds)

    async def sweep(self) -> None:
        """End rooms whose session is over; forget rooms empty for a while."""
        now = self.clock()
        for live in list(self.rooms.values()):
            session = await self.store.agenda.get_session(live.session_id)
            if session is None or session.state in TERMINAL or now >= session.end:
                await self.close(live, Text("The session has ended."))
            elif live.room.empty_since and now - live.room.empty_since > FORGET_EMPTY:
                self.rooms.pop(live.session_id, None)
                await live.media.close()
            else:
                live.room.session = session
