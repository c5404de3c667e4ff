"""A source hands its packets to the viewers' outlets: audio at once, video a frame at a time;
it reports audio levels and gives whole frames to those who ask for them."""

from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtp import RtpPacket

from server.media import MediaConfig
from server.media.frames import Frame
from server.media.packets import P_BIT, SILENCE, Packet
from server.media.source import FRAME_BATCH, MAX_PAYLOAD, Heard, Source

VP8 = RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000, payloadType=97)
OPUS = RTCRtpCodecParameters(mimeType="audio/opus", clockRate=48000, channels=2, payloadType=111)


class RecordingOutlet:
    """Stands in for a viewer's outlet: keeps what each send() was given."""

    def __init__(self) -> None:
        self.sends: list[list[Packet]] = []

    def send(self, packets: list[Packet], ext: bytes, ntp: int) -> None:
        self.sends.append(packets)

    def restart(self) -> None:
        self.sends.append([])

    def seqs(self) -> list[list[int]]:
        return [[p[0] for p in packets] for packets in self.sends]


def nothing_heard(participant_id: str, level: int) -> None:
    pass


def source_for(
    codec: RTCRtpCodecParameters, *, heard: Heard = nothing_heard
) -> tuple[Source, RecordingOutlet]:
    source = Source(
        participant_id="p",
        kind="audio" if codec.mimeType.startswith("audio") else "video",
        codec=codec,
        stream_id="s",
        config=MediaConfig(),
        clock=lambda: 0.0,
        heard=heard,
    )
    outlet = RecordingOutlet()
    source.outlets.append(outlet)  # type: ignore[arg-type]
    return source, outlet


def rtp(
    seq: int, frame: int, *, marker: bool = False, size: int = 100, key: bool = False
) -> RtpPacket:
    payload = bytes([0x10, 0x30 if key else 0x31]) + bytes(size - 2)  # VP8: S=1, then P bit
    return RtpPacket(
        payload_type=97, sequence_number=seq, timestamp=frame * 3000, marker=marker,
        payload=payload,
    )  # fmt: skip


def test_source_sends_a_frame_when_its_last_packet_arrives() -> None:
    source, outlet = source_for(VP8)

    source.ingest(rtp(1, 1))
    source.ingest(rtp(2, 1))
    held = list(outlet.sends)
    source.ingest(rtp(3, 1, marker=True))

    assert (held, outlet.seqs()) == ([], [[1, 2, 3]])


def test_source_pads_a_frame_to_one_size_for_every_viewer_at_once() -> None:
    source, outlet = source_for(VP8)

    source.ingest(rtp(1, 1, size=1100))
    source.ingest(rtp(2, 1, size=1098))
    source.ingest(rtp(3, 1, marker=True, size=500))

    [frame] = outlet.sends
    assert [(len(p[3]), p[5]) for p in frame] == [(1100, 0), (1100, P_BIT), (500, 0)]


def test_source_sends_a_late_packet_of_a_sent_frame_at_once() -> None:
    source, outlet = source_for(VP8)
    for seq in (1, 2):
        source.ingest(rtp(seq, 1, marker=seq == 2))
    source.ingest(rtp(3, 2))

    source.ingest(rtp(0, 1))  # retransmitted by the publisher, after its frame went out

    assert outlet.seqs() == [[1, 2], [0]]


def test_source_sends_what_it_gathered_when_a_frame_lost_its_last_packet() -> None:
    source, outlet = source_for(VP8)

    source.ingest(rtp(1, 1))
    source.ingest(rtp(2, 1))  # frame 1's last packet (3) never comes
    source.ingest(rtp(4, 2, marker=True))

    assert outlet.seqs() == [[1, 2], [4]]


def test_source_holds_at_most_a_batch_of_a_long_frame() -> None:
    source, outlet = source_for(VP8)

    for seq in range(FRAME_BATCH + 2):
        source.ingest(rtp(seq, 1, marker=seq == FRAME_BATCH + 1))

    assert [len(s) for s in outlet.sends] == [FRAME_BATCH, 2]


def test_source_sends_audio_packet_by_packet_and_drops_oversized_payloads() -> None:
    source, outlet = source_for(OPUS)

    for seq in (1, 2):
        source.ingest(RtpPacket(payload_type=111, sequence_number=seq, payload=b"opus"))
    source.ingest(RtpPacket(payload_type=111, sequence_number=3, payload=bytes(MAX_PAYLOAD + 1)))

    assert outlet.seqs() == [[1], [2]]


def test_source_muted_drops_what_it_gathered() -> None:
    source, outlet = source_for(VP8)
    source.ingest(rtp(1, 1))

    source.set_muted(True)
    source.set_muted(False)
    source.ingest(rtp(2, 1, marker=True))

    assert outlet.seqs() == [[], [2]]  # restarted on unmute, then the next frame


def test_source_reports_each_audio_packets_level_as_heard() -> None:
    heard: list[tuple[str, int]] = []
    source, _ = source_for(OPUS, heard=lambda pid, level: heard.append((pid, level)))
    loud = RtpPacket(payload_type=111, sequence_number=1, payload=b"opus")
    loud.extensions.audio_level = (True, 20)

    source.ingest(loud)
    source.ingest(RtpPacket(payload_type=111, sequence_number=2, payload=b"opus"))

    assert heard == [("p", 20), ("p", SILENCE)]  # no level extension: silence


def test_source_keeps_whole_frames_until_they_are_taken() -> None:
    source, _ = source_for(VP8)
    source.ingest(rtp(0, 0, marker=True))  # before anyone keeps frames
    source.keep_frames()

    source.ingest(rtp(1, 1, key=True))
    source.ingest(rtp(2, 1, marker=True))
    source.ingest(rtp(4, 2, marker=True))  # its packet 3 comes late
    first = source.take_frames()
    source.ingest(rtp(3, 2))
    rest = source.take_frames()

    key, delta = bytes([0x10, 0x30]) + bytes(98), bytes([0x10, 0x31]) + bytes(98)
    assert [frame for frame, _ in first] == [Frame(3000, True, (key, delta))]
    assert [frame for frame, _ in rest] == [Frame(6000, False, (delta, delta))]
    assert source.take_frames() == []


def test_each_consumer_takes_its_own_frames() -> None:
    source, _ = source_for(VP8)
    source.keep_frames("recorder")
    source.ingest(rtp(1, 1, key=True, marker=True))
    source.keep_frames("streamer")  # from now on (from a key frame)
    source.ingest(rtp(2, 2, key=True, marker=True))

    recorded = source.take_frames("recorder")
    streamed = source.take_frames("streamer")
    source.drop_frames("streamer")
    source.ingest(rtp(3, 3, marker=True))

    assert [frame.timestamp for frame, _ in recorded] == [3000, 6000]
    assert [frame.timestamp for frame, _ in streamed] == [6000]
    assert [frame.timestamp for frame, _ in source.take_frames("recorder")] == [9000]
    assert source.take_frames("streamer") == []
