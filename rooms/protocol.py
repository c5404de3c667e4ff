"""The room protocol's client events: the capability each needs and the shape of its payload.

One table (``EVENTS``) says which capability of ``rooms.roles`` a client event needs; the
Room checks it, the tests walk it for every role of every kind, PROTOCOL.md documents it.
``FIELDS`` gives each event's payload fields; ``server/realtime/payloads.py`` checks them.
The media events (signalling for the SFU, PROTOCOL.md "Media") have their own two tables,
``MEDIA_EVENTS`` and ``MEDIA_FIELDS``, checked the same way; ``PUBLISH_NEEDS`` gives the
capability each kind of published track needs.
"""

from dataclasses import dataclass
from enum import StrEnum

from rooms.roles import Capability

C = Capability

# client event -> the capability it needs (events not listed here do not exist)
EVENTS: dict[str, Capability] = {
    "join": C.JOIN,
    "ping": C.JOIN,
    "attention": C.JOIN,
    "chat": C.CHAT,
    "chat_private": C.CHAT_PRIVATE,
    "chat_delete": C.MODERATE,
    "set_chat_enabled": C.MODERATE,
    "raise_hand": C.RAISE_HAND,
    "lower_hand": C.RAISE_HAND,
    "lower_hand_of": C.MODERATE,
    "lower_all_hands": C.MODERATE,
    "react": C.REACT,
    "set_mic": C.PUBLISH_AUDIO,
    "set_camera": C.PUBLISH_VIDEO,
    "admit": C.MODERATE,
    "admit_all": C.MODERATE,
    "deny": C.MODERATE,
    "deny_all": C.MODERATE,
    "send_to_lobby": C.MODERATE,
    "mute": C.MODERATE,
    "mute_all": C.MODERATE,
    "remove": C.MODERATE,
    "set_locked": C.MODERATE,
    "set_role": C.MANAGE_ROLES,
    "get_attendance": C.MODERATE,
    "end_session": C.END_SESSION,
    # a review's panel (rooms.panel)
    "start_item": C.CHAIR,
    "next_phase": C.CHAIR,
    "extend_item": C.CHAIR,
    "skip_item": C.CHAIR,
    "reorder_items": C.CHAIR,
    "release_results": C.CHAIR,
    "set_conflict": C.CHAIR,
    "submit_score": C.SCORE,
    "get_my_score": C.SCORE,
    "get_results": C.JOIN,
    # a roadshow's run of show (rooms.roadshow)
    "start_show": C.CHAIR,
    "extend_stage": C.CHAIR,
    "end_stage": C.CHAIR,
    # a roadshow's judging (rooms.judging)
    "score_pitch": C.SCORE,
    "get_my_pitch_score": C.SCORE,
    "close_pitch_scoring": C.CHAIR,
    "release_pitch_results": C.CHAIR,
    "get_pitch_results": C.JOIN,
    "get_ranking": C.JOIN,
    # interest in pitches (rooms.interest)
    "mark_interest": C.MARK_INTEREST,
    # moderated Q&A (rooms.questions)
    "ask_question": C.ASK_QUESTION,
    "upvote_question": C.ASK_QUESTION,
    "set_question_state": C.MODERATE,
    "pin_question": C.MODERATE,
    "set_qa_settings": C.MODERATE,
    # polls and quizzes (rooms.polls)
    "launch_poll": C.RUN_POLLS,
    "close_poll": C.RUN_POLLS,
    "share_results": C.RUN_POLLS,
    "show_leaderboard": C.RUN_POLLS,
    "vote": C.VOTE,
    # slides on the stage (rooms.slides)
    "slide_page": C.PUBLISH_SCREEN,
    "slide_pointer": C.PUBLISH_SCREEN,
    "slides_stop": C.PUBLISH_SCREEN,
    # invitations to speak (rooms.speaking)
    "invite_to_speak": C.MODERATE,
    "revoke_speaking": C.MODERATE,
    "answer_invite": C.JOIN,
    "stop_speaking": C.JOIN,
    # breakout groups (rooms.breakouts)
    "open_breakouts": C.MODERATE,
    "assign_breakout": C.MODERATE,
    "visit_breakout": C.MODERATE,
    "broadcast_breakouts": C.MODERATE,
    "close_breakouts": C.MODERATE,
    "choose_breakout": C.JOIN,
    # a signing ceremony (rooms.signing)
    "fix_agreement": C.CHAIR,
    "agreement_page": C.CHAIR,
    "call_signer": C.CHAIR,
    "confirm_identity": C.SIGN,
    "give_consent": C.SIGN,
    "sign_agreement": C.SIGN,
    "attest": C.WITNESS,
    "close_ceremony": C.CHAIR,
    # recording (server/recorder.py; recordings/)
    "start_recording": C.MODERATE,
    "stop_recording": C.MODERATE,
    # live stream out (server/streamer.py; recordings/streaming.py)
    "start_stream": C.MODERATE,
    "stop_stream": C.MODERATE,
}

# client event -> the part of the room that handles it: its core, or one of its workflows
# (``rooms.workflow``; the Room holds each under that name, e.g. ``room.lobby.admit``)
WORKFLOW_EVENTS: dict[str, tuple[str, ...]] = {
    "lobby": ("admit", "admit_all", "deny", "deny_all", "send_to_lobby"),
    "hands": ("raise_hand", "lower_hand", "lower_hand_of", "lower_all_hands"),
    "panel": (
        "start_item",
        "next_phase",
        "extend_item",
        "skip_item",
        "reorder_items",
        "release_results",
        "set_conflict",
        "submit_score",
        "get_my_score",
        "get_results",
    ),
    "questions": (
        "ask_question",
        "upvote_question",
        "set_question_state",
        "pin_question",
        "set_qa_settings",
    ),
    "polls": ("launch_poll", "close_poll", "share_results", "show_leaderboard", "vote"),
    "slides": ("slide_page", "slide_pointer", "slides_stop"),
    "show": ("start_show", "extend_stage", "end_stage"),
    "judging": (
        "score_pitch",
        "get_my_pitch_score",
        "close_pitch_scoring",
        "release_pitch_results",
        "get_pitch_results",
        "get_ranking",
    ),
    "interest": ("mark_interest",),
    "speaking": ("invite_to_speak", "revoke_speaking", "answer_invite", "stop_speaking"),
    "breakouts": (
        "open_breakouts",
        "assign_breakout",
        "visit_breakout",
        "broadcast_breakouts",
        "close_breakouts",
        "choose_breakout",
    ),
    "signing": (
        "fix_agreement",
        "agreement_page",
        "call_signer",
        "confirm_identity",
        "give_consent",
        "sign_agreement",
        "attest",
        "close_ceremony",
    ),
}
HANDLED_BY: dict[str, str] = {event: "room" for event in EVENTS} | {
    event: workflow for workflow, events in WORKFLOW_EVENTS.items() for event in events
}


class Shape(StrEnum):
    """What a payload field holds."""

    TEXT = "text"  # chat text: 1..4096 bytes of UTF-8 once trimmed
    CLIENT_ID = "client_id"  # 1..64 of A-Z a-z 0-9 _ -
    PARTICIPANT = "participant"  # a participant_id: 1..64 characters
    RECIPIENT = "recipient"  # "hosts", "panel", "group" or a participant_id
    MESSAGE_ID = "message_id"  # a stream id "<ms>-<seq>"
    FLAG = "flag"  # true or false
    ROLE = "role"  # a role name
    EMOJI = "emoji"  # one of REACTIONS
    SDP = "sdp"  # a session description: text of at most SDP_CHARS_MAX characters
    CANDIDATE = "candidate"  # an ICE candidate line ("" = end of candidates)
    CONNECTION = "connection"  # "publish" or "subscribe"
    MIDS = "mids"  # a list of at most MIDS_MAX mids
    MID = "mid"  # a media id: 1..32 characters
    REVISION = "revision"  # a positive integer
    ITEM = "item"  # an item_id: 1..64 of A-Z a-z 0-9 _ -
    ITEMS = "items"  # a list of at most ITEMS_MAX item ids
    MINUTES = "minutes"  # a whole number of minutes, 1..60
    SCORES = "scores"  # an object: criterion id -> number, at most SCORES_MAX of them
    CODE = "code"  # a short code: 1..32 of A-Z a-z 0-9 _ -
    COMMENT = "comment"  # text of at most COMMENT_CHARS_MAX characters
    REASON = "reason"  # text of 1..REASON_CHARS_MAX characters
    QUESTION = "question"  # text of 1..QUESTION_CHARS_MAX characters
    QUESTION_ID = "question_id"  # "q<number>"
    QUESTION_STATE = "question_state"  # one of QUESTION_STATES
    POLL = "poll"  # an object: a poll's question, kind, options... (rooms.poll_spec checks it)
    CHOICES = "choices"  # a list of at most CHOICES_MAX whole numbers (option indexes)
    PAGE = "page"  # a page number: 1..PAGES_MAX
    FRACTION = "fraction"  # a number from 0 to 1 (a place across or down a page)
    GROUP_COUNT = "group_count"  # a whole number of breakout groups: 2..50
    BREAKOUT_MODE = "breakout_mode"  # one of BREAKOUT_MODES
    GROUP = "group"  # a breakout group's number: 1..50
    GROUP_OR_MAIN = "group_or_main"  # a breakout group's number, or null: the main room
    ASSIGNMENTS = "assignments"  # an object: participant_id -> group, at most ASSIGNMENTS_MAX
    BROADCAST = "broadcast"  # text of 1..BROADCAST_CHARS_MAX characters
    NAME = "name"  # a person's name as typed: 0..NAME_MAX characters
    SHA256 = "sha256"  # 64 hexadecimal digits
    SIGNATURE = "signature"  # a PNG data URL of at most SIGNATURE_CHARS_MAX characters
    STREAM_URL = "stream_url"  # text of 1..URL_MAX characters (recordings.streaming checks it)
    STREAM_KEY = "stream_key"  # text of 1..KEY_MAX characters, a secret


@dataclass(frozen=True, slots=True)
class Field:
    shape: Shape
    required: bool = True


F = Field
S = Shape

FIELDS: dict[str, dict[str, Field]] = {
    "join": {"chat_after": F(S.MESSAGE_ID, required=False)},
    "ping": {},
    "attention": {"visible": F(S.FLAG)},
    "chat": {"text": F(S.TEXT), "client_id": F(S.CLIENT_ID)},
    "chat_private": {"text": F(S.TEXT), "client_id": F(S.CLIENT_ID), "to": F(S.RECIPIENT)},
    "chat_delete": {"message_id": F(S.MESSAGE_ID)},
    "set_chat_enabled": {"enabled": F(S.FLAG)},
    "raise_hand": {},
    "lower_hand": {},
    "lower_hand_of": {"participant_id": F(S.PARTICIPANT)},
    "lower_all_hands": {},
    "react": {"emoji": F(S.EMOJI)},
    "set_mic": {"on": F(S.FLAG)},
    "set_camera": {"on": F(S.FLAG)},
    "admit": {"participant_id": F(S.PARTICIPANT)},
    "admit_all": {},
    "deny": {"participant_id": F(S.PARTICIPANT)},
    "deny_all": {},
    "send_to_lobby": {"participant_id": F(S.PARTICIPANT)},
    "mute": {"participant_id": F(S.PARTICIPANT)},
    "mute_all": {},
    "remove": {"participant_id": F(S.PARTICIPANT), "ban": F(S.FLAG, required=False)},
    "set_locked": {"locked": F(S.FLAG)},
    "set_role": {"participant_id": F(S.PARTICIPANT), "role": F(S.ROLE)},
    "get_attendance": {},
    "end_session": {},
    "start_item": {"item_id": F(S.ITEM)},
    "next_phase": {"item_id": F(S.ITEM)},
    "extend_item": {"item_id": F(S.ITEM), "minutes": F(S.MINUTES)},
    "skip_item": {"item_id": F(S.ITEM)},
    "reorder_items": {"item_ids": F(S.ITEMS)},
    "release_results": {"item_id": F(S.ITEM)},
    "set_conflict": {
        "item_id": F(S.ITEM),
        "participant_id": F(S.PARTICIPANT),
        "waive": F(S.FLAG),
        "reason": F(S.REASON),
    },
    "submit_score": {
        "item_id": F(S.ITEM),
        "values": F(S.SCORES),
        "recommendation": F(S.CODE, required=False),
        "comment": F(S.COMMENT, required=False),
    },
    "get_my_score": {"item_id": F(S.ITEM)},
    "get_results": {"item_id": F(S.ITEM)},
    "start_show": {},
    "mark_interest": {
        "item_id": F(S.ITEM),
        "interested": F(S.FLAG),
        "note": F(S.COMMENT, required=False),
    },
    "extend_stage": {"item_id": F(S.ITEM), "phase": F(S.CODE), "minutes": F(S.MINUTES)},
    "end_stage": {"item_id": F(S.ITEM), "phase": F(S.CODE)},
    "score_pitch": {
        "item_id": F(S.ITEM),
        "values": F(S.SCORES),
        "recommendation": F(S.CODE, required=False),
        "comment": F(S.COMMENT, required=False),
    },
    "get_my_pitch_score": {"item_id": F(S.ITEM)},
    "close_pitch_scoring": {"item_id": F(S.ITEM)},
    "release_pitch_results": {"item_id": F(S.ITEM)},
    "get_pitch_results": {"item_id": F(S.ITEM)},
    "get_ranking": {},
    "ask_question": {
        "text": F(S.QUESTION),
        "anonymous": F(S.FLAG, required=False),
        "client_id": F(S.CLIENT_ID, required=False),
    },
    "upvote_question": {"question_id": F(S.QUESTION_ID)},
    "set_question_state": {"question_id": F(S.QUESTION_ID), "state": F(S.QUESTION_STATE)},
    "pin_question": {"question_id": F(S.QUESTION_ID), "pinned": F(S.FLAG)},
    "set_qa_settings": {"anonymous": F(S.FLAG), "premoderated": F(S.FLAG)},
    "launch_poll": {"poll": F(S.POLL)},
    "close_poll": {"poll_id": F(S.ITEM)},
    "share_results": {"poll_id": F(S.ITEM), "shared": F(S.FLAG)},
    "show_leaderboard": {"shown": F(S.FLAG)},
    "vote": {"poll_id": F(S.ITEM), "choices": F(S.CHOICES)},
    "slide_page": {"page": F(S.PAGE)},
    "slide_pointer": {"x": F(S.FRACTION), "y": F(S.FRACTION)},
    "slides_stop": {},
    "invite_to_speak": {"participant_id": F(S.PARTICIPANT), "video": F(S.FLAG, required=False)},
    "revoke_speaking": {"participant_id": F(S.PARTICIPANT)},
    "answer_invite": {"accept": F(S.FLAG)},
    "stop_speaking": {},
    "open_breakouts": {
        "count": F(S.GROUP_COUNT),
        "mode": F(S.BREAKOUT_MODE),
        "minutes": F(S.MINUTES, required=False),
        "assignments": F(S.ASSIGNMENTS, required=False),
    },
    "assign_breakout": {"participant_id": F(S.PARTICIPANT), "group": F(S.GROUP_OR_MAIN)},
    "visit_breakout": {"group": F(S.GROUP_OR_MAIN)},
    "broadcast_breakouts": {"text": F(S.BROADCAST)},
    "close_breakouts": {},
    "choose_breakout": {"group": F(S.GROUP)},
    "fix_agreement": {},
    "agreement_page": {"page": F(S.PAGE)},
    "call_signer": {"party_id": F(S.CODE)},
    "confirm_identity": {"typed_name": F(S.NAME, required=False)},
    "give_consent": {"sha256": F(S.SHA256), "typed_name": F(S.NAME)},
    "sign_agreement": {"signature": F(S.SIGNATURE)},
    "attest": {"typed_name": F(S.NAME, required=False)},
    "close_ceremony": {},
    "start_recording": {},
    "stop_recording": {},
    "start_stream": {"url": F(S.STREAM_URL), "key": F(S.STREAM_KEY)},
    "stop_stream": {},
}

# client media event -> the capability it needs (see PROTOCOL.md, Media). Publishing needs
# ``join`` for the event and, per track, the capability of PUBLISH_NEEDS for its kind.
MEDIA_EVENTS: dict[str, Capability] = {
    "media_start": C.JOIN,
    "publish_offer": C.JOIN,
    "subscribe_answer": C.JOIN,
    "ice_candidate": C.JOIN,
    "media_stop": C.JOIN,
    "stop_video": C.MODERATE,
}

MEDIA_FIELDS: dict[str, dict[str, Field]] = {
    "media_start": {},
    "publish_offer": {"sdp": F(S.SDP), "screen_mids": F(S.MIDS, required=False)},
    "subscribe_answer": {"sdp": F(S.SDP), "revision": F(S.REVISION)},
    "ice_candidate": {
        "connection": F(S.CONNECTION),
        "candidate": F(S.CANDIDATE),
        "mid": F(S.MID, required=False),
    },
    "media_stop": {},
    "stop_video": {"participant_id": F(S.PARTICIPANT), "screen": F(S.FLAG, required=False)},
}

# a kind of published track -> the capability its publisher needs
PUBLISH_NEEDS: dict[str, Capability] = {
    "audio": C.PUBLISH_AUDIO,
    "video": C.PUBLISH_VIDEO,
    "screen": C.PUBLISH_SCREEN,
}
CONNECTIONS = ("publish", "subscribe")
SDP_CHARS_MAX = 64 * 1024
CANDIDATE_CHARS_MAX = 512
MIDS_MAX = 16
MID_CHARS_MAX = 32

ITEMS_MAX = 200
SCORES_MAX = 20
COMMENT_CHARS_MAX = 5000
REASON_CHARS_MAX = 500
QUESTION_STATES = ("visible", "answering", "answered", "dismissed")  # a moderator's moves
CHOICES_MAX = 10
POLL_KEYS = frozenset({"question", "kind", "options", "correct", "anonymous", "seconds"})
PAGES_MAX = 10_000
BREAKOUT_MODES = ("random", "manual", "choose")
GROUPS_MAX = 50  # breakout groups a room may open at once (at least 2)
ASSIGNMENTS_MAX = 1000
BROADCAST_CHARS_MAX = 500

# the emoji a reaction may be; anything else is refused
REACTIONS = ("👍", "👏", "❤️", "😂", "😮", "🎉", "🙏", "🤔")
TO_HOSTS = "hosts"
TO_PANEL = "panel"  # a review's panel: its chair and reviewers (``chair`` or ``score``)
TO_ROOM = "room"
TO_GROUP = "group"  # the sender's breakout group (``rooms.breakouts``), while they are in one
