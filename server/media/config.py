"""What the media plane is told: ICE servers, host addresses, limits, the candidate policy."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network, ip_network

Network = IPv4Network | IPv6Network

# Production refuses these in clients' candidates (a server on the Internet must not be
# steered at the operator's own networks); set CandidatePolicy(refused=PRIVATE_NETWORKS).
PRIVATE_NETWORKS: tuple[Network, ...] = tuple(
    ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)
# Cloud metadata services: never a media peer, whatever the policy says.
METADATA_NETWORKS: tuple[Network, ...] = tuple(
    ip_network(n) for n in ("169.254.169.254/32", "fd00:ec2::254/128")
)


@dataclass(frozen=True, slots=True)
class CandidatePolicy:
    """Which ICE candidates from clients are handed to the ICE agent."""

    allow_loopback: bool = False  # tests and single-machine benchmarks only
    refused: tuple[Network, ...] = ()  # e.g. PRIVATE_NETWORKS in production
    max_per_connection: int = 64


@dataclass(frozen=True, slots=True)
class IceServer:
    urls: tuple[str, ...]
    username: str | None = None
    credential: str | None = None


@dataclass(frozen=True, slots=True)
class MediaConfig:
    """The media plane's settings; built from server.settings.Settings by the caller."""

    # STUN servers the SFU itself uses to learn its public address; always an explicit list
    # (aiortc would otherwise use a public Google server). TURN is for browsers, not for us.
    ice_servers: tuple[IceServer, ...] = ()
    # Interfaces to gather host candidates on; empty means every one but loopback (aioice).
    host_addresses: tuple[str, ...] = ()
    candidates: CandidatePolicy = field(default_factory=CandidatePolicy)
    keyframe_interval: float = 0.5  # seconds between keyframe requests to one publisher
    max_video_bitrate: int = 1_500_000  # told to publishers (REMB) once a second
    max_sdp_bytes: int = 64 * 1024


def stun_servers(servers: Iterable[Mapping[str, object]]) -> tuple[IceServer, ...]:
    """The STUN entries of a browser-style ICE server list (``{"urls": ...}`` dicts)."""
    found = []
    for server in servers:
        urls = server.get("urls")
        listed = [urls] if isinstance(urls, str) else list(urls or [])  # type: ignore[call-overload]
        stun = tuple(u for u in listed if isinstance(u, str) and u.startswith(("stun:", "stuns:")))
        if stun:
            found.append(IceServer(urls=stun))
    return tuple(found)
