"""The room page: GET /sessions/{session_id}/room.

The page is a shell: the pre-join screen, the lobby screen and the room, filled in by the
ES modules under web/static/js/room/ over Socket.IO (PROTOCOL.md). The server renders what
the scripts need to start: the session, the viewer's language and name (when it is known:
a signed-in account or an accepted invite), the CSRF token, the Socket.IO path, the ICE
servers (for the media plane), and the page's strings in the viewer's language.

Who the viewer is in the room, and with which role, is decided by the realtime server at
connect; this page only says what it can show before that.
"""

import json
from datetime import UTC, datetime

import aiohttp_jinja2
from aiohttp import web

from rooms.agenda import Event, Session, Visibility
from rooms.breakouts import Breakouts
from rooms.kinds import guest_role, has_questions, rules_of
from rooms.polls import Polls
from rooms.protocol import REACTIONS
from rooms.roles import Kind, roles_for
from rooms.speaking import Speaking
from server import agenda, i18n
from server.appkeys import SETTINGS, STORE
from server.auth import current_account
from server.guests import remember_guest
from server.invitations import accepted_invites
from server.pages.room_app import ROOM_APP_STRINGS
from server.pages.room_breakouts import BREAKOUT_STRINGS
from server.pages.room_interest import INTEREST_STRINGS
from server.pages.room_judging import JUDGING_PAGE
from server.pages.room_polls import POLL_STRINGS
from server.pages.room_questions import QUESTION_STRINGS
from server.pages.room_review import REVIEW_STRINGS
from server.pages.room_show import SHOW_STRINGS
from server.pages.room_speaking import SPEAKING_STRINGS
from server.pages.timetable import opens_at, utc_iso
from server.pages.visibility import door_of

SOCKETIO_PATH = "/socket.io/"  # python-socketio's default, where server.realtime attaches

# The strings the page scripts show, by key; the template renders them translated into a
# hidden list that web/static/js/room/strings.js reads. {name}-style placeholders are
# filled in by the scripts.
UI_STRINGS: dict[str, str] = {
    "connecting": "Connecting…",
    "reconnecting": "Connection lost. Reconnecting…",
    "reconnected": "Connected again.",
    "disconnected": "You are disconnected.",
    "name_required": "Please enter your name.",
    "place": "You are number {place} in the queue.",
    "waiting": "Please wait: a host will let you in.",
    "denied": "A host did not let you in.",
    "sent_to_lobby": "A host moved you back to the lobby.",
    "removed": "A host removed you from the room.",
    "banned": "A host removed you from this session; you cannot join it again.",
    "ended": "The session has ended.",
    "left": "You left the room.",
    "refused": "You cannot join this room.",
    "you": "you",
    "yes": "yes",
    "everyone": "Everyone",
    "hosts": "Hosts only",
    "private_to": "Private to {name}",
    "private": "Private",
    "to_hosts": "To the hosts",
    "panel": "Review panel only",
    "to_panel": "To the review panel",
    "deleted": "This message was deleted.",
    "delete": "Delete",
    "hand_raised": "Hand raised",
    "raise_hand": "Raise hand",
    "lower_hand": "Lower hand",
    "mic_on": "Microphone on",
    "mic_off": "Microphone off",
    "cam_on": "Camera on",
    "cam_off": "Camera off",
    "muted_by_host": "A host asked you to mute your microphone.",
    "video_stopped_by_host": "A host turned your camera off.",
    "screen_stopped_by_host": "A host stopped your screen sharing.",
    "share_screen": "Share screen",
    "stop_sharing": "Stop sharing",
    "screen_of": "{name}'s screen",
    "your_screen": "Your screen",
    "participant": "Participant",
    "camera_default": "Default camera",
    "camera_number": "Camera {number}",
    "mic_default": "Default microphone",
    "mic_number": "Microphone {number}",
    "camera_blocked": "The browser did not allow the camera.",
    "camera_missing": "No camera was found.",
    "camera_busy": "The camera could not be started: another program may be using it.",
    "mic_blocked": "The browser did not allow the microphone.",
    "mic_missing": "No microphone was found.",
    "mic_busy": "The microphone could not be started: another program may be using it.",
    "screen_failed": "Screen sharing did not start.",
    "no_media": "This browser cannot send or receive video here (it needs a secure https page).",
    "mute": "Mute",
    "stop_video": "Stop video",
    "stop_screen": "Stop screen share",
    "remove": "Remove",
    "remove_ban": "Remove and ban",
    "to_lobby": "Send to lobby",
    "make_role": "Make {role}",
    "admit": "Admit",
    "deny": "Deny",
    "lock_room": "Lock room",
    "start_recording": "Start recording",
    "stop_recording": "Stop recording",
    "recording_started": "This session is being recorded now.",
    "recording_stopped": "Recording stopped.",
    "stream_connecting": "Connecting the stream…",
    "stream_live": "Live since {time}",
    "stream_reconnecting": "Stream reconnecting…",
    "unlock_room": "Unlock room",
    "chat_off": "Turn chat off for attendees",
    "chat_on": "Turn chat on for attendees",
    "waited": "waiting {minutes} min",
    "just_arrived": "just arrived",
    "confirm_remove": "Remove {name} from the room?",
    "confirm_ban": "Remove {name} and ban them from this session?",
    "confirm_end": "End the session for everyone?",
    "chat_disabled": "A host turned chat off for attendees.",
    "chat_size": "{used} of {most} bytes",
    "chat_too_long": "Too long to send: a chat message may hold at most {most} bytes (a Chinese "
    "character takes 3), this one has {used}. Shorten it.",
    "room_locked": "The room is locked: no one new can join.",
    "joined": "{name} joined.",
    "left_room": "{name} left.",
    "role_changed": "Your role is now: {role}.",
    "error": "Error",
    "role_host": "Host",
    "role_cohost": "Co-host",
    "role_presenter": "Presenter",
    "role_reviewer": "Reviewer",
    "role_attendee": "Attendee",
    "role_observer": "Observer",
    "role_signer": "Signer",
    "role_witness": "Witness",
}


def guests_welcome(session: Session, event: Event) -> bool:
    """Whether someone without an account or invite may join as a guest (as the realtime
    server decides it at connect; the page only warns before trying)."""
    return guest_role(session.kind, public=event.visibility is Visibility.PUBLIC) is not None


async def _known_name(request: web.Request, session_id: str) -> str:
    """The viewer's name if the server already knows it: their account's or their invite's.

    Anyone else may join as an anonymous guest: their browser gets a guest's person key in
    its web session here, so that all its tabs are one person in the room.
    """
    account = await current_account(request)
    if account is not None:
        return account.name
    for accepted in await accepted_invites(request):
        if accepted.get("session_id") == session_id:
            return str(accepted.get("name", ""))
    await remember_guest(request)
    return ""


def _room_config(request: web.Request, session: Session, known_name: str) -> dict[str, str]:
    """The data-* attributes the page scripts start from."""
    settings = request.app[SETTINGS]
    return {
        "session-id": session.session_id,
        "lang": i18n.language(request),
        "socket-path": SOCKETIO_PATH,
        "ice-servers": json.dumps(list(settings.ice_servers), ensure_ascii=False),
        "known-name": known_name,
        "roles": json.dumps([str(role) for role in roles_for(session.kind)]),
        "state": str(session.state),
        "opens-at": utc_iso(opens_at(session)),
        # the scripts' first estimate of the server's clock (countdowns run on server time)
        "server-time": datetime.now(UTC).isoformat(timespec="milliseconds"),
    }


async def room_page(request: web.Request) -> web.Response:
    store = request.app[STORE]
    session = await agenda.load_session(store, request.match_info["session_id"])
    i18n.about_kind(request, session.kind)
    event = await agenda.load_event(store, session.event_id)
    known_name = await _known_name(request, session.session_id)
    has_polls = Polls in rules_of(session.kind).workflows
    speaking = Speaking in rules_of(session.kind).workflows
    has_breakouts = Breakouts in rules_of(session.kind).workflows
    context = {
        "session": session,
        "event": event,
        "door": str(door_of(session)),
        "known_name": known_name,
        "guests_welcome": guests_welcome(session, event),
        "config": _room_config(request, session, known_name),
        "ui_strings": UI_STRINGS
        | ROOM_APP_STRINGS
        | (REVIEW_STRINGS if session.kind is Kind.REVIEW else {})
        | (SHOW_STRINGS | JUDGING_PAGE | INTEREST_STRINGS if session.kind is Kind.ROADSHOW else {})
        | (QUESTION_STRINGS if has_questions(session.kind) else {})
        | (POLL_STRINGS if has_polls else {})
        | (SPEAKING_STRINGS if speaking else {})
        | (BREAKOUT_STRINGS if has_breakouts else {}),
        "questions": has_questions(session.kind),
        "has_polls": has_polls,
        "speaking": speaking,
        "has_breakouts": has_breakouts,
        "reactions": REACTIONS,
        # the room page says so before anyone joins (the room's top bar shows it live)
        "recording": await store.recordings.going_on(session.session_id) is not None,
    }
    response = aiohttp_jinja2.render_template("room.html", request, context)
    response.headers["Cache-Control"] = "no-store"  # it carries the CSRF token
    return response


def setup_room_pages(app: web.Application) -> None:
    app.router.add_get("/sessions/{session_id}/room", room_page, name="room_page")
