"""The aiortc/aioice hooks: they fit the pinned versions, and break loudly when aiortc changes."""

import asyncio
from importlib.metadata import version

import pytest
from aiortc import RTCRtpReceiver, RTCRtpSender, RTCSessionDescription

from server.media import HookError, check_hooks, hooks
from tests.server.media.conftest import Room, until
from tests.server.media.synthetic import Clip, SyntheticPublisher, new_pc, set_local

PINS = {"aiortc": "1.16.0", "aioice": "0.13.0", "av": "18.1.0", "pylibsrtp": "1.0.0"}


async def test_hooks_fit_the_installed_aiortc() -> None:
    await check_hooks()


def test_hooks_media_packages_are_the_pinned_versions() -> None:
    assert {name: version(name) for name in PINS} == PINS


async def test_hooks_missing_method_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(RTCRtpSender, "_send_keyframe")

    with pytest.raises(HookError, match="RTCRtpSender._send_keyframe"):
        await check_hooks()


async def test_hooks_missing_private_attribute_fails_loudly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    build = RTCRtpReceiver.__init__

    def renamed(self: RTCRtpReceiver, *args: object) -> None:
        build(self, *args)  # type: ignore[arg-type]
        self._RTCRtpReceiver__buffer = self.__dict__.pop("_RTCRtpReceiver__jitter_buffer")

    monkeypatch.setattr(RTCRtpReceiver, "__init__", renamed)

    with pytest.raises(HookError, match="_RTCRtpReceiver__jitter_buffer"):
        await check_hooks()


async def test_hooks_changed_signature_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RTCRtpSender, "_next_encoded_frame", lambda self: None)

    with pytest.raises(HookError, match="signature changed"):
        await check_hooks()


async def test_hooks_tapped_receiver_sees_packets_and_its_decoder_gets_none(clip: Clip) -> None:
    publisher = SyntheticPublisher(clip)
    receiving = new_pc()
    seen: list[int] = []
    try:
        await receiving.setRemoteDescription(
            RTCSessionDescription(await publisher.offer(), "offer")
        )
        for transceiver in receiving.getTransceivers():
            hooks.tap_receiver(transceiver.receiver, lambda p: seen.append(p.sequence_number))
        await publisher.accept(await set_local(receiving, await receiving.createAnswer()))
        await until(lambda: len(seen) >= 60)
        video = next(t.receiver.track for t in receiving.getTransceivers() if t.kind == "video")

        with pytest.raises(TimeoutError):
            await asyncio.wait_for(video.recv(), 0.5)  # nothing was decoded
    finally:
        await publisher.close()
        await receiving.close()


async def test_hooks_a_send_transceivers_receiver_has_no_bandwidth_estimator() -> None:
    pc = new_pc()
    try:
        sending = hooks.add_send_transceiver(pc, "video")
        other = pc.addTransceiver("video", direction="sendrecv")  # aiortc's own, as before

        assert sending.direction == "sendonly"
        assert sending.receiver._RTCRtpReceiver__remote_bitrate_estimator is None  # type: ignore[attr-defined]
        assert other.receiver._RTCRtpReceiver__remote_bitrate_estimator is not None  # type: ignore[attr-defined]
    finally:
        await pc.close()


async def test_hooks_gathering_limited_to_the_given_addresses() -> None:
    pc = new_pc()  # no ICE server: nothing leaves the machine
    pc.addTransceiver("audio")
    try:
        sdp = await set_local(pc, await pc.createOffer())  # limits to 127.0.0.1
    finally:
        await pc.close()

    lines = [line.split() for line in sdp.splitlines() if line.startswith("a=candidate:")]
    assert {(fields[4], fields[7]) for fields in lines} == {("127.0.0.1", "host")}


async def test_hooks_server_connections_use_no_default_ice_server(room: Room) -> None:
    await room.publish("alice")
    peer = room.router.peers["alice"]

    gatherers = hooks.gatherers(peer._pcs["publish"])

    assert [g._connection.stun_server for g in gatherers] == [None]
