"""rooms.certificates: records rolled up per person, thresholds, who earned a certificate."""

from datetime import UTC, datetime

import pytest

from rooms.attendance import Presence
from rooms.certificates import (
    ActiveTime,
    AttendanceRecord,
    Scope,
    Sitting,
    active_time,
    certificate_number,
    covered,
    earned,
    hours_text,
    roll_up,
    rollup_rows,
    threshold_minutes,
)
from rooms.errors import DomainError

T0 = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)


def presence(key: str, name: str, seconds: int, active: int) -> Presence:
    return Presence(key, f"p-{key}", name, "attendee", seconds, 1, T0, T0, False, False, active)


def test_roll_up_gives_each_person_their_sessions_in_order() -> None:
    records = roll_up([
        ("s1", "One", [presence("guest:li", "Li", 600, 300), presence("guest:han", "Han", 60, 0)]),
        ("s2", "Two", [presence("guest:li", "Li Lei", 1200, 1200)]),
    ])  # fmt: skip

    assert records == [
        AttendanceRecord("guest:li", "Li Lei", (
            Sitting("s1", "One", 600, 300), Sitting("s2", "Two", 1200, 1200),
        )),
        AttendanceRecord("guest:han", "Han", (Sitting("s1", "One", 60, 0),)),
    ]  # fmt: skip
    assert (records[0].seconds, records[0].active_seconds) == (1800, 1500)


LI = AttendanceRecord(
    "guest:li", "Li", (Sitting("s1", "One", 3000, 2400), Sitting("s2", "Two", 600, 0))
)
# (scope, scope id, threshold minutes) -> earned?
EARNED = [
    (Scope.SESSION, "s1", 40, True),
    (Scope.SESSION, "s1", 41, False),
    (Scope.SESSION, "s2", 1, False),
    (Scope.SESSION, "s3", 1, False),  # never there
    (Scope.EVENT, "e1", 40, True),
    (Scope.EVENT, "e1", None, False),  # no threshold: no certificates
]


@pytest.mark.parametrize(("scope", "scope_id", "minutes", "expected"), EARNED)
def test_a_certificate_is_earned_by_active_minutes(
    scope: Scope, scope_id: str, minutes: int | None, expected: bool
) -> None:
    assert earned(LI, scope=scope, scope_id=scope_id, minutes=minutes) is expected


def test_an_event_certificate_covers_the_sessions_with_active_time() -> None:
    assert covered(LI, scope=Scope.EVENT, scope_id="e1") == (LI.sittings[0],)
    assert covered(LI, scope=Scope.SESSION, scope_id="s2") == (LI.sittings[1],)


@pytest.mark.parametrize(
    ("text", "minutes"), [("45", 45), (" 1 ", 1), ("", None), ("100000", 100000)]
)
def test_thresholds_as_typed(text: str, minutes: int | None) -> None:
    assert threshold_minutes(text) == minutes


@pytest.mark.parametrize("text", ["0", "-5", "4.5", "100001", "abc"])
def test_bad_thresholds_are_refused(text: str) -> None:
    with pytest.raises(DomainError) as refused:
        threshold_minutes(text)
    assert refused.value.code == "invalid_threshold"


def test_hours_round_down_and_numbers_are_zero_padded() -> None:
    assert [hours_text(s) for s in (0, 359, 360, 5399, 5400)] == ["0.0", "0.0", "0.1", "1.4", "1.5"]
    assert certificate_number(year=2026, serial=42) == "YH-2026-000042"


def test_active_time_is_minutes_under_an_hour_else_hours() -> None:
    assert [active_time(s) for s in (59, 300, 3599, 3600, 5399, 9000)] == [
        ActiveTime(minutes=0),
        ActiveTime(minutes=5),
        ActiveTime(minutes=59),
        ActiveTime(hours="1.0"),
        ActiveTime(hours="1.4"),
        ActiveTime(hours="2.5"),
    ]


def test_rollup_rows_defuse_formulas() -> None:
    record = AttendanceRecord("guest:x", "=cmd", (Sitting("s1", "+One", 90, 30),))

    assert rollup_rows([record], total="All") == [
        ("name", "session", "minutes", "active_minutes"),
        ("'=cmd", "'+One", "1.5", "0.5"),
        ("'=cmd", "All", "1.5", "0.5"),
    ]
