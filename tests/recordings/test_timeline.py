"""A recording's pure parts: the policy, track file names, the track clock, the timeline."""

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from recordings.timeline import (
    JUMP_MS,
    Timeline,
    TrackClock,
    check_may_record,
    check_may_stop,
    line,
    parse_track_file_name,
    track_file_name,
)
from rooms.agenda import Session
from rooms.errors import DomainError
from rooms.lifecycle import State
from rooms.roles import Kind

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
SESSION = Session(
    session_id="s1", event_id="e1", org_id="o1", kind=Kind.REVIEW, title="Review",
    description="", start=NOW, end=NOW, zone="UTC", capacity=10, lobby=True, lobby_minutes=15,
    recording_allowed=False, state=State.OPEN, created_at=NOW, updated_at=NOW,
)  # fmt: skip


def test_recording_needs_the_sessions_leave_and_happens_once() -> None:
    with pytest.raises(DomainError) as refused:
        check_may_record(SESSION, recording=False)
    allowed = replace(SESSION, recording_allowed=True)
    check_may_record(allowed, recording=False)
    with pytest.raises(DomainError) as twice:
        check_may_record(allowed, recording=True)
    with pytest.raises(DomainError) as not_on:
        check_may_stop(recording=False)

    assert (refused.value.code, twice.value.code, not_on.value.code) == (
        "recording_not_allowed", "already_recording", "not_recording",
    )  # fmt: skip


def test_track_files_are_named_by_participant_kind_segment_and_container() -> None:
    assert track_file_name("a1b2", "video", 1, "VP8") == "a1b2-video-1.webm"
    assert track_file_name("a1b2", "audio", 2, "opus") == "a1b2-audio-2.webm"
    assert track_file_name("a1b2", "screen", 1, "H264") == "a1b2-screen-1.mkv"
    for bad in (("../x", "video", 1), ("a", "data", 1), ("a", "video", 0), ("", "audio", 1)):
        with pytest.raises(ValueError):
            track_file_name(*bad, "VP8")


def test_the_track_clock_follows_rtp_time_not_arrival_jitter() -> None:
    clock = TrackClock(90000)
    placed = [clock.at(1000 + n * 3000, 500 + n * 33 + (7 if n % 2 else 0)) for n in range(4)]

    assert placed == [500, 533, 566, 600]


def test_the_track_clock_keeps_a_gap_and_unwraps_the_rtp_timestamp() -> None:
    clock = TrackClock(48000)
    first = clock.at(0xFFFFFC40, 100)  # 960 ticks before the wrap
    after = clock.at(0x00000000 + 960 * 50, 100 + 20 + 1000)  # a second of silence, wrapped

    assert (first, after) == (100, 100 + 20 + 1000)


def test_the_track_clock_places_a_restarted_sender_by_arrival_and_never_goes_back() -> None:
    clock = TrackClock(90000)
    clock.at(5000, 0)
    restarted = clock.at(123456789, JUMP_MS + 1500)
    same = clock.at(123456789, JUMP_MS + 1600)

    assert restarted == JUMP_MS + 1500 and same == restarted + 1


def test_a_settled_track_clock_is_anchored_by_its_least_delayed_frame() -> None:
    """The first frame came 120 ms late (the others 0-10 ms): the track starts where the
    least delayed frame says, not 120 ms late."""
    clock = TrackClock(48000)
    first = [(960 * n, 1000 + 20 * n + (120 if n == 0 else n % 3 * 5)) for n in range(50)]
    clock.settle(first)

    placed = [clock.at(rtp, arrived) for rtp, arrived in first]

    assert placed[:3] == [1000, 1020, 1040]
    assert placed[-1] == 1000 + 20 * 49


def test_a_settled_track_clock_does_not_count_frames_past_a_jump() -> None:
    clock = TrackClock(90000)
    restarted = [(3000, 500), (6000, 533), (123456789, 566)]  # the sender restarted
    clock.settle(restarted)

    assert [clock.at(rtp, arrived) for rtp, arrived in restarted[:2]] == [500, 533]


def test_the_timeline_keeps_the_rooms_moments_once() -> None:
    timeline = Timeline()
    alice = {"participant": {"participant_id": "p1", "name": "Alice"}}
    show = {
        "stage": {"key": "i1:pitch", "slot_id": "i1", "phase": "pitch"},
        "slots": [{"slot_id": "i1", "title_zh": "项目", "title_en": "Project"}],
    }
    review = {"current": "i7", "items": [{"item_id": "i7", "title_zh": "甲", "title_en": "A"}]}
    slides = {"slides": {"file_id": "f1", "name": "deck.pdf", "page": 3}}
    seen = [
        timeline.present([("p0", "Host")]),
        timeline.observe("participant_joined", alice),
        timeline.observe("participant_joined", alice),  # to the roster and the hosts: once
        timeline.observe("active_speaker", {"participant_id": "p1"}),
        timeline.observe("active_speaker", {"participant_id": "p1"}),
        timeline.observe("slides", slides),
        timeline.observe("slides", slides),
        timeline.observe("show", show),
        timeline.observe(
            "show", {**show, "stage": {**show["stage"], "key": "i1:qa", "phase": "qa"}}
        ),
        timeline.observe("review", review),
        timeline.observe("review", review),
        timeline.observe("chat", {"text": "hello"}),
        timeline.observe("participant_left", {"participant_id": "p1"}),
        timeline.observe("participant_left", {"participant_id": "p1"}),
    ]

    assert [entry for found in seen for entry in found] == [
        ("join", {"participant_id": "p0", "name": "Host"}),
        ("join", {"participant_id": "p1", "name": "Alice"}),
        ("speaker", {"participant_id": "p1"}),
        ("slides", {"file_id": "f1", "name": "deck.pdf", "page": 3}),
        (
            "chapter",
            {"source": "pitch", "slot_id": "i1", "title_zh": "项目", "title_en": "Project"},
        ),
        ("chapter", {"source": "review_item", "item_id": "i7", "title_zh": "甲", "title_en": "A"}),
        ("leave", {"participant_id": "p1"}),
    ]


def test_a_signing_ceremony_is_chaptered_step_by_step_once() -> None:
    timeline = Timeline()
    zhang = {"party_id": "p1", "organization": "Society A", "signer": "张伟", "signed_at": None}
    chen = {"party_id": "p2", "organization": "Society B", "signer": "Chen", "signed_at": None}
    witness = {"name": "Liu", "attested_at": None}
    view = {"title": "合作协议", "fixed": False, "called": None, "closed": False,
            "parties": [zhang, chen], "witnesses": [witness]}  # fmt: skip
    states = [
        view,
        {**view, "fixed": True},
        {**view, "fixed": True, "called": "p1"},
        {**view, "fixed": True, "called": "p1", "parties": [{**zhang, "signed_at": "t1"}, chen]},
        {**view, "fixed": True, "called": "p1", "parties": [{**zhang, "signed_at": "t1"}, chen]},
        {**view, "fixed": True, "called": "p2",
         "parties": [{**zhang, "signed_at": "t1"}, {**chen, "signed_at": "t2"}]},
        {**view, "fixed": True, "called": "p2", "closed": True,
         "parties": [{**zhang, "signed_at": "t1"}, {**chen, "signed_at": "t2"}],
         "witnesses": [{**witness, "attested_at": "t3"}]},
    ]  # fmt: skip

    seen = [timeline.observe("signing", {"signing": state}) for state in states]

    def chapter(step: str, **data: object) -> tuple[str, dict[str, object]]:
        return ("chapter", {"source": "signing", "step": step, **data})

    a = {"party_id": "p1", "organization": "Society A", "signer": "张伟"}
    b = {"party_id": "p2", "organization": "Society B", "signer": "Chen"}
    assert seen == [
        [],
        [chapter("document_fixed", title="合作协议")],
        [chapter("signer_called", **a)],
        [chapter("signed", **a)],
        [],
        [chapter("signer_called", **b), chapter("signed", **b)],
        [chapter("witnessed", name="Liu"), chapter("ceremony_closed")],
    ]


def test_a_timeline_line_is_one_json_object() -> None:
    assert json.loads(line(1500, "speaker", participant_id="p1")) == {
        "at": 1500, "event": "speaker", "participant_id": "p1",
    }  # fmt: skip


def test_a_track_files_name_reads_back() -> None:
    found = parse_track_file_name("a1b2-screen-2.mkv")

    assert found is not None
    assert (found.participant_id, found.kind, found.segment, found.codec) == (
        "a1b2",
        "screen",
        2,
        "H264",
    )
    assert parse_track_file_name("a1b2-audio-1.webm").codec == "opus"  # type: ignore[union-attr]
    for other in ("timeline.jsonl", "a-video-x.webm", "a-data-1.webm", "a-video-1.mp4", "x.webm"):
        assert parse_track_file_name(other) is None
