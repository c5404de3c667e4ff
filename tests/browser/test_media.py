"""Camera, microphone and screen through the server's forwarding unit, in real Chromium.

The scenario (tests/browser/netns_scenario.py) runs once for this module, in a network
namespace of its own (tests/browser/netns.py): the app on one veth address, headless
Chromium with a fake camera and microphone on the other, a real Redis over its unix socket.
Each test below judges one part of what it recorded. The figures are in the result's
"steady", "late_first_frames" and "screen_ms" (run with -s to see them printed).
"""

import json
from pathlib import Path
from typing import Any

import pytest

from tests.browser.netns import Subnet, run_in_namespace

PUBLISHERS = ("host", "li", "wang")
EVERYONE = (*PUBLISHERS, "zhao")
MIN_FPS = 12.0  # Chromium's fake camera sends 20 frames a second
FIRST_FRAME_MS = 1000


@pytest.fixture(scope="module")
def media(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    subnet = Subnet.random()
    data_dir: Path = tmp_path_factory.mktemp("media")
    config = {"redis_url": redis_url, "subnet": subnet.third, "data_dir": str(data_dir)}
    result = run_in_namespace("tests.browser.netns_scenario", config, timeout=150)
    steady = result.get("steady", {})
    figures = {
        "fps": {label: [v["fps"] for v in w["videos"]] for label, w in steady.items()},
        "new_freezes": {
            label: [v["new_freezes"] for v in w["videos"]] for label, w in steady.items()
        },
        "late_first_frame_ms": [f["since_offer_ms"] for f in result.get("late_first_frames", [])],
        "screen_ms": result.get("screen_ms"),
        "timeline": result.get("timeline"),
    }
    print(json.dumps(figures))  # the measured figures, shown with -s
    return result


def test_media_scenario_runs_to_the_end_without_page_errors(media: dict[str, Any]) -> None:
    problems = {label: page["problems"] for label, page in media["pages"].items()}

    assert media.get("failed") is None, media["log"]
    assert problems == {label: [] for label in ("host", "li", "wang", "zhao", "olga")}
    assert media["seconds"] < 90


def test_media_traffic_stays_inside_the_namespace(media: dict[str, Any]) -> None:
    subnet = Subnet(third=int(media["subnet"]))
    pairs = [pair for label in EVERYONE for pair in media["pages"][label]["summary"]["pairs"]]

    assert media["namespace"]["interfaces"] == ["lo", "yhsrv0", "yhweb0"]
    assert set(media["namespace"]["routes"]) == {f"10.77.{subnet.third}.0/24"}
    assert pairs != []
    assert [p for p in pairs if not (subnet.contains(p[0]) and subnet.contains(p[1]))] == []


def test_media_three_publishers_see_each_other_without_freezes(media: dict[str, Any]) -> None:
    steady = media["steady"]

    for label in PUBLISHERS:
        videos = steady[label]["videos"]
        assert len(videos) == 2, (label, videos)
        assert [v["new_freezes"] for v in videos] == [0, 0], (label, videos)
        assert [v["frame_width"] for v in videos] == [640, 640], (label, videos)
        assert min(v["fps"] for v in videos) >= MIN_FPS, (label, videos)


def test_media_late_joiner_decodes_a_first_frame_within_a_second(media: dict[str, Any]) -> None:
    frames = media["late_first_frames"]

    assert len(frames) == 3
    assert max(frame["since_offer_ms"] for frame in frames) <= FIRST_FRAME_MS, frames


def test_media_active_speaker_is_highlighted(media: dict[str, Any]) -> None:
    assert media["speaker_highlighted"] is True


def test_media_screen_share_reaches_everyone_on_the_stage(media: dict[str, Any]) -> None:
    width = media["screen_shared"]["width"]
    layouts = media["screen_layout"]

    for label in ("li", "wang", "zhao"):
        assert width in media["screen_received"][label], media["screen_received"]
        assert layouts[label] == {"stage": True, "featured_screen": True, "screen_tiles": 1}


def test_media_observer_cannot_publish(media: dict[str, Any]) -> None:
    assert media["observer_buttons_hidden"] is True
    assert media["observer_toast"] == "Your role cannot publish here."
    assert media["observer_camera_after"] == "false"
    # the three cameras flow, each to the two others and to the fourth; nothing more
    assert media["observer_videos"] == {"host": 2, "li": 2, "wang": 2, "zhao": 3}
    assert media["observer_tiles"] == {label: 0 for label in EVERYONE}


def test_media_host_mute_turns_the_guests_microphone_off(media: dict[str, Any]) -> None:
    assert media["mute"] == {
        "sending_before": 1,
        "mic_button": "Microphone off",
        "sending_after": 0,
    }


def test_media_host_stops_a_presenters_screen_share_and_camera(media: dict[str, Any]) -> None:
    assert media["host_stops"] == {
        "screen_toast": "A host stopped your screen sharing.",
        "camera_toast": "A host turned your camera off.",
        "camera_button": "Camera off",
        "viewer_tile_off": True,
    }


def test_media_camera_off_shows_initials_and_on_brings_frames_back(media: dict[str, Any]) -> None:
    assert media["camera_toggle"]["off"] is True
    assert media["camera_toggle"]["frames_again_ms"] < 5000


def test_media_another_microphone_replaces_the_sent_track(media: dict[str, Any]) -> None:
    switch = media["mic_switch"]

    assert switch["choices"] >= 2  # the default and Chromium's fake microphones
    assert (switch["before"], switch["after"]) == (1, 1)


def test_media_screen_share_ends_back_in_the_grid(media: dict[str, Any]) -> None:
    grid = {"stage": False, "featured": 0, "screen_tiles": 0}

    assert media["screen_stop"] == {label: grid for label in ("li", "wang", "zhao")}


def test_media_layout_picker_switches_between_stage_and_grid(media: dict[str, Any]) -> None:
    layouts = media["layouts"]

    assert layouts["stage"] == {"stage": True, "featured": 1, "screen_tiles": 0}
    assert layouts["grid"] == {"stage": False, "featured": 0, "screen_tiles": 0}
    assert layouts["auto"] == {"stage": False, "featured": 0, "screen_tiles": 0}
