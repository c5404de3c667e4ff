"""Frames assembled from RTP: in order, reordered, and skipping past a loss to a key frame."""

from server.media.frames import Frame, FrameAssembler


def is_key(payload: bytes) -> bool:
    return payload.startswith(b"K")


def feed(assembler: FrameAssembler, packets: list[tuple[int, int, int, bytes]]) -> list[Frame]:
    frames = []
    for seq, ts, marker, payload in packets:
        frames += assembler.add(seq, ts, marker, payload)
    return frames


def test_assembler_emits_frames_in_order_from_the_first_key_frame() -> None:
    packets = [
        (9, 0, 1, b"d-before"),  # before any key frame: ignored
        (10, 3000, 0, b"K1"),
        (11, 3000, 1, b"K2"),
        (12, 6000, 1, b"d1"),
    ]

    frames = feed(FrameAssembler(is_keyframe=is_key), packets)

    assert frames == [Frame(3000, True, (b"K1", b"K2")), Frame(6000, False, (b"d1",))]


def test_assembler_waits_for_a_late_packet_and_reorders() -> None:
    assembler = FrameAssembler(is_keyframe=is_key)

    first = feed(assembler, [(65534, 3000, 0, b"K1"), (0, 6000, 1, b"d1")])
    rest = feed(assembler, [(65535, 3000, 1, b"K2")])

    assert (first, rest) == ([], [Frame(3000, True, (b"K1", b"K2")), Frame(6000, False, (b"d1",))])


def test_assembler_ends_a_frame_when_the_timestamp_changes_without_a_marker() -> None:
    frames = feed(FrameAssembler(is_keyframe=is_key), [(1, 3000, 0, b"K1"), (2, 6000, 1, b"d1")])

    assert frames == [Frame(3000, True, (b"K1",)), Frame(6000, False, (b"d1",))]


def test_assembler_skips_to_the_next_key_frame_when_a_packet_stays_lost() -> None:
    assembler = FrameAssembler(is_keyframe=is_key, capacity=4)
    packets = [(1, 3000, 1, b"K0"), (3, 6000, 1, b"d1"), (4, 9000, 1, b"d2"), (5, 12000, 1, b"K3")]
    packets += [(6, 15000, 1, b"d4"), (7, 18000, 1, b"d5")]  # seq 2 never comes

    frames = feed(assembler, packets)

    assert [f.payloads for f in frames] == [(b"K0",), (b"K3",), (b"d4",), (b"d5",)]


def test_assembler_ignores_packets_older_than_what_it_emitted() -> None:
    assembler = FrameAssembler(is_keyframe=is_key)
    feed(assembler, [(1, 3000, 1, b"K0"), (2, 6000, 1, b"d1")])

    assert assembler.add(1, 3000, 1, b"K0") == []


def test_runs_sent_together_give_the_frames_packets_one_by_one_would() -> None:
    runs = [
        [(9, 0, 1, b"d-before")],  # before any key frame: ignored
        [(10, 3000, 0, b"K1"), (11, 3000, 1, b"K2")],  # a whole frame, in order
        [(13, 9000, 1, b"d2")],  # ahead of a lost packet: held
        [(12, 6000, 1, b"d1")],  # the late one: both go
        [(14, 12000, 0, b"d3"), (15, 12000, 0, b"d3b")],  # no marker yet (a long frame)
        [(16, 12000, 1, b"d3c")],
    ]
    one_by_one = FrameAssembler(is_keyframe=is_key)
    expected = feed(one_by_one, [p for run in runs for p in run])
    together = FrameAssembler(is_keyframe=is_key)

    frames = [frame for run in runs for frame in together.add_run(run)]

    assert frames == expected
    assert [f.payloads for f in frames] == [
        (b"K1", b"K2"),
        (b"d1",),
        (b"d2",),
        (b"d3", b"d3b", b"d3c"),
    ]


def test_single_packet_frames_go_at_once() -> None:
    assembler = FrameAssembler(is_keyframe=lambda payload: True, single=True)

    assert assembler.add_run([(7, 960, 0, b"a")]) == [Frame(960, True, (b"a",))]
    assert assembler.add(8, 1920, 0, b"b") == [Frame(1920, True, (b"b",))]
