"""rooms.followups: the proposed times (future, within bounds and the event's dates, clear
of both people's bookings), picking one, and whose contact the founder sees."""

from datetime import UTC, date, datetime, timedelta

import pytest

from rooms.errors import DomainError
from rooms.followups import (
    Busy,
    FollowUp,
    FollowUpState,
    Party,
    booked,
    check_minutes,
    check_pick,
    investor_contact,
    parse_times,
)

NOW = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
BUSY = [Busy(datetime(2026, 5, 2, 2, 0, tzinfo=UTC), datetime(2026, 5, 2, 3, 0, tzinfo=UTC),
             "Board meeting")]  # fmt: skip


def times(*texts: str, minutes: int = 30) -> tuple[datetime, ...]:
    return parse_times(
        list(texts), zone="Asia/Shanghai", minutes=minutes, first_day=date(2026, 5, 1),
        last_day=date(2026, 6, 30), busy=BUSY, now=NOW,
    )  # fmt: skip


def refusal(*texts: str, minutes: int = 30) -> str:
    with pytest.raises(DomainError) as refused:
        times(*texts, minutes=minutes)
    return refused.value.code


def test_times_are_local_in_the_event_zone_sorted_and_deduplicated() -> None:
    assert times("2026-05-03T14:00", "2026-05-02 09:30", "2026-05-03T14:00") == (
        datetime(2026, 5, 2, 1, 30, tzinfo=UTC),
        datetime(2026, 5, 3, 6, 0, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("texts", "code"),
    [
        ((), "bad_times"),
        (
            ("2026-05-02T09:00",) * 1 + tuple(f"2026-05-0{d}T09:00" for d in range(3, 8)),
            "bad_times",
        ),
        (("2026-05-01T08:00",), "time_past"),  # an hour ago
        (("2026-05-01T09:10",), "time_past"),  # in ten minutes: too soon
        (("2026-09-01T09:00",), "time_too_far"),
        (("2026-07-15T09:00",), "outside_event_dates"),
        (("2026-05-02T10:00",), "outside_availability"),  # inside the board meeting
        (("2026-05-02T09:45",), "outside_availability"),  # runs into it
        (("not a time",), "invalid_time"),
    ],
)
def test_bad_times_are_refused(texts: tuple[str, ...], code: str) -> None:
    assert refusal(*texts) == code


def test_a_meeting_ending_as_a_booking_starts_is_free() -> None:
    assert times("2026-05-02T09:30") == (datetime(2026, 5, 2, 1, 30, tzinfo=UTC),)


def test_the_clash_is_named() -> None:
    with pytest.raises(DomainError) as refused:
        times("2026-05-02T10:00")
    assert refused.value.params == {"time": "2026-05-02 10:00", "other": "Board meeting"}


def test_minutes_are_one_of_the_lengths_offered() -> None:
    assert [check_minutes(m) for m in (15, "30", 90)] == [15, 30, 90]
    with pytest.raises(DomainError):
        check_minutes(20)


def follow_up(share: bool) -> FollowUp:
    return FollowUp(
        follow_up_id="f1", org_id="o1", event_id="e1", session_id="s1", item_id="i1",
        project="Battery", investor=Party("guest:inv@x.org", "Inv", "inv@x.org"),
        founder=Party("guest:liu@x.org", "Liu", "liu@x.org"),
        times=(NOW + timedelta(days=1),), minutes=30, zone="UTC", message="", share_contact=share,
        state=FollowUpState.OPEN, created_at=NOW,
    )  # fmt: skip


def test_only_a_proposed_future_time_of_an_open_request_may_be_picked() -> None:
    f = follow_up(True)
    check_pick(f, NOW + timedelta(days=1), now=NOW)
    with pytest.raises(DomainError) as other:
        check_pick(f, NOW + timedelta(days=2), now=NOW)
    with pytest.raises(DomainError) as late:
        check_pick(f, NOW + timedelta(days=1), now=NOW + timedelta(days=2))
    with pytest.raises(DomainError) as answered:
        check_pick(booked(f, NOW + timedelta(days=1), "m1"), NOW + timedelta(days=1), now=NOW)
    assert [other.value.code, late.value.code, answered.value.code] == [
        "bad_time",
        "time_past",
        "follow_up_answered",
    ]


def test_the_founder_sees_the_investors_address_only_when_shared() -> None:
    assert [investor_contact(follow_up(True)), investor_contact(follow_up(False))] == [
        "inv@x.org",
        "",
    ]
