"""rooms.chat: text limits, who sees a message, the export, the rate limit (the room's chat
as it routes messages: tests/rooms/test_room_chat.py)."""

from datetime import UTC, datetime, timedelta

import pytest

from rooms.chat import (
    Absence,
    ChatMessage,
    TokenBucket,
    check_text,
    defuse,
    export_rows,
    history_for,
    message_payload,
    visible_to,
)
from rooms.errors import DomainError
from rooms.limits import CHAT_TEXT_MAX_BYTES
from tests.rooms.test_room import LI, NOW, codes, make_room

AT = datetime(2026, 5, 1, 1, 30, tzinfo=UTC)


def message(to: str = "room", sender: str = "p-sender", **changes: str) -> ChatMessage:
    fields = {
        "message_id": "1-0", "sender_id": sender, "sender_name": "Li Lei",
        "sender_role": "attendee", "to": to, "to_name": "", "text": "hi", "client_id": "c1",
        "at": AT,
    }  # fmt: skip
    return ChatMessage(**(fields | changes))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text", ["a", "你" * (CHAT_TEXT_MAX_BYTES // 3), "x" * CHAT_TEXT_MAX_BYTES]
)
def test_check_text_accepts_up_to_4_kib(text: str) -> None:
    assert check_text(text) is None


@pytest.mark.parametrize("text", ["", "   \n\t", "x" * (CHAT_TEXT_MAX_BYTES + 1), "你" * 1366])
def test_check_text_refuses_empty_or_over_4_kib(text: str) -> None:
    with pytest.raises(DomainError) as caught:
        check_text(text)

    assert caught.value.code == "invalid_payload"


# (to, viewer, viewer is moderator, visible)
VISIBILITY = [
    ("room", "p-other", False, True),
    ("hosts", "p-other", False, False),
    ("hosts", "p-other", True, True),
    ("hosts", "p-sender", False, True),
    ("p-target", "p-target", False, True),
    ("p-target", "p-sender", False, True),
    ("p-target", "p-other", False, False),
    ("p-target", "p-other", True, False),  # a private message is private from hosts too
]


@pytest.mark.parametrize(("to", "viewer", "moderator", "visible"), VISIBILITY)
def test_visible_to_shows_private_messages_only_to_their_people(
    to: str, viewer: str, moderator: bool, visible: bool
) -> None:
    assert visible_to(message(to), participant_id=viewer, moderator=moderator) is visible


def test_message_payload_is_the_protocol_shape() -> None:
    assert message_payload(message("p-target", to_name="Han Mei")) == {
        "message_id": "1-0",
        "from": {"participant_id": "p-sender", "name": "Li Lei", "role": "attendee"},
        "to": "p-target",
        "to_name": "Han Mei",
        "text": "hi",
        "client_id": "c1",
        "at": "2026-05-01T01:30:00+00:00",
    }


@pytest.mark.parametrize(
    ("cell", "safe"),
    [("=1+1", "'=1+1"), ("+x", "'+x"), ("-x", "'-x"), ("@x", "'@x"), ("ok", "ok"), ("", "")]
    + [("\t=1+1", "'\t=1+1"), ("\r=1+1", "'\r=1+1")],
)
def test_defuse_prefixes_formula_starts(cell: str, safe: str) -> None:
    assert defuse(cell) == safe


def test_export_rows_name_the_recipient_and_defuse_text() -> None:
    rows = export_rows(
        [message(text="=HYPERLINK(1)"), message("hosts"), message("p-x", to_name="Han Mei")]
    )

    assert rows == [
        ("time", "from", "role", "to", "text"),
        ("2026-05-01T01:30:00+00:00", "Li Lei", "attendee", "room", "'=HYPERLINK(1)"),
        ("2026-05-01T01:30:00+00:00", "Li Lei", "attendee", "hosts", "hi"),
        ("2026-05-01T01:30:00+00:00", "Li Lei", "attendee", "Han Mei", "hi"),
    ]


def test_token_bucket_allows_a_burst_then_throttles() -> None:
    bucket = TokenBucket.full(burst=3, per_second=1.0)

    taken = [bucket.take(now=AT) for _ in range(5)]

    assert taken == [True, True, True, False, False]


def test_token_bucket_refills_with_time_up_to_the_burst() -> None:
    bucket = TokenBucket.full(burst=2, per_second=1.0)
    for _ in range(2):
        bucket.take(now=AT)

    after_one = [bucket.take(now=AT + timedelta(seconds=1)) for _ in range(2)]
    after_long = [bucket.take(now=AT + timedelta(seconds=100)) for _ in range(3)]

    assert after_one == [True, False]
    assert after_long == [True, True, False]


# the room's rate limit (rooms.room.Room)


def test_reactions_are_rate_limited_per_person() -> None:
    room = make_room(lobby=False, burst=2)
    room.join("s-li", LI, now=NOW)

    room.react("s-li", "👍", now=NOW)
    room.react("s-li", "👍", now=NOW)

    assert codes(lambda: room.react("s-li", "👍", now=NOW)) == "rate_limited"


def out(participant_id: str, entry_id: str) -> Absence:
    return Absence(entry_id=entry_id, participant_id=participant_id, out=True)


def back(participant_id: str, entry_id: str) -> Absence:
    return Absence(entry_id=entry_id, participant_id=participant_id, out=False)


# entries in stream order -> the message ids p-li may see
ABSENCES = [
    ([message(message_id="1-0"), message(message_id="2-0")], ["1-0", "2-0"]),
    (
        [message(message_id="1-0"), out("p-li", "2-0"), message(message_id="3-0"),
         back("p-li", "4-0"), message(message_id="5-0")],
        ["1-0", "5-0"],
    ),
    # the window starts while p-li was out: everything before their return is not theirs
    ([message(message_id="3-0"), back("p-li", "4-0"), message(message_id="5-0")], ["5-0"]),
    # someone else's absence changes nothing for p-li
    ([out("p-han", "1-0"), message(message_id="2-0"), back("p-han", "3-0")], ["2-0"]),
    # still out: nothing after the mark
    ([message(message_id="1-0"), out("p-li", "2-0"), message(message_id="3-0")], ["1-0"]),
    # their own private message while out is not shown either
    ([out("p-li", "1-0"), message(message_id="2-0", sender="p-li"), back("p-li", "3-0")], []),
]  # fmt: skip


@pytest.mark.parametrize(("entries", "shown"), ABSENCES)
def test_history_leaves_out_what_was_posted_while_the_viewer_was_sent_out(
    entries: list[ChatMessage | Absence], shown: list[str]
) -> None:
    messages = history_for(entries, participant_id="p-li", moderator=False)

    assert [m.message_id for m in messages] == shown
