"""Notifications: what the system tells a person outside a room (reminders, changes)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class NotificationKind(StrEnum):
    REMINDER = "reminder"
    STATE = "state"  # the session opened its lobby, went live, ended
    FOLLOW_UP = "follow_up"  # a follow-up request came in, or was answered (rooms.followups)
    RECORDING = "recording"  # a recording's video is ready (server/compositions.py)


@dataclass(frozen=True, slots=True)
class Notification:
    notification_id: str
    person_key: str
    kind: NotificationKind
    session_id: str
    title: str
    start: datetime
    created_at: datetime
    link: str = ""  # where to act on it (a follow-up request's page), if anywhere


def should_remind(*, start: datetime, now: datetime, lead: timedelta) -> bool:
    """A reminder goes out within `lead` of the start, never after the start.

    A scheduler that was down past a session's start drops its reminder: a note that a
    session "starts in 15 minutes" after it started would be wrong.
    """
    return start - lead <= now < start
