"""The REST API of a session's polls: its bank (drafts checked as the room checks a poll;
correct answers named by their text), and the results of the polls it ran, as JSON and as
CSV (BOM, formulas defused) — staff of the session's organization only."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from rooms.poll_spec import Ballot, poll_spec
from rooms.polls import LivePoll
from tests.server.fixtures_login import Staff, sign_in_staff
from tests.server.test_api_review import ZH, created, error_of, new_review

NOW = datetime(2030, 5, 1, 9, tzinfo=UTC)
PRIME = {"question": "Which is a prime?", "kind": "single", "options": ["4", "7"], "correct": ["7"]}


@pytest.fixture
async def staff(client, store) -> Staff:
    return await sign_in_staff(client, store, email="teacher@example.org", name="Teacher")


async def test_the_bank_takes_lists_and_removes_drafts(staff) -> None:
    lesson = await new_review(staff, kind="class")

    draft = await created(staff, f"{lesson}/polls/bank", PRIME)
    rating = await created(staff, f"{lesson}/polls/bank", {"question": "Pace?", "kind": "rating"})

    assert draft == {
        "draft_id": "d0001", "question": "Which is a prime?", "kind": "single",
        "options": ["4", "7"], "correct": [1], "anonymous": False, "seconds": None,
    }  # fmt: skip
    listed = await (await staff.call("GET", f"{lesson}/polls/bank")).json()
    assert [d["draft_id"] for d in listed] == ["d0001", "d0002"]
    assert rating["options"] == ["1", "2", "3", "4", "5"]
    gone = await staff.call("DELETE", f"{lesson}/polls/bank/d0001")
    assert gone.status == 204
    listed = await (await staff.call("GET", f"{lesson}/polls/bank")).json()
    assert [d["draft_id"] for d in listed] == ["d0002"]


async def test_a_bad_draft_is_refused_in_the_callers_language(staff) -> None:
    lesson = await new_review(staff, kind="class")
    review = await new_review(staff)
    bad: list[tuple[str, dict[str, Any], int, str]] = [
        (lesson, {**PRIME, "correct": ["9"]}, 400, "invalid_poll"),
        (lesson, {**PRIME, "options": ["only"]}, 400, "invalid_poll"),
        (lesson, {**PRIME, "seconds": 3}, 400, "out_of_range"),
        (review, PRIME, 409, "no_polls"),
    ]
    for where, body, status, code in bad:
        response = await staff.call("POST", f"{where}/polls/bank", json=body, headers=ZH)
        assert (await error_of(response))[:2] == (status, code)
    response = await staff.call(
        "POST", f"{lesson}/polls/bank", json={**PRIME, "options": ["x"], "correct": []}, headers=ZH
    )
    assert (await error_of(response))[2] == "投票须有 2 到 10 个选项。"
    assert await (await staff.call("GET", f"{lesson}/polls/bank")).json() == []


async def test_results_come_as_json_and_as_defused_csv(staff, store) -> None:
    lesson = await new_review(staff, kind="class")
    session_id = lesson.rsplit("/", 1)[1]
    poll = LivePoll("poll-1", poll_spec({**PRIME, "options": ["=1+1", "7"], "correct": [1]}),
                    "account:a", NOW, closed_at=NOW + timedelta(minutes=1))  # fmt: skip
    async with store.redis.pipeline(transaction=True) as pipe:
        store.queue_kept(pipe, session_id, poll)
        store.queue_kept(pipe, session_id, Ballot("poll-1", "guest:li", "Li Lei", (1,), NOW))
        store.queue_kept(pipe, session_id, Ballot("poll-1", "guest:han", "@Han", (0,), NOW))
        await pipe.execute()

    found = await (await staff.call("GET", f"{lesson}/polls")).json()
    text = await (await staff.call("GET", f"{lesson}/polls.csv")).text()

    assert found[0]["results"] == {"counts": [1, 1], "voters": 2, "names": [["@Han"], ["Li Lei"]]}
    assert text.splitlines() == [
        "\ufeffpoll,question,kind,option,correct,votes,voters,names",
        "poll-1,Which is a prime?,single,'=1+1,,1,2,'@Han",
        "poll-1,Which is a prime?,single,7,yes,1,2,Li Lei",
    ]
