"""A roadshow's pitch names its founders from the session's roster (presenters), through the
REST API and the console's pitch form; the run of show gives every founder of a slot the
stage; a pitch stored before founders existed keeps the applicant rule; the console's
labels say "pitches" for a roadshow, in English and Chinese; a follow-up request goes to a
pitch's first founder."""

import json
from datetime import UTC, datetime

import pytest

from rooms.followups import Party
from rooms.items import Item, founder_keys
from rooms.roles import Role
from server import followups
from server.appkeys import SETTINGS
from server.store.codec import dump, load
from tests.server.fixtures_login import sign_in_staff
from tests.server.pages_world import (
    make_event,
    make_session,
    put_on_roster,
    sign_in,
    staff_of_new_org,
)
from tests.server.test_api_review import created, error_of
from tests.server.test_api_shows import roadshow
from tests.server.test_pages_review import ZH, flash_of, post

A, B = "guest:a@co.cn", "guest:b@co.cn"


async def rostered(staff, path: str, email: str, role: str) -> None:  # type: ignore[no-untyped-def]
    body = {"person": {"type": "guest", "email": email}, "role": role, "name": email[0].upper()}
    response = await staff.call("POST", f"{path}/roster", json=body)
    assert response.status == 201, await response.text()


async def test_a_pitch_names_founders_on_the_roster_and_each_has_the_slot(client, store) -> None:
    staff = await sign_in_staff(client, store, email="host@example.org")
    path = await roadshow(staff)
    await rostered(staff, path, "a@co.cn", "presenter")
    await rostered(staff, path, "b@co.cn", "presenter")
    await rostered(staff, path, "judge@co.cn", "reviewer")

    for who in ("guest:nobody@co.cn", "guest:judge@co.cn"):
        refused = await staff.call(
            "POST", f"{path}/items", json={"title_en": "X", "founders": [who]}
        )
        assert (await error_of(refused))[:2] == (400, "not_a_founder")
    assert await (await staff.call("GET", f"{path}/items")).json() == []  # nothing written

    team = await created(staff, f"{path}/items", {"title_en": "Team", "founders": [A, B]})
    solo = await created(staff, f"{path}/items", {"title_en": "Solo", "applicant_email": "c@co.cn"})
    assert (team["founders"], team["pitched_by"]) == ([A, B], [A, B])
    assert (solo["founders"], solo["pitched_by"]) == ([], ["guest:c@co.cn"])

    session = await store.agenda.get_session(path.rsplit("/", 1)[1])
    slots = (await store.shows.show(session)).plan.slots
    assert [(s.founder_keys, s.founder_name) for s in slots] == [
        ((A, B), "A, B"),
        (("guest:c@co.cn",), ""),
    ]

    one = f"{path}/items/{team['item_id']}"
    bad = await staff.call("PATCH", one, json={"founders": ["guest:judge@co.cn"]})
    assert (await error_of(bad))[:2] == (400, "not_a_founder")
    assert (await (await staff.call("GET", one)).json())["founders"] == [A, B]
    changed = await staff.call("PATCH", one, json={"founders": [B], "buffer_minutes": 3})
    assert [(await changed.json())[k] for k in ("founders", "buffer_minutes")] == [[B], 3]
    assert solo["buffer_minutes"] == -1  # the show's buffer
    show = await (await staff.call("GET", f"{path}/show")).json()
    assert [(s["phase"], s["planned_seconds"]) for s in show["stages"]][2] == ("buffer", 180)
    too_long = await staff.call("PATCH", one, json={"buffer_minutes": 31})
    assert (await error_of(too_long))[0] == 400

    # the investor's follow-up request goes to the pitch's (first) founder
    asked = await followups.request_follow_up(
        store, client.server.app[SETTINGS], session=session,
        item_id=team["item_id"], investor=Party("guest:vc@fund.cn", "VC", "vc@fund.cn"),
        now=datetime(2030, 4, 30, tzinfo=UTC),
        fields={"times": ["2030-05-02T10:00"], "minutes": "30"},
    )  # fmt: skip
    assert asked.founder == Party(B, "B", "b@co.cn")


def test_an_item_stored_before_founders_existed_is_pitched_by_its_applicant() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    item = Item("i1", "s1", "甲", "", "Li", "", "li@co.cn", (), 5, 3, now, now)
    stored = json.loads(dump(item))
    del stored["founders"]

    old = load(Item, json.dumps(stored))

    assert old.founders == () and founder_keys(old) == ("guest:li@co.cn",)


@pytest.fixture
async def show_page(client, store):  # type: ignore[no-untyped-def]
    host = await staff_of_new_org(store, email="host@example.org")
    event = await make_event(store, host)
    session = await make_session(
        store, event, title="Show", start="2030-05-01T09:00", end="2030-05-01T12:00",
        kind="roadshow",
    )  # fmt: skip
    await put_on_roster(store, session, name="Amy Founder", role=Role.PRESENTER, email="a@co.cn")
    await put_on_roster(store, session, name="Jo Judge", role=Role.REVIEWER, email="j@co.cn")
    await sign_in(client, host)
    return session, f"/console/sessions/{session.session_id}"


async def test_the_console_says_pitches_for_a_roadshow_and_picks_founders_from_the_roster(
    client, store, show_page
) -> None:
    session, page = show_page
    english = await (await client.get(page)).text()
    chinese = await (await client.get(page, headers=ZH)).text()

    assert ">Pitches</h2>" in english and ">Items</h2>" not in english
    assert "Add a pitch" in english and "Pitch (minutes)" in english
    assert ">路演项目</h2>" in chinese and ">评审项目</h2>" not in chinese
    assert "添加路演项目" in chinese and "添加评审项目" not in chinese
    assert f'name="founder:{A}"' in english  # a presenter can be picked
    assert 'name="founder:guest:j@co.cn"' not in english  # a judge cannot

    response = await post(client, page, "/items", {"title_en": "Team", f"founder:{A}": "on"})
    assert response.status == 303
    [item] = await store.review.items(session.session_id)
    assert item.founders == (A,)
    done = await (await client.get(response.headers["Location"], headers=ZH)).text()
    assert flash_of(done) == "路演项目已添加。"
    assert f'name="founder:{A}" checked' in done  # the edit form shows who pitches it
    assert "Amy Founder" in done

    # the show's buffer, and a pitch's own
    saved = await post(client, page, "/show-buffer", {"minutes": "2"})
    assert saved.status == 303
    assert (await store.shows.show(session)).plan.buffer_seconds == 120
    await post(client, page, f"/items/{item.item_id}", {"title_en": "Team", f"founder:{A}": "on",
                                                       "buffer_minutes": "5"})  # fmt: skip
    assert (await store.review.item(session.session_id, item.item_id)).buffer_minutes == 5  # type: ignore[union-attr]
    refused = await post(client, page, "/show-buffer", {"minutes": "99"})
    assert refused.status == 400

    # saving the edit form without the box takes the founder off; a forged box is refused
    await post(client, page, f"/items/{item.item_id}", {"title_en": "Team"})
    assert (await store.review.item(session.session_id, item.item_id)).founders == ()  # type: ignore[union-attr]
    forged = await post(
        client, page, f"/items/{item.item_id}", {"title_en": "T", "founder:guest:j@co.cn": "on"}
    )
    assert forged.status == 400
    assert (await store.review.item(session.session_id, item.item_id)).title_en == "Team"  # type: ignore[union-attr]


async def test_the_recordings_chapters_download_as_webvtt(client, store) -> None:
    from datetime import timedelta

    staff = await sign_in_staff(client, store, email="host@example.org")
    path = await roadshow(staff)
    await created(staff, f"{path}/items", {"title_zh": "甲", "title_en": "A", "present_minutes": 5})
    session = await store.agenda.get_session(path.rsplit("/", 1)[1])
    await store.shows.act(session, lambda s, t: [], now=session.start + timedelta(seconds=1))

    response = await staff.call("GET", f"{path}/show/chapters.vtt", headers=ZH)

    assert response.status == 200 and response.content_type == "text/vtt"
    assert (await response.text()).splitlines()[:5] == [
        "WEBVTT", "", "1", "00:00:00.000 --> 00:00:00.000", "甲"
    ]  # fmt: skip
