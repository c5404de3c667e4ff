"""Encoded frames assembled from RTP packets, for consumers that want whole frames.

Forwarding works packet by packet; a consumer such as the recorder wants frames. Packets of
one frame share a timestamp and the last carries the marker bit. The assembler starts at a
key frame, emits frames in order once every packet from the frame's first to its marker has
arrived, and when a packet stays missing (more than ``capacity`` packets buffered) it skips
to the next key frame, since the frames in between could not be decoded anyway.

``add_run`` takes the packets a source sends its viewers together (a video frame gathered
until its marker, or one audio packet): when they are the whole next frame, in order, with
nothing held before them — nearly always — the frame is made at once, without holding its
packets; anything else goes packet by packet.
"""

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple


class Frame(NamedTuple):
    timestamp: int
    keyframe: bool
    payloads: tuple[bytes, ...]  # RTP payloads, in order, with their payload descriptors


class FrameAssembler:
    def __init__(
        self,
        *,
        is_keyframe: Callable[[bytes], bool],
        capacity: int = 256,
        single: bool = False,
    ) -> None:
        self._is_keyframe = is_keyframe
        self._capacity = capacity
        self._single = single  # every packet is a frame of its own (audio)
        self._packets: dict[int, tuple[int, int, bytes]] = {}
        self._next: int | None = None  # sequence number the next frame starts at

    def add_run(self, packets: Sequence[tuple[Any, ...]]) -> list[Frame]:
        """Take packets sent together (``(seq, timestamp, marker, payload, ...)``, in the
        order they came); the frames they complete, oldest first."""
        first, last = packets[0], packets[-1]
        seq, timestamp = first[0], first[1]
        start = self._next
        if (
            not self._packets
            and (last[2] or self._single)
            and (seq == start or start is None and self._is_keyframe(first[3]))
            and (
                len(packets) == 1
                or last[1] == timestamp
                and all(p[0] == (seq + n) & 0xFFFF for n, p in enumerate(packets))
            )
        ):
            self._next = (last[0] + 1) & 0xFFFF
            keyframe = self._is_keyframe(first[3])
            return [Frame(timestamp, keyframe, tuple([p[3] for p in packets]))]
        frames: list[Frame] = []
        for p in packets:
            frames += self.add(p[0], p[1], p[2], p[3])
        return frames

    def add(self, seq: int, timestamp: int, marker: int, payload: bytes) -> list[Frame]:
        """Take one packet; the frames it completes, oldest first."""
        marker = marker or self._single
        if self._next is None:
            if not self._is_keyframe(payload):
                return []
            self._next = seq
        elif (seq - self._next) & 0x8000:
            return []  # older than what was already emitted or skipped
        self._packets[seq] = (timestamp, marker, payload)
        frames = self._drain()
        if len(self._packets) > self._capacity:
            self._skip_to_keyframe()
            frames += self._drain()
        return frames

    def _drain(self) -> list[Frame]:
        frames = []
        while (frame := self._take_frame()) is not None:
            frames.append(frame)
        return frames

    def _take_frame(self) -> Frame | None:
        start = self._next
        first = self._packets.get(start) if start is not None else None
        if start is None or first is None:
            return None
        seq, payloads = start, []
        while (packet := self._packets.get(seq)) is not None and packet[0] == first[0]:
            payloads.append(packet[2])
            if packet[1]:  # marker: the frame's last packet
                return self._emit(start, seq, first[0], payloads)
            seq = (seq + 1) & 0xFFFF
        if packet is not None:  # the timestamp changed without a marker: that ends it too
            return self._emit(start, (seq - 1) & 0xFFFF, first[0], payloads)
        return None

    def _emit(self, start: int, end: int, timestamp: int, payloads: list[bytes]) -> Frame:
        for offset in range(((end - start) & 0xFFFF) + 1):
            del self._packets[(start + offset) & 0xFFFF]
        self._next = (end + 1) & 0xFFFF
        return Frame(timestamp, self._is_keyframe(payloads[0]), tuple(payloads))

    def _skip_to_keyframe(self) -> None:
        base = self._next or 0
        ordered = sorted(self._packets, key=lambda seq: (seq - base) & 0xFFFF)
        restart = next(
            (s for s in ordered if s != base and self._is_keyframe(self._packets[s][2])), None
        )
        if restart is None:
            self._packets.clear()
            self._next = None
            return
        for seq in ordered[: ordered.index(restart)]:
            del self._packets[seq]
        self._next = restart
