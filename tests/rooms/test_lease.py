"""rooms.lease: the owner's view of a room's lease and the fencing token's rule."""

from datetime import UTC, datetime, timedelta

import pytest

from rooms.lease import TRUSTED_PART, RoomLease, Standing, lease_value, parse_lease, stale

T0 = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
TTL = timedelta(seconds=6)


def lease() -> RoomLease:
    return RoomLease(session_id="s1", token=7, ttl=TTL, renewed_at=T0)


@pytest.mark.parametrize(
    ("token", "current", "expected"),
    [(7, 7, False), (7, 8, True), (8, 7, True), (7, None, True)],
)
def test_a_write_is_stale_unless_its_token_is_the_rooms_current_one(
    token: int, current: int | None, expected: bool
) -> None:
    assert stale(token, current) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:8150 12", ("127.0.0.1:8150", 12)),
        ("host name:1 3", ("host name:1", 3)),
        ("127.0.0.1:8150", None),
        ("127.0.0.1:8150 x", None),
        (" 4", None),
        (None, None),
    ],
)
def test_a_stored_lease_reads_back_as_owner_and_token(
    text: str | None, expected: tuple[str, int] | None
) -> None:
    assert parse_lease(text) == expected


def test_a_lease_value_is_owner_then_token() -> None:
    assert parse_lease(lease_value("127.0.0.1:8151", 42)) == ("127.0.0.1:8151", 42)


def test_a_lease_is_due_for_renewal_every_third_of_its_ttl() -> None:
    held = lease()

    assert [held.due(now=T0 + timedelta(seconds=s)) for s in (0, 1.9, 2, 5)] == [
        False, False, True, True,
    ]  # fmt: skip


def test_a_renewed_lease_is_held_from_the_renewal_on() -> None:
    held = lease()

    held.renewed(ok=True, now=T0 + timedelta(seconds=2))

    assert (held.renewed_at, held.held(now=T0 + timedelta(seconds=6))) == (
        T0 + timedelta(seconds=2), True,
    )  # fmt: skip


def test_a_refused_renewal_loses_the_lease_for_good() -> None:
    held = lease()

    held.renewed(ok=False, now=T0 + timedelta(seconds=2))
    held.renewed(ok=True, now=T0 + timedelta(seconds=3))

    assert (held.standing, held.held(now=T0 + timedelta(seconds=3))) == (Standing.LOST, False)


def test_a_lease_whose_renewal_went_unanswered_is_lost_once_untrusted() -> None:
    held = lease()
    held.renewed(ok=None, now=T0 + timedelta(seconds=2))  # Redis did not answer in time

    assert held.held(now=T0 + timedelta(seconds=4.8)) is True
    assert held.held(now=T0 + timedelta(seconds=4.9)) is False
    held.renewed(ok=True, now=T0 + timedelta(seconds=5))  # too late: Redis may have let it go
    assert held.standing is Standing.LOST


def test_a_lease_its_process_did_not_renew_in_time_waits_for_redis_to_decide() -> None:
    held = lease()  # its process did not run from T0 + 2 on (a blocked event loop)

    assert held.held(now=T0 + timedelta(seconds=9)) is True
    assert held.asked_within(now=T0 + timedelta(seconds=9)) == TTL * (1 - TRUSTED_PART)
    held.renewed(ok=True, now=T0 + timedelta(seconds=9))  # no other process claimed it
    assert (held.standing, held.trusted_until()) == (
        Standing.HELD, T0 + timedelta(seconds=9) + TTL * TRUSTED_PART,
    )  # fmt: skip


def test_a_lease_its_process_did_not_renew_is_lost_if_redis_refuses_or_does_not_answer() -> None:
    refused, silent = lease(), lease()

    refused.renewed(ok=False, now=T0 + timedelta(seconds=9))  # another process claimed it
    silent.renewed(ok=None, now=T0 + timedelta(seconds=9))

    assert [
        refused.held(now=T0 + timedelta(seconds=9)),
        silent.held(now=T0 + timedelta(seconds=10)),
    ] == [False, False]


def test_a_renewal_waits_for_redis_while_the_lease_is_trusted() -> None:
    held = lease()

    assert held.asked_within(now=T0 + timedelta(seconds=2)) == TTL * TRUSTED_PART - timedelta(
        seconds=2
    )


def test_a_lost_lease_is_never_due() -> None:
    held = lease()
    held.lose()

    assert held.due(now=T0 + timedelta(seconds=3)) is False
