"""RTP on the forwarding path, as bytes: keyframe detection, header writing, RTX, clocks.

Pure functions and small value objects, no aiortc: the forwarder writes each packet it sends
with one ``struct`` call and a join, instead of building an ``RtpPacket`` per viewer.
"""

import struct
import time

MID_URI = "urn:ietf:params:rtp-hdrext:sdes:mid"
ABS_SEND_TIME_URI = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
AUDIO_LEVEL_URI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"

NTP_OFFSET = 2_208_988_800  # seconds from 1900-01-01 to 1970-01-01
SILENCE = 127  # audio level, -dBov

_HEAD = struct.Struct("!BBHII")
_SEQ = struct.Struct("!H")
_SSRC = struct.Struct("!I")
_NACK = struct.Struct("!HH")
RTPFB, PSFB = 205, 206  # RTCP transport-layer and payload-specific feedback (RFC 4585)
NACK, PLI, FIR = 1, 1, 4  # their FMT values: generic NACK; picture loss; full intra request
KEY_FRAME = -1  # in ``feedback``: a key frame was asked for, not a packet
MAX_FEEDBACK = 256  # requests read from one RTCP packet at most (history holds 128)


def ntp_now() -> int:
    """The wall clock as a 64-bit NTP timestamp (what RTCP sender reports carry)."""
    now = time.time() + NTP_OFFSET
    seconds = int(now)
    return (seconds << 32) | int((now - seconds) * 4294967296.0)


def ticks_since(ntp: int, clock_rate: int) -> int:
    """RTP clock ticks elapsed since an NTP timestamp."""
    return ((ntp_now() - ntp) * clock_rate) >> 32


def abs_send_time(ntp: int) -> bytes:
    """The abs-send-time header extension value: 6.18 fixed point seconds, 3 bytes."""
    value = (ntp >> 14) & 0xFFFFFF
    return bytes((value >> 16, (value >> 8) & 0xFF, value & 0xFF))


def vp8_keyframe_start(payload: bytes) -> bool:
    """Whether an RTP payload (RFC 7741) starts a VP8 key frame."""
    if len(payload) < 2 or payload[0] & 0x1F != 0x10:  # S=1 and partition index 0
        return False
    pos = 1
    if payload[0] & 0x80:  # X: extension byte follows
        ext = payload[1]
        pos = 2
        if ext & 0x80:  # I: picture id, 7 or 15 bits
            if len(payload) <= pos:
                return False
            pos += 2 if payload[pos] & 0x80 else 1
        if ext & 0x40:  # L: TL0PICIDX
            pos += 1
        if ext & 0x30:  # T or K: TID/KEYIDX byte
            pos += 1
    return len(payload) > pos and not payload[pos] & 0x01  # P bit 0: key frame


def _h264_keyframe_nal(nal_type: int) -> bool:
    return nal_type in (5, 7)  # IDR slice, sequence parameter set


def h264_keyframe_start(payload: bytes) -> bool:
    """Whether an RTP payload (RFC 6184, modes 0 and 1) starts an H.264 key frame."""
    if not payload:
        return False
    nal_type = payload[0] & 0x1F
    if nal_type == 24:  # STAP-A: 16-bit size, then a NAL unit, repeated
        pos = 1
        while pos + 2 < len(payload):
            size = (payload[pos] << 8) | payload[pos + 1]
            if size == 0:
                return False
            if _h264_keyframe_nal(payload[pos + 2] & 0x1F):
                return True
            pos += 2 + size
        return False
    if nal_type == 28:  # FU-A: the start fragment carries the NAL type
        return len(payload) > 1 and bool(payload[1] & 0x80) and payload[1] & 0x1F == 5
    return _h264_keyframe_nal(nal_type)


def keyframe_detector(codec_name: str):  # -> Callable[[bytes], bool]
    """The keyframe-start test for a codec; audio and unknown codecs never start one."""
    return {"VP8": vp8_keyframe_start, "H264": h264_keyframe_start}.get(codec_name.upper(), _never)


def _never(payload: bytes) -> bool:
    return False


_LATE = 2 * 90000  # RTP ticks: how far back a timestamp is still "an earlier frame"


def not_after(timestamp: int, than: int) -> bool:
    """Whether an RTP timestamp is ``than`` or before it, by at most 2 s at 90 kHz (a bigger
    jump back is a new timeline, not a late packet)."""
    return (than - timestamp) & 0xFFFFFFFF < _LATE


class HeaderWriter:
    """Writes the RTP header of one outgoing stream: fixed part plus one-byte extensions.

    The mid extension is fixed per stream; abs-send-time (video, 3 bytes) or the audio level
    (audio, 1 byte) changes per packet and is passed in already encoded, shared by every
    viewer. One ``struct`` call writes it all; an extension that was not negotiated becomes
    padding.
    """

    __slots__ = ("write", "template", "ext_length")

    def __init__(self, *, ssrc: int, mid: str, extensions: dict[str, int], audio: bool) -> None:
        mid_id = extensions.get(MID_URI, 0)
        mid_elem = bytes([mid_id << 4 | (len(mid) - 1)]) + mid.encode() if mid_id else b""
        if audio:
            var_id, var_len = extensions.get(AUDIO_LEVEL_URI, 0), 1
        else:
            var_id, var_len = extensions.get(ABS_SEND_TIME_URI, 0), 3
        var_head = var_id << 4 | (var_len - 1) if var_id else 0
        length = 1 + var_len + len(mid_elem)
        words = (length + 3) // 4
        tail = mid_elem + bytes(words * 4 - length)
        pack = struct.Struct(f"!BBHIIHHB{var_len}s{len(tail)}s").pack
        blank = bytes(var_len)

        def write(first: int, marker_pt: int, seq: int, timestamp: int, ext: bytes) -> bytes:
            # first: V2 | P_BIT when the payload ends in padding; 0x10 is the X bit
            return pack(first | 0x10, marker_pt, seq, timestamp, ssrc, 0xBEDE, words, var_head,
                        ext if var_id else blank, tail)  # fmt: skip

        self.write = write
        # the compiled fan-out's copy: the shared extension value (ext_length bytes, 0 when
        # not negotiated) goes at byte 17, after 0xBEDE, the length and the element's head
        self.template = write(V2, 0, 0, 0, blank)
        self.ext_length = var_len if var_id else 0


AUDIO_LEVELS = [bytes((level,)) for level in range(128)]  # the audio-level extension's value


# One packet of a source as every outlet gets it: the publisher's sequence number, RTP
# timestamp, marker bit, payload, whether it starts a key frame, and the header's P bit
# (P_BIT when the payload ends in RTP padding, else 0).
Packet = tuple[int, int, int, bytes, bool, int]
V2 = 0x80  # RTP version 2, the first header byte's top bits
P_BIT = 0x20  # the first header byte's padding bit


def padding(count: int) -> bytes:
    """RTP padding of ``count`` bytes (RFC 3550 5.1): the last byte says how many."""
    return bytes(count - 1) + bytes((count,))


def even_frame(packets: list[Packet]) -> list[Packet]:
    """A frame's packets with the payloads of all but the last padded to one size, where at
    most 255 bytes of padding do it. Every outlet writes headers of one length, so the wire
    can then hand a frame to the kernel in one segmented send (UDP GSO: every segment but
    the last has the same size). Once per frame, shared by every viewer."""
    sizes = [len(p[3]) for p in packets[:-1]]
    size = max(sizes, default=0)
    if min(sizes, default=0) == size:
        return packets
    return [
        (seq, ts, marker, payload + padding(size - len(payload)), key, P_BIT)
        if 0 < size - len(payload) <= 255
        else (seq, ts, marker, payload, key, pad)
        for seq, ts, marker, payload, key, pad in packets[:-1]
    ] + packets[-1:]


def rtx_packet(
    header: bytes, payload: bytes, *, rtx_pt: int, rtx_seq: int, rtx_ssrc: int
) -> tuple[bytes, bytes]:
    """An RFC 4588 retransmission of a packet we sent (as header and payload): same header
    but for PT, sequence number and SSRC, the original sequence number before the payload."""
    head = bytearray(header)
    head[1] = (head[1] & 0x80) | rtx_pt
    head[2:4] = _SEQ.pack(rtx_seq)
    head[8:12] = _SSRC.pack(rtx_ssrc)
    return bytes(head), header[2:4] + payload


def is_rtcp(data: bytes) -> bool:
    """Whether a datagram is RTCP: first byte in the RTP range (RFC 7983), packet type
    192-223 (RFC 5761 4)."""
    return len(data) > 1 and 127 < data[0] < 192 and 191 < data[1] < 224


def feedback(data: bytes) -> list[tuple[int, int]]:
    """What a viewer asks of its senders in a compound RTCP packet: (media SSRC, sequence
    number) for each packet it lost (generic NACK), (media SSRC, ``KEY_FRAME``) for a
    picture loss indication or a full intra request. Reports, SDES, REMB and anything else
    are skipped; reading stops at the first malformed packet or at ``MAX_FEEDBACK``."""
    found: list[tuple[int, int]] = []
    pos, end = 0, len(data)
    while pos + 4 <= end and len(found) < MAX_FEEDBACK:
        first, kind = data[pos], data[pos + 1]
        size = 4 * (((data[pos + 2] << 8) | data[pos + 3]) + 1)
        if first >> 6 != 2 or pos + size > end:
            break
        fmt = first & 0x1F
        if kind == RTPFB and fmt == NACK and size >= 16:
            (media,) = _SSRC.unpack_from(data, pos + 8)
            for at in range(pos + 12, pos + size - 3, 4):
                if len(found) >= MAX_FEEDBACK:
                    break
                lost, more = _NACK.unpack_from(data, at)
                found.append((media, lost))
                found += [(media, (lost + 1 + i) & 0xFFFF) for i in range(16) if more >> i & 1]
        elif kind == PSFB and fmt == PLI and size >= 12:
            found.append((_SSRC.unpack_from(data, pos + 8)[0], KEY_FRAME))
        elif kind == PSFB and fmt == FIR:  # FCI entries: SSRC, sequence number, reserved
            for at in range(pos + 12, pos + size - 7, 8):
                if len(found) >= MAX_FEEDBACK:
                    break
                found.append((_SSRC.unpack_from(data, at)[0], KEY_FRAME))
        pos += size
    return found[:MAX_FEEDBACK]


def pli_packet(sender_ssrc: int, media_ssrc: int) -> bytes:
    """An RTCP picture loss indication (RFC 4585): please send a key frame."""
    return _HEAD.pack(0x81, 206, 2, sender_ssrc, media_ssrc)


def remb_packet(sender_ssrc: int, media_ssrc: int, bitrate: int) -> bytes:
    """An RTCP receiver estimated maximum bitrate (draft-alvestrand-rmcat-remb): a cap."""
    exponent = 0
    while bitrate >= 1 << 18:
        bitrate >>= 1
        exponent += 1
    fci = b"REMB" + struct.pack("!BBH", 1, (exponent << 2) | (bitrate >> 16), bitrate & 0xFFFF)
    return _HEAD.pack(0x8F, 206, 4 + 1, sender_ssrc, 0) + fci + _SSRC.pack(media_ssrc)
