"""Jobs: long work done by the ``worker`` process, not in a request (certificates in bulk).

A job names its kind, the record it belongs to (``owner_id``: the event whose certificates
it makes), what it needs (``params``), who asked and when. Its **progress** says where it
is: queued, running (``done`` of ``total`` steps), done, or failed with a message.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


FINISHED = frozenset({JobState.DONE, JobState.FAILED})


@dataclass(frozen=True, slots=True, kw_only=True)
class Job:
    job_id: str
    kind: str
    owner_id: str
    params: dict[str, str] = field(default_factory=dict)
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Progress:
    state: JobState = JobState.QUEUED
    done: int = 0
    total: int = 0
    error: str = ""  # why it failed (a message template for the staff)
    attempts: int = 0  # how many workers took it up (more than one: a worker died)

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def percent(self) -> int:
        if self.state is JobState.DONE:
            return 100
        return self.done * 100 // self.total if self.total else 0
