"""The forwarding path's AES-GCM sealer against libsrtp: the same bytes, and libsrtp reads
them back, across a sequence-number wrap and with late packets."""

import os
import struct

import pylibsrtp
import pytest
from pylibsrtp import Policy

from server.media.srtp import TAG, GcmSealer

HEADER = struct.Struct("!BBHII")


def _policy(key: bytes, profile: int, inbound: bool) -> Policy:
    policy = Policy(
        key=key,
        ssrc_type=Policy.SSRC_ANY_INBOUND if inbound else Policy.SSRC_ANY_OUTBOUND,
        srtp_profile=profile,
    )
    policy.allow_repeat_tx = True
    policy.window_size = 1024
    return policy


def _seal(sealer: GcmSealer, header: bytes, payload: bytes) -> bytes:
    seq, ssrc = struct.unpack_from("!H4xI", header, 2)
    out = bytearray(len(payload) + TAG)
    sealer.encrypt_into(sealer.nonce(seq, ssrc), payload, header, out)
    return header + bytes(out)


@pytest.mark.parametrize(
    ("profile", "key_length"),
    [(Policy.SRTP_PROFILE_AEAD_AES_256_GCM, 32), (Policy.SRTP_PROFILE_AEAD_AES_128_GCM, 16)],
)
def test_sealer_matches_libsrtp(profile: int, key_length: int) -> None:
    master = os.urandom(key_length + 12)
    sealer = GcmSealer(master[:key_length], master[key_length:])
    libsrtp = pylibsrtp.Session(_policy(master, profile, inbound=False))
    viewer = pylibsrtp.Session(_policy(master, profile, inbound=True))
    seqs = [*range(65500, 65536), *range(0, 40), 65530, 3, *range(40, 45)]  # wrap, late ones
    for n, seq in enumerate(seqs):
        for ssrc in (1234, 99):
            header = HEADER.pack(0x80, 96, seq, n * 3000, ssrc)
            payload = os.urandom(50 + n)
            ours = _seal(sealer, header, payload)
            assert ours == libsrtp.protect(header + payload), (seq, ssrc)
            if seq not in (65530, 3) or n < 40:  # a replayed index is refused, as it should
                assert viewer.unprotect(ours) == header + payload


def test_sealer_from_the_lower_half() -> None:
    """An outlet starts in the lower half of the sequence space and runs on for a long
    time: the roll-over counter goes up as libsrtp's does, twice."""
    master = os.urandom(44)
    sealer = GcmSealer(master[:32], master[32:])
    profile = Policy.SRTP_PROFILE_AEAD_AES_256_GCM
    libsrtp = pylibsrtp.Session(_policy(master, profile, inbound=False))
    for n in range(140_000):
        seq = (20_000 + n) & 0xFFFF
        header = HEADER.pack(0x80, 96, seq, n, 7)
        if n % 997 == 0 or 45_000 < n < 45_600 or 111_000 < n < 111_100:
            assert _seal(sealer, header, b"x" * 20) == libsrtp.protect(header + b"x" * 20), n
        else:
            sealer.nonce(seq, 7)
            libsrtp.protect(header + b"x" * 20)
