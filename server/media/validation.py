"""Checks on what clients send before any of it reaches aiortc: SDP and ICE candidates.

aiortc's SDP parser raises AssertionError, ValueError, IndexError, KeyError (and, under
``python -O``, AttributeError) on malformed input, and accepts candidates with impossible
ports, host names and any address. Everything is checked here first.
"""

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network

from aiortc.rtcicetransport import RTCIceCandidate
from aiortc.sdp import SessionDescription, candidate_from_sdp

from server.media.config import METADATA_NETWORKS, CandidatePolicy
from server.media.errors import MediaError

PARSE_ERRORS = (AssertionError, ValueError, IndexError, KeyError, AttributeError, TypeError)
MAX_CANDIDATE_CHARS = 512
MAX_MEDIA_SECTIONS = 16
CANDIDATE_TYPES = frozenset({"host", "srflx", "prflx", "relay"})
_THIS_NETWORK = ip_network("0.0.0.0/8")


@dataclass(frozen=True, slots=True)
class CheckedSdp:
    text: str  # what aiortc gets: the client's SDP less the candidates left out
    description: SessionDescription
    candidates: int  # distinct candidates kept (bundled sections repeat them)


def _refused(template: str, **params: object) -> MediaError:
    return MediaError(template, code="bad_candidate", **params)


def _address_allowed(address: IPv4Address | IPv6Address, policy: CandidatePolicy) -> bool:
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return policy.allow_loopback
    if any(address in network for network in METADATA_NETWORKS):
        return False
    if address.is_link_local or address.is_multicast or address.is_unspecified:
        return False
    if address.is_reserved or (address.version == 4 and address in _THIS_NETWORK):
        return False
    return not any(address in network for network in policy.refused)


def check_candidate(candidate: RTCIceCandidate, *, policy: CandidatePolicy) -> bool:
    """True: hand it to ICE; False: leave it out quietly (TCP, RTCP component, mDNS name).
    Raises MediaError for a candidate that is malformed or points where we must not go."""
    if candidate.protocol.lower() != "udp" or candidate.component != 1:
        return False
    if candidate.ip.endswith(".local"):
        return False  # a browser's private mDNS name: resolving it would multicast on our LAN
    if candidate.type not in CANDIDATE_TYPES:
        raise _refused("ICE candidate refused: unknown type {type}.", type=candidate.type[:20])
    if not 1 <= candidate.port <= 65535:
        raise _refused("ICE candidate refused: port {port} is out of range.", port=candidate.port)
    try:
        address = ip_address(candidate.ip)
    except ValueError:
        raise _refused(
            "ICE candidate refused: {host} is not an IP address.", host=candidate.ip[:64]
        ) from None
    if not _address_allowed(address, policy):
        raise _refused("ICE candidate refused: address {address} is not allowed.", address=address)
    return True


def parse_candidate(text: str, *, policy: CandidatePolicy) -> RTCIceCandidate | None:
    """A trickled candidate line (with or without ``candidate:``), checked; None to skip it."""
    line = text.strip().removeprefix("a=").removeprefix("candidate:")
    if len(line) > MAX_CANDIDATE_CHARS:
        raise _refused("This ICE candidate could not be read.")
    try:
        candidate = candidate_from_sdp(line)
    except PARSE_ERRORS:
        raise _refused("This ICE candidate could not be read.") from None
    return candidate if check_candidate(candidate, policy=policy) else None


def _keep_line(line: str, policy: CandidatePolicy) -> bool:
    if not line.startswith("a=candidate:"):
        return True
    try:
        return parse_candidate(line, policy=policy) is not None
    except MediaError:
        return False  # inside a description, a refused candidate is left out, not fatal


def _bad_sdp(template: str, **params: object) -> MediaError:
    return MediaError(template, code="bad_sdp", **params)


def _check_media(description: SessionDescription) -> None:
    if not description.media or len(description.media) > MAX_MEDIA_SECTIONS:
        raise _bad_sdp(
            "A session description needs 1 to {limit} media sections.", limit=MAX_MEDIA_SECTIONS
        )
    for media in description.media:
        if media.kind not in ("audio", "video"):
            raise _bad_sdp("Only audio and video can be negotiated here.")
        if not (media.ice.usernameFragment and media.ice.password and media.dtls.fingerprints):
            raise _bad_sdp("The session description lacks ICE credentials or a DTLS fingerprint.")
        if not media.rtcp_mux or media.rtp.muxId in (None, ""):
            raise _bad_sdp("The session description must use rtcp-mux and a mid per media.")


def check_sdp(text: object, *, policy: CandidatePolicy, max_bytes: int) -> CheckedSdp:
    """Size, syntax (aiortc's own parser, its exceptions caught) and media; candidates that
    may not be used are left out of the text handed on."""
    if not isinstance(text, str) or not text:
        raise _bad_sdp("The session description could not be read.")
    if len(text.encode()) > max_bytes:
        raise MediaError(
            "The session description is too large (over {limit} bytes).",
            code="sdp_too_large",
            limit=max_bytes,
        )
    kept = [line for line in text.splitlines() if _keep_line(line, policy)]
    filtered = "\r\n".join(kept) + "\r\n"
    try:
        description = SessionDescription.parse(filtered)
    except PARSE_ERRORS:
        raise _bad_sdp("The session description could not be read.") from None
    _check_media(description)
    unique = {(c.ip, c.port, c.protocol) for m in description.media for c in m.ice_candidates}
    return CheckedSdp(text=filtered, description=description, candidates=len(unique))
