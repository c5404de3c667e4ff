"""The live rooms of this process and how their effects reach people.

``LiveRooms`` owns one ``rooms.room.Room`` per live room (created on the first connection,
with its flags from Redis) with its media (``server.realtime.signalling.RoomMedia``: the room's
SFU router, made with the room and closed with it), the connections (socket -> person,
language), and one task that ends rooms whose session ended or was cancelled and forgets
rooms left empty.

A room has one owner process at a time (``server/realtime/ownership.py``): the room is made
only once this process holds its lease, its line writes under the lease's fencing token, and
a room whose lease is lost (or whose write was fenced) is dropped: forgotten without writing
anything, its sockets disconnected so that they reconnect to the new owner.

Every change takes one path (``change``): the Room's pure change runs at once, its effects
go to the room's line (``server/realtime/line.py``), which persists what must be kept and
delivers everything in the order the room changed; dropped sockets are disconnected after
(a disconnect runs the disconnect handler, which changes the room again). Every send goes
through ``Fanout``. Texts (``rooms.outbox.Text``) are translated per recipient's language.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from functools import partial
from gettext import NullTranslations

import socketio
from aiohttp import web

from recordings.timeline import Recording, recording_news
from rooms.agenda import Session
from rooms.breakouts import Breakouts
from rooms.errors import DomainError
from rooms.lifecycle import TERMINAL
from rooms.outbox import Effect, Move, Send, Text
from rooms.polls import Polls
from rooms.review_book import ReviewBook
from rooms.roles import Kind
from rooms.room import ChatLimit, Room
from rooms.sealed import ScoredItems
from server.audiences import Audiences
from server.files import files_root
from server.kind_nouns import in_kind
from server.logs import retrying
from server.realtime.fanout import NAMESPACE, Fanout
from server.realtime.line import Outcome, RoomLine
from server.realtime.live_breakouts import close_breakouts_on_time
from server.realtime.live_interest import interest_changed
from server.realtime.live_polls import bank_changed, close_on_time
from server.realtime.live_room import Connection, LiveRoom, chat_history, group_name, passage
from server.realtime.live_shows import listen
from server.realtime.live_signing import refresh_signing
from server.realtime.ownership import Ownership, recover_room, take_over
from server.realtime.rebuild import rebuild
from server.realtime.signalling import RoomMedia, media_config
from server.recorder import RecordingService
from server.reviews import load_book
from server.settings import Settings
from server.store import Store
from server.store.connection import StoreError
from server.store.owners import Fence, Fenced

log = logging.getLogger(__name__)

FORGET_EMPTY = timedelta(minutes=2)  # an empty room is kept this long for reconnects
STOP_WAIT = 10.0  # seconds the watcher may take to finish its round at shutdown


def utcnow() -> datetime:
    return datetime.now(UTC)


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
        self._shows: asyncio.Task[None] | None = None  # follows roadshows' runs of show
        self._leases: asyncio.Task[None] | None = None  # renews the rooms' leases
        self._making = asyncio.Lock()  # rooms are made one at a time
        lease = timedelta(seconds=settings.room_lease_seconds)
        self.ownership = Ownership(store, process=self.process, ttl=lease)
        self.audiences = Audiences(
            store, process=self.process, relay_host=settings.relay_host,
            place_after=settings.edge_place_after,
        )  # fmt: skip
        self._stop = asyncio.Event()
        # how a review room's panel is prepared (tests may hand it a book of their own)
        self.books: Callable[[Session], Awaitable[ReviewBook]] = partial(load_book, store)
        self.recordings = RecordingService(
            store=store, data_dir=settings.data_dir, stored=files_root(settings)
        )
        self._bank_changed = partial(bank_changed, self)
        self._interest_changed = partial(interest_changed, self)
        self._signing_changed = partial(refresh_signing, self)

    # rooms and connections

    async def room_for(self, session: Session) -> LiveRoom:
        """The session's live room, made on first use with its flags from Redis, once this
        process holds its lease (DomainError ``wrong_owner`` if another process does)."""
        live = self.rooms.get(session.session_id)
        if live is None:
            async with self._making:  # one at a time: a room taken over is made once
                live = self.rooms.get(session.session_id) or await self._make(session)
        return live

    async def _make(self, session: Session) -> LiveRoom:
        claim, present = await self.ownership.claim(session.session_id), []
        if claim.owner and claim.owner != self.process:  # its owner died holding it
            present = await take_over(
                self.store, self.recordings, claim, session.session_id, now=self.clock()
            )
        flags = await self.store.rooms.flags(session.session_id)
        tail = await self.store.chat.tail(session.session_id)
        limit = ChatLimit(self.settings.chat_burst, self.settings.chat_per_second)
        room = Room(session=session, flags=flags, chat_limit=limit)
        await rebuild(self.store, room, books=self.books)
        room.lobby.readmit(present)  # those in it when its owner died come back straight in
        live = self._open(room, tail)
        await self.store.rooms.hold(self.process, session.session_id, now=self.clock())
        return live

    async def refresh(self, session_id: str) -> None:
        """The staff changed a live review's preparation (items, rubric, settings, conflicts,
        roster): its room follows at once (those now conflicted step out). A failure is
        logged: the change itself is kept, and the room loads it when it next opens."""
        live = self.rooms.get(session_id)
        if live is None or live.room.closed:
            return
        panel = next((w for w in live.room.workflows if isinstance(w, ScoredItems)), None)
        if panel is None:
            return
        try:
            book = await self.books(live.room.session)
            await self.run(live, panel.reload(book, now=self.clock()))
            await live.media.regroup()
        except Exception:
            log.exception("room %s: the review's new preparation was not applied", session_id)

    def _open(self, room: Room, tail: str) -> LiveRoom:
        session_id = room.session.session_id

        async def deliver(send: Send) -> None:
            await self.send(session_id, send)

        media = RoomMedia(
            room=room,
            config=self.media_config,
            ice_servers=self.settings.ice_servers,
            deliver=deliver,
            audiences=self.audiences,
        )
        token = self.ownership.leases[session_id].token
        line = RoomLine(
            session=room.session, store=self.store, delivery=self, tail=tail, passage=passage,
            token=token,
        )  # fmt: skip
        line.start()
        live = self.rooms[session_id] = LiveRoom(room, line, media, room.flags)
        self.arm(live)  # polls and groups left open by a restart close on time
        return live

    def arm(self, live: LiveRoom) -> None:
        """Start the room's timers: the polls' if one of its polls has a deadline, the
        breakout groups' if they are open with a timer, unless one runs already."""
        self._arm_breakouts(live)
        polls = next((w for w in live.room.workflows if isinstance(w, Polls)), None)
        running = live.timer is not None and not live.timer.done()
        if polls is None or running or polls.next_deadline() is None:
            return
        closing = close_on_time(live, polls, run=self.run, clock=self.clock)
        live.timer = asyncio.create_task(closing, name="poll-timer")

    def _arm_breakouts(self, live: LiveRoom) -> None:
        breakouts = next((w for w in live.room.workflows if isinstance(w, Breakouts)), None)
        running = live.breakout_timer is not None and not live.breakout_timer.done()
        if breakouts is None or running or breakouts.next_deadline() is None:
            return
        closing = close_breakouts_on_time(live, breakouts, run=self.run, clock=self.clock)
        live.breakout_timer = asyncio.create_task(closing, name="breakout-timer")

    def fence(self, live: LiveRoom) -> Fence:
        """What the owner's writes on behalf of this room outside its line (a run of show's
        change, a signing step, ending the session, a recording's record) prove: the token
        of the lease it holds; a room dropped holds none (-1: any write is fenced)."""
        lease = self.ownership.leases.get(live.session_id)
        return Fence(live.session_id, -1 if lease is None else lease.token)

    def room_of(self, sid: str) -> LiveRoom:
        """The live room of a connected socket."""
        connection = self.connections.get(sid)
        live = self.rooms.get(connection.session.session_id) if connection else None
        if live is None or live.room.closed:
            raise DomainError("This session has ended.", code="session_ended")
        return live

    # words

    def translate(
        self, lang: str, template: str, params: Mapping[str, object], kind: Kind | None = None
    ) -> str:
        """A sentence in ``lang``; a room's names its session by its kind (会议, 课堂...)."""
        catalog = self.catalogs.get(lang, self.catalogs["en"])
        return in_kind(catalog.gettext(template), lang=lang, kind=kind).format(**params)

    def kind_of(self, sid: str) -> Kind | None:
        connection = self.connections.get(sid)
        return connection.session.kind if connection else None

    def participant_of(self, sid: str) -> str:
        """The participant id of a connected socket."""
        return self.connections[sid].person.participant_id

    def lang_of(self, sid: str) -> str:
        connection = self.connections.get(sid)
        return connection.lang if connection else "en"

    async def refuse(self, sid: str, event: str, error: DomainError) -> dict[str, object]:
        """Tell the socket why its event was refused; the ack it asked for, if any."""
        message = self.translate(self.lang_of(sid), error.template, error.params, self.kind_of(sid))
        refusal = {"code": error.code, "message": message, "event": event}
        await self.fanout.to_sid(sid, "error", refusal)
        return {"error": refusal}

    # changing a room: one path

    async def change(self, sid: str, change: Callable[[Room], list[Effect]]) -> Outcome:
        """Run a change on this socket's room and take it down the room's line."""
        live = self.room_of(sid)
        return await self.run(live, change(live.room))

    async def run(self, live: LiveRoom, effects: list[Effect]) -> Outcome:
        """Persist and deliver a change's effects in the room's order; then drop sockets."""
        flags = live.room.flags
        touched = flags if flags is not live.kept_flags else None
        live.kept_flags = flags
        outcome = await live.line.submit(effects, flags=touched, at=self.clock())
        if outcome.fenced:
            await self.drop(live)
            return outcome
        for sid in outcome.drops:
            await self.sio.disconnect(sid, namespace=NAMESPACE)
        return outcome

    # delivering (the line calls these, in the room's order)

    async def send(self, session_id: str, send: Send) -> None:
        self._observe(session_id, send)
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
        kind = self.kind_of(send.sids[0])  # the room may be closing: gone from self.rooms
        for lang, sids in by_lang.items():
            payload = {k: self._words(lang, v, kind) for k, v in send.payload.items()}
            await self.fanout.to_sids(sids, send.event, payload)

    async def send_all(self, session_id: str, sends: list[Send]) -> None:
        """Sends to one group (no sentences to translate), delivered together in order."""
        group = sends[0].group
        assert group is not None and all(s.group is group and not s.sids for s in sends)
        for send in sends:
            self._observe(session_id, send)
        messages = [(s.event, s.payload) for s in sends]
        await self.fanout.to_room_all(group_name(group, session_id), messages)

    def _observe(self, session_id: str, send: Send) -> None:
        """A recorded room's moments go to its recording's timeline."""
        live = self.rooms.get(session_id)
        if live is not None and live.recording is not None:
            live.recording[1].observe(send.event, send.payload)
        if live is not None and live.media.streamer is not None:
            live.media.streamer.observe(send.event, send.payload)

    async def stop_recording(self, live: LiveRoom) -> Recording | None:
        """End the room's recording, if one is going on: its files closed, its record kept."""
        if live.recording is None:
            return None
        (record, recorder), live.recording = live.recording, None
        live.media.recorder = None
        live.room.recording = False
        try:
            return await self.recordings.stop(
                record, recorder, now=self.clock(), fence=self.fence(live)
            )
        except Fenced:  # its files are closed; the room's new owner ends its record
            log.warning("room %s: another process owns the room; its recording's record "
                        "is left to it", live.session_id)  # fmt: skip
            return None

    def _words(self, lang: str, value: object, kind: Kind | None) -> object:
        if not isinstance(value, Text):
            return value
        return self.translate(lang, value.template, value.params, kind)

    async def move(self, session_id: str, move: Move) -> None:
        for sid in move.sids:
            for group in move.leave:
                await self.sio.leave_room(sid, group_name(group, session_id), namespace=NAMESPACE)
            for group in move.enter:
                await self.sio.enter_room(sid, group_name(group, session_id), namespace=NAMESPACE)

    async def history(self, session_id: str, sids: tuple[str, ...], *, until: str) -> None:
        """Each socket's chat up to ``until``: the latest messages, or those after the id it
        last saw; never what was posted while its person was sent out of the room."""
        live = self.rooms.get(session_id)
        for sid in sids:
            viewer, connection = (
                live.room.chat.viewer(sid) if live else None,
                self.connections.get(sid),
            )
            if viewer is None or connection is None:
                continue  # removed or gone while the room was busy
            after, connection.chat_after = connection.chat_after, None
            payload = await chat_history(self.store.chat, session_id, viewer, after, until=until)
            await self.fanout.to_sid(sid, "chat_history", payload)

    # ending rooms

    async def close(self, live: LiveRoom, message: Text) -> None:
        """End the room: everyone is told and disconnected, and so is every other socket
        connected to it (joined or not)."""
        self.rooms.pop(live.session_id, None)
        live.stop_timer()
        await self.stop_recording(live)
        await live.media.close()
        await self.run(live, live.room.close(message, now=self.clock()))
        await live.line.stop()
        await self.ownership.release(live.session_id)
        await self._disconnect_all(live.session_id)

    async def drop(self, live: LiveRoom) -> None:
        """Another process owns the room now: forget it without writing anything, and
        disconnect its sockets (they reconnect, and reach the new owner)."""
        if self.rooms.get(live.session_id) is not live:
            return  # dropped or closed already
        log.warning(
            "room %s: dropped (its lease is lost: another process may own it now)", live.session_id
        )
        self.rooms.pop(live.session_id)
        self.ownership.forget(live.session_id)
        live.stop_timer()
        # at once: the line may take seconds yet to end (a hung Redis), and a socket of a room
        # gone would be told that the session ended
        await self._disconnect_all(live.session_id, moved=True)
        if live.recording is not None:  # its files closed; the new owner ends its record
            (_, recorder), live.recording = live.recording, None
            live.media.recorder = None
            await recorder.stop()
        await live.media.close()
        await live.line.stop()

    async def lost(self, session_id: str) -> None:
        """This process lost the room (its lease, or a write was fenced): drop it."""
        if (live := self.rooms.get(session_id)) is not None:
            await self.drop(live)

    async def _disconnect_all(self, session_id: str, *, moved: bool = False) -> None:
        """Disconnect the room's sockets. ``moved``: the room is another process's now, so
        their connections are closed under them, as if this process had died: clients
        connect again by themselves (Socket.IO does not after a server's disconnect) and
        reach the new owner."""
        for sid, connection in list(self.connections.items()):
            if connection.session.session_id != session_id:
                continue
            eio_sid = self.sio.manager.eio_sid_from_sid(sid, NAMESPACE) if moved else None
            if eio_sid is not None:
                await self.sio.eio.disconnect(eio_sid)
                self.fanout.transport.abort(eio_sid)  # a page would wait out its ping timeout
            else:
                await self.sio.disconnect(sid, namespace=NAMESPACE)

    def start(self) -> None:
        self.store.review.watch(self.refresh)
        self.store.polls.watch(self._bank_changed)
        self.store.interest.watch(self._interest_changed)
        self.store.signings.watch(self._signing_changed)
        self._stop.clear()
        self._task = asyncio.create_task(self._watch(), name="live-rooms")
        self._shows = asyncio.create_task(listen(self, self._stop), name="live-shows")
        leases = self.ownership.keep(self._stop, self.lost)
        self._leases = asyncio.create_task(leases, name="room-leases")
        self.audiences.start()

    async def stop(self) -> None:
        """Stop watching (the watcher finishes its round: it is never cancelled inside a
        Redis call, which redis-py may turn into an error), then close every room."""
        self.store.review.unwatch(self.refresh)
        self.store.polls.unwatch(self._bank_changed)
        self.store.interest.unwatch(self._interest_changed)
        self.store.signings.unwatch(self._signing_changed)
        self._stop.set()
        for task in (self._task, self._shows, self._leases):
            if task is None:
                continue
            try:
                await asyncio.wait_for(task, STOP_WAIT)
            except TimeoutError:
                log.warning("watching live rooms did not stop in time")
        self._task = self._shows = self._leases = None
        for live in list(self.rooms.values()):
            await self.close(live, Text("The server is restarting; join again in a moment."))
        await self.audiences.stop()
        try:
            await self.store.rooms.heartbeat(self.process, [], now=self.clock())
        except StoreError:
            log.warning("could not note that this process holds no rooms any more")

    @property
    def process(self) -> str:
        """This web process, as its rooms' heartbeat and leases name it (the same after a
        restart): ``PROCESS_NAME``, by default ``HOST:PORT``."""
        return self.settings.process_name or f"{self.settings.host}:{self.settings.port}"

    async def recover(self) -> None:
        """Rooms this process held when it stopped without closing them (``kill -9``): the
        people it never saw leave are recorded as lost at its last heartbeat. A room another
        process took meanwhile is left to it (it recovered the room when it took it, and
        the people there now are present): the recovery is fenced by this process's last
        token, and refused once there is a newer one."""
        for session_id, beat in (await self.store.rooms.held(self.process)).items():
            last = await self.store.owners.last_owner(session_id)
            if last is not None and last[0] != self.process:
                log.info("room %s: taken by %s since; not recovered here", session_id, last[0])
                continue
            fence = None if last is None else Fence(session_id, last[1])
            try:
                await recover_room(self.store, self.recordings, session_id, beat=beat, fence=fence)
            except Fenced:
                log.info("room %s: taken by another process while recovering it", session_id)
        await self.store.rooms.heartbeat(self.process, [], now=self.clock())

    async def _watch(self) -> None:
        """First close the stays a crash of this process left open, then watch the rooms."""
        recovered = False
        while not self._stop.is_set():
            try:
                if not recovered:
                    await self.recover()
                    recovered = True
                await self.sweep()
            except Exception as error:
                retrying(log, "watching live rooms failed", error)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.settings.room_watch_seconds)

    async def sweep(self) -> None:
        """End rooms whose session is over; forget rooms empty for a while; note the rooms
        this process holds (its heartbeat)."""
        now = self.clock()
        await self.store.rooms.heartbeat(self.process, list(self.rooms), now=now)
        for live in list(self.rooms.values()):
            session = await self.store.agenda.get_session(live.session_id)
            if session is None or session.state in TERMINAL or now >= session.end:
                await self.close(live, Text("The session has ended."))
            elif live.room.empty_since and now - live.room.empty_since > FORGET_EMPTY:
                self.rooms.pop(live.session_id, None)
                live.stop_timer()
                await self.stop_recording(live)
                await live.media.close()
                await live.line.stop()
                await self.ownership.release(live.session_id)
            else:
                live.room.session = live.line.session = session
                if live.recording is not None and not session.recording_allowed:
                    await self.stop_recording(live)  # the staff no longer allow it
                    await self.run(live, recording_news(None))
                if not session.recording_allowed:
                    await live.media.stop_stream()  # nor streaming (told by its news)


LIVE_ROOMS = web.AppKey("live_rooms", LiveRooms)  # the app's live rooms (server/realtime)
