"""The room's side of Redis (server/store/chat.py, attendance.py, rooms.py) on a real Redis.

(They belong under tests/server/store/; they live here with the realtime tests they serve.)
"""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from rooms.attendance import Movement, Passage
from rooms.chat import ChatMessage
from rooms.errors import Conflict
from rooms.lifecycle import State
from rooms.outbox import RoomFlags
from rooms.roles import Role
from server import agenda
from server.store import Store, keys
from server.store.chat import PAGE
from tests.server.fixtures_login import create_staff

AT = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)
MESSAGE = ChatMessage("", "p-li", "Li Lei", "attendee", "room", "", "你好 <b>", "c-1", AT)


async def test_a_message_round_trips_raw(store: Store) -> None:
    message_id, fresh = await store.chat.post("s1", MESSAGE)

    assert fresh is True
    assert await store.chat.get("s1", message_id) == replace(MESSAGE, message_id=message_id)
    assert await store.chat.get("s1", "1-0") is None


async def test_a_client_id_is_stored_once_per_sender(store: Store) -> None:
    first = await store.chat.post("s1", MESSAGE)
    again = await store.chat.post("s1", replace(MESSAGE, text="changed"))
    other = await store.chat.post("s1", replace(MESSAGE, sender_id="p-han"))

    assert again == (first[0], False)
    assert other[1] is True
    assert [m.text for m in await store.chat.messages("s1")] == ["你好 <b>", "你好 <b>"]
    ttl = await store.redis.ttl(keys.room_chat_client("s1", "p-li", "c-1"))
    assert 0 < ttl <= 600


async def test_deleting_leaves_a_trace_for_catch_up(store: Store) -> None:
    kept, _ = await store.chat.post("s1", MESSAGE)
    gone, _ = await store.chat.post("s1", replace(MESSAGE, client_id="c-2"))

    deleted = await store.chat.delete("s1", gone, by="p-host", at=AT)
    twice = await store.chat.delete("s1", gone, by="p-host", at=AT)

    assert (deleted, twice) == (True, False)
    assert [m.message_id for m in await store.chat.recent("s1")] == [kept]
    messages, deleted_ids = await store.chat.after("s1", kept)
    assert (messages, deleted_ids) == ([], [gone])


async def test_a_deletion_entry_cannot_be_deleted(store: Store) -> None:
    gone, _ = await store.chat.post("s1", MESSAGE)
    await store.chat.delete("s1", gone, by="p-host", at=AT)
    [(trace_id, _)] = await store.redis.xrange(keys.room_chat("s1"))

    assert await store.chat.delete("s1", trace_id, by="p-host", at=AT) is False


async def test_catching_up_pages_through_long_streams(store: Store) -> None:
    first, _ = await store.chat.post("s1", MESSAGE)
    ids = [
        (await store.chat.post("s1", replace(MESSAGE, client_id=f"c{n}")))[0]
        for n in range(PAGE + 5)
    ]

    messages, _ = await store.chat.after("s1", first)

    assert [m.message_id for m in messages] == ids


async def test_attendance_passages_round_trip_in_order(store: Store) -> None:
    passages = [
        Passage(Movement.JOIN, "guest:li", "p-li", "Li", "attendee", AT),
        Passage(Movement.LEAVE, "guest:li", "p-li", "Li", "attendee", AT + timedelta(minutes=1)),
    ]

    await store.attendance.record("s1", passages[:1])
    await store.attendance.record("s1", passages[1:])
    await store.attendance.record("s1", [])

    assert await store.attendance.passages("s1") == passages


async def _session(store: Store, *, minutes_to_start: int):  # type: ignore[no-untyped-def]
    _, owner = await create_staff(store, email="host@example.org")
    now = datetime.now(UTC)
    fields = {
        "title_en": "T", "zone": "UTC", "visibility": "public",
        "start_date": (now - timedelta(days=1)).date().isoformat(),
        "end_date": (now + timedelta(days=2)).date().isoformat(),
    }  # fmt: skip
    event = await agenda.create_event(
        store, org_id=owner.org_id, organizer=owner.account_id, fields=fields, now=now
    )
    start = now + timedelta(minutes=minutes_to_start)
    times = {
        "start": f"{start:%Y-%m-%dT%H:%M}",
        "end": f"{start + timedelta(hours=1):%Y-%m-%dT%H:%M}",
    }
    return await agenda.create_session(
        store, event=event, fields={"kind": "meeting", "title": "T", **times}, now=now
    )


async def test_flags_round_trip_and_expire_after_the_session(store: Store) -> None:
    session = await _session(store, minutes_to_start=5)
    flags = RoomFlags(
        locked=True, chat_enabled=False, bans=frozenset({"guest:x"}), roles={"guest:y": Role.COHOST}
    )

    await store.rooms.save_flags(session, flags)

    assert await store.rooms.flags(session.session_id) == flags
    assert await store.rooms.flags("other") == RoomFlags()
    assert await store.redis.ttl(keys.room_flags(session.session_id)) > 30 * 86400


async def test_ending_early_walks_the_states_and_clears_the_schedule(store: Store) -> None:
    session = await _session(store, minutes_to_start=5)  # lobby open by the clock, not yet by state
    now = datetime.now(UTC)

    ended = await store.rooms.end_session(session.session_id, now=now)

    assert ended.state is State.ENDED
    assert await store.agenda.get_session(session.session_id) == ended
    assert [s for s, _ in await store.schedule.transitions(session.session_id)] == [
        State.OPEN,
        State.ENDED,
    ]
    assert await store.redis.zscore(keys.SCHEDULE, session.session_id) is None
    with pytest.raises(Conflict) as caught:
        await store.rooms.end_session(session.session_id, now=now)
    assert caught.value.code == "session_closed"
