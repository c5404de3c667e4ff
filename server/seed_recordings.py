"""The demo's finished recording: the class held yesterday, recorded and composed, so a
newcomer finds a replay in its event's library (console: the event's Recordings), and its
attendee plays it from their invite link. Its video is a generated test card of a few
seconds (``recordings.sample``), its chapters a small WebVTT file, as the composer leaves
them; it is not published, so the public cannot watch it until the host publishes it.
"""

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path

from recordings.library import CHAPTERS
from recordings.sample import write_sample
from recordings.timeline import Recording
from rooms.agenda import Session
from server.settings import Settings
from server.store import Store

VIDEO = "session.mp4"
SECONDS = 8
CHAPTER_TEXT = """WEBVTT

00:00:00.000 --> 00:00:04.000
开场 Opening

00:00:04.000 --> 00:00:08.000
问答 Questions and answers
"""


def _write(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    write_sample(folder / VIDEO, seconds=SECONDS)
    (folder / CHAPTERS).write_text(CHAPTER_TEXT, encoding="utf-8")


async def demo_recording(
    store: Store, settings: Settings, session: Session, *, invite_token: str
) -> str:
    """Record the held class (its files and its record, stopped and composed): the lines
    to print."""
    recording_id = uuid.uuid4().hex
    folder = Path("recordings") / session.session_id / recording_id
    await asyncio.to_thread(_write, settings.data_dir / folder)
    started = session.start + timedelta(minutes=1)
    record = Recording(
        recording_id=recording_id,
        session_id=session.session_id,
        folder=folder.as_posix(),
        started_at=started.isoformat(),
        started_by="demo",
        stopped_at=(started + timedelta(seconds=SECONDS)).isoformat(),
        video=VIDEO,
    )
    await store.recordings.begin(record)
    await store.recordings.end(record)
    base = settings.base_url
    return (
        f"    its recording (console: {base}/console/events/{session.event_id}/recordings),"
        f" as its attendee watches it: {base}/invite/{invite_token}/recordings"
    )
