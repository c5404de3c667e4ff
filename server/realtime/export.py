"""CSV exports of a session's room for its moderators: the chat, and attendance.

``GET /sessions/{session_id}/chat.csv``, ``GET /sessions/{session_id}/attendance.csv`` and
``GET /sessions/{session_id}/questions.csv`` (the Q&A: anonymous questions without a name; a
roadshow's with a last column naming each question's pitch, in the reader's language).
The requester is resolved as at a room's door (server/realtime/identity.py: account, staff,
accepted invite) and needs ``moderate`` in the session's kind, counting a role given live.
Files are UTF-8 with a byte-order mark (server/downloads.py); cells that a spreadsheet would
run as formulas are defused.
"""

from datetime import UTC, datetime

from aiohttp import web

from rooms.agenda import Session
from rooms.attendance import export_rows as attendance_rows
from rooms.attendance import totals
from rooms.chat import export_rows as chat_rows
from rooms.chat import visible_to
from rooms.errors import DomainError, Forbidden
from rooms.outbox import Person
from rooms.questions import export_rows as question_rows
from rooms.roles import Capability, Kind, capabilities
from rooms.run_of_show import PitchSlot
from server.agenda import load_session
from server.appkeys import STORE
from server.downloads import csv_response
from server.i18n import language
from server.realtime.identity import resolve


async def _moderator(request: web.Request) -> tuple[Session, Person, bool]:
    """The session, the moderator asking, and whether they are on its review panel."""
    store = request.app[STORE]
    session = await load_session(store, request.match_info["session_id"])
    refused = Forbidden("Only the session's hosts can export its room.")
    try:
        person = await resolve(request, session, token=None, name=None, now=datetime.now(UTC))
    except DomainError:
        raise refused from None
    flags = await store.rooms.flags(session.session_id)
    role = person.role if person.owner else flags.roles.get(person.person_key, person.role)
    caps = capabilities(session.kind, role)
    if Capability.MODERATE not in caps:
        raise refused
    panel = bool({Capability.CHAIR, Capability.SCORE} & caps) and session.kind is Kind.REVIEW
    return session, person, panel


async def chat_csv(request: web.Request) -> web.Response:
    session, person, panel = await _moderator(request)
    session_id = session.session_id
    messages = await request.app[STORE].chat.messages(session_id)
    pid = person.participant_id
    shown = [m for m in messages if visible_to(m, participant_id=pid, moderator=True, panel=panel)]
    return csv_response(chat_rows(shown), f"chat-{session_id}.csv")


async def attendance_csv(request: web.Request) -> web.Response:
    session, _, _ = await _moderator(request)
    session_id = session.session_id
    passages = await request.app[STORE].attendance.passages(session_id)
    return csv_response(
        attendance_rows(totals(passages, until=datetime.now(UTC))), f"attendance-{session_id}.csv"
    )


async def questions_csv(request: web.Request) -> web.Response:
    session, _, _ = await _moderator(request)
    store = request.app[STORE]
    questions = await store.questions.questions(session.session_id)
    pitches = None
    if session.kind is Kind.ROADSHOW:
        slots: tuple[PitchSlot, ...] = (await store.shows.show(session)).plan.slots
        pitches = {slot.slot_id: slot.title(language(request)) for slot in slots}
    rows = question_rows(questions, pitches=pitches)
    return csv_response(rows, f"questions-{session.session_id}.csv")


def setup_exports(app: web.Application) -> None:
    app.router.add_get("/sessions/{session_id}/chat.csv", chat_csv, name="room_chat_csv")
    app.router.add_get(
        "/sessions/{session_id}/attendance.csv", attendance_csv, name="room_attendance_csv"
    )
    app.router.add_get(
        "/sessions/{session_id}/questions.csv", questions_csv, name="room_questions_csv"
    )
