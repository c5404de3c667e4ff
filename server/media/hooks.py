"""The only place that reaches into aiortc's (and aioice's) private API, pinned to versions.

aiortc has no forwarding API: its receiver always decodes and its sender always encodes. The
media plane forwards encoded media with these instance-level hooks, written against
aiortc 1.16.0 and aioice 0.13.0 (pinned exactly in pyproject.toml):

- receiver: the jitter buffer ``_RTCRtpReceiver__jitter_buffer`` is replaced by a tap. aiortc
  calls its ``add(packet)`` from ``_handle_rtp_packet`` after stats, NACK generation and RTX
  unwrapping; the tap hands every packet on and returns no frame, so the decoder thread never
  gets work. ``receive`` is wrapped to learn when the receiver starts.
- sender: ``send`` is wrapped to learn the negotiated parameters; ``_next_encoded_frame``
  parks aiortc's send loop forever (its task still owns the sender's life) and so does
  ``_run_rtcp`` (it signals ``__rtcp_started``/``__rtcp_exited`` so ``stop()`` works): the
  forwarder writes the packets itself (``Wire``) and the peer one compound sender report per
  connection; ``_send_keyframe`` (PLI/FIR from the viewer) and ``_retransmit`` (NACK) are
  routed to the forwarder (a fallback: a viewer's RTCP reaches the forwarder by ``divert_rtcp``).
- transport: ``Wire`` protects with the DTLS transport's SRTP session (``_tx_srtp``, its
  libsrtp context through pylibsrtp's binding) and writes to the nominated ICE pair's socket
  (aioice ``Connection._nominated``): synchronous calls instead of a chain of coroutines, a
  video frame in one segmented ``sendmsg``. ``divert_rtcp`` takes a viewer's RTCP from the
  ICE connection (``Connection.data_received``) and unprotects it with ``_rx_srtp``.
- subscribe transceivers (``add_send_transceiver``): their receivers, which never receive,
  get no bandwidth estimator (1,000 rate buckets, about 1 ms of CPU for each).
- ICE gathering: ``limit_host_addresses`` makes an aioice connection gather host candidates
  on the given addresses only (aioice otherwise takes every interface and never loopback).

``check_hooks()`` verifies that every attribute used here exists, on real objects, and fails
loudly (``HookError``) if aiortc or aioice changed; call it at start-up.
"""

import asyncio
import errno
import functools
import inspect
import socket
import struct
from collections.abc import Callable, Iterable
from importlib.metadata import version
from typing import Any, Protocol

import aioice.ice
import aioice.turn
import aiortc.rtcrtpreceiver
import pylibsrtp
from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpReceiver, RTCRtpSender
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtcdtlstransport import RTCDtlsTransport
from aiortc.rtcicetransport import RTCIceGatherer
from aiortc.rtcrtpparameters import (
    RTCRtpCodecParameters,
    RTCRtpReceiveParameters,
    RTCRtpSendParameters,
)
from aiortc.rtcrtptransceiver import RTCRtpTransceiver
from aiortc.rtp import RtpPacket
from pylibsrtp._binding import ffi, lib

from server.media.packets import is_rtcp

WRITTEN_FOR = {"aiortc": "1.16.0", "aioice": "0.13.0", "pylibsrtp": "1.0.0"}

_RECEIVER_ATTRS = ("_RTCRtpReceiver__jitter_buffer", "_RTCRtpReceiver__remote_bitrate_estimator")
_SENDER_ATTRS = (
    "_ssrc",
    "_rtx_ssrc",
    "_stream_id",
    "_RTCRtpSender__rtcp_started",
    "_RTCRtpSender__rtcp_exited",
)
_CLASS_ATTRS: tuple[tuple[type, str, tuple[str, ...]], ...] = (
    (RTCRtpReceiver, "receive", ("self", "parameters")),
    (RTCRtpReceiver, "_handle_rtp_packet", ("self", "packet", "arrival_time_ms")),
    (RTCRtpSender, "send", ("self", "parameters")),
    (RTCRtpSender, "_next_encoded_frame", ("self", "codec")),
    (RTCRtpSender, "_send_keyframe", ("self",)),
    (RTCRtpSender, "_retransmit", ("self", "sequence_number")),
    (RTCRtpSender, "_run_rtp", ("self", "codec")),
    (RTCRtpSender, "_run_rtcp", ("self",)),
    (aioice.ice.Connection, "get_component_candidates", ("self", "component", "addresses")),
    (aioice.ice.Connection, "gather_candidates", ("self",)),
    (aioice.ice.Connection, "data_received", ("self", "data", "component")),
)
_CONNECTION_ATTRS = (
    "_nominated",
    "_components",
    "_local_candidates",
    "_local_candidates_start",
    "_local_candidates_end",
)


class HookError(RuntimeError):
    """aiortc or aioice no longer has what the media plane hooks into."""


class PacketSink(Protocol):
    def __call__(self, packet: RtpPacket) -> None: ...


class Forwarder(Protocol):
    """What a hooked sender calls: the media plane's outlet for that sender."""

    def bind(self, parameters: RTCRtpSendParameters, wire: "Wire") -> None: ...
    def keyframe_requested(self) -> None: ...
    def retransmit(self, sequence_number: int) -> None: ...


def _missing_on_class() -> list[str]:
    missing = []
    for cls, name, params in _CLASS_ATTRS:
        member = getattr(cls, name, None)
        if member is None:
            missing.append(f"{cls.__name__}.{name}")
        elif tuple(inspect.signature(member).parameters)[: len(params)] != params:
            missing.append(f"{cls.__name__}.{name}{params} (signature changed)")
    if "RemoteBitrateEstimator()" not in inspect.getsource(RTCRtpReceiver.__init__):
        missing.append("RTCRtpReceiver.__init__ (RemoteBitrateEstimator)")
    if not isinstance(getattr(aioice.ice.CandidatePair, "remote_addr", None), property):
        missing.append("CandidatePair.remote_addr")
    if "self.protocol = protocol" not in inspect.getsource(aioice.ice.CandidatePair.__init__):
        missing.append("CandidatePair.protocol")
    return missing


def _missing_on(obj: object, names: Iterable[str]) -> list[str]:
    return [f"{type(obj).__name__}.{name}" for name in names if not hasattr(obj, name)]


async def check_hooks() -> None:
    """Fail loudly (HookError) if anything this module touches is missing."""
    missing = _missing_on_class()
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        transceiver = pc.addTransceiver("video", direction="sendrecv")
        dtls = transceiver.sender.transport
        gatherer = dtls.transport.iceGatherer
        missing += _missing_on(transceiver.receiver, _RECEIVER_ATTRS)
        missing += _missing_on(transceiver.sender, _SENDER_ATTRS)
        missing += _missing_on(transceiver, ("_codecs",))
        missing += _missing_on(dtls, ("_tx_srtp", "_rx_srtp"))
        missing += _missing_on(dtls.transport, ("_connection",))
        missing += _missing_on(pylibsrtp.Session(), ("_srtp",))
        missing += _missing_on(gatherer, ("_connection",))
        missing += _missing_on(gatherer._connection, _CONNECTION_ATTRS)
    finally:
        await pc.close()
    if missing:
        found = {name: version(name) for name in WRITTEN_FOR}
        raise HookError(
            f"The media plane's aiortc hooks no longer fit (written for {WRITTEN_FOR}, "
            f"found {found}); missing: {', '.join(missing)}"
        )


# --- receiver -----------------------------------------------------------------------------


class _Tap:
    """Stands in for the receiver's jitter buffer: sees every media packet, emits no frame."""

    __slots__ = ("sink",)

    def __init__(self, sink: PacketSink) -> None:
        self.sink = sink

    def add(self, packet: RtpPacket) -> tuple[bool, None]:
        self.sink(packet)
        return False, None


def tap_receiver(
    receiver: RTCRtpReceiver,
    sink: PacketSink,
    on_receive: Callable[[RTCRtpReceiveParameters, "Wire"], None] | None = None,
) -> None:
    """Send the receiver's packets to ``sink`` instead of its decoder.

    The receiver's bandwidth estimator goes too: it takes the time a packet is *processed*
    as its arrival time, so the forwarder's own work looks like congestion and it would send
    the publisher a falling REMB with every packet. The forwarder sends a fixed REMB instead.
    """
    receiver._RTCRtpReceiver__jitter_buffer = _Tap(sink)  # type: ignore[attr-defined]
    receiver._RTCRtpReceiver__remote_bitrate_estimator = None  # type: ignore[attr-defined]
    if on_receive is None:
        return
    start = receiver.receive

    async def receive(parameters: RTCRtpReceiveParameters) -> None:
        await start(parameters)
        on_receive(parameters, Wire(receiver.transport))

    receiver.receive = receive  # type: ignore[method-assign]


# --- sender -------------------------------------------------------------------------------


def add_send_transceiver(pc: RTCPeerConnection, kind: str) -> RTCRtpTransceiver:
    """A sendonly transceiver whose receiver has no bandwidth estimator: aiortc's receiver
    looks ``RemoteBitrateEstimator`` up when it is made, and finds None for this call."""
    module = aiortc.rtcrtpreceiver
    made = module.RemoteBitrateEstimator
    module.RemoteBitrateEstimator = lambda: None  # type: ignore[assignment,misc]
    try:
        return pc.addTransceiver(kind, direction="sendonly")
    finally:
        module.RemoteBitrateEstimator = made  # type: ignore[misc]


async def _parked(codec: RTCRtpCodecParameters) -> None:
    # aiortc's send loop waits here until the sender is stopped (cancelled).
    await asyncio.get_running_loop().create_future()


def hook_sender(sender: RTCRtpSender, forwarder: Forwarder) -> None:
    """Make the sender forward: its packets come from ``forwarder``, not from an encoder."""
    start = sender.send
    bound = False

    async def send(parameters: RTCRtpSendParameters) -> None:
        # aiortc calls send() after every negotiation; it starts the sender only once.
        nonlocal bound
        await start(parameters)
        if not bound:
            bound = True
            forwarder.bind(parameters, Wire(sender.transport, direct=True))

    async def retransmit(sequence_number: int) -> None:
        forwarder.retransmit(sequence_number)

    async def run_rtcp() -> None:
        # The media plane sends one compound report per connection (see MediaPeer).
        sender._RTCRtpSender__rtcp_started.set()  # type: ignore[attr-defined]
        try:
            await asyncio.get_running_loop().create_future()
        finally:
            sender._RTCRtpSender__rtcp_exited.set()  # type: ignore[attr-defined]

    sender.send = send  # type: ignore[method-assign]
    sender._run_rtcp = run_rtcp  # type: ignore[method-assign]
    sender._next_encoded_frame = _parked  # type: ignore[method-assign]
    sender._send_keyframe = forwarder.keyframe_requested  # type: ignore[method-assign]
    sender._retransmit = retransmit  # type: ignore[method-assign]


def negotiated_codecs(transceiver: RTCRtpTransceiver) -> list[RTCRtpCodecParameters]:
    """The codecs agreed for a transceiver by the last setRemoteDescription."""
    return list(transceiver._codecs)


class ForwardedTrack(MediaStreamTrack):
    """A sender's track for forwarded media: it names the source and is never read."""

    def __init__(self, kind: str, track_id: str) -> None:
        super().__init__()
        self.kind = kind
        self._id = track_id

    async def recv(self) -> Any:  # pragma: no cover - the hooked sender never reads
        raise RuntimeError("a forwarded track is never read: its outlet sends the packets")


def set_stream_id(sender: RTCRtpSender, stream_id: str) -> None:
    """The msid stream of the sender's track: one per publishing participant."""
    sender._stream_id = stream_id


# --- transport ----------------------------------------------------------------------------


# One scratch buffer for every wire: SRTP protects in place there and the kernel reads the
# frame from it. Sends are synchronous on the event loop's thread, so it is never shared.
_SCRATCH_SIZE = 1 << 16
_SCRATCH = ffi.new("char[]", _SCRATCH_SIZE + 1024)  # room for the last packet's SRTP trailer
_SCRATCH_VIEW = ffi.buffer(_SCRATCH)
_SCRATCH_MEMORY = memoryview(_SCRATCH_VIEW)
_LENGTH = ffi.new("int *")  # in: a packet's length; out: the protected one's
UDP_SEGMENT = 103  # linux/udp.h: UDP generic segmentation offload (Linux 4.18)
_SEGMENT_SIZE = struct.Struct("=H")
_NO_SEGMENTATION = {errno.EIO, errno.EINVAL, errno.ENOPROTOOPT, errno.EOPNOTSUPP}


@functools.lru_cache(maxsize=256)
def _segments(size: int) -> list[tuple[int, int, bytes]]:
    """The ancillary data of a segmented send: the kernel cuts the buffer every ``size``."""
    return [(socket.SOL_UDP, UDP_SEGMENT, _SEGMENT_SIZE.pack(size))]


def _sender(transport: Any, addr: tuple[str, int]) -> Callable[[bytes | memoryview], object]:
    """Writes to the ICE pair's asyncio (or TURN) transport. Once that transport is closed
    (its peer connection gone while a source still asks for a key frame) a write fails as
    one on a closed socket does, with an ``OSError`` the callers count as lost — asyncio's
    own transport would raise ``AttributeError`` from inside its error handling."""

    def send(data: bytes | memoryview) -> object:
        closing = getattr(transport, "is_closing", None)
        if closing is not None and closing():
            raise ConnectionResetError(errno.ECONNRESET, "the ICE pair's transport is closed")
        try:
            return transport.sendto(data, addr)
        except AttributeError as gone:  # a transport closed under us has no socket or loop
            raise ConnectionResetError(errno.ECONNRESET, "the transport is closed") from gone

    return send


class Wire:
    """Synchronous SRTP-protected writes on a connected DTLS transport's selected ICE pair.

    ``direct`` (forwarding): write on our own duplicate of the pair's UDP socket, so a full
    socket buffer shows as False from ``send_rtp`` instead of piling up in asyncio's
    unbounded user-space buffer; close() releases it. A run of same-size packets (a video
    frame) goes to the kernel in one ``sendmsg`` with UDP segmentation offload: one system
    call, and one wake-up of the receiver, for the frame. The duplicate is connected to the
    viewer's address, so neither Python nor the kernel looks the address up per send; the
    socket is aioice's too, which from then on receives from that address only (after ICE
    it talks to no other: aioice keeps the pair it nominated). Otherwise (or for a
    TURN-relayed pair) the pair's asyncio transport does the writing, a packet at a time.
    """

    __slots__ = (
        "_session", "_protect", "_context", "_protect_rtcp", "_send", "_sendmsg", "_socket",
    )  # fmt: skip

    def __init__(self, dtls: RTCDtlsTransport, *, direct: bool = False) -> None:
        session = self._session = dtls._tx_srtp  # its libsrtp context lives as long as it
        # pylibsrtp's protect() allocates and checks on every call; this is the same C call
        # (pylibsrtp 1.0.0) on the session's context, in place in the scratch buffer.
        self._protect = lib.srtp_protect
        self._context = session._srtp[0]
        self._protect_rtcp = session.protect_rtcp
        pair = dtls.transport._connection._nominated[1]
        transport = pair.protocol.transport
        self._socket: socket.socket | None = None
        self._send: Callable[[bytes | memoryview], object]
        self._sendmsg: Callable[..., int] | None = None
        found = transport.get_extra_info("socket")
        if direct and found is not None and not isinstance(transport, aioice.turn.TurnTransport):
            self._socket = found.dup()
            self._socket.setblocking(False)
            # connected, so neither Python nor the kernel looks the address up per packet
            self._socket.connect(pair.remote_addr)
            self._send = self._socket.send
            self._sendmsg = self._socket.sendmsg
        else:
            self._send = _sender(transport, pair.remote_addr)

    def handles(self) -> tuple[int, int, int] | None:
        """For the compiled fan-out (``Lane.plug``): the addresses of libsrtp's
        ``srtp_protect`` and of this session's context, and the connected socket's file
        descriptor; None when this wire writes through a transport (not ``direct``)."""
        if self._socket is None:
            return None
        protect = int(ffi.cast("uintptr_t", ffi.addressof(lib, "srtp_protect")))
        return protect, int(ffi.cast("uintptr_t", self._context)), self._socket.fileno()

    def send_rtp(self, items: list[tuple[bytes, bytes]]) -> bool:
        """Protect and send RTP packets (header, payload), in order; False when the socket
        would block: the viewer is behind, and what was not written is dropped."""
        protect, context, length, view = self._protect, self._context, _LENGTH, _SCRATCH_VIEW
        ends = []
        end = 0
        for header, payload in items:
            middle = end + len(header)
            size = middle + len(payload)
            if size > _SCRATCH_SIZE:
                raise ValueError("more than 64 KiB of RTP in one send")
            view[end:middle] = header
            view[middle:size] = payload
            length[0] = size - end
            if protect(context, _SCRATCH + end, length):
                raise pylibsrtp.Error("SRTP protect failed")
            end += length[0]
            ends.append(end)
        try:
            count, first = len(ends), ends[0]
            if count == 1 or self._sendmsg is None:
                self._send_each(ends, 0)
            elif ends[-2] == first * (count - 1) and ends[-1] - ends[-2] <= first:
                self._send_run(ends)  # the usual frame: all of one size but the last
            else:
                self._send_runs(ends)
        except BlockingIOError:
            return False
        except OSError:  # unreachable and the like: as lost on the way, UDP being UDP
            pass
        return True

    def send_one(self, header: bytes, payload: bytes) -> bool:
        """``send_rtp`` of one packet (an audio packet, mostly): no list, no loop."""
        middle = len(header)
        size = middle + len(payload)
        _SCRATCH_VIEW[:middle] = header
        _SCRATCH_VIEW[middle:size] = payload
        _LENGTH[0] = size
        if self._protect(self._context, _SCRATCH, _LENGTH):
            raise pylibsrtp.Error("SRTP protect failed")
        try:
            self._send(_SCRATCH_MEMORY[: _LENGTH[0]])
        except BlockingIOError:
            return False
        except OSError:  # unreachable and the like: as lost on the way, UDP being UDP
            pass
        return True

    def _send_each(self, ends: list[int], start: int) -> None:
        memory, send = _SCRATCH_MEMORY, self._send
        for end in ends:
            send(memory[start:end])
            start = end

    def _send_run(self, ends: list[int]) -> None:
        """Packets all of one size but the last (not longer): one segmented ``sendmsg``."""
        try:
            self._sendmsg([_SCRATCH_MEMORY[: ends[-1]]], _segments(ends[0]))  # type: ignore[misc]
        except OSError as exc:
            if exc.errno not in _NO_SEGMENTATION:
                raise
            self._sendmsg = None  # this kernel or device cannot: one at a time
            self._send_each(ends, 0)

    def _send_runs(self, ends: list[int]) -> None:
        """Runs of same-size packets (the last of a run may be shorter) in one ``sendmsg``
        each, segmented by the kernel; one packet alone with ``sendto``."""
        memory = _SCRATCH_MEMORY
        start, i, n = 0, 0, len(ends)
        while i < n:
            first = ends[i] - start
            j = i + 1
            while j < n and ends[j] - ends[j - 1] == first:
                j += 1
            if j < n and ends[j] - ends[j - 1] < first:
                j += 1  # a shorter packet may end the run
            if j - i == 1 or self._sendmsg is None:
                self._send_each(ends[i:j], start)
            else:
                try:
                    self._sendmsg([memory[start : ends[j - 1]]], _segments(first))
                except OSError as exc:
                    if exc.errno not in _NO_SEGMENTATION:
                        raise
                    self._sendmsg = None  # this kernel or device cannot: one at a time
                    self._send_each(ends[i:j], start)
            start, i = ends[j - 1], j

    def send_rtcp(self, packet: bytes) -> None:
        try:
            self._send(self._protect_rtcp(packet))
        except OSError:
            pass

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None


def divert_rtcp(dtls: RTCDtlsTransport, handle: Callable[[bytes], None]) -> None:
    """Hand the RTCP arriving on this transport to ``handle``, unprotected, as it arrives.

    aioice queues every datagram for aiortc's receive loop, a chain of coroutines that
    parses each RTCP packet into objects for the senders (≈100 µs per packet). A viewer's
    connection carries nothing else once DTLS is up (it sends no media), so its RTCP goes
    straight from the ICE connection to ``handle``; STUN and DTLS still go aiortc's way.
    """
    connection = dtls.transport._connection
    queue = connection.data_received

    def data_received(data: bytes, component: int) -> None:
        srtp = dtls._rx_srtp
        if srtp is None or not is_rtcp(data):
            queue(data, component)
            return
        try:
            plain = srtp.unprotect_rtcp(data)
        except pylibsrtp.Error:
            return  # not from the viewer, or damaged: as aiortc, drop it
        handle(plain)

    connection.data_received = data_received  # type: ignore[method-assign]


# --- ICE gathering ------------------------------------------------------------------------


def limit_host_addresses(gatherer: RTCIceGatherer, addresses: tuple[str, ...]) -> None:
    """Gather host candidates on these addresses only (e.g. the public one, or 127.0.0.1)."""
    connection = gatherer._connection
    if connection._components != {1}:
        raise HookError("aiortc now uses more than one ICE component")

    async def gather_candidates() -> None:
        if connection._local_candidates_start:
            return
        connection._local_candidates_start = True
        found = await connection.get_component_candidates(component=1, addresses=list(addresses))
        connection._local_candidates += found
        connection._local_candidates_end = True

    connection.gather_candidates = gather_candidates  # type: ignore[method-assign]


def gatherers(pc: RTCPeerConnection) -> list[RTCIceGatherer]:
    """The ICE gatherers a peer connection has now (one per transport)."""
    found: dict[int, RTCIceGatherer] = {}
    for transceiver in pc.getTransceivers():
        gatherer = transceiver.sender.transport.transport.iceGatherer
        found[id(gatherer)] = gatherer
    return list(found.values())
