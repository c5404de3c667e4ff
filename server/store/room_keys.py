"""A live room's key names: every one ``session:{<id>}:…``, so that all of a room's keys are
in one Redis Cluster slot (the hash tag is the session id; ARCHITECTURE.md "Redis Cluster").

They are written together: the room line's batched MULTI under the room's fence (chat and
its scripts, attendance, flags, every workflow's kept record), the lease's claim and renewal
(server/store/owners.py), a review's durable scores. ``server.store.keys`` re-exports them
all, beside every other key name, and callers reach them there.
"""


# the room's core (rooms.room): chat and its client ids, flags, the hand queue, the lobby,
# attendance
def room_chat(session_id: str) -> str:
    return f"session:{{{session_id}}}:chat"  # stream of chat messages and deletions


def room_chat_client(session_id: str, participant_id: str, client_id: str) -> str:
    # -> message id, TTL
    return f"session:{{{session_id}}}:chat-client:{participant_id}:{client_id}"


def room_flags(session_id: str) -> str:
    return f"session:{{{session_id}}}:room"  # JSON: locked, chat_enabled, bans, roles given live


def room_hands(session_id: str) -> str:
    return f"session:{{{session_id}}}:hands"  # hash participant_id -> raised at (ISO), the queue


def room_admitted(session_id: str) -> str:
    return f"session:{{{session_id}}}:admitted"  # set of person keys admitted (straight back in)


def room_lobby(session_id: str) -> str:
    return f"session:{{{session_id}}}:lobby"  # hash person_key -> came to wait at (ISO)


def attendance(session_id: str) -> str:
    return f"session:{{{session_id}}}:attendance"  # stream of joins and leaves


# ownership (server/store/owners.py): the lease and the fencing token
def room_lease(session_id: str) -> str:
    return f"session:{{{session_id}}}:lease"  # "<owner> <token>", with the lease's TTL


def room_owner(session_id: str) -> str:
    return f"session:{{{session_id}}}:owner"  # hash: token (the fencing token), process (its owner)


# a review panel (rooms.panel) and what it is prepared with; every key of a session's review
# starts with session:{<id>}:review:
def review_items(session_id: str) -> str:
    return f"session:{{{session_id}}}:review:items"  # hash item_id -> Item JSON


def review_order(session_id: str) -> str:
    return f"session:{{{session_id}}}:review:order"  # list of item ids, in the panel's order


def review_rubric(session_id: str) -> str:
    return f"session:{{{session_id}}}:review:rubric"  # Rubric JSON


def review_settings(session_id: str) -> str:
    return f"session:{{{session_id}}}:review:settings"  # ReviewSettings JSON


def review_notes(session_id: str) -> str:
    return f"session:{{{session_id}}}:review:notes"  # list of ConflictNote JSON, append-only


def review_materials(session_id: str, item_id: str) -> str:
    return f"session:{{{session_id}}}:review:materials:{item_id}"  # list of file ids


def review_scores(session_id: str) -> str:
    return f"session:{{{session_id}}}:review:scores"  # hash "<item_id> <reviewer_key>" -> Scorecard


def review_runs(session_id: str) -> str:
    return f"session:{{{session_id}}}:review:runs"  # the live panel's run of its items


def review_audit(session_id: str) -> str:
    return f"session:{{{session_id}}}:review:audit"  # stream: the review's audit log


# questions and answers (rooms.questions)
def questions(session_id: str) -> str:
    return f"session:{{{session_id}}}:questions"  # hash: question id -> the question (Q&A)


def questions_settings(session_id: str) -> str:
    return f"session:{{{session_id}}}:questions:settings"  # the room's Q&A settings


# polls and quizzes (rooms.polls)
def poll_bank(session_id: str) -> str:
    return f"session:{{{session_id}}}:polls:bank"  # hash draft_id -> PollSpec JSON


def poll_bank_next(session_id: str) -> str:
    return f"session:{{{session_id}}}:polls:bank:next"  # the last draft's number


def polls(session_id: str) -> str:
    return f"session:{{{session_id}}}:polls"  # hash poll_id -> LivePoll JSON


def poll_ballots(session_id: str) -> str:
    return f"session:{{{session_id}}}:polls:ballots"  # hash "<poll_id> <person key>" -> Ballot


def poll_board(session_id: str) -> str:
    return f"session:{{{session_id}}}:polls:board"  # "1" while the leaderboard is shown


# slides on the stage (rooms.slides)
def slide_show(session_id: str) -> str:
    return f"session:{{{session_id}}}:slides"  # SlideShow JSON: the deck shown, and its page


# a roadshow's run of show (rooms.run_of_show) and the interest in its pitches (rooms.interest)
def show_log(session_id: str) -> str:
    return f"session:{{{session_id}}}:show:log"  # list: the run of show's log, JSON entries


def show_buffer(session_id: str) -> str:
    return f"session:{{{session_id}}}:show:buffer"  # seconds between two pitch slots


def interest(session_id: str) -> str:
    return f"session:{{{session_id}}}:interest"  # hash "<person_key>|<item_id>" -> Interest JSON


# breakout groups (rooms.breakouts)
def breakouts(session_id: str) -> str:
    return f"session:{{{session_id}}}:breakouts"  # BreakoutState JSON: the groups, who is where


# a signing session's agreement and its hash-chained log (rooms.agreement, rooms.signing_log)
def agreement(session_id: str) -> str:
    return f"session:{{{session_id}}}:agreement"  # the Agreement's JSON (until fixed, editable)


def signing_log(session_id: str) -> str:
    return f"session:{{{session_id}}}:signing-log"  # list of LogEntry JSON, oldest first


def signatures(session_id: str) -> str:
    return f"session:{{{session_id}}}:signatures"  # hash party_id -> drawn signature (PNG data URL)


def agreement_page(session_id: str) -> str:
    return f"session:{{{session_id}}}:agreement-page"  # the page on the stage


def signed_agreement(session_id: str) -> str:
    return f"session:{{{session_id}}}:signed-agreement"  # the sealed PDF's file id (set once)
