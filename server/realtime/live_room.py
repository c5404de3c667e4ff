"""A live room as the web process holds it (``LiveRoom``: the room, its line, its media,
its timers and its recording), one socket's connection, the names the room's Socket.IO
groups go by, and the chat history a socket is sent."""

import asyncio
from dataclasses import dataclass
from datetime import datetime

from recordings.timeline import Recording
from rooms.agenda import Session
from rooms.attendance import Passage
from rooms.chat import history_for, message_payload
from rooms.outbox import Attend, Person, RoomFlags
from rooms.room import Room
from rooms.room_chat import Viewer
from server.realtime.line import RoomLine
from server.realtime.signalling import RoomMedia
from server.recorder import Recorder
from server.store.chat import Chat

HISTORY_SIZE = 100  # messages a newcomer gets


@dataclass(slots=True)
class Connection:
    """One socket: who it is, in which session, in which language."""

    person: Person
    session: Session  # as it was at connect
    lang: str
    ip: str = ""  # where it connected from (server/realtime/identity.py client_of)
    user_agent: str = ""
    chat_after: str | None = None


@dataclass(slots=True)
class LiveRoom:
    room: Room
    line: RoomLine  # the one ordered path of the room's changes
    media: RoomMedia  # the room's SFU: made with the room, closed with it
    kept_flags: RoomFlags  # the flags as last handed to the line to persist
    timer: "asyncio.Task[None] | None" = None  # closes its polls on time; stopped with it
    breakout_timer: "asyncio.Task[None] | None" = None  # closes its breakout groups on time
    recording: tuple[Recording, Recorder] | None = None  # its recording going on, if any

    def stop_timer(self) -> None:
        for timer in (self.timer, self.breakout_timer):
            if timer is not None:
                timer.cancel()
        self.timer = self.breakout_timer = None

    @property
    def session_id(self) -> str:
        return self.room.session.session_id


def passage(attend: Attend, at: datetime) -> Passage:
    person = attend.person
    return Passage(
        movement=attend.movement, person_key=person.person_key,
        participant_id=person.participant_id, name=person.name, role=str(attend.role), at=at,
    )  # fmt: skip


def group_name(group: str, session_id: str) -> str:
    return f"{group}:{session_id}"


async def chat_history(
    chat: Chat, session_id: str, viewer: Viewer, after: str | None, *, until: str
) -> dict[str, object]:
    """The ``chat_history`` a socket is sent, up to ``until``: the latest messages, or those
    after the id it last saw (``after``); never what was posted while its person was sent
    out of the room."""
    if after is None:
        entries, deleted = await chat.recent(session_id, until=until), []
    else:
        entries, deleted = await chat.after(session_id, after, until=until)
    shown = history_for(
        entries,
        participant_id=viewer.participant_id,
        moderator=viewer.moderator,
        absences=viewer.absences,
        panel=viewer.panel,
        audiences=viewer.audiences,
    )
    if after is None:
        shown = shown[-HISTORY_SIZE:]
    return {
        "messages": [message_payload(m) for m in shown],
        "deleted": deleted,
        "catch_up": after is not None,
    }
