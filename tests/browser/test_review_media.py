"""A review panel in real Chromium, with media, in a network namespace of its own
(tests/browser/netns_review.py): the chair, two reviewers (B conflicted on item 2) and an
applicant who presents item 2 with video. Each test judges one part of what it recorded."""

import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.browser.netns import Subnet, run_in_namespace


@pytest.fixture(scope="module")
def review(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data_dir: Path = tmp_path_factory.mktemp("review-media")
    config = {"redis_url": redis_url, "subnet": Subnet.random().third, "data_dir": str(data_dir)}
    result = run_in_namespace("tests.browser.netns_review", config, timeout=180)
    print(result.get("timeline"))
    return result


def test_review_media_runs_to_the_end_without_page_errors(review: dict[str, Any]) -> None:
    problems = {label: page["problems"] for label, page in review["pages"].items()}

    assert (review.get("failed"), problems) == (None, {label: [] for label in problems})


def test_review_media_scores_are_sealed_until_the_chair_closes(review: dict[str, Any]) -> None:
    item1 = review["item1"]

    assert item1["saved"] == ["Saved (revision 1)", "Saved (revision 1)"]
    assert item1["before_close"]["results_visible"] is False
    assert "83.33" not in item1["before_close"]["text"]  # A's weighted total, before close
    assert sorted(item1["totals"]) == ["26.67", "83.33"]


def test_review_media_the_conflicted_reviewer_receives_no_video_of_item_2(
    review: dict[str, Any],
) -> None:
    item2 = review["item2"]

    assert item2["b_flowing"] == []
    assert item2["b_screen"] == "Waiting for your next item"
    assert item2["applicant_flowing"] >= 1  # the applicant sees the panel while presenting


def test_review_media_the_conflicted_reviewer_receives_video_again_after(
    review: dict[str, Any],
) -> None:
    assert review["item2"]["b_after"] >= 2


def test_review_media_the_applicant_sent_out_leaves_no_tile_behind(review: dict[str, Any]) -> None:
    assert review["item2"]["chair_tiles_after_deliberation"] == 2  # the chair's own and A's


def test_review_media_results_page_and_pdf(review: dict[str, Any]) -> None:
    page = review["results_page"]
    pdf = review["pdf"]
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", pdf["path"], "-"], capture_output=True, text=True, check=True
    ).stdout

    assert ("Project One" in page, "Project Two" in page) == (True, True)
    assert pdf["status"] == 200
    assert ("项目一" in text or "Project One" in text, "83.33" in text) == (True, True)
