"""The run of show under two real scheduler processes (``python -m server.scheduler``) on a
real Redis: every stage of every roadshow is handed over once, at its time.

Pitch slots have whole minutes, so to see many stage changes in a few seconds the test writes,
through the show's own transaction (``store.shows.act``), the chair's ``cut`` of each stage
dated half a second apart in the future: each cut is a stage's end the schedulers must act on when
it comes, exactly as a stage's planned end.
"""

import asyncio
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from rooms.lifecycle import State
from rooms.roles import Kind
from rooms.run_of_show import END, EntryKind, Show, ShowEntry, timeline
from server import reviews
from server.store import keys
from tests.server.test_scheduler import _scheduler_process, a_session, put_session

SHOWS = 20
SLOTS = 3
STEP = 0.5  # seconds each stage lasts (cut by the chair's entries)
LATE = 1.5  # seconds a hand-over may come after its time on a busy machine


def stage_keys(item_ids: list[str]) -> list[str]:
    return [f"{i}:{phase}" for i in item_ids for phase in ("pitch", "qa")]


def cuts_at(start: datetime, stages: list[str]) -> list[ShowEntry]:
    return [
        ShowEntry(EntryKind.CUT, start + timedelta(seconds=STEP * (n + 1)), stage=key, actor="t")
        for n, key in enumerate(stages)
    ]


async def test_two_scheduler_processes_hand_each_stage_over_once_at_its_time(
    store, redis_url, tmp_path
) -> None:
    processes = [_scheduler_process(redis_url, str(tmp_path)) for _ in range(2)]
    try:
        plans = await prepare(store)
        deadline = time.monotonic() + 30
        while await store.redis.zcard(keys.SHOWS_DUE) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
    finally:
        for process in processes:
            process.terminate()
        errors = [process.communicate(timeout=10)[1].decode() for process in processes]

    assert [p.returncode for p in processes] == [0, 0], errors
    for session_id, (start, stages) in plans.items():
        session = await store.agenda.get_session(session_id)
        show = await store.shows.show(session)
        handed = [e for e in show.log if e.kind is EntryKind.HANDOVER]
        assert [e.stage for e in handed] == [*stages, END], session_id
        for n, entry in enumerate(handed):
            due = start + timedelta(seconds=STEP * n)
            late = (entry.at - due).total_seconds()
            assert 0 <= late <= LATE, (session_id, entry.stage, late)
            assert entry.seconds == round(late), (session_id, entry)


async def prepare(store) -> dict[str, tuple[datetime, list[str]]]:  # type: ignore[no-untyped-def]
    """The roadshows, their stages cut half a second apart from a start seconds ahead."""
    now = datetime.now(UTC)
    plans: dict[str, tuple[datetime, list[str]]] = {}
    for n in range(SHOWS):
        start = now + timedelta(seconds=2.5 + (n % 5) * 0.2)
        session = replace(
            a_session(f"r{n}", start=start, lobby=0), kind=Kind.ROADSHOW, state=State.LIVE
        )
        await put_session(store, session)
        items = [
            await reviews.add_item(
                store,
                session=session,
                now=now,
                fields={
                    "title_en": f"Pitch {k}",
                    "applicant_email": f"f{k}@x.cn",
                    "present_minutes": 1,
                    "qa_minutes": 1,
                },
            )  # fmt: skip
            for k in range(SLOTS)
        ]
        stages = stage_keys([i.item_id for i in items])
        cuts = cuts_at(start, stages)

        def change(show: Show, at: datetime, cuts: list[ShowEntry] = cuts) -> list[ShowEntry]:
            return list(cuts)

        await store.shows.act(session, change, now=now)
        plans[session.session_id] = (start, stages)
    assert datetime.now(UTC) < now + timedelta(seconds=2.5), "prepared too late to be on time"
    return plans


async def test_a_late_hand_over_does_not_push_the_next_stages_later(store) -> None:
    """A scheduler ticks once a second: a hand-over comes up to a second late. The stages
    after it keep their times (the lateness is not rounded away into the timeline)."""
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)
    session = replace(a_session("late", start=start, lobby=0), kind=Kind.ROADSHOW)
    await put_session(store, session)
    fields = {"title_en": "Pitch", "applicant_email": "f@x.cn", "present_minutes": 1}
    await reviews.add_item(store, session=session, now=start, fields=fields | {"qa_minutes": 0})
    await reviews.add_item(store, session=session, now=start, fields=fields | {"qa_minutes": 0})

    def nothing(show: Show, at: datetime) -> list[ShowEntry]:
        return []

    [first] = await store.shows.act(session, nothing, now=start + timedelta(seconds=0.4))
    second = await store.shows.act(session, nothing, now=start + timedelta(seconds=60.1))

    assert first.seconds == 0 and [e.stage.endswith(":pitch") for e in second] == [True]
    show = await store.shows.show(session)
    assert [s.begins for s in timeline(show)] == [start, start + timedelta(minutes=1)]
