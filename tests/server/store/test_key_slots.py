"""Every script and transaction of the store touches keys of one Redis Cluster slot
(server/store/keys.py, hash tags): checked here with Redis's own CRC16 (``redis.crc.key_slot``)
for each group of keys written together, and on a real cluster by test_redis_cluster.py."""

import inspect
from collections.abc import Callable

import pytest
from redis.crc import key_slot

from server.store import keys

SID, PK, PK2 = "0123456789abcdef", "account:a1", "guest:li@example.org"


def slots(names: list[str]) -> set[int]:
    return {key_slot(name.encode()) for name in names}


def session_key_functions() -> dict[str, Callable[..., str]]:
    """keys.py's functions of a session: a session id first."""
    return {
        name: function
        for name, function in vars(keys).items()
        if inspect.isfunction(function)
        and list(inspect.signature(function).parameters)[:1] == ["session_id"]
    }


def key_of(function: Callable[..., str], session_id: str) -> str:
    return function(session_id, *["x"] * (function.__code__.co_argcount - 1))


def room_keys(session_id: str) -> list[str]:
    """Every key of a live room: named ``session:{<id>}:…``."""
    made = [key_of(f, session_id) for f in session_key_functions().values()]
    return [key for key in made if key.startswith(f"session:{{{session_id}}}:")]


# Keys named after a session that live elsewhere: in a directory (written with its other
# records) or with a person (a reminder's mark); any other must be a room key.
DIRECTORY_SESSION_KEYS = {
    "session", "roster", "transition_log", "session_invites", "session_follow_ups",
    "session_recordings", "session_recording_on", "reminded",
}  # fmt: skip

GROUPS = {
    # a live room: the line's batched MULTI under the fence (chat scripts, attendance,
    # flags, every kept record), the lease's claim and renewal, the durable scores
    "room": room_keys(SID),
    # agenda: booking and unbooking (_BOOK, _UNBOOK), the rewrite of a session (_REWRITE),
    # event changes and new sessions (WATCH/MULTI), reads in one script (_RANGE, _UPCOMING),
    # the scheduler's transitions and the end of a session
    "agenda": [
        keys.session(SID), keys.roster(SID), keys.person_sessions(PK), keys.person_bookings(PK),
        keys.person_bookings(PK2), keys.person_sessions(PK2), keys.event("ev1"),
        keys.agenda("ev1"), keys.org_events("org1"), keys.PUBLIC_EVENTS, keys.UPCOMING_PUBLIC,
        keys.SCHEDULE, keys.REMINDERS, keys.transition_log(SID), keys.session("other"),
    ],
    "a person's reminder": [keys.reminded(SID, "1777000000", PK), keys.notifications(PK)],
    "accounts": [
        keys.account_by_email("li@example.org"), keys.account("a1"), keys.org_accounts("org1"),
        keys.org("org1"), keys.ORGS,
    ],
    "sign-in throttle": [
        keys.login_failures("li@example.org|10.0.0.1"), keys.login_failures("li@example.org"),
        keys.login_failures("ip:10.0.0.1"), keys.login_familiar("li@example.org"),
    ],
    "feeds": [keys.person_feed(PK), keys.feed_owner("t1"), keys.feed_owner("t2")],
    "invites": [keys.invite("i1"), keys.session_invites(SID), keys.invite_spent("i1")],
    "experts": [
        keys.expert("e1"), keys.org_experts("org1"), keys.experts_by_discipline("org1", "Law"),
        keys.experts_by_affiliation("org1", "Fudan"), keys.org_disciplines("org1"),
        keys.expert_email("org1", "li@example.org"), keys.org_affiliations("org1"),
    ],
    "investors": [
        keys.investor("v1"), keys.org_investors("org1"), keys.investor_email("org1", "a@b.c"),
    ],
    "demands": [
        keys.listing("demand", "d1"), keys.listing_terms("demand", "d1"),
        keys.org_listings("org1", "demand"), keys.public_listings("demand"),
    ],
    "achievements": [
        keys.listing("achievement", "d1"), keys.listing_terms("achievement", "d1"),
        keys.org_listings("org1", "achievement"), keys.public_listings("achievement"),
    ],
    "follow-ups": [
        keys.follow_up("f1"), keys.person_follow_ups(PK), keys.person_follow_ups(PK2),
        keys.session_follow_ups(SID), keys.follow_up_claim("f1"),
    ],
    "files": [keys.stored_file("f1"), keys.scope_files(SID)],
    "certificates": [
        keys.certificates_of("event", "ev1"), keys.CERTIFICATE_SERIAL, keys.certificate("c1"),
        keys.certificate_threshold("event", "ev1"), keys.certificate_threshold("session", SID),
    ],
    "jobs": [keys.job("j1"), keys.jobs_of("org1"), keys.JOBS],
    "signing records": [
        keys.signing_record("a1"), keys.signing_record_log("a1"), keys.SIGNING_RECORD_HASHES,
    ],
    "recordings": [
        keys.recording("r1"), keys.session_recordings(SID), keys.session_recording_on(SID),
        keys.org_recording_deletions("org1"), keys.org_recording_retention("org1"),
        keys.RECORDING_RETENTION_ORGS,
    ],
}  # fmt: skip


@pytest.mark.parametrize("group", list(GROUPS))
def test_the_keys_written_together_share_one_slot(group: str) -> None:
    assert len(slots(GROUPS[group])) == 1


def test_a_room_has_its_chat_lease_fence_and_records_in_its_slot() -> None:
    wanted = [
        keys.room_chat, keys.room_chat_client, keys.room_lease, keys.room_owner, keys.attendance,
        keys.room_flags, keys.review_scores, keys.polls, keys.questions, keys.slide_show,
        keys.breakouts, keys.interest, keys.signing_log, keys.show_log,
    ]  # fmt: skip

    assert [key_of(w, SID) in GROUPS["room"] for w in wanted] == [True] * len(wanted)


def test_every_key_named_after_a_session_is_its_rooms_or_a_directorys() -> None:
    others = [
        name
        for name, function in session_key_functions().items()
        if name not in DIRECTORY_SESSION_KEYS
        and not key_of(function, SID).startswith(f"session:{{{SID}}}:")
    ]

    assert others == []


def test_the_rooms_of_different_sessions_spread_over_the_slots() -> None:
    spread = slots([keys.room_chat(f"{n:016x}") for n in range(1000)])

    assert len(spread) > 900
