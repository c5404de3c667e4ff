"""A roadshow in real Chromium, with media, in a network namespace of its own
(tests/browser/netns_roadshow.py): founder A's video on stage, taken back by the server, a
break with nothing on stage, founder B let in from the lobby and given the stage. Each test
judges one part of what it recorded."""

import json
from pathlib import Path
from typing import Any

import pytest

from tests.browser.netns import Subnet, run_in_namespace


@pytest.fixture(scope="module")
def roadshow(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data_dir: Path = tmp_path_factory.mktemp("roadshow-media")
    config = {"redis_url": redis_url, "subnet": Subnet.random().third, "data_dir": str(data_dir)}
    result = run_in_namespace("tests.browser.netns_roadshow", config, timeout=120)
    print(result.get("timeline"))
    return result


def test_roadshow_media_runs_to_the_end_without_page_errors(roadshow: dict[str, Any]) -> None:
    problems = {label: page["problems"] for label, page in roadshow["pages"].items()}

    assert (roadshow.get("failed"), problems) == (None, {label: [] for label in problems})


def test_roadshow_each_founder_waits_with_their_own_countdown(roadshow: dict[str, Any]) -> None:
    waiting = roadshow["waiting"]

    assert waiting["a"].startswith("Your pitch starts in "), waiting
    assert waiting["b"].startswith("Your pitch starts in "), waiting
    assert waiting["a"] != waiting["b"]  # B's pitch starts after A's and the break
    # once the chair starts the show, B is told their new start: after A's minute and the break
    told = roadshow["a_on_stage"]["b_countdown"]
    minutes, seconds = told.removeprefix("Your pitch starts in ").rstrip(".").split(":")
    assert 110 <= int(minutes) * 60 + int(seconds) <= 122, told


def test_roadshow_founder_a_is_on_stage_shown_big_with_video(roadshow: dict[str, Any]) -> None:
    on_stage = roadshow["a_on_stage"]

    assert "Li Na" in on_stage["featured"]["caption"] and on_stage["featured"]["width"] > 0
    assert (on_stage["phase"], on_stage["pitch"]) == ("Pitch", "Smart Irrigation")
    assert on_stage["a_closed"] == []
    assert on_stage["bar_above_stage"] is True


def test_roadshow_the_server_takes_the_stage_back_from_a(roadshow: dict[str, Any]) -> None:
    pause = roadshow["break"]
    [event, payload] = json.loads(pause["a_closed"][0])

    assert (event, payload["reason"]) == ("media_closed", "stage")
    assert pause["frames"] == 0  # no more of A's video reaches the investor
    assert (pause["phase"], pause["b_held"]) == ("Break", True)
    # A's page no longer offers to publish, and shows no refusal for trying
    assert pause["a_controls"] == {"camera": False, "microphone": False, "errors": []}


def test_roadshow_founder_b_gets_the_stage(roadshow: dict[str, Any]) -> None:
    after = roadshow["b_on_stage"]

    assert "Zhou Jie" in after["featured"]["caption"] and after["featured"]["width"] > 0
    assert after["pitch"] == "Solid-State Battery Separator"
