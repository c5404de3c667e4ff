"""A relay link's owner end: ``RelayOut`` (the socket, the feedback from the edge) and a
``RelayTap`` per relayed source (in the source's outlet list, writing relay datagrams).
What a relay link is and its datagrams: ``server.media.relay``."""

import random
from collections.abc import Iterable

import pylibsrtp
from pylibsrtp._binding import ffi, lib

from server.media.hooks import _NO_SEGMENTATION, _segments
from server.media.packets import (
    KEY_FRAME,
    SILENCE,
    Packet,
    feedback,
)
from server.media.relay import (
    DATAGRAM,
    END,
    FRAME,
    HISTORY,
    KEY,
    LARGEST,
    MEDIA_AT,
    PADDED,
    RELAY_PT,
    RESTART,
    TRAILER,
    LinkEnd,
    LinkKeys,
    link_session,
)
from server.media.source import Source


class RelayOut(LinkEnd):
    """The owner's end of a relay link to one edge, for one room."""

    def __init__(self, *, keys: LinkKeys, host: str) -> None:
        self._buffer = bytearray(LARGEST)
        super().__init__(host, self._buffer)
        # pylibsrtp's protect() allocates and copies twice on every call; this is the same
        # C call (pylibsrtp 1.0.0) on the session's context, in place (as hooks.Wire)
        self._down = link_session(keys.down, outbound=True)
        self._protect = lib.srtp_protect
        self._context = self._down._srtp[0]
        self._plain = ffi.new("char[]", DATAGRAM + TRAILER)
        self._plain_view = ffi.buffer(self._plain)
        self._length = ffi.new("int *")
        self._unprotect_rtcp = link_session(keys.up, outbound=False).unprotect_rtcp
        self.taps: dict[str, RelayTap] = {}  # by source_id
        self._by_ssrc: dict[int, RelayTap] = {}
        self.blocked = 0  # datagrams the socket would not take (the link is behind)
        self._segmented = True  # UDP GSO works here (until the kernel says otherwise)

    def relay(self, sources: Iterable[Source]) -> None:
        """Relay exactly these sources from now on."""
        wanted = {s.source_id: s for s in sources}
        for source_id, tap in list(self.taps.items()):
            if source_id not in wanted:
                tap.detach()
        for source_id, source in wanted.items():
            if source_id not in self.taps and not self.closed:
                ssrc = random.getrandbits(32)
                while ssrc in self._by_ssrc:
                    ssrc = random.getrandbits(32)
                tap = RelayTap(self, source, ssrc)
                self.taps[source_id] = self._by_ssrc[ssrc] = tap
                source.outlets.append(tap)  # type: ignore[arg-type]

    def forget(self, tap: "RelayTap") -> None:
        self.taps.pop(tap.source.source_id, None)
        self._by_ssrc.pop(tap.ssrc, None)

    def describe(self) -> list[dict[str, object]]:
        """What the edge needs to know of each relayed source."""
        return [tap.description() for tap in self.taps.values()]

    def send(self, datagram: bytes) -> None:
        if not self._emit(datagram):
            self.blocked += 1

    def send_batch(self, datagrams: list[bytes]) -> None:
        """A batch (a video frame's datagrams, all but the last of one size, as the owner
        evens them) in one segmented send where the kernel can: one system call here, one
        wake-up of the edge."""
        size = len(datagrams[0])
        if (
            self._segmented
            and len(datagrams) > 1
            and all(len(d) == size for d in datagrams[:-1])
            and len(datagrams[-1]) <= size
        ):
            try:
                self._sock.sendmsg([b"".join(datagrams)], _segments(size))
                return
            except BlockingIOError:
                self.blocked += len(datagrams)
                return
            except ConnectionRefusedError:
                self._was_refused()
                return
            except OSError as exc:
                if exc.errno not in _NO_SEGMENTATION:
                    return  # unreachable: lost on the way
                self._segmented = False  # this kernel or device cannot: one at a time
        for datagram in datagrams:
            self.send(datagram)

    def _readable(self) -> None:
        size, step = self._read()
        for start in range(0, size, step):
            self.received(bytes(self._buffer[start : min(start + step, size)]))

    def received(self, data: bytes) -> None:
        """Feedback from the edge: key frames to ask the publisher for, datagrams to resend."""
        try:
            plain = self._unprotect_rtcp(data)
        except pylibsrtp.Error:
            self.forged += 1
            return
        for ssrc, seq in feedback(plain):
            tap = self._by_ssrc.get(ssrc)
            if tap is None:
                continue
            if seq == KEY_FRAME:
                tap.source.request_keyframe()
            else:
                tap.resend(seq)

    def close(self) -> None:
        for tap in list(self.taps.values()):
            tap.detach()
        super().close()


class RelayTap:
    """One relayed source on a link: in the source's outlet list, as a viewer's outlet is
    (``send``, ``restart``, ``detach``), writing relay datagrams instead of a viewer's."""

    __slots__ = ("link", "source", "ssrc", "seq", "restarting", "history", "packets")

    def __init__(self, link: RelayOut, source: Source, ssrc: int) -> None:
        self.link = link
        self.source = source
        self.ssrc = ssrc
        self.seq = random.getrandbits(15)
        self.restarting = False
        self.history: list[tuple[int, bytes] | None] = [None] * HISTORY
        self.packets = 0

    def send(self, packets: list[Packet], ext: bytes, ntp: int) -> None:
        link = self.link
        protect, context, length = link._protect, link._context, link._length
        plain, view, pack = link._plain, link._plain_view, FRAME.pack_into
        level = ext[0] if self.source.media_kind == "audio" and ext else SILENCE
        restart = RESTART if self.restarting else 0
        self.restarting = False
        last = len(packets) - 1
        history, seq, ssrc = self.history, self.seq, self.ssrc
        datagrams = []
        for i, (media_seq, ts, marker, payload, key, pad) in enumerate(packets):
            flags = (END if i == last else 0) | (KEY if key else 0) | (PADDED if pad else 0)
            seq = (seq + 1) & 0xFFFF
            pack(view, 0, 0x80, marker << 7 | RELAY_PT, seq, ts, ssrc,
                 media_seq, flags | restart, level)  # fmt: skip
            end = MEDIA_AT + len(payload)
            view[MEDIA_AT:end] = payload
            length[0] = end
            if protect(context, plain, length):
                raise pylibsrtp.Error("SRTP protect failed")
            datagram = view[: length[0]]
            restart = 0
            history[seq % HISTORY] = (seq, datagram)
            datagrams.append(datagram)
        self.seq = seq
        if last == 0:
            link.send(datagrams[0])
        else:
            link.send_batch(datagrams)
        self.packets += len(packets)

    def restart(self) -> None:
        """The source starts over (unmuted): the edge's outlets start over too."""
        self.restarting = True

    def detach(self) -> None:
        if self in self.source.outlets:  # type: ignore[comparison-overlap]
            self.source.outlets.remove(self)  # type: ignore[arg-type]
        self.link.forget(self)

    def resend(self, seq: int) -> None:
        """The edge lost this datagram: send it again, as it was (same SRTP index)."""
        item = self.history[seq % HISTORY]
        if item is not None and item[0] == seq:
            self.link.send(item[1])

    def description(self) -> dict[str, object]:
        source, codec = self.source, self.source.codec
        return {
            "source_id": source.source_id,
            "ssrc": self.ssrc,
            "participant_id": source.participant_id,
            "kind": source.kind,
            "stream_id": source.stream_id,
            "codec": {
                "mimeType": codec.mimeType,
                "clockRate": codec.clockRate,
                "channels": codec.channels,
                "payloadType": codec.payloadType,
                "parameters": dict(codec.parameters),
            },
        }
