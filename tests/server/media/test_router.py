"""A router keeps the room's sources: who receives what, and host mute held across tracks."""

from aiortc.rtcrtpparameters import RTCRtpCodecParameters

from server.media import MediaConfig, Router

OPUS = RTCRtpCodecParameters(mimeType="audio/opus", clockRate=48000, channels=2, payloadType=111)


def router_counting_changes() -> tuple[Router, list[None]]:
    changes: list[None] = []
    router = Router(
        room_id="room", config=MediaConfig(), on_sources_changed=lambda: changes.append(None)
    )
    return router, changes


def test_router_gives_each_participant_everyone_elses_sources() -> None:
    router, _ = router_counting_changes()
    alice = router.add_source(participant_id="alice", kind="audio", codec=OPUS, stream_id="a")
    bob = router.add_source(participant_id="bob", kind="audio", codec=OPUS, stream_id="b")

    assert (router.sources_for("alice"), router.sources_for("bob")) == ([bob], [alice])


def test_router_tells_of_each_source_added_and_removed() -> None:
    router, changes = router_counting_changes()
    source = router.add_source(participant_id="alice", kind="audio", codec=OPUS, stream_id="a")

    router.remove_source(source)
    router.remove_source(source)  # already gone: nothing changes

    assert (len(changes), router.sources) == (2, {})


def test_router_mute_holds_for_a_track_published_later() -> None:
    router, _ = router_counting_changes()
    router.set_muted("alice", "audio", True)

    later = router.add_source(participant_id="alice", kind="audio", codec=OPUS, stream_id="a")
    muted_at_start = later.muted
    router.set_muted("alice", "audio", False)

    assert (muted_at_start, later.muted) == (True, False)


def test_router_forwards_only_what_the_room_lets_each_viewer_hear() -> None:
    deaf_to_bob: set[tuple[str, str]] = set()
    changes: list[None] = []
    router = Router(
        room_id="room",
        config=MediaConfig(),
        on_sources_changed=lambda: changes.append(None),
        may_hear=lambda viewer, publisher: (viewer, publisher) not in deaf_to_bob,
    )
    router.add_source(participant_id="alice", kind="audio", codec=OPUS, stream_id="a")
    bob = router.add_source(participant_id="bob", kind="audio", codec=OPUS, stream_id="b")
    before = len(changes)

    deaf_to_bob.add(("carol", "bob"))
    router.hearing_changed()

    assert [s.participant_id for s in router.sources_for("carol")] == ["alice"]
    assert router.sources_for("alice") == [bob]
    assert len(changes) == before + 1
