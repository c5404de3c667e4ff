"""A live stream's pure rules: the targets accepted and refused, the addresses an ingest may
not have, who may stream, and what the room is told."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from ipaddress import ip_network

import pytest

from recordings.streaming import (
    StreamTarget,
    check_ingest_addresses,
    check_may_stream,
    check_stream_pace,
    check_stream_target,
    streaming_news,
)
from rooms.errors import DomainError
from rooms.outbox import Group
from tests.recordings.test_timeline import SESSION

PRIVATE = (ip_network("10.0.0.0/8"), ip_network("192.168.0.0/16"))


@pytest.mark.parametrize(
    ("url", "key", "address"),
    [
        ("rtmp://live-push.bilivideo.com/live-bvc/", "?streamname=live_1&key=ab", "rtmp://live-push.bilivideo.com/live-bvc/?streamname=live_1&key=ab"),
        ("rtmps://ingest.example.com:443/app", "k1", "rtmps://ingest.example.com:443/app/k1"),
        ("  RTMP://10.1.2.3/live ", " key ", "RTMP://10.1.2.3/live/key"),
    ],
)  # fmt: skip
def test_check_stream_target_accepts_rtmp_and_rtmps(url: str, key: str, address: str) -> None:
    assert check_stream_target(url, key).address == address


@pytest.mark.parametrize(
    ("url", "key", "code"),
    [
        ("http://example.com/live", "k", "bad_url"),
        ("file:///etc/passwd", "k", "bad_url"),
        ("rtmp:///live", "k", "bad_url"),
        ("rtmp://user:pw@example.com/live", "k", "bad_url"),
        ("rtmp://example.com:port/live", "k", "bad_url"),
        ("rtmp://example.com/live app", "k", "bad_url"),
        ("rtmp://example.com/" + "x" * 1024, "k", "bad_url"),
        ("rtmp://example.com/live", "", "bad_key"),
        ("rtmp://example.com/live", "a b", "bad_key"),
        ("rtmp://example.com/live", "k\ny", "bad_key"),
        ("rtmp://example.com/live", "x" * 513, "bad_key"),
    ],
)
def test_check_stream_target_refuses_other_schemes_and_bad_keys(
    url: str, key: str, code: str
) -> None:
    with pytest.raises(DomainError) as refused:
        check_stream_target(url, key)

    assert refused.value.code == code


def test_a_stream_target_never_shows_its_key() -> None:
    target = StreamTarget(url="rtmp://example.com/live", key="secret")

    assert "secret" not in repr(target)


@pytest.mark.parametrize(
    ("addresses", "local", "allowed"),
    [
        (["203.0.113.7"], False, True),
        (["2001:db8::1", "203.0.113.7"], False, True),
        (["127.0.0.1"], False, False),
        (["127.0.0.1"], True, True),
        (["10.0.0.5"], True, False),  # a refused network, local or not
        (["203.0.113.7", "192.168.1.2"], False, False),  # one bad address is enough
        (["169.254.169.254"], True, False),  # cloud metadata: never
        (["fe80::1%eth0"], False, False),
        (["0.0.0.0"], False, False),
        ([], True, False),  # not found
    ],
)
def test_check_ingest_addresses(addresses: list[str], local: bool, allowed: bool) -> None:
    try:
        check_ingest_addresses(addresses, refused=PRIVATE, local=local)
        outcome = True
    except DomainError as refused:
        assert refused.code == "bad_url"
        outcome = False

    assert outcome == allowed


def test_streaming_follows_the_sessions_recording_switch_one_stream_at_a_time() -> None:
    allowed, not_allowed = replace(SESSION, recording_allowed=True), SESSION

    with pytest.raises(DomainError) as off:
        check_may_stream(not_allowed, streaming=False)
    with pytest.raises(DomainError) as twice:
        check_may_stream(allowed, streaming=True)
    check_may_stream(allowed, streaming=False)

    assert (off.value.code, twice.value.code) == ("streaming_not_allowed", "already_streaming")


def test_a_stream_starts_at_most_once_in_ten_seconds() -> None:
    last = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)

    with pytest.raises(DomainError) as soon:
        check_stream_pace(last, now=last + timedelta(seconds=9))
    check_stream_pace(last, now=last + timedelta(seconds=10))
    check_stream_pace(None, now=last)

    assert soon.value.code == "rate_limited"


def test_streaming_news_tells_the_room_live_since_only_while_live() -> None:
    [live] = streaming_news("live", "2026-12-05T14:00:00+00:00")
    [again] = streaming_news("reconnecting", "2026-12-05T14:00:00+00:00")

    assert (live.event, live.group) == ("streaming", Group.ROOM)
    assert live.payload == {"state": "live", "live_since": "2026-12-05T14:00:00+00:00"}
    assert again.payload == {"state": "reconnecting", "live_since": None}
