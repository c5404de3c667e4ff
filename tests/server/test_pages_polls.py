"""The console's poll bank on a class session's page: polls are prepared and removed, a bad
one is refused with the input kept (in the staff's language), a review's page has no bank."""

import html
import re

import pytest

from rooms.poll_spec import PollKind
from tests.server.pages_world import make_event, make_session, sign_in, staff_of_new_org
from tests.server.test_pages_review import ZH, post


@pytest.fixture
async def world(client, store):  # type: ignore[no-untyped-def]
    host = await staff_of_new_org(store, email="teacher@example.org")
    event = await make_event(store, host)
    lesson = await make_session(
        store, event, title="Lesson", start="2030-05-01T09:00", end="2030-05-01T10:00", kind="class"
    )
    await sign_in(client, host)
    return {"event": event, "session": lesson, "page": f"/console/sessions/{lesson.session_id}"}


async def test_a_poll_is_prepared_shown_and_removed(client, store, world) -> None:
    form = {"question": "Which is a prime?", "kind": "single", "options": "4\n7\n", "correct": "2",
            "seconds": "30"}  # fmt: skip

    response = await post(client, world["page"], "/polls", form)
    page = await (await client.get(world["page"], headers=ZH)).text()

    assert (response.status, response.headers["Location"]) == (303, f"{world['page']}#polls")
    [(draft_id, spec)] = (await store.polls.bank(world["session"].session_id)).items()
    assert (spec.kind, spec.options, spec.correct, spec.seconds) == (
        PollKind.SINGLE, ("4", "7"), (1,), 30,
    )  # fmt: skip
    assert ">投票</h2>" in page and "Which is a prime?" in page

    removed = await post(client, world["page"], "/polls/remove", {"draft_id": draft_id})

    assert removed.status == 303
    assert await store.polls.bank(world["session"].session_id) == {}


async def test_a_bad_poll_is_refused_keeping_the_input(client, store, world) -> None:
    form = {"question": "Colour?", "kind": "single", "options": "Red"}

    response = await post(client, world["page"], "/polls", form, headers=ZH)
    page = await response.text()

    assert response.status == 400
    found = re.search(r'<p class="form-error" role="alert">(.*?)</p>', page, re.S)
    assert found is not None and html.unescape(found.group(1)) == "投票须有 2 到 10 个选项。"
    assert 'value="Colour?"' in page
    assert await store.polls.bank(world["session"].session_id) == {}


async def test_a_review_page_has_no_poll_bank(client, store, world) -> None:
    review = await make_session(
        store, world["event"], title="Panel", start="2030-05-01T13:00", end="2030-05-01T14:00",
        kind="review",
    )  # fmt: skip

    page = await (await client.get(f"/console/sessions/{review.session_id}")).text()

    assert 'id="polls"' not in page
