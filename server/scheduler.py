"""The scheduler: moves sessions through their states on time and sends reminders; hands
over a roadshow's stages; deletes recordings past their organization's retention
(``server.recording_library.sweep``, one sweep per ten minutes among all schedulers).

Runs inside the web process (``python -m server``) or alone (``python -m server.scheduler``,
the Procfile's ``scheduler``). Any number may run at once: Redis decides who does each piece
of work (see server/store/schedule.py), so every transition and reminder happens once. After
downtime, the first tick walks overdue sessions through every state they missed.
"""

import asyncio
import contextlib
import logging
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rooms.lifecycle import State
from rooms.notifications import Notification, NotificationKind, should_remind
from rooms.roles import Kind
from rooms.run_of_show import Show, ShowEntry
from server import process, recording_library
from server.logs import retrying
from server.mailer import Mailer
from server.settings import Settings
from server.store import Store
from server.store.codec import dump

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


STOP_WAIT = 10.0  # seconds a tick may take to finish at shutdown
SHOW_RETRY = timedelta(seconds=5)  # a show that could not move on is tried again after


@dataclass(frozen=True, slots=True)
class TickReport:
    transitions: int
    reminders: int
    handovers: int = 0  # roadshow stages handed over
    recordings_deleted: int = 0  # past their organization's retention


def _nothing_new(show: Show, now: datetime) -> list[ShowEntry]:
    return []  # the scheduler only hands over what is due


class Scheduler:
    """Owns one loop task: start() creates it, stop() ends it and waits for it."""

    def __init__(
        self, store: Store, settings: Settings, *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.lead = timedelta(minutes=settings.reminder_minutes)
        self.mailer = Mailer(settings) if settings.email_enabled else None
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self._run(), name="scheduler")

    async def stop(self) -> None:
        """Let the loop finish its tick and end. It is never cancelled inside a Redis call:
        redis-py can turn the cancellation into an error, the loop would go on, and the
        process would wait for it at shutdown for ever."""
        if self._task is None:
            return
        self._stop.set()
        try:
            await asyncio.wait_for(self._task, STOP_WAIT)
        except TimeoutError:
            log.warning("the scheduler did not stop in time")
        self._task = None

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                await self.tick(self.clock())
            except Exception as error:
                retrying(log, "scheduler tick failed", error)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.settings.scheduler_interval)

    async def tick(self, now: datetime) -> TickReport:
        transitions = 0
        for session_id in await self.store.schedule.due_sessions(now):
            steps = await self.store.schedule.advance(session_id, now)
            for step in steps:
                log.info("session %s is now %s", session_id, step)
            if {State.OPEN, State.LIVE} & set(steps):
                await self._opened(session_id, now)
            transitions += len(steps)
        reminders = 0
        for session_id, start_ts in await self.store.schedule.due_reminders(now + self.lead):
            reminders += await self._remind(session_id, start_ts, now)
        handovers = 0
        for session_id in await self.store.shows.due(now):
            handovers += await self._hand_over(session_id, now)
        deleted = await recording_library.sweep(self.store, self.settings.data_dir, now=now)
        return TickReport(transitions, reminders, handovers, deleted)

    async def _opened(self, session_id: str, now: datetime) -> None:
        """A roadshow opened: its run of show is watched from now on."""
        session = await self.store.agenda.get_session(session_id)
        if session is not None and session.kind is Kind.ROADSHOW:
            await self.store.shows.track(session, now=now)

    async def _hand_over(self, session_id: str, now: datetime) -> int:
        """Write the roadshow's hand-overs due by now (each once, whichever scheduler
        comes first); a show that cannot be read now is looked at again a little later."""
        session = await self.store.agenda.get_session(session_id)
        if session is None or session.state is State.CANCELLED:
            await self.store.shows.forget(session_id)
            return 0
        try:
            entries = await self.store.shows.act(session, _nothing_new, now=now)
        except Exception:
            log.exception("roadshow %s: the run of show could not move on", session_id)
            await self.store.shows.later(session_id, SHOW_RETRY, now=now)
            return 0
        for entry in entries:
            log.info("roadshow %s: stage %s handed over", session_id, entry.stage)
        return len(entries)

    async def _remind(self, session_id: str, start_ts: float, now: datetime) -> int:
        session = await self.store.agenda.get_session(session_id)
        start = datetime.fromtimestamp(start_ts, UTC)
        if (
            session is None
            or session.state in (State.CANCELLED, State.ENDED)
            or session.start != start
            or not should_remind(start=start, now=now, lead=self.lead)
        ):
            await self.store.schedule.drop_reminder(session_id, start_ts)
            return 0
        roster = await self.store.agenda.roster_of(session_id)
        messages = {
            entry.person_key: dump(
                Notification(
                    notification_id=secrets.token_hex(8),
                    person_key=entry.person_key,
                    kind=NotificationKind.REMINDER,
                    session_id=session_id,
                    title=session.title,
                    start=session.start,
                    created_at=now,
                )
            )
            for entry in roster
        }
        sent = await self.store.schedule.remind(session_id, start_ts, messages)
        if self.mailer is not None:
            emails = {e.person_key: e.email for e in roster if e.email}
            await self.mailer.send_reminders(session, [emails[p] for p in sent if p in emails])
        return len(sent)


def main() -> int:
    """The Procfile's scheduler process: until SIGTERM or SIGINT."""
    return process.main(
        "scheduler",
        Scheduler,
        lambda made: f"scheduler running (every {made.settings.scheduler_interval:.1f}s)",
    )


if __name__ == "__main__":
    sys.exit(main())
