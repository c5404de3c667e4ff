"""The recordings library's pure rules: status, title, who may watch, media, retention."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from recordings.library import (
    CHAPTERS,
    Access,
    Status,
    check_publishable,
    check_retention,
    check_title,
    duration_seconds,
    is_expired,
    may_watch,
    media_names,
    status_of,
)
from recordings.timeline import Recording
from rooms.errors import Conflict, DomainError

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
GOING = Recording(
    recording_id="r1", session_id="s1", folder="recordings/s1/r1",
    started_at=(NOW - timedelta(days=40)).isoformat(), started_by="p1",
)  # fmt: skip
STOPPED = replace(GOING, stopped_at=(NOW - timedelta(days=40, seconds=-3725)).isoformat())
READY = replace(STOPPED, video="session.mp4")
PUBLIC = replace(READY, published_at=NOW.isoformat())


def test_status_follows_the_stop_and_the_video() -> None:
    assert [status_of(r) for r in (GOING, STOPPED, READY)] == [
        Status.RECORDING, Status.COMPOSING, Status.READY,
    ]  # fmt: skip


def test_duration_is_from_start_to_stop() -> None:
    assert [duration_seconds(GOING), duration_seconds(STOPPED)] == [None, 3725]


@pytest.mark.parametrize(
    ("access", "recording", "allowed"),
    [
        (Access.STAFF, READY, True),
        (Access.SESSION, READY, True),
        (None, READY, False),
        (None, PUBLIC, True),
        (Access.PUBLIC, READY, False),
    ],
)
def test_who_may_watch(access: Access | None, recording: Recording, allowed: bool) -> None:
    assert may_watch(access, recording) is allowed


def test_only_a_ready_recordings_video_and_chapters_are_served() -> None:
    assert [media_names(STOPPED), media_names(READY)] == [
        frozenset(), frozenset({"session.mp4", CHAPTERS}),
    ]  # fmt: skip


def test_only_a_ready_recording_can_be_published() -> None:
    check_publishable(READY)

    with pytest.raises(Conflict):
        check_publishable(STOPPED)


@pytest.mark.parametrize(("days", "kept"), [(None, None), (0, None), (1, 1), (3650, 3650)])
def test_retention_takes_days_or_nothing(days: int | None, kept: int | None) -> None:
    assert check_retention(days) == kept


@pytest.mark.parametrize("days", [-1, 3651])
def test_retention_refuses_days_out_of_range(days: int) -> None:
    with pytest.raises(DomainError):
        check_retention(days)


def test_a_recording_expires_once_its_days_have_passed_but_never_while_going_on() -> None:
    assert [
        is_expired(READY, days=40, now=NOW),
        is_expired(READY, days=41, now=NOW),
        is_expired(READY, days=None, now=NOW),
        is_expired(GOING, days=1, now=NOW),
    ] == [True, False, False, False]


def test_a_title_is_one_tidy_line_of_at_most_200_characters() -> None:
    assert [check_title("  开幕式 \n Opening "), check_title("")] == ["开幕式 Opening", ""]
    with pytest.raises(DomainError):
        check_title("x" * 201)
