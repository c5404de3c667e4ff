"""A whole class in real Chromium, with media, in a network namespace of its own
(tests/browser/netns_class.py): a teacher with slides and three students (one joining
late), a timed poll, a question, a student invited to speak, and a certificate after the
class. Each test judges one part of what it recorded."""

import os
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import av
import pytest

from tests.browser.netns import Subnet, run_in_namespace

STUDENTS = ("li", "han", "wang")


@pytest.fixture(scope="module")
def lesson(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data_dir: Path = tmp_path_factory.mktemp("class-media")
    config = {"redis_url": redis_url, "subnet": Subnet.random().third, "data_dir": str(data_dir)}
    if os.environ.get("YUNHUI_SHOTS"):  # screenshots for review
        config["screenshots"] = os.environ["YUNHUI_SHOTS"]
    result = run_in_namespace("tests.browser.netns_class", config, timeout=180)
    print(result.get("timeline"))
    return result


def pdf_text(path: str) -> str:
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", path, "-"], capture_output=True, text=True, check=True
    )
    return " ".join(done.stdout.split())  # lines as pdftotext breaks them, joined


def test_class_runs_to_the_end_without_page_errors(lesson: dict[str, Any]) -> None:
    problems = {label: page["problems"] for label, page in lesson["pages"].items()}

    assert (lesson.get("failed"), problems) == (
        None,
        {"teacher": [], "li": [], "han": [], "wang": []},
    ), lesson["log"]


def test_class_page_turns_reach_everyone_and_the_late_joiner(lesson: dict[str, Any]) -> None:
    assert lesson["slides"] == {"teacher": "3", "li": "3", "han": "3", "wang": "3"}


def test_class_slides_big_and_the_teachers_camera_small_beside(lesson: dict[str, Any]) -> None:
    for label, stage in lesson["stage"].items():
        assert stage["with_slides"] and stage["camera_playing"], label
        assert stage["slides_width"] > stage["camera_width"] > 0, (label, stage)


def test_class_the_timed_poll_closes_by_itself_and_its_results_appear(
    lesson: dict[str, Any],
) -> None:
    assert lesson["poll"] == {label: ["1", "2", "0"] for label in STUDENTS}


def test_class_the_question_is_upvoted_answered_and_archived(lesson: dict[str, Any]) -> None:
    question = lesson["question"]
    csv = lesson["questions_csv"]
    rows = [line.split(",") for line in csv["text"].lstrip("\ufeff").splitlines()]

    assert question["answering"] == {label: "qa-item answering" for label in STUDENTS}
    assert question["answered"] == {label: "Answered" for label in STUDENTS}
    assert (csv["status"], [row[1:] for row in rows]) == (
        200,
        [
            ["name", "question", "state", "votes"],
            ["Han Mei", "Why is the sky blue?", "answered", "2"],
        ],
    )


def test_class_the_invited_student_is_seen_and_heard_then_cut_off(
    lesson: dict[str, Any],
) -> None:
    speaking = lesson["speaking"]
    teacher_only = {"videos": 1, "audios": 1}
    with_li = {"videos": 2, "audios": 2}

    assert speaking["before"] == {"teacher": {"videos": 0, "audios": 0},
                                  "han": teacher_only, "wang": teacher_only}  # fmt: skip
    assert speaking["during"] == {"teacher": teacher_only, "han": with_li, "wang": with_li}
    assert speaking["after"] == speaking["before"]


def test_class_a_student_downloads_their_certificate(lesson: dict[str, Any]) -> None:
    [issued] = lesson["issued"]
    english = pdf_text(lesson["certificate"]["en"]["path"])
    chinese = pdf_text(lesson["certificate"]["zh"]["path"])
    minutes = issued["minutes"]  # a short class: its minutes, not "0.0 hours"
    in_words = "1 minute" if minutes == 1 else f"{minutes} minutes"

    assert lesson["attendance_page"] == {"links": 1, "label": "Session certificate: Week 1"}
    assert (issued["name"], issued["sessions"]) == ("Li Lei", ["Week 1"])
    assert [lesson["certificate"][lang]["status"] for lang in ("en", "zh")] == [200, 200]
    assert (
        "Certificate of attendance" in english,
        "Li Lei attended Course" in english,
        f"for {in_words}." in english,
        "Week 1" in english,
    ) == (True, True, True, True), english
    assert (
        "出席证明" in chinese,
        "兹证明 Li Lei 参加了" in chinese,
        f"“课程”，有效出席 {minutes} 分钟" in chinese,
        "Week 1" in chinese,
    ) == (True, True, True, True), chinese


def track_packets(path: Path) -> tuple[list[int], int]:
    """A track file read back with PyAV: its packets' times (ms) and how many frames decode."""
    with av.open(str(path)) as container:
        stream = container.streams[0]
        times = [
            int(p.pts * p.time_base * 1000) for p in container.demux(stream) if p.pts is not None
        ]
    with av.open(str(path)) as container:
        return times, sum(1 for _ in container.decode(container.streams[0]))


def test_class_recording_of_real_chromium_publishers_plays_back(lesson: dict[str, Any]) -> None:
    recording = lesson["recording"]
    folder = Path(recording["folder"])
    length_ms = (
        datetime.fromisoformat(recording["stopped_at"])
        - datetime.fromisoformat(recording["started_at"])
    ).total_seconds() * 1000
    tracks = {(t["participant_id"], t["kind"]): t for t in recording["tracks"]}
    speakers = {pid for pid, _kind in tracks}

    assert len(speakers) == 2  # the teacher all along, Li while invited to speak
    teacher = max(speakers, key=lambda pid: tracks[(pid, "video")]["ended_ms"]
                  - tracks[(pid, "video")]["started_ms"])  # fmt: skip
    li = (speakers - {teacher}).pop()
    for (_pid, kind), track in tracks.items():
        times, decoded = track_packets(folder / track["name"])
        span = times[-1] - times[0]
        assert len(times) == track["frames"] and times == sorted(times), track
        assert (times[0], times[-1]) == (track["started_ms"], track["ended_ms"]), track
        if kind == "video":
            assert decoded == len(times), track  # every frame written decodes
            assert 10 <= len(times) * 1000 / span <= 31, track  # Chromium's fake camera
        else:
            assert abs(len(times) - span / 20) <= span / 20 * 0.1 + 2, track  # Opus, 20 ms
    teacher_video = tracks[(teacher, "video")]
    # the teacher's camera is in the recording from (nearly) its start to its stop
    assert abs((teacher_video["ended_ms"] - teacher_video["started_ms"]) - length_ms) < 1500
    assert abs(teacher_video["ended_ms"] - tracks[(teacher, "audio")]["ended_ms"]) < 100
    # Li came on later and went before the end
    assert tracks[(li, "video")]["started_ms"] > teacher_video["started_ms"] + 5000
    assert tracks[(li, "video")]["ended_ms"] < teacher_video["ended_ms"] - 1000
