"""The recordings library's pure rules: a recording's status, its title, who may watch it,
which of its files are served, and the retention policy.

- **Status**: ``recording`` while it goes on, ``composing`` once stopped until its one video
  is made (``Recording.video``), then ``ready``. Only a ready recording plays.
- **Watcher**: who a request is for one recording: the staff of the session's organization,
  someone of the session's (on its roster, or holding an invite to it), or the public. The
  public may watch only a **public replay** (staff published it); the others always may.
- **Media**: what a signed media URL may fetch of a recording: its video and, beside it,
  ``chapters.vtt`` (the chapters from its timeline, made with the video). Nothing else in
  its folder (track files, timeline) is served by the library.
- **Retention**: an organization keeps its recordings for a number of days (none: for
  ever); a recording started that many days ago or more is deleted.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from recordings.timeline import Recording
from rooms.errors import Conflict, DomainError
from rooms.limits import TITLE_MAX

CHAPTERS = "chapters.vtt"
RETENTION_DAYS_MAX = 3650  # ten years; longer is "keep"
MEDIA_SECONDS = 300  # how long a signed media URL lasts


class Status(StrEnum):
    RECORDING = "recording"
    COMPOSING = "composing"
    READY = "ready"


class Access(StrEnum):
    """Why a watcher may watch: as staff, as the session's, or as anyone (published)."""

    STAFF = "staff"
    SESSION = "session"
    PUBLIC = "public"


def status_of(recording: Recording) -> Status:
    if recording.stopped_at is None:
        return Status.RECORDING
    return Status.READY if recording.video else Status.COMPOSING


def duration_seconds(recording: Recording) -> int | None:
    """From its start to its stop, whole seconds; None while it goes on."""
    if recording.stopped_at is None:
        return None
    span = datetime.fromisoformat(recording.stopped_at) - datetime.fromisoformat(
        recording.started_at
    )
    return max(0, int(span.total_seconds()))


def is_public(recording: Recording) -> bool:
    return recording.published_at is not None


def check_title(title: str) -> str:
    """A recording's title as staff give it: one line, at most TITLE_MAX characters; ""
    puts back the session's title."""
    clean = " ".join(title.split())
    if len(clean) > TITLE_MAX:
        raise DomainError(
            "A title may have at most {limit} characters.", code="invalid_title", limit=TITLE_MAX
        )
    return clean


def shown_title(recording: Recording, session_title: str) -> str:
    return recording.title or session_title


def check_publishable(recording: Recording) -> None:
    """Only a ready recording can be a public replay."""
    if status_of(recording) is not Status.READY:
        raise Conflict("Only a recording whose video is ready can be published.", code="not_ready")


def may_watch(access: Access | None, recording: Recording) -> bool:
    """Staff and the session's people may watch; anyone else a public replay only."""
    return access in (Access.STAFF, Access.SESSION) or is_public(recording)


def media_names(recording: Recording) -> frozenset[str]:
    """The file names a signed media URL of this recording may fetch."""
    if status_of(recording) is not Status.READY or recording.video is None:
        return frozenset()
    return frozenset({recording.video, CHAPTERS})


def check_retention(days: int | None) -> int | None:
    """Days to keep recordings (None or 0: keep them); DomainError when out of range."""
    if days is None or days == 0:
        return None
    if not 1 <= days <= RETENTION_DAYS_MAX:
        raise DomainError(
            "Keep recordings between 1 and {most} days, or leave it empty to keep them.",
            code="invalid_retention",
            most=RETENTION_DAYS_MAX,
        )
    return days


def retention_cutoff(days: int, *, now: datetime) -> datetime:
    """Recordings started before this instant have passed their time."""
    return now - timedelta(days=days)


def is_expired(recording: Recording, *, days: int | None, now: datetime) -> bool:
    """Past the retention; one going on is never deleted under its recorder."""
    if days is None or recording.stopped_at is None:
        return False
    return datetime.fromisoformat(recording.started_at) <= retention_cutoff(days, now=now)


@dataclass(frozen=True, slots=True)
class Deletion:
    """A line of an organization's log of deleted recordings."""

    recording_id: str
    session_id: str
    title: str
    started_at: str
    deleted_at: str  # ISO 8601, UTC
    by: str  # the staff member's name; "" when the retention deleted it
    reason: str  # "staff" or "retention"
