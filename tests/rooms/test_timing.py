"""rooms.timing: IANA zones only, local wall times (DST gaps refused, folds -> first), spans."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rooms.timing import (
    MAX_SESSION,
    TimeError,
    check_dates,
    check_span,
    local_to_utc,
    overlaps,
    parse_date,
    parse_local,
    parse_zone,
    utc_to_local,
    zone_names,
)

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("name", ["Asia/Shanghai", "America/New_York", "Europe/Berlin", "UTC"])
def test_parse_zone_accepts_an_iana_name(name: str) -> None:
    assert parse_zone(name) == ZoneInfo(name)


@pytest.mark.parametrize(
    "name",
    [
        "../x",
        "/etc/localtime",
        "Mars/Base",
        "",
        "   ",
        "localtime",
        "posixrules",
        "Factory",
        "Asia/../Asia/Shanghai",
        "asia/shanghai",
        None,
        5,
        ["Asia/Shanghai"],
    ],
)
def test_parse_zone_refuses_anything_else(name: object) -> None:
    with pytest.raises(TimeError) as caught:
        parse_zone(name)

    assert caught.value.code == "invalid_zone"


def test_parse_zone_names_the_bad_zone_in_its_message() -> None:
    with pytest.raises(TimeError) as caught:
        parse_zone("Mars/Base")

    assert caught.value.message == "'Mars/Base' is not an IANA time zone name (e.g. Asia/Shanghai)."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-05-01T09:30", datetime(2026, 5, 1, 9, 30)),
        (" 2026-05-01T09:30:15 ", datetime(2026, 5, 1, 9, 30, 15)),
        ("2026-05-01 09:30", datetime(2026, 5, 1, 9, 30)),
    ],
)
def test_parse_local_reads_a_wall_clock_time(text: str, expected: datetime) -> None:
    assert parse_local(text) == expected


def test_zone_names_are_exactly_the_names_parse_zone_accepts() -> None:
    names = zone_names()
    refused = [name for name in names if _refuses_zone(name)]

    assert (refused, names == tuple(sorted(names))) == ([], True)
    assert {"Asia/Shanghai", "America/Argentina/Buenos_Aires", "UTC"} <= set(names)
    assert {"localtime", "posixrules", "Factory"} & set(names) == set()


def _refuses_zone(name: str) -> bool:
    try:
        parse_zone(name)
    except TimeError:
        return True
    return False


@pytest.mark.parametrize(
    "text",
    [
        "",
        "tomorrow",
        "2026-13-01T09:00",
        "2026-05-01T09:30+08:00",
        5,
        "2026-05-01",  # the forms below are ISO 8601 too, but not LOCAL_TIME
        "2026-05-01T09",
        "20260501T0930",
        "2026-W18-5T09:30",
    ],
)
def test_parse_local_refuses_anything_else(text: object) -> None:
    with pytest.raises(TimeError) as caught:
        parse_local(text)

    assert caught.value.code == "invalid_time"


@pytest.mark.parametrize("text", ["2026-02-30", "01/05/2026", "", None])
def test_parse_date_refuses_a_non_date(text: object) -> None:
    with pytest.raises(TimeError):
        parse_date(text)


@pytest.mark.parametrize(
    ("zone", "local", "utc"),
    [
        ("Asia/Shanghai", datetime(2026, 5, 1, 9, 30), datetime(2026, 5, 1, 1, 30, tzinfo=UTC)),
        ("America/New_York", datetime(2026, 3, 8, 3, 0), datetime(2026, 3, 8, 7, 0, tzinfo=UTC)),
        ("America/New_York", datetime(2026, 3, 8, 1, 59), datetime(2026, 3, 8, 6, 59, tzinfo=UTC)),
        (
            "America/New_York",
            datetime(2026, 11, 1, 1, 30),
            datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
        ),
        ("America/New_York", datetime(2026, 11, 1, 2, 0), datetime(2026, 11, 1, 7, 0, tzinfo=UTC)),
        ("Europe/Berlin", datetime(2026, 10, 25, 2, 30), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    ],
)
def test_local_to_utc_converts_a_wall_clock_time(zone: str, local: datetime, utc: datetime) -> None:
    assert local_to_utc(local, ZoneInfo(zone)) == utc


def test_local_to_utc_takes_the_first_occurrence_in_a_fold() -> None:
    zone = ZoneInfo("America/New_York")

    instant = local_to_utc(datetime(2026, 11, 1, 1, 30), zone)

    assert instant == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert utc_to_local(instant, zone).utcoffset() == timedelta(hours=-4)


@pytest.mark.parametrize(
    ("zone", "local"),
    [
        ("America/New_York", datetime(2026, 3, 8, 2, 30)),
        ("Europe/Berlin", datetime(2026, 3, 29, 2, 30)),
    ],
)
def test_local_to_utc_refuses_a_time_in_a_dst_gap(zone: str, local: datetime) -> None:
    with pytest.raises(TimeError) as caught:
        local_to_utc(local, ZoneInfo(zone))

    assert caught.value.code == "nonexistent_local_time"
    assert caught.value.message == (
        f"{local:%Y-%m-%d %H:%M} does not exist in {zone}: the clocks skip it "
        "(daylight saving time starts). Choose a time outside the gap."
    )


def test_local_to_utc_refuses_an_aware_time() -> None:
    with pytest.raises(TimeError):
        local_to_utc(T0, ZoneInfo("Asia/Shanghai"))


def test_utc_to_local_shows_the_wall_clock_of_the_zone() -> None:
    local = utc_to_local(T0, ZoneInfo("Asia/Shanghai"))

    assert (local.replace(tzinfo=None), local.utcoffset()) == (
        datetime(2026, 5, 1, 17, 0),
        timedelta(hours=8),
    )


@pytest.mark.parametrize(
    ("length", "message"),
    [
        (timedelta(0), "A session must last longer than zero minutes."),
        (timedelta(minutes=-30), "A session's end must come after its start."),
        (MAX_SESSION + timedelta(minutes=1), "A session may last at most 24 hours."),
    ],
)
def test_check_span_refuses_a_bad_span(length: timedelta, message: str) -> None:
    with pytest.raises(TimeError) as caught:
        check_span(T0, T0 + length)

    assert (caught.value.code, caught.value.message) == ("invalid_span", message)


@pytest.mark.parametrize("length", [timedelta(minutes=1), timedelta(hours=1), timedelta(hours=24)])
def test_check_span_accepts_up_to_24_hours(length: timedelta) -> None:
    assert check_span(T0, T0 + length) is None


def test_check_span_refuses_naive_times() -> None:
    with pytest.raises(TimeError):
        check_span(T0.replace(tzinfo=None), T0.replace(tzinfo=None) + timedelta(hours=1))


@pytest.mark.parametrize(
    ("start", "end"), [(date(2026, 5, 1), date(2026, 5, 1)), (date(2026, 5, 1), date(2027, 5, 1))]
)
def test_check_dates_accepts_one_day_to_a_year(start: date, end: date) -> None:
    assert check_dates(start, end) is None


@pytest.mark.parametrize(
    ("start", "end"), [(date(2026, 5, 2), date(2026, 5, 1)), (date(2026, 5, 1), date(2027, 5, 3))]
)
def test_check_dates_refuses_an_end_before_the_start_or_past_a_year(start: date, end: date) -> None:
    with pytest.raises(TimeError):
        check_dates(start, end)


def span(start_minute: int, end_minute: int) -> tuple[datetime, datetime]:
    return T0 + timedelta(minutes=start_minute), T0 + timedelta(minutes=end_minute)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (span(0, 60), span(60, 120), False),
        (span(60, 120), span(0, 60), False),
        (span(0, 60), span(59, 120), True),
        (span(0, 60), span(10, 20), True),
        (span(10, 20), span(0, 60), True),
        (span(0, 60), span(0, 60), True),
        (span(0, 60), span(120, 180), False),
    ],
)
def test_overlaps_treats_spans_as_half_open(
    a: tuple[datetime, datetime], b: tuple[datetime, datetime], expected: bool
) -> None:
    assert overlaps(*a, *b) is expected
