"""A signing ceremony in real Chromium with media, in a network namespace of its own
(tests/browser/netns_signing.py): the host broadcasts, two signers sign in order (one drops
out and comes back), a witness attests, and an audience member sees and hears it all. Each
test judges one part of what it recorded."""

from pathlib import Path
from typing import Any

import pytest

from tests.browser.netns import Subnet, run_in_namespace

PEOPLE = ("host", "zhang", "chen", "liu", "audience")


@pytest.fixture(scope="module")
def ceremony(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data_dir: Path = tmp_path_factory.mktemp("signing-media")
    config = {"redis_url": redis_url, "subnet": Subnet.random().third, "data_dir": str(data_dir)}
    result = run_in_namespace("tests.browser.netns_signing", config, timeout=180)
    print(result.get("timeline"))
    return result


def test_the_ceremony_runs_to_the_end_without_page_errors(ceremony: dict[str, Any]) -> None:
    problems = {label: page["problems"] for label, page in ceremony["pages"].items()}

    assert (ceremony.get("failed"), problems) == (
        None,
        {label: [] for label in PEOPLE},
    ), ceremony["log"]


def test_the_audience_watches_the_host_and_the_agreement(ceremony: dict[str, Any]) -> None:
    assert ceremony["before"] == {"decoding": 1, "title": "合作协议 Cooperation agreement"}
    assert ceremony["after"] == {"decoding": 1}


def test_the_audience_sees_each_signature_in_order(ceremony: dict[str, Any]) -> None:
    assert ceremony["out_of_turn_hidden"] is True
    assert "张伟" in ceremony["moment"] and "Society A" in ceremony["moment"]
    assert ceremony["states"] == ["signed", "signed"]
    assert str(ceremony["signed_link"]).endswith("/agreement/signed")


def test_the_log_keeps_every_step_and_verifies(ceremony: dict[str, Any]) -> None:
    steps = ceremony["log"]["steps"]

    assert ceremony["log"]["ok"] is True
    assert steps[0] == "document_fixed" and steps[-2:] == ["witnessed", "ceremony_closed"]
    assert steps.count("signed") == 2 and len(steps) == 11
