"""Relay links: a room's sources sent from its owner process to an edge process, over SRTP.

A **relay link** joins the owner of a room to one edge for that room: one UDP socket at
each end, each connected to the other's (the kernel drops datagrams from anyone else), and
two SRTP keys made afresh for the link (``LinkKeys``), passed through Redis, never on the
wire: ``down`` protects the media (SRTP, owner → edge), ``up`` the feedback (SRTCP,
edge → owner). A datagram that fails authentication is dropped and counted (``forged``).

- Owner end (``server.media.relay_owner``, ``RelayOut``): each relayed source gets a
  ``RelayTap``, a consumer in the source's outlet list like any viewer's outlet, so it sees
  exactly what the owner's viewers see (a muted source sends it nothing; an unmute
  restarts it). Every packet goes as one datagram: an RTP header of the link's own (a relay
  SSRC per source, a sequence number per link that never jumps, so SRTP's packet index is
  always right), then the publisher's sequence number, flags (end of the owner's batch, key
  frame start, restart, padded) and the audio level, then the payload as the owner's
  outlets got it. The last ``HISTORY`` datagrams per tap are kept as sent, for the edge's
  NACKs.
- Edge end (``server.media.relay_edge``, ``RelayIn``): unprotects, finds the source by
  relay SSRC, gathers the owner's batch again (a video frame: one segmented send per
  viewer, as on the owner) and hands it to a ``RelayedSource``, the edge's copy of the
  owner's source, whose outlets are the edge's viewers' exactly as on the owner. A hole in
  the link's sequence numbers is asked for again at once (generic NACK up the link); a
  viewer's key-frame request goes up as a PLI and reaches the publisher through the
  owner's source (rate-limited there).

This module holds what both ends share: the keys, the datagram's layout and ``LinkEnd``.
"""

import asyncio
import os
import socket
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pylibsrtp

# AES-128 in GCM (RFC 7714): one pass that encrypts and authenticates (a 128-bit tag),
# cheaper per datagram than AES-CM followed by HMAC-SHA1-80
PROFILE = pylibsrtp.Policy.SRTP_PROFILE_AEAD_AES_128_GCM
KEY_BYTES = 28  # an AES-128 key and a 96-bit salt
RELAY_PT = 100  # the payload type of every relay datagram (the source is its SSRC)
# a relay datagram's plain header: RTP's (V2, marker | PT, link sequence, timestamp, relay
# SSRC), then the publisher's sequence number, flags and the audio level
FRAME = struct.Struct("!BBHIIHBB")
MEDIA_AT = FRAME.size
TRAILER = 16 + 128  # room for SRTP's authentication tag (and MKI) after a datagram
END, KEY, RESTART, PADDED = 1, 2, 4, 8  # flags
HISTORY = 256  # datagrams kept per relayed source for the edge's NACKs
MAX_NACKED = 32  # link sequence numbers asked for again at most per hole
BUFFER_BYTES = 1 << 20  # each end's socket buffers: a key frame burst fits
UDP_GRO = 104  # linux/udp.h: a segmented send arrives whole, with its segment size
_GRO_SIZE = struct.Struct("@i")
_ANCILLARY = socket.CMSG_SPACE(_GRO_SIZE.size)
LARGEST = 1 << 16  # a datagram, or a segmented send received whole (UDP_GRO)
DATAGRAM = 2048  # one relay datagram at most (RTP payloads are 1,472 bytes at most)
_FCI = struct.Struct("!HH")
_RTCP_HEAD = struct.Struct("!BBHII")


@dataclass(frozen=True, slots=True)
class LinkKeys:
    """A relay link's two SRTP master keys (with salts): media down, feedback up."""

    down: bytes
    up: bytes

    @classmethod
    def new(cls) -> "LinkKeys":
        return cls(down=os.urandom(KEY_BYTES), up=os.urandom(KEY_BYTES))

    def text(self) -> str:
        return self.down.hex() + self.up.hex()

    @classmethod
    def from_text(cls, text: str) -> "LinkKeys":
        raw = bytes.fromhex(text)
        if len(raw) != 2 * KEY_BYTES:
            raise ValueError(f"a relay link's keys are two {KEY_BYTES}-byte keys")
        return cls(down=raw[:KEY_BYTES], up=raw[KEY_BYTES:])


def link_session(key: bytes, *, outbound: bool) -> pylibsrtp.Session:
    kind = pylibsrtp.Policy.SSRC_ANY_OUTBOUND if outbound else pylibsrtp.Policy.SSRC_ANY_INBOUND
    return pylibsrtp.Session(pylibsrtp.Policy(key=key, ssrc_type=kind, srtp_profile=PROFILE))


def nack_packet(sender_ssrc: int, media_ssrc: int, lost: Iterable[int]) -> bytes:
    """An RTCP generic NACK (RFC 4585 6.2.1), one FCI entry per lost sequence number."""
    fci = b"".join(_FCI.pack(seq, 0) for seq in lost)
    return _RTCP_HEAD.pack(0x81, 205, 2 + len(fci) // 4, sender_ssrc, media_ssrc) + fci


def _bind(host: str) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.setblocking(False)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, BUFFER_BYTES)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, BUFFER_BYTES)
    sock.bind((host, 0))
    return sock


class LinkEnd:
    """One end of a relay link: its socket, connected to the other end's, read as datagrams
    arrive (a reader on the event loop, added by ``connect``, removed by ``close``).

    Each wake-up reads once (``_read``): a datagram, or a whole segmented send (a video
    frame; the socket asks for them whole, ``UDP_GRO``), made of datagrams of one size.
    Whatever else waits wakes the loop again at once; a second read that finds nothing
    would cost an exception on every wake-up, and an edge is woken by every audio packet
    and video frame.

    A read or send **refused** (ECONNREFUSED: the other end's host answered a datagram
    with ICMP port unreachable, for this very pair of addresses) means the other end's
    socket is closed: its process died or it closed the link. ``on_refused`` is called,
    once, soon after the first.
    """

    def __init__(self, host: str, buffer: object) -> None:
        self._sock = _bind(host)
        self.address: tuple[str, int] = self._sock.getsockname()[:2]
        self.forged = 0  # datagrams that failed SRTP authentication (dropped)
        self._into = [buffer]  # what each read fills (LARGEST bytes)
        self._reading = False
        self.closed = False
        self.was_refused = False
        self.on_refused: Callable[[], None] | None = None

    def connect(self, other: tuple[str, int]) -> None:
        self._sock.connect(other)
        asyncio.get_running_loop().add_reader(self._sock.fileno(), self._readable)
        self._reading = True

    def _read(self) -> tuple[int, int]:
        """One read into the buffer: the bytes read and the size of each datagram in them
        (the last may be shorter); (0, 1) when there was nothing to read."""
        try:
            size, ancillary, _flags, _from = self._sock.recvmsg_into(self._into, _ANCILLARY)
        except ConnectionRefusedError:
            self._was_refused()
            return 0, 1
        except OSError:  # nothing there
            return 0, 1
        for level, kind, data in ancillary:
            if level == socket.SOL_UDP and kind == UDP_GRO and len(data) >= _GRO_SIZE.size:
                return size, _GRO_SIZE.unpack_from(data)[0] or size
        return size, size or 1

    def _readable(self) -> None:
        raise NotImplementedError

    def _was_refused(self) -> None:
        # told from the event loop, not from within a send: the source sending may be
        # walking its outlets, which ``refused`` may change
        if not self.was_refused and not self.closed:
            self.was_refused = True
            asyncio.get_running_loop().call_soon(self._tell_refused)

    def _tell_refused(self) -> None:
        if not self.closed and self.on_refused is not None:
            self.on_refused()

    def _emit(self, datagram: bytes) -> bool:
        try:
            self._sock.send(datagram)
        except BlockingIOError:
            return False
        except ConnectionRefusedError:
            self._was_refused()
        except OSError:
            pass  # unreachable: lost on the way
        return True

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self._reading:
            asyncio.get_running_loop().remove_reader(self._sock.fileno())
        self._sock.close()
