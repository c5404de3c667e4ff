"""A recording's video: the worker's composition job (``recordings.compose``).

A **composition** is queued when a recording stops (``RecordingService``: by a host, with
its room, or found stopped by a crash) and when staff ask again from the console; it runs
on the worker (``server/worker.py``), reporting its progress in seconds of video composed.
Its parameters carry the layout (``speaker``, the default, or ``grid``) and the size
(640×480, the default, or 1280×720) staff chose. When it is done the recording's record
names its video (``Recording.video``) and the event's organizer, and whoever asked, get a
notification. It is idempotent: the composition writes its files under private names and
renames them into place, so a job a dead worker left is simply done again.
"""

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

from recordings.compose import SIZES, VIDEO_NAME, Composition, Decks, kept_decks
from recordings.layout import LAYOUTS, SLIDES, SPEAKER, START, Chapter
from recordings.timeline import Recording
from rooms.agenda import PersonType, Session, person_key, split_person_key
from rooms.errors import Conflict, DomainError, NotFound
from rooms.jobs import Job
from rooms.notifications import Notification, NotificationKind
from server.files import file_path, files_root
from server.settings import Settings
from server.store import Store

COMPOSE_KIND = "composition"  # the job kind of a recording's video
SIZE = "640x480"
LANG = "zh_CN"  # the chapters' language of a composition nobody asked for in person
RECORDER = "recorder"  # who queued a composition when a recording stopped
FPS = 25
Translate = Callable[[str], str]
Advance = Callable[[int, int], Awaitable[None]]  # (seconds done, seconds in all)

CHAPTER_TITLES = {
    "document_fixed": "The document is fixed",
    "signer_called": "{signer} ({organization}) is called to sign",
    "signed": "{signer} ({organization}) signed",
    "witnessed": "{name} witnessed",
    "ceremony_closed": "The ceremony is closed",
}


def check_video_choice(*, layout: str, size: str) -> None:
    """Refuse a layout or a size the composer does not make."""
    if layout not in LAYOUTS or size not in SIZES:
        raise DomainError("Choose a layout and a size from the lists.", code="video_choice")


def composition_job(
    record: Recording, *, by: str, lang: str, now: datetime, layout: str = SPEAKER,
    size: str = SIZE,
) -> Job:  # fmt: skip
    """The job making a stopped recording's video (``by``: a person key, or "recorder")."""
    if record.stopped_at is None:
        raise Conflict("This recording is still going on.", code="recording_going_on")
    check_video_choice(layout=layout, size=size)
    return Job(
        job_id=secrets.token_hex(8),
        kind=COMPOSE_KIND,
        owner_id=record.session_id,
        params={
            "recording_id": record.recording_id,
            "lang": lang,
            "size": size,
            "layout": layout,
        },
        created_by=by,
        created_at=now,
    )


async def queue_composition(
    store: Store, record: Recording, *, by: str, lang: str, now: datetime,
    layout: str = SPEAKER, size: str = SIZE,
) -> Job:  # fmt: skip
    """Queue a composition of the recording, unless one is queued or running already."""
    check_video_choice(layout=layout, size=size)
    for job, progress in await store.jobs.of_owner(record.session_id):
        same = job.kind == COMPOSE_KIND and job.params.get("recording_id") == record.recording_id
        if same and not progress.finished:
            raise Conflict("This recording's video is being made already.", code="composing")
    job = composition_job(record, by=by, lang=lang, now=now, layout=layout, size=size)
    await store.jobs.enqueue(job)
    return job


def chapter_title(chapter: Chapter, *, t: Translate, lang: str, session: Session | None) -> str:
    """A chapter's title in the job's language: a review item's or a pitch's own title, a
    signing step's words, a slide page ("deck.pdf · Page 3"), or the session's title for the
    chapter before the first."""
    data = chapter.data
    if data.get("source") == START:
        return session.title if session else ""
    if data.get("source") == SLIDES:
        page = t("Page {page}").format(page=data.get("page"))
        return f"{data['name']} · {page}" if data.get("name") else page
    step = data.get("step")
    if step in CHAPTER_TITLES:
        values = {key: str(data.get(key) or "") for key in ("signer", "organization", "name")}
        return t(CHAPTER_TITLES[step]).format(**values)
    titles = (data.get("title_zh"), data.get("title_en"))
    first, second = titles if lang.startswith("zh") else titles[::-1]
    return str(first or second or data.get("title") or "")


async def compose(
    store: Store, settings: Settings, job: Job, *, t: Translate, advance: Advance, now: datetime
) -> Path:
    """Compose the job's recording into its video, note it on the record, tell the staff."""
    record = await store.recordings.get(job.params.get("recording_id", ""))
    if record is None:
        raise NotFound("There is no such recording.", code="no_recording")
    folder = settings.data_dir / record.folder
    if not folder.is_dir():
        raise DomainError("The recording's files are gone.", code="recording_files_gone")
    session = await store.agenda.get_session(record.session_id)
    lang = job.params.get("lang", LANG)

    def title(chapter: Chapter) -> str:
        return chapter_title(chapter, t=t, lang=lang, session=session)

    size = SIZES.get(job.params.get("size", SIZE), SIZES[SIZE])
    layout = job.params.get("layout", SPEAKER)
    composition = await asyncio.to_thread(
        Composition, folder, size=size, fps=FPS, titles=title,
        mode=layout if layout in LAYOUTS else SPEAKER, decks=decks_of(folder, settings),
    )  # fmt: skip
    total = -(-composition.end_ms // 1000)
    steps = composition.steps()
    while (done := await asyncio.to_thread(next, steps, None)) is not None:
        await advance(-(-done // 1000), total)
    await store.recordings.set_video(record.recording_id, VIDEO_NAME)
    await _notify(store, job, record, session, now)
    return folder / VIDEO_NAME


def decks_of(folder: Path, settings: Settings) -> Decks:
    """A deck's PDF as the recording kept it, else (a recording made before decks were kept)
    the room's own file while it is still stored."""
    kept = kept_decks(folder)

    def find(file_id: str) -> Path | None:
        if (path := kept(file_id)) is not None:
            return path
        try:
            stored = file_path(files_root(settings), file_id)
        except ValueError:
            return None
        return stored if stored.is_file() else None

    return find


async def _notify(
    store: Store, job: Job, record: Recording, session: Session | None, now: datetime
) -> None:
    """The event's organizer, and the person who asked for it, are told it is ready."""
    if session is None:
        return
    event = await store.agenda.get_event(session.event_id)
    people = {person_key(PersonType.ACCOUNT, event.organizer)} if event else set()
    try:
        split_person_key(job.created_by)
        people.add(job.created_by)
    except DomainError:
        pass  # queued by the recorder, not by a person
    for person in sorted(people):
        await store.notifications.push(
            Notification(
                notification_id=secrets.token_hex(8), person_key=person,
                kind=NotificationKind.RECORDING, session_id=session.session_id,
                title=session.title, start=session.start, created_at=now,
                link=f"/console/sessions/{session.session_id}/recordings",
            )
        )  # fmt: skip
