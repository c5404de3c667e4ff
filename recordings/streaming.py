"""A live stream's pure parts: who may stream, where to, and what the room is told.

- **Policy**: a room is streamed out only where its session allows recording
  (``Session.recording_allowed``: a stream carries the room beyond its roster, as a recording
  does, so the staff's one switch covers both), only by someone who may moderate the room
  (checked per event, ``rooms.protocol.EVENTS``), and one stream at a time.
- **Stream target**: the ingest's RTMP(S) URL and the stream key the platform gave the host
  (Bilibili, WeChat Channels ...). Only ``rtmp://`` and ``rtmps://`` with a host, printable
  ASCII without spaces, at most ``URL_MAX``/``KEY_MAX`` characters. The key is a secret: it
  is never logged, stored or sent back (``StreamTarget``'s ``repr`` leaves it out); the room
  hears only the stream's state and since when it is live.
- **States**: ``connecting`` (started, not yet taken), ``live`` (the ingest takes the
  stream), ``reconnecting`` (it dropped or refused it; tried again with a growing pause),
  ``stopped``.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from urllib.parse import urlsplit

from rooms.agenda import Session
from rooms.errors import Conflict, DomainError, Forbidden
from rooms.outbox import Group, Send

PACE = timedelta(seconds=10)  # between two starts of a room's stream (each starts a process)
URL_MAX = 1024
KEY_MAX = 512
SCHEMES = ("rtmp", "rtmps")
CONNECTING, LIVE = "connecting", "live"
RECONNECTING, STOPPED = "reconnecting", "stopped"
# never an ingest, whatever the policy: cloud metadata services
METADATA = (ip_network("169.254.169.254/32"), ip_network("fd00:ec2::254/128"))


@dataclass(frozen=True, slots=True)
class StreamTarget:
    url: str
    key: str = field(repr=False)

    @property
    def address(self) -> str:
        """Where the stream is published: the URL and the key as its last path part."""
        return f"{self.url.rstrip('/')}/{self.key}"

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""


def _printable(text: str) -> bool:
    return all(33 <= ord(c) <= 126 for c in text)


def check_stream_target(url: str, key: str) -> StreamTarget:
    """The target, or a user error saying what is wrong with the URL or the key."""
    url, key = url.strip(), key.strip()
    if not url or len(url) > URL_MAX or not _printable(url):
        raise DomainError("The stream URL must be an rtmp:// or rtmps:// address.", code="bad_url")
    try:
        parts = urlsplit(url)
        ok = parts.scheme.lower() in SCHEMES and bool(parts.hostname) and parts.port != 0
        ok = ok and not parts.username and not parts.fragment
    except ValueError:  # a port that is not a number
        ok = False
    if not ok:
        raise DomainError("The stream URL must be an rtmp:// or rtmps:// address.", code="bad_url")
    if not key or len(key) > KEY_MAX or not _printable(key):
        raise DomainError("The stream key must be 1 to 512 characters, no spaces.", code="bad_key")
    return StreamTarget(url=url, key=key)


def check_ingest_addresses(
    addresses: Iterable[str], *, refused: tuple[IPv4Network | IPv6Network, ...], local: bool
) -> None:
    """Refuse a target whose host resolves to an address the server must not be steered at:
    cloud metadata always; loopback, link-local, multicast, unspecified and reserved ones
    unless ``local`` (tests); and the ``refused`` networks (production: private ranges)."""
    found = [ip_address(a.split("%")[0]) for a in addresses]
    for address in found:
        special = address.is_loopback or address.is_link_local or address.is_multicast
        special = special or address.is_unspecified or address.is_reserved
        if (
            any(address in n for n in METADATA)
            or (special and not local)
            or any(address.version == n.version and address in n for n in refused)
        ):
            raise DomainError("The stream URL's server may not be used.", code="bad_url")
    if not found:
        raise DomainError("The stream URL's server was not found.", code="bad_url")


def check_may_stream(session: Session, *, streaming: bool) -> None:
    """Refuse a stream the session does not allow, or a second one."""
    if not session.recording_allowed:
        raise Forbidden("Streaming is not allowed in this session.", code="streaming_not_allowed")
    if streaming:
        raise Conflict("This session is being streamed already.", code="already_streaming")


def check_stream_pace(last_started: datetime | None, *, now: datetime) -> None:
    """Refuse a start too soon after the room's last one."""
    if last_started is not None and now - last_started < PACE:
        raise DomainError(
            "Wait a few seconds before starting the stream again.", code="rate_limited"
        )


def check_may_stop_stream(*, streaming: bool) -> None:
    if not streaming:
        raise Conflict("This session is not being streamed.", code="not_streaming")


def streaming_news(state: str, live_since: str | None) -> list[Send]:
    """``streaming`` to the room: its state and since when it has been live (None unless
    ``live``)."""
    payload = {"state": state, "live_since": live_since if state == LIVE else None}
    return [Send("streaming", payload, group=Group.ROOM)]
