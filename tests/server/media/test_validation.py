"""What clients send, checked before aiortc sees it: SDP and ICE candidate tables."""

import pytest

from server.media.config import PRIVATE_NETWORKS, CandidatePolicy
from server.media.errors import MediaError
from server.media.validation import check_sdp, parse_candidate

DEV = CandidatePolicy()
TESTS = CandidatePolicy(allow_loopback=True)
PRODUCTION = CandidatePolicy(refused=PRIVATE_NETWORKS)
LIMIT = 64 * 1024

FINGERPRINT = ":".join(["AB"] * 32)
OFFER = f"""v=0
o=- 1 1 IN IP4 0.0.0.0
s=-
t=0 0
a=group:BUNDLE 0 1
a=fingerprint:sha-256 {FINGERPRINT}
a=ice-ufrag:abcd
a=ice-pwd:0123456789abcdef012345
a=setup:actpass
m=audio 9 UDP/TLS/RTP/SAVPF 111
c=IN IP4 0.0.0.0
a=mid:0
a=sendonly
a=rtcp-mux
a=rtpmap:111 opus/48000/2
a=candidate:1 1 udp 2122260223 203.0.113.7 50000 typ host
a=candidate:2 1 udp 2122260223 127.0.0.1 50001 typ host
a=candidate:3 1 tcp 1518280447 203.0.113.7 9 typ host tcptype active
m=video 9 UDP/TLS/RTP/SAVPF 96
c=IN IP4 0.0.0.0
a=mid:1
a=sendonly
a=rtcp-mux
a=rtpmap:96 VP8/90000
"""


def host(address: str, port: int = 50000, *, transport: str = "udp", kind: str = "host") -> str:
    return f"candidate:1 1 {transport} 2122260223 {address} {port} typ {kind}"


@pytest.mark.parametrize(
    ("line", "policy"),
    [
        (host("203.0.113.7"), DEV),
        (host("2001:db8::7"), DEV),
        (host("10.1.2.3"), DEV),  # private ranges: allowed unless the policy refuses them
        (host("192.168.1.5"), DEV),
        (host("127.0.0.1"), TESTS),
        (host("203.0.113.7", kind="srflx") + " raddr 10.0.0.2 rport 5000", PRODUCTION),
        (host("203.0.113.7", kind="relay"), PRODUCTION),
        ("a=" + host("203.0.113.7"), DEV),  # as an SDP line
        (host("203.0.113.7")[len("candidate:") :], DEV),  # as aiortc writes it
    ],
)
def test_candidate_accepted(line: str, policy: CandidatePolicy) -> None:
    candidate = parse_candidate(line, policy=policy)

    assert candidate is not None and candidate.protocol == "udp"


@pytest.mark.parametrize(
    "line",
    [
        host("203.0.113.7", 9, transport="tcp") + " tcptype active",
        host("3f1c2a4e-1b2c-4d5e-8f90-123456789abc.local"),  # a browser's mDNS name
        "candidate:1 2 udp 2122260222 203.0.113.7 50001 typ host",  # RTCP component
    ],
)
def test_candidate_left_out_quietly(line: str) -> None:
    assert parse_candidate(line, policy=DEV) is None


@pytest.mark.parametrize(
    ("line", "policy"),
    [
        (host("203.0.113.7", 0), DEV),
        (host("203.0.113.7", 99999999), DEV),
        (host("example.com"), DEV),
        (host("127.0.0.1"), DEV),
        (host("127.8.9.10"), DEV),
        (host("::1"), DEV),
        (host("::ffff:127.0.0.1"), DEV),
        (host("169.254.169.254"), TESTS),  # cloud metadata, whatever the policy
        (host("fd00:ec2::254"), TESTS),
        (host("169.254.10.20"), DEV),  # link-local
        (host("fe80::1"), DEV),
        (host("0.0.0.0"), DEV),
        (host("0.1.2.3"), DEV),
        (host("::"), DEV),
        (host("224.0.0.251"), DEV),  # multicast
        (host("255.255.255.255"), DEV),
        (host("240.0.0.1"), DEV),  # reserved
        (host("10.1.2.3"), PRODUCTION),
        (host("172.20.0.1"), PRODUCTION),
        (host("192.168.1.5"), PRODUCTION),
        (host("100.64.0.1"), PRODUCTION),
        (host("fd12::1"), PRODUCTION),
        (host("203.0.113.7", kind="bogus"), DEV),
        ("candidate:1 1 udp", DEV),  # too short
        ("candidate:1 one udp 2122260223 203.0.113.7 50000 typ host", DEV),
        ("candidate:1 1 udp 2122260223 203.0.113.7 port typ host", DEV),
        (host("203.0.113.7") + " x" * 300, DEV),  # too long
    ],
)
def test_candidate_refused(line: str, policy: CandidatePolicy) -> None:
    with pytest.raises(MediaError) as refused:
        parse_candidate(line, policy=policy)

    assert refused.value.code == "bad_candidate"


def test_sdp_keeps_usable_candidates_and_leaves_out_the_rest() -> None:
    checked = check_sdp(OFFER, policy=DEV, max_bytes=LIMIT)

    assert checked.candidates == 1  # the loopback one is refused, the TCP one left out
    assert [c.ip for c in checked.description.media[0].ice_candidates] == ["203.0.113.7"]
    assert "127.0.0.1" not in checked.text


def test_sdp_over_the_size_cap_is_refused() -> None:
    with pytest.raises(MediaError) as refused:
        check_sdp(OFFER + "a=x-pad:" + "x" * LIMIT + "\n", policy=DEV, max_bytes=LIMIT)

    assert (refused.value.code, refused.value.params) == ("sdp_too_large", {"limit": LIMIT})


@pytest.mark.parametrize(
    "sdp",
    [
        "",
        None,
        12,
        "garbage",
        OFFER.replace("m=video 9 UDP/TLS/RTP/SAVPF 96", "m=video nine UDP/TLS/RTP/SAVPF 96"),
        OFFER.replace("SAVPF 96", "SAVPF 300"),  # payload type out of range
        OFFER.replace("SAVPF 96", "SAVPF 73"),  # payload type reserved for RTCP
        OFFER.replace("a=setup:actpass", "a=setup:sideways"),  # KeyError inside aiortc
        OFFER.replace(f"a=fingerprint:sha-256 {FINGERPRINT}", "a=fingerprint:sha-256"),
        OFFER.replace("a=rtpmap:96 VP8/90000", "a=rtpmap:96"),
        OFFER.replace("a=group:BUNDLE 0 1", "a=group"),
        OFFER.replace("a=mid:1\n", "a=extmap:x\n"),
        OFFER.replace("m=video 9 UDP/TLS/RTP/SAVPF 96", "m=application 9 UDP/DTLS/SCTP webrtc"),
        OFFER.replace("a=ice-ufrag:abcd\n", ""),
        OFFER.replace(f"a=fingerprint:sha-256 {FINGERPRINT}\n", ""),
        OFFER.replace("a=mid:1\n", ""),
        OFFER.replace("a=rtcp-mux\n", ""),
        "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n",  # no media at all
    ],
)
def test_sdp_malformed_is_refused_without_escaping_exceptions(sdp: object) -> None:
    with pytest.raises(MediaError) as refused:
        check_sdp(sdp, policy=DEV, max_bytes=LIMIT)

    assert refused.value.code == "bad_sdp"
