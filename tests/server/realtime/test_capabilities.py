"""The whole capability table over real sockets: every role of every kind sends every
client event, and is refused (``forbidden``) exactly when ``rooms.roles`` gives it not the
capability ``rooms.protocol.EVENTS`` names.

The cases come from the tables. Each (kind, role) gets its own room without a lobby, the
subject (invited in that role) and a target (an observer) to act upon; events that change
the target come late, ``end_session`` last. An allowed event must succeed — or be refused
for a reason other than its role, as listed in ``REFUSED_ANYWAY`` — so a handler that
forgot its capability check fails here.
"""

from datetime import UTC, datetime
from typing import Any

import pytest

from rooms.breakouts import Breakouts
from rooms.chat import ChatMessage
from rooms.kinds import rules_of
from rooms.protocol import EVENTS, WORKFLOW_EVENTS
from rooms.roles import Kind, Role, capabilities, roles_for
from rooms.slides import Slides
from rooms.speaking import Speaking
from tests.server.realtime.room_world import Peer, World

CASES = [(kind, role) for kind in Kind for role in roles_for(kind)]
ORDER = [
    "join", "ping", "attention", "chat", "chat_private", "chat_delete", "set_chat_enabled",
    "raise_hand", "lower_hand", "lower_hand_of", "lower_all_hands", "react", "set_mic",
    "set_camera",
    "admit", "admit_all", "deny", "deny_all", "mute", "mute_all", "set_locked",
    "get_attendance", "start_item", "next_phase", "extend_item", "skip_item", "reorder_items",
    "release_results", "set_conflict", "submit_score", "get_my_score", "get_results",
    "ask_question", "upvote_question", "set_question_state", "pin_question", "set_qa_settings",
    "launch_poll", "vote", "close_poll", "share_results", "show_leaderboard",
    "slide_page", "slide_pointer", "slides_stop", "invite_to_speak", "answer_invite",
    "stop_speaking", "revoke_speaking", "start_show", "extend_stage", "end_stage",
    "score_pitch", "get_my_pitch_score", "close_pitch_scoring", "release_pitch_results",
    "get_pitch_results", "get_ranking",
    "mark_interest", "choose_breakout", "open_breakouts", "assign_breakout", "visit_breakout",
    "broadcast_breakouts", "close_breakouts", "fix_agreement", "agreement_page", "call_signer",
    "confirm_identity", "give_consent", "sign_agreement", "attest", "close_ceremony",
    "start_recording", "stop_recording", "start_stream", "stop_stream", "set_role",
    "send_to_lobby", "remove", "end_session",
]  # fmt: skip
# allowed, yet refused for another reason: the subject has joined already, and the target
# is in the room, not waiting in the lobby
REFUSED_ANYWAY = {"join": "already_joined", "admit": "not_found", "deny": "not_found"}
# recording: the walk's sessions do not allow it (the default), so nothing is recording either
REFUSED_ANYWAY |= {"start_recording": "recording_not_allowed", "stop_recording": "not_recording"}
REFUSED_ANYWAY |= {"start_stream": "streaming_not_allowed", "stop_stream": "not_streaming"}
# a review panel's events: refused outside a review (``not_here``); in a review without items,
# every item is unknown, and there is no waiting item to reorder
PANEL = set(WORKFLOW_EVENTS["panel"])
# the Q&A's events: refused where the kind has no Q&A (``not_here``); the walk's question
# ids name no question
QUESTIONS = set(WORKFLOW_EVENTS["questions"])
QA_KINDS = (Kind.MEETING, Kind.CLASS, Kind.ROADSHOW)
# polls: refused where no polls run (``not_here``); the poll the walk names does not exist
POLLS = set(WORKFLOW_EVENTS["polls"])
POLL_KINDS = {Kind.CLASS, Kind.MEETING, Kind.ROADSHOW}
# slides on the stage: refused where the kind shows none; with no deck shown, no page to turn
SLIDES = set(WORKFLOW_EVENTS["slides"])
SLIDE_KINDS = {kind for kind in Kind if Slides in rules_of(kind).workflows}
# invitations to speak: refused where the kind has none; the subject is never invited, and
# the target (an observer, a listener) is invited before the subject takes it back
SPEAKING = {"answer_invite": "no_invite", "stop_speaking": "not_speaking"}
SPEAKING_KINDS = {kind for kind in Kind if Speaking in rules_of(kind).workflows}


# a roadshow's run of show: refused elsewhere; the walk's roadshow has no pitches
SHOW = set(WORKFLOW_EVENTS["show"])
# a roadshow's judging: refused elsewhere; the walk's roadshow has no pitches to name
JUDGING = set(WORKFLOW_EVENTS["judging"])


# breakout groups: refused where the kind has none; choosing a group before any are open
BREAKOUTS = set(WORKFLOW_EVENTS["breakouts"])
BREAKOUT_KINDS = {kind for kind in Kind if Breakouts in rules_of(kind).workflows}


# a signing ceremony: refused elsewhere; the walk's signing session has no agreement yet
SIGNING = set(WORKFLOW_EVENTS["signing"])


def refused_anyway(event: str, kind: Kind) -> str | None:
    if event in SIGNING:
        return "no_agreement" if kind is Kind.SIGNING else "not_here"
    if event == "mark_interest":  # a roadshow's only; the walk's roadshow has no pitches
        return "no_pitch" if kind is Kind.ROADSHOW else "not_here"
    if event in BREAKOUTS:
        if kind not in BREAKOUT_KINDS:
            return "not_here"
        return "breakouts_closed" if event == "choose_breakout" else None
    if event in JUDGING:
        if kind is not Kind.ROADSHOW:
            return "not_here"
        return None if event == "get_ranking" else "not_found"
    if event in SHOW:
        if kind is not Kind.ROADSHOW:
            return "not_here"
        return "show_empty" if event == "start_show" else "show_not_on"
    if event in WORKFLOW_EVENTS["speaking"]:
        return SPEAKING.get(event) if kind in SPEAKING_KINDS else "not_here"
    if event in SLIDES:
        if kind not in SLIDE_KINDS:
            return "not_here"
        return "no_slides" if event == "slide_page" else None
    if event in POLLS:
        if kind not in POLL_KINDS:
            return "not_here"
        return None if event in ("launch_poll", "show_leaderboard") else "not_found"
    if event in QUESTIONS:
        if kind not in QA_KINDS:
            return "not_here"
        return None if event in ("ask_question", "set_qa_settings") else "not_found"
    if event not in PANEL:
        return REFUSED_ANYWAY.get(event)
    if kind is not Kind.REVIEW:
        return "not_here"
    return None if event == "reorder_items" else "not_found"


def test_the_walk_covers_every_client_event() -> None:
    assert sorted(ORDER) == sorted(EVENTS)


def payload_of(event: str, *, target: str, message_id: str) -> dict[str, Any]:
    return {
        "chat": {"text": "hello", "client_id": "c-public"},
        "chat_private": {"text": "psst", "client_id": "c-private", "to": "hosts"},
        "chat_delete": {"message_id": message_id},
        "set_chat_enabled": {"enabled": True},
        "lower_hand_of": {"participant_id": target},
        "react": {"emoji": "👍"},
        "attention": {"visible": True},
        "set_mic": {"on": True},
        "set_camera": {"on": True},
        "admit": {"participant_id": target},
        "deny": {"participant_id": target},
        "mute": {"participant_id": target},
        "set_locked": {"locked": False},
        "set_role": {"participant_id": target, "role": "observer"},
        "send_to_lobby": {"participant_id": target},
        "remove": {"participant_id": target, "ban": False},
        "extend_item": {"item_id": "i-none", "minutes": 5},
        "reorder_items": {"item_ids": []},
        "set_conflict": {
            "item_id": "i-none",
            "participant_id": target,
            "waive": True,
            "reason": "r",
        },
        "submit_score": {"item_id": "i-none", "values": {"c1": 1}},
        "score_pitch": {"item_id": "i-none", "values": {"c1": 1}},
        "get_ranking": {},
        "ask_question": {"text": "Why?"},
        "upvote_question": {"question_id": "q999"},
        "set_question_state": {"question_id": "q999", "state": "answered"},
        "pin_question": {"question_id": "q999", "pinned": True},
        "set_qa_settings": {"anonymous": True, "premoderated": False},
        "launch_poll": {"poll": {"question": "Q?", "kind": "single", "options": ["a", "b"]}},
        "vote": {"poll_id": "poll-none", "choices": [0]},
        "close_poll": {"poll_id": "poll-none"},
        "share_results": {"poll_id": "poll-none", "shared": True},
        "show_leaderboard": {"shown": True},
        "slide_page": {"page": 2},
        "slide_pointer": {"x": 0.5, "y": 0.5},
        "extend_stage": {"item_id": "i-none", "phase": "pitch", "minutes": 5},
        "end_stage": {"item_id": "i-none", "phase": "pitch"},
        "invite_to_speak": {"participant_id": target, "video": True},
        "answer_invite": {"accept": True},
        "revoke_speaking": {"participant_id": target},
        "choose_breakout": {"group": 1},
        "open_breakouts": {"count": 2, "mode": "choose"},
        "assign_breakout": {"participant_id": target, "group": 1},
        "visit_breakout": {"group": 1},
        "broadcast_breakouts": {"text": "Five minutes left"},
        "mark_interest": {"item_id": "i-none", "interested": True, "note": "mine"},
        "agreement_page": {"page": 1},
        "call_signer": {"party_id": "p1"},
        "give_consent": {"sha256": "ab" * 32, "typed_name": "X"},
        "sign_agreement": {"signature": "data:image/png;base64,iVBORw0KGgo="},
        "start_stream": {"url": "rtmp://127.0.0.1/live", "key": "k"},
    }.get(event, {"item_id": "i-none"} if event in PANEL | JUDGING else {})


async def outcome(subject: Peer, event: str, payload: dict[str, Any]) -> str | None:
    """The error code the event got, or None."""
    subject.clear()
    if event == "end_session":  # success ends in a disconnect: no pong to wait for
        await subject.emit(event, payload)
        await subject.first_of("session_ended", "error")
    else:
        await subject.send(event, payload)
    codes = [e["code"] for e in subject.of("error") if e["event"] == event]
    assert len(codes) <= 1, codes
    return codes[0] if codes else None


@pytest.mark.parametrize(("kind", "role"), CASES)
async def test_every_event_is_allowed_or_refused_as_the_table_says(
    rooms_world: World, kind: Kind, role: Role
) -> None:
    world = rooms_world
    room = await world.session(kind=kind, lobby=False)
    subject = await world.enter(room, invite=await world.invite(room, role, "Subject"))
    target = await world.enter(room, invite=await world.invite(room, Role.OBSERVER, "Target"))
    stored = ChatMessage("", "p-x", "X", "host", "room", "", "hi", "seed", datetime.now(UTC))
    message_id, _ = await world.store.chat.post(room.session_id, stored)
    target_id = target.me["participant_id"]

    outcomes = {
        event: await outcome(
            subject, event, payload_of(event, target=target_id, message_id=message_id)
        )
        for event in ORDER
    }

    allowed = capabilities(kind, role)
    assert outcomes == {
        event: refused_anyway(event, kind) if EVENTS[event] in allowed else "forbidden"
        for event in ORDER
    }
