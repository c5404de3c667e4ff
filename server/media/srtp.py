"""SRTP with AES-GCM (RFC 7714) for the forwarding path's outgoing RTP.

libsrtp (through pylibsrtp) protects a 1,200-byte packet in about 5 µs here, most of it
outside the cipher; OpenSSL's AES-GCM through ``cryptography`` does it in about a third of
that, written in place. So an outlet's wire seals its RTP with a ``GcmSealer`` when the
DTLS handshake chose an AEAD profile (aiortc prefers them, and so do browsers that offer
them), and leaves RTCP, and every other profile, to libsrtp.

A sealer holds the session key and salt that libsrtp would derive from the DTLS master key
and salt (the SRTP key derivation of RFC 3711 4.3, AES in counter mode, key derivation rate
0) and, per SSRC, the highest packet index sent (roll-over counter and sequence number),
estimated for each packet as libsrtp's sender does, so a viewer's libsrtp reads the same
index from the sequence number alone.
"""

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

TAG = 16  # bytes of authentication tag after the payload
_MEDIAN = 0x8000  # half the sequence number space
_RTP_ENCRYPTION, _RTP_SALT = 0x00, 0x02  # key derivation labels (RFC 3711 4.3.1)
SALT = 12  # bytes of an AEAD profile's salt


def derive(master_key: bytes, master_salt: bytes, label: int, length: int) -> bytes:
    """A session key (RFC 3711 4.3.1 with a key derivation rate of 0): AES-CM keystream from
    the master key, the IV being the master salt (zero-padded to 112 bits, as libsrtp does
    for the 96-bit AEAD salts) with the label at its eighth byte."""
    iv = bytearray(master_salt.ljust(14, b"\0") + bytes(2))
    iv[7] ^= label
    encryptor = Cipher(algorithms.AES(master_key), modes.CTR(bytes(iv))).encryptor()
    return encryptor.update(bytes(length)) + encryptor.finalize()


def next_index(index: int, seq: int) -> int:
    """The packet index (roll-over counter << 16 | sequence number) of a packet with
    sequence number ``seq``, after a highest index so far of ``index`` (libsrtp's sender:
    roll-over counter 0 until the index passes 2^15, then the estimate of RFC 3711 3.3.1)."""
    if index <= _MEDIAN:
        return seq
    roc, last = index >> 16, index & 0xFFFF
    if last < _MEDIAN:
        if seq - last > _MEDIAN:
            return ((roc - 1) & 0xFFFFFFFF) << 16 | seq
    elif last - _MEDIAN > seq:
        return ((roc + 1) & 0xFFFFFFFF) << 16 | seq
    return roc << 16 | seq


class GcmSealer:
    """Seals RTP packets with one outgoing SRTP-AEAD session (AES-128-GCM or AES-256-GCM)."""

    __slots__ = ("encrypt_into", "salt", "indexes")

    def __init__(self, master_key: bytes, master_salt: bytes) -> None:
        key = derive(master_key, master_salt, _RTP_ENCRYPTION, len(master_key))
        self.encrypt_into = AESGCM(key).encrypt_into
        self.salt = int.from_bytes(derive(master_key, master_salt, _RTP_SALT, SALT))
        self.indexes: dict[int, int] = {}  # SSRC -> highest packet index sent

    def nonce(self, seq: int, ssrc: int) -> bytes:
        """The IV of the next packet (RFC 7714 8.1): salt XOR (0, SSRC, ROC, SEQ); the
        packet counts as sent."""
        index = self.indexes.get(ssrc)
        if index is None:
            index = self.indexes[ssrc] = seq
        elif (index + 1) & 0xFFFF == seq:  # the usual case: the next packet
            index = self.indexes[ssrc] = index + 1
        else:
            guess = next_index(index, seq)
            if guess > index:
                self.indexes[ssrc] = guess
            index = guess
        return (self.salt ^ (ssrc << 48) ^ index).to_bytes(SALT)
