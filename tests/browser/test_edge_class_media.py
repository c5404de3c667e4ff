"""A class's audience served from an edge process, in real Chromium, in a network namespace
of its own (tests/browser/netns_edge_class.py)."""

from typing import Any

import pytest

from tests.browser.netns import Subnet, run_in_namespace


@pytest.fixture(scope="module")
def lesson(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data_dir = tmp_path_factory.mktemp("edge-class")
    config = {"redis_url": redis_url, "subnet": Subnet.random().third, "data_dir": str(data_dir)}
    result = run_in_namespace("tests.browser.netns_edge_class", config, timeout=150)
    print(result.get("timeline"))
    return result


def test_edge_class_the_students_media_comes_from_the_edge_and_follows_the_owner(
    lesson: dict[str, Any],
) -> None:
    problems = {label: page["problems"] for label, page in lesson["pages"].items()}
    receiving = {"videos": 1, "audios": 1}

    assert (lesson.get("failed"), problems) == (None, {"teacher": [], "li": [], "han": []})
    assert lesson["placed"] == ["edge-0", "edge-0", "owner"]
    assert lesson["before_mute"] == {"li": receiving, "han": receiving}
    assert lesson["after_mute"] == {
        "li": {"videos": 1, "audios": 0},
        "han": {"videos": 1, "audios": 0},
    }
