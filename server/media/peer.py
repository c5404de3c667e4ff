"""A participant's media peer: two peer connections to the browser, both ended together.

- The **publish** connection carries what the participant sends. The client offers
  (``publish``), the server answers; each track the role may publish becomes a ``Source``,
  each it may not is answered ``inactive`` and never reaches a viewer.
- The **subscribe** connection carries what the participant receives. The server offers
  (``subscribe``) whenever the room's sources change, the client answers (``subscribed``).
  Each sender is an ``Outlet`` fed by one source; a sender whose source went away is kept
  inactive and reused for the next source of the same kind and codec.

Two connections mean neither side ever has to answer an offer while its own is pending, so
there is no glare. One lock serialises every step of a participant, so a candidate never
races the offer or answer it belongs to.
"""

import asyncio
import logging
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Literal, Protocol

from aiortc import (
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.exceptions import InternalError, InvalidAccessError, InvalidStateError, OperationError
from aiortc.rtcconfiguration import RTCBundlePolicy
from aiortc.rtcrtpparameters import RTCRtpCodecCapability, RTCRtpCodecParameters
from aiortc.rtcrtptransceiver import RTCRtpTransceiver

from server.media import hooks
from server.media.config import MediaConfig
from server.media.errors import MediaError
from server.media.outlet import Outlet, sender_reports
from server.media.packets import KEY_FRAME, feedback
from server.media.report_clock import ReportClock, report_clock
from server.media.source import Kind, Source
from server.media.validation import PARSE_ERRORS, CheckedSdp, check_sdp, parse_candidate

log = logging.getLogger(__name__)

Connection = Literal["publish", "subscribe"]
NEGOTIATION_ERRORS = PARSE_ERRORS + (
    InternalError,
    InvalidAccessError,
    InvalidStateError,
    OperationError,
)
SENDING = ("sendonly", "sendrecv")  # a client's direction for a track it publishes


class PeerOwner(Protocol):
    """What a peer asks of the room's media plane that owns it (``server.media.router.Router``):
    the router imports this module, never the other way."""

    room_id: str
    config: MediaConfig

    def add_source(
        self, *, participant_id: str, kind: Kind, codec: RTCRtpCodecParameters, stream_id: str
    ) -> Source: ...

    def remove_source(self, source: Source) -> None: ...

    def sources_for(self, participant_id: str) -> list[Source]: ...

    def peer_failed(self, participant_id: str) -> None: ...


@dataclass(frozen=True, slots=True)
class PublishAnswer:
    sdp: str
    refused: tuple[str, ...]  # kinds offered but not allowed ("audio", "video", "screen")


@dataclass(slots=True)
class Subscription:
    """One sender of the subscribe connection and the source it forwards (if any)."""

    transceiver: RTCRtpTransceiver
    outlet: Outlet
    codec: RTCRtpCodecParameters
    source_id: str | None = None

    @property
    def mid(self) -> str | None:
        return self.transceiver.mid


def _capabilities(codec: RTCRtpCodecParameters) -> list[RTCRtpCodecCapability]:
    wanted = [
        RTCRtpCodecCapability(
            mimeType=codec.mimeType,
            clockRate=codec.clockRate,
            channels=codec.channels,
            parameters=codec.parameters,
        )
    ]
    if codec.mimeType.lower().startswith("video/"):
        wanted.append(RTCRtpCodecCapability(mimeType="video/rtx", clockRate=codec.clockRate))
    return wanted


class MediaPeer:
    def __init__(
        self, *, router: PeerOwner, participant_id: str, may_publish: Callable[[str], bool]
    ) -> None:
        self.participant_id = participant_id
        self.stream_id = uuid.uuid4().hex  # groups this participant's tracks for viewers
        self.closed = False
        self._router = router
        self._config = router.config
        self._may_publish = may_publish
        self._lock = asyncio.Lock()
        self._pcs: dict[Connection, RTCPeerConnection] = {}
        self._candidates: dict[Connection, int] = {"publish": 0, "subscribe": 0}
        self._published: dict[str, Source] = {}  # mid -> source
        self._taps: dict[str, hooks.Wire | None] = {}  # mid -> publisher wire, once started
        self._subscriptions: list[Subscription] = []
        self._reports: ReportClock | None = None  # sends our reports, subscribe side
        self._diverted = False  # the subscribe connection's RTCP comes to _feedback

    # --- publishing ------------------------------------------------------------------------

    async def publish(
        self, offer_sdp: object, *, screen_mids: Collection[str] = ()
    ) -> PublishAnswer:
        """Answer the client's offer of what it sends; video in ``screen_mids`` is a screen."""
        async with self._lock:
            checked = self._check(offer_sdp, "publish")
            pc = self._pc("publish")
            try:
                await pc.setRemoteDescription(RTCSessionDescription(checked.text, "offer"))
                refused = self._apply_rights(pc, checked, screen_mids)
                self._limit_gathering(pc)
                await pc.setLocalDescription(await pc.createAnswer())
            except NEGOTIATION_ERRORS as exc:
                raise await self._reset("publish", exc) from exc
            return PublishAnswer(sdp=pc.localDescription.sdp, refused=refused)

    def _apply_rights(
        self, pc: RTCPeerConnection, checked: CheckedSdp, screen_mids: Collection[str]
    ) -> tuple[str, ...]:
        refused = []
        by_mid = {t.mid: t for t in pc.getTransceivers()}
        for media in checked.description.media:
            transceiver = by_mid[media.rtp.muxId]
            kind = "screen" if media.rtp.muxId in screen_mids else media.kind
            sends = media.direction in SENDING
            allowed = sends and self._may_publish(kind)
            if sends and not allowed:
                refused.append(kind)
            transceiver.direction = "recvonly" if allowed else "inactive"
            self._set_source(transceiver, kind if allowed else None)
        return tuple(refused)

    def _set_source(self, transceiver: RTCRtpTransceiver, kind: str | None) -> None:
        mid = transceiver.mid or ""
        current = self._published.get(mid)
        if current is not None and current.kind == kind:
            return
        if current is not None:
            self._router.remove_source(self._published.pop(mid))
        if mid not in self._taps:
            self._taps[mid] = None
            hooks.tap_receiver(
                transceiver.receiver, self._sink(mid), self._receiver_started(mid, transceiver)
            )
        if kind is None:
            return
        source = self._router.add_source(
            participant_id=self.participant_id,
            kind=kind,  # type: ignore[arg-type]
            codec=hooks.negotiated_codecs(transceiver)[0],
            stream_id=self.stream_id,
        )
        self._published[mid] = source
        if (wire := self._taps[mid]) is not None:
            source.started(wire, transceiver.sender._ssrc)

    def _sink(self, mid: str) -> hooks.PacketSink:
        published = self._published

        def sink(packet: object) -> None:
            source = published.get(mid)
            if source is not None:
                source.ingest(packet)  # type: ignore[arg-type]

        return sink

    def _receiver_started(
        self, mid: str, transceiver: RTCRtpTransceiver
    ) -> Callable[[object, hooks.Wire], None]:
        def started(parameters: object, wire: hooks.Wire) -> None:
            self._taps[mid] = wire
            if (source := self._published.get(mid)) is not None:
                source.started(wire, transceiver.sender._ssrc)

        return started

    # --- subscribing -----------------------------------------------------------------------

    async def subscribe(self) -> str | None:
        """An offer bringing the subscribe connection up to date with the room's sources,
        or None when nothing changed since the last one."""
        async with self._lock:
            self._ensure_open()
            pc = self._pc("subscribe")
            if self._reports is None:
                self._reports = report_clock()
                self._reports.add(self)
            wanted = {s.source_id: s for s in self._router.sources_for(self.participant_id)}
            changed = self._release_stale(wanted) | self._add_wanted(pc, wanted)
            if not changed and (pc.localDescription is not None or not self._subscriptions):
                return None
            self._limit_gathering(pc)
            await pc.setLocalDescription(await pc.createOffer())
            return pc.localDescription.sdp

    async def subscribed(self, answer_sdp: object) -> None:
        """The client's answer to our last subscribe offer."""
        async with self._lock:
            checked = self._check(answer_sdp, "subscribe")
            pc = self._pcs.get("subscribe")
            if pc is None or pc.signalingState != "have-local-offer":
                raise MediaError("No media offer is waiting for an answer.", code="bad_state")
            try:
                await pc.setRemoteDescription(RTCSessionDescription(checked.text, "answer"))
            except NEGOTIATION_ERRORS as exc:
                raise await self._reset("subscribe", exc) from exc
            if not self._diverted:  # the bundle's transport is settled by the first answer
                self._diverted = True
                hooks.divert_rtcp(pc.getTransceivers()[0].sender.transport, self._feedback)

    def _feedback(self, rtcp: bytes) -> None:
        """The viewer's RTCP: lost packets to resend, key frames to ask the publisher for."""
        found = feedback(rtcp)
        if not found:
            return  # receiver reports only: nothing to do
        outlets = {s.outlet.sender._ssrc: s.outlet for s in self._subscriptions}
        resent = set()
        for ssrc, seq in found:
            outlet = outlets.get(ssrc)
            if outlet is None:
                continue
            if seq == KEY_FRAME:
                outlet.keyframe_requested()
            elif (ssrc, seq) not in resent:
                resent.add((ssrc, seq))
                outlet.retransmit(seq)

    def send_reports(self) -> None:
        """RTCP sender reports for everything this viewer receives (the process's
        ``ReportClock`` asks about once a second): compound packets, not one per sender."""
        outlets = [s.outlet for s in self._subscriptions if s.outlet.wire is not None]
        for packet in sender_reports(outlets):
            outlets[0].wire.send_rtcp(packet)  # type: ignore[union-attr]

    def subscriptions(self) -> list[tuple[str, str]]:
        """(mid, source_id) of every sender forwarding a source, for the signalling layer."""
        return [(s.mid, s.source_id) for s in self._subscriptions if s.mid and s.source_id]

    def _release_stale(self, wanted: dict[str, Source]) -> bool:
        changed = False
        for sub in self._subscriptions:
            if sub.source_id is not None and sub.source_id not in wanted:
                sub.outlet.detach()
                sub.source_id = None
                sub.transceiver.direction = "inactive"
                changed = True
        return changed

    def _add_wanted(self, pc: RTCPeerConnection, wanted: dict[str, Source]) -> bool:
        held = {s.source_id for s in self._subscriptions}
        added = [source for source_id, source in wanted.items() if source_id not in held]
        for source in added:
            sub = self._spare_for(source) or self._new_subscription(pc, source)
            sub.source_id = source.source_id
            sub.transceiver.direction = "sendonly"
            sub.transceiver.sender.replaceTrack(
                hooks.ForwardedTrack(source.media_kind, source.source_id)
            )
            hooks.set_stream_id(sub.transceiver.sender, source.stream_id)
            sub.outlet.attach(source)
        return bool(added)

    def _spare_for(self, source: Source) -> Subscription | None:
        for sub in self._subscriptions:
            if (
                sub.source_id is None
                and sub.codec.mimeType == source.codec.mimeType
                and sub.codec.parameters == source.codec.parameters
            ):
                return sub
        return None

    def _new_subscription(self, pc: RTCPeerConnection, source: Source) -> Subscription:
        transceiver = hooks.add_send_transceiver(pc, source.media_kind)
        transceiver.setCodecPreferences(_capabilities(source.codec))
        outlet = Outlet(kind=source.media_kind, sender=transceiver.sender)
        hooks.hook_sender(transceiver.sender, outlet)
        sub = Subscription(transceiver=transceiver, outlet=outlet, codec=source.codec)
        self._subscriptions.append(sub)
        return sub

    # --- ICE -------------------------------------------------------------------------------

    async def add_candidate(
        self, connection: Connection, candidate: object, *, sdp_mid: str | None = None
    ) -> bool:
        """A trickled candidate ('' for end of candidates); False if quietly left out."""
        async with self._lock:
            pc = self._pcs.get(connection) if connection in ("publish", "subscribe") else None
            if pc is None or pc.remoteDescription is None or not isinstance(candidate, str):
                raise MediaError(
                    "There is no media connection for this candidate.", code="bad_state"
                )
            first = pc.getTransceivers()[0]
            if candidate == "":
                await self._end_of_candidates(pc)
                return True
            self._count(connection, 1)
            parsed = parse_candidate(candidate, policy=self._config.candidates)
            if parsed is None:
                return False
            parsed.sdpMid, parsed.sdpMLineIndex = first.mid, 0  # everything is bundled
            try:
                await pc.addIceCandidate(parsed)
            except ValueError:
                return False  # after end of candidates
            return True

    async def _end_of_candidates(self, pc: RTCPeerConnection) -> None:
        try:
            await pc.addIceCandidate(None)
        except ValueError:
            pass  # already ended

    def _count(self, connection: Connection, count: int) -> None:
        self._candidates[connection] += count
        limit = self._config.candidates.max_per_connection
        if self._candidates[connection] > limit:
            raise MediaError(
                "Too many ICE candidates (at most {limit}).",
                code="too_many_candidates",
                limit=limit,
            )

    def _limit_gathering(self, pc: RTCPeerConnection) -> None:
        if self._config.host_addresses:
            for gatherer in hooks.gatherers(pc):
                if gatherer.state == "new":
                    hooks.limit_host_addresses(gatherer, self._config.host_addresses)

    # --- life ------------------------------------------------------------------------------

    def _ensure_open(self) -> None:
        if self.closed:
            raise MediaError("This media connection is closed.", code="closed")

    def _check(self, sdp: object, connection: Connection) -> CheckedSdp:
        self._ensure_open()
        checked = check_sdp(
            sdp, policy=self._config.candidates, max_bytes=self._config.max_sdp_bytes
        )
        self._count(connection, checked.candidates)
        return checked

    def _pc(self, connection: Connection) -> RTCPeerConnection:
        pc = self._pcs.get(connection)
        if pc is None:
            servers = [
                RTCIceServer(urls=list(s.urls), username=s.username, credential=s.credential)
                for s in self._config.ice_servers
            ]
            pc = RTCPeerConnection(
                RTCConfiguration(iceServers=servers, bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
            )
            pc.on("connectionstatechange", self._state_watcher(connection, pc))
            self._pcs[connection] = pc
        return pc

    def _state_watcher(self, connection: Connection, pc: RTCPeerConnection) -> Callable[[], None]:
        def changed() -> None:
            if pc.connectionState in ("failed", "closed") and not self.closed:
                log.info(
                    "media %s connection of %s in %s lost",
                    connection,
                    self.participant_id,
                    self._router.room_id,
                )
                self._let_go(connection)
                self._router.peer_failed(self.participant_id)

        return changed

    def _let_go(self, connection: Connection) -> None:
        """Stop forwarding over a connection (it failed, or is being closed)."""
        if connection == "publish":
            for source in self._published.values():
                self._router.remove_source(source)
            self._published.clear()
        else:
            for sub in self._subscriptions:
                sub.outlet.close()

    async def _reset(self, connection: Connection, exc: BaseException) -> MediaError:
        """aiortc cannot roll a failed negotiation back: drop that connection."""
        log.info(
            "media negotiation failed for %s in %s: %r",
            self.participant_id,
            self._router.room_id,
            exc,
        )
        await self._close_connection(connection)
        return MediaError("The media negotiation failed.", code="negotiation_failed")

    async def _close_connection(self, connection: Connection) -> None:
        self._let_go(connection)
        if connection == "publish":
            self._taps.clear()
        else:
            self._subscriptions.clear()
            self._diverted = False
            if self._reports is not None:
                self._reports.discard(self)
                self._reports = None
        self._candidates[connection] = 0
        pc = self._pcs.pop(connection, None)
        if pc is not None:
            await pc.close()

    async def close(self) -> None:
        """Stop forwarding to and from this participant and close both connections."""
        async with self._lock:
            self.closed = True
            await self._close_connection("publish")
            await self._close_connection("subscribe")
