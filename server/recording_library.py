"""The recordings library: an event's (or a session's) recordings as staff and watchers see
them, the staff's changes (rename, publish as a public replay, delete), and the retention
policy each organization sets, which the scheduler applies.

Deleting a recording forgets its record (and its place in the session's list) and logs the
deletion in one step, then removes its folder: nobody is served a half-deleted recording,
and a folder that could not be removed is logged, never shown. A recording going on is not
deleted under its recorder; one being composed may be (the composer finds it gone).
Every deletion, by staff or by the retention, goes to the log and to the organization's
list of deletions (the organization's settings page shows it).
"""

import asyncio
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from recordings.library import (
    Deletion,
    Status,
    check_publishable,
    check_retention,
    check_title,
    duration_seconds,
    is_expired,
    retention_cutoff,
    shown_title,
    status_of,
)
from recordings.timeline import Recording
from rooms.accounts import Account
from rooms.agenda import Event, Session
from rooms.errors import Conflict, Forbidden, NotFound
from server import agenda
from server.store import Store

log = logging.getLogger(__name__)

SWEEP_SECONDS = 600  # one retention sweep per this many seconds, by one scheduler


def folder_of(data_dir: Path, recording: Recording) -> Path:
    """The recording's folder: ``recordings/<session>/<recording>`` under the data folder,
    whatever its record says (a record cannot point the server elsewhere)."""
    safe = all(
        part and all(c.isalnum() or c in "-_" for c in part)
        for part in (recording.session_id, recording.recording_id)
    )
    if not safe:
        raise NotFound("There is no such recording.", code="recording_not_found")
    return data_dir / "recordings" / recording.session_id / recording.recording_id


async def load_recording(store: Store, recording_id: str) -> Recording:
    found = await store.recordings.get(recording_id[:64])
    if found is None:
        raise NotFound("There is no such recording.", code="recording_not_found")
    return found


@dataclass(frozen=True, slots=True)
class Listed:
    """A recording as the library lists it."""

    recording: Recording
    session: Session
    title: str
    status: Status
    duration: int | None  # seconds; None while it goes on

    @property
    def public(self) -> bool:
        return self.recording.published_at is not None

    @property
    def started(self) -> datetime:
        return datetime.fromisoformat(self.recording.started_at)


def listed(recording: Recording, session: Session) -> Listed:
    return Listed(
        recording=recording,
        session=session,
        title=shown_title(recording, session.title),
        status=status_of(recording),
        duration=duration_seconds(recording),
    )


async def of_sessions(store: Store, sessions: list[Session]) -> list[Listed]:
    """The recordings of these sessions, newest first."""
    by_id = {session.session_id: session for session in sessions}
    records = await store.recording_library.of_sessions(list(by_id))
    found = [listed(r, by_id[r.session_id]) for r in records if r.session_id in by_id]
    return sorted(found, key=lambda item: item.recording.started_at, reverse=True)


async def of_event(store: Store, event: Event, *, session_id: str | None = None) -> list[Listed]:
    """The event's recordings (of one of its sessions, if given), newest first."""
    sessions = await store.agenda.agenda_of(event.event_id)
    if session_id is not None:
        sessions = [s for s in sessions if s.session_id == session_id]
    return await of_sessions(store, sessions)


async def public_replays(store: Store, event: Event) -> list[Listed]:
    """The event's public replays, newest first."""
    return [item for item in await of_event(store, event) if item.public]


async def own_recording(store: Store, recording_id: str, *, org_id: str) -> Listed:
    """A recording of the organization's; another organization's is not found."""
    recording = await load_recording(store, recording_id)
    session = await agenda.own_session(store, recording.session_id, org_id=org_id)
    return listed(recording, session)


async def _changed(store: Store, item: Listed, change: Callable[[Recording], Recording]) -> Listed:
    recording = await store.recordings.change(item.recording.recording_id, change)
    if recording is None:
        raise NotFound("There is no such recording.", code="recording_not_found")
    return listed(recording, item.session)


async def edit(
    store: Store,
    recording_id: str,
    *,
    org_id: str,
    now: datetime,
    title: str | None = None,
    public: bool | None = None,
) -> Listed:
    """Rename the recording (``title``), make it a public replay (``public``: it must be
    ready) or take it back; all of it or, when refused, none of it."""
    item = await own_recording(store, recording_id, org_id=org_id)
    clean = None if title is None else check_title(title)

    def change(recording: Recording) -> Recording:
        if clean is not None:
            recording = replace(recording, title=clean)
        if public is False:
            recording = replace(recording, published_at=None)
        elif public:
            check_publishable(recording)
            published = recording.published_at or now.isoformat()
            recording = replace(recording, published_at=published)
        return recording

    return await _changed(store, item, change)


async def delete(
    store: Store, data_dir: Path, recording_id: str, *, account: Account, now: datetime
) -> Listed:
    """Delete the recording, its files and its record, as this staff member (logged)."""
    item = await own_recording(store, recording_id, org_id=account.org_id)
    if item.status is Status.RECORDING:
        raise Conflict(
            "This recording is going on: stop it in the room first.", code="recording_on"
        )
    deletion = _deletion(item, by=account.name, reason="staff", now=now)
    if await _remove(store, data_dir, item, deletion):
        log.info(
            "recording %s of session %s deleted by account %s",
            recording_id, item.session.session_id, account.account_id,
        )  # fmt: skip
    return item


def _deletion(item: Listed, *, by: str, reason: str, now: datetime) -> Deletion:
    return Deletion(
        recording_id=item.recording.recording_id,
        session_id=item.session.session_id,
        title=item.title,
        started_at=item.recording.started_at,
        deleted_at=now.isoformat(),
        by=by,
        reason=reason,
    )


async def _remove(store: Store, data_dir: Path, item: Listed, deletion: Deletion) -> bool:
    """Forget the record and log it, then remove the folder; False if it was gone already."""
    org_id = item.session.org_id
    if not await store.recording_library.remove(item.recording, org_id=org_id, deletion=deletion):
        return False
    folder = folder_of(data_dir, item.recording)
    try:
        await asyncio.to_thread(shutil.rmtree, folder)
    except FileNotFoundError:
        pass  # never written, or removed by hand: nothing left to delete
    except OSError:
        log.exception("recording %s: its folder %s could not be removed", deletion, folder)
    return True


# retention


async def set_retention(store: Store, *, account: Account, days: int | None) -> int | None:
    """Set how many days the account's organization keeps recordings (None: for ever);
    its administrators only."""
    if not account.is_admin:
        raise Forbidden(
            "Only an administrator of the organization may change this.", code="not_admin"
        )
    kept = check_retention(days)
    await store.recording_library.set_retention(account.org_id, kept)
    log.info("organization %s keeps recordings %s days", account.org_id, kept or "all")
    return kept


async def expire(store: Store, data_dir: Path, *, now: datetime) -> int:
    """Delete every recording past its organization's retention: how many were deleted."""
    deleted = 0
    for org_id, days in (await store.recording_library.retentions()).items():
        sessions = await store.recording_library.org_session_ids(org_id)
        before = retention_cutoff(days, now=now)
        for recording_id in await store.recording_library.started_before(sessions, before):
            item = await _expired(store, recording_id, days=days, now=now)
            if item is None:
                continue
            deletion = _deletion(item, by="", reason="retention", now=now)
            if await _remove(store, data_dir, item, deletion):
                log.info(
                    "recording %s of session %s deleted: organization %s keeps recordings "
                    "%d days", recording_id, item.session.session_id, org_id, days,
                )  # fmt: skip
                deleted += 1
    return deleted


async def _expired(store: Store, recording_id: str, *, days: int, now: datetime) -> Listed | None:
    """The recording if it is past the retention now (read again: it may have changed)."""
    recording = await store.recordings.get(recording_id)
    if recording is None or not is_expired(recording, days=days, now=now):
        return None
    session = await store.agenda.get_session(recording.session_id)
    return None if session is None else listed(recording, session)


async def sweep(store: Store, data_dir: Path, *, now: datetime) -> int:
    """The scheduler's retention sweep: at most one per SWEEP_SECONDS among all schedulers."""
    if not await store.recording_library.claim_sweep(SWEEP_SECONDS):
        return 0
    return await expire(store, data_dir, now=now)
