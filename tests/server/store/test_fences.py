"""A room's owner's writes outside its line are fenced too (server.store.owners.Fence): a run
of show's change, ending the session, a recording's record, a signing step with its
signature. Once another process has taken
the room (a higher token), the stale owner's write raises ``Fenced`` and nothing of it is
kept; the current owner's goes through. Real Redis."""

from datetime import UTC, datetime, timedelta
from functools import partial

import pytest

from recordings.timeline import Recording
from rooms import ceremony as rules
from rooms.agreement import PNG_MAGIC
from rooms.lifecycle import State
from rooms.run_of_show import EntryKind, Show, ShowEntry
from rooms.signing_log import CeremonyStep
from server.store import Store, keys
from server.store.owners import Fence, Fenced
from tests.rooms.test_signing import NOW
from tests.server.store.test_signing_store import WHERE, ZHANG, until_consent
from tests.server.test_review_crash import crash_session

TTL = timedelta(seconds=5)
A, B = "127.0.0.1:9250", "127.0.0.1:9251"


async def taken_from_a(store: Store, session_id: str) -> tuple[Fence, Fence]:
    """A held the room (token 1), then B took it (token 2): A's fence and B's."""
    await store.owners.claim(session_id, A, ttl=TTL)
    await store.redis.delete(keys.room_lease(session_id))  # A's lease ran out
    claim = await store.owners.claim(session_id, B, ttl=timedelta(seconds=5))
    return Fence(session_id, 1), Fence(session_id, claim.token)


def start(show: Show, now: datetime) -> list[ShowEntry]:
    return [ShowEntry(kind=EntryKind.START, at=now, actor="account:chair")]


async def test_a_stale_owner_cannot_change_the_run_of_show(store: Store) -> None:
    session = await crash_session(store, kind="roadshow", title="Show", minutes=5)
    stale, current = await taken_from_a(store, session.session_id)
    now = datetime.now(UTC)

    with pytest.raises(Fenced):
        await store.shows.act(session, start, now=now, fence=stale)
    before = (await store.shows.show(session)).log
    written = await store.shows.act(session, start, now=now, fence=current)

    assert (before, [e.kind for e in written]) == ((), [EntryKind.START])


async def test_a_stale_owner_cannot_end_the_session(store: Store) -> None:
    session = await crash_session(store, kind="meeting", title="Meeting", minutes=-5)
    stale, current = await taken_from_a(store, session.session_id)
    now = datetime.now(UTC)

    with pytest.raises(Fenced):
        await store.rooms.end_session(session.session_id, now=now, fence=stale)
    kept = await store.agenda.get_session(session.session_id)
    ended = await store.rooms.end_session(session.session_id, now=now, fence=current)

    assert (kept is not None and kept.state, ended.state) == (session.state, State.ENDED)


async def test_a_stale_owner_cannot_start_or_end_a_recording(store: Store) -> None:
    session = await crash_session(store, kind="meeting", title="Meeting", minutes=5)
    stale, current = await taken_from_a(store, session.session_id)
    record = Recording(
        recording_id="r1", session_id=session.session_id, folder="recordings/x/r1",
        started_at=datetime.now(UTC).isoformat(), started_by="p-host",
    )  # fmt: skip

    with pytest.raises(Fenced):
        await store.recordings.begin(record, fence=stale)
    nothing = await store.recordings.going_on(session.session_id)
    await store.recordings.begin(record, fence=current)
    with pytest.raises(Fenced):
        await store.recordings.end(record, fence=stale)

    going_on = await store.recordings.going_on(session.session_id)
    assert (nothing, going_on and going_on.recording_id) == (None, "r1")


async def test_a_room_never_owned_fences_every_write(store: Store) -> None:
    session = await crash_session(store, kind="meeting", title="Meeting", minutes=5)

    with pytest.raises(Fenced):
        await store.rooms.end_session(
            session.session_id, now=datetime.now(UTC), fence=Fence(session.session_id, 1)
        )


async def test_a_stale_owner_cannot_append_a_signature_to_the_signing_log(store: Store) -> None:
    await until_consent(store)  # the ceremony of session "s1", up to the signer's consent
    stale, current = await taken_from_a(store, "s1")
    sign = partial(rules.propose_sign, actor=ZHANG, signature_sha256="cd" * 32)
    before = await store.signings.log("s1")

    with pytest.raises(Fenced):
        await store.signings.append("s1", sign, now=NOW, signature=PNG_MAGIC, fence=stale, **WHERE)
    refused = (await store.signings.log("s1"), await store.signings.signatures("s1"))
    signed = await store.signings.append(
        "s1", sign, now=NOW, signature=PNG_MAGIC, fence=current, **WHERE
    )

    assert refused == (before, {})
    assert (signed.step, list(await store.signings.signatures("s1"))) == (
        CeremonyStep.SIGNED, ["p1"],
    )  # fmt: skip
