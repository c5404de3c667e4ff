"""The world the recordings library's tests run in: finished recordings of a session, with a
real MP4 (``recordings.sample``'s test card, H.264 and AAC: make it once per module with
``write_sample``) and chapters, in the test's data folder."""

import shutil
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from recordings.library import CHAPTERS
from recordings.timeline import Recording
from rooms.agenda import Session
from server.settings import Settings
from server.store import Store

VIDEO = "session.mp4"
VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nOpening\n\n00:00:02.000 --> 00:00:04.000\nQ&A\n"


async def finished_recording(
    store: Store,
    settings: Settings,
    session: Session,
    *,
    sample: Path,
    started: datetime,
    composed: bool = True,
    chapters: bool = True,
) -> Recording:
    """A recording of the session, stopped; composed: with its video (and chapters)."""
    recording_id = uuid.uuid4().hex
    folder = Path("recordings") / session.session_id / recording_id
    path = settings.data_dir / folder
    path.mkdir(parents=True)
    (path / "a1b2-video-1.webm").write_bytes(b"\x1a\x45\xdf\xa3 track file")
    if composed:
        shutil.copyfile(sample, path / VIDEO)
    if composed and chapters:
        (path / CHAPTERS).write_text(VTT)
    record = Recording(
        recording_id=recording_id,
        session_id=session.session_id,
        folder=folder.as_posix(),
        started_at=started.isoformat(),
        started_by="p1",
        stopped_at=(started + timedelta(seconds=4)).isoformat(),
        video=VIDEO if composed else None,
    )
    await store.recordings.begin(record)
    await store.recordings.end(record)
    return record
