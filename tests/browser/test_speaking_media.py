"""A class's listener invited to speak, in real Chromium with media, in a network namespace
of its own (tests/browser/netns_speaking.py): the teacher invites a student with video, the
student accepts and is seen, then the teacher takes the floor back. Each test judges one
part of what it recorded."""

from pathlib import Path
from typing import Any

import pytest

from tests.browser.netns import Subnet, run_in_namespace

QUIET = {"mic": False, "camera": False, "stop": False}


@pytest.fixture(scope="module")
def speaking(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data_dir: Path = tmp_path_factory.mktemp("speaking-media")
    config = {"redis_url": redis_url, "subnet": Subnet.random().third, "data_dir": str(data_dir)}
    result = run_in_namespace("tests.browser.netns_speaking", config, timeout=150)
    print(result.get("timeline"))
    return result


def test_speaking_runs_to_the_end_without_page_errors(speaking: dict[str, Any]) -> None:
    problems = {label: page["problems"] for label, page in speaking["pages"].items()}

    assert (speaking.get("failed"), problems) == (None, {"teacher": [], "student": []}), speaking[
        "log"
    ]


def test_speaking_a_listener_cannot_send_before_the_invitation(speaking: dict[str, Any]) -> None:
    assert speaking["listening"] == {"buttons": QUIET, "teacher_decodes": 0}


def test_speaking_the_accepted_student_is_seen_and_their_hand_lowered(
    speaking: dict[str, Any],
) -> None:
    assert speaking["prompt"] == "Hu Host invites you to speak, with your camera."
    assert speaking["speaking"] == {
        "buttons": {"mic": True, "camera": True, "stop": True},
        "hands": 0,
        "teacher_flowing": 1,
    }


def test_speaking_taken_back_nothing_of_the_student_reaches_the_teacher(
    speaking: dict[str, Any],
) -> None:
    taken = speaking["taken_back"]

    assert (taken["buttons"], taken["teacher_flowing"]) == (QUIET, [])
    assert taken["student_flowing"] == 1  # still hears and sees the teacher
