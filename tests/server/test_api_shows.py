"""The REST API of a roadshow's run of show: the stages timed from the items, the buffer,
the log, chapters and overruns; a pitch that has started can no longer change or move."""

from datetime import timedelta

from rooms.run_of_show import extend_stage
from tests.server.fixtures_login import Staff, sign_in_staff
from tests.server.test_api_review import FORUM, created, error_of
from tests.server.test_libraries_api import BATTERY_ACHIEVEMENT

SHOW = {
    "kind": "roadshow",
    "title": "Roadshow",
    "start": "2030-05-01T09:00",
    "end": "2030-05-01T12:00",
}


async def roadshow(staff: Staff) -> str:
    event = await created(staff, "/api/events", FORUM)
    session = await created(staff, f"/api/events/{event['event_id']}/sessions", SHOW)
    return f"/api/sessions/{session['session_id']}"


async def test_the_run_of_show_is_timed_from_the_items_and_a_started_pitch_is_fixed(
    client, store
) -> None:
    staff = await sign_in_staff(client, store, email="host@example.org")
    path = await roadshow(staff)
    first = await created(
        staff, f"{path}/items", {"title_zh": "甲", "present_minutes": 5, "qa_minutes": 3}
    )
    second = await created(
        staff, f"{path}/items", {"title_en": "B", "present_minutes": 4, "qa_minutes": 0}
    )
    response = await staff.call("PUT", f"{path}/show/buffer", json={"minutes": 2})
    assert response.status == 200, await response.text()
    show = await response.json()

    assert [(s["phase"], s["begins"][11:16], s["ends"][11:16]) for s in show["stages"]] == [
        ("pitch", "01:00", "01:05"),  # 09:00 in Shanghai
        ("qa", "01:05", "01:08"),
        ("buffer", "01:08", "01:10"),
        ("pitch", "01:10", "01:14"),
        ("buffer", "01:14", "01:16"),
    ]
    assert show["started"] is False and show["log"] == []

    session = await store.agenda.get_session(path.rsplit("/", 1)[1])
    begins = session.start
    await store.shows.act(session, lambda s, t: [], now=begins + timedelta(seconds=3))
    await store.shows.act(
        session,
        lambda s, t: extend_stage(s, t, stage=f"{first['item_id']}:pitch", seconds=60, actor="c"),
        now=begins + timedelta(minutes=1),
    )
    await store.shows.act(session, lambda s, t: [], now=begins + timedelta(minutes=6, seconds=1))
    show = await (await staff.call("GET", f"{path}/show")).json()

    assert [(e["kind"], e["stage"].split(":")[1], e["seconds"]) for e in show["log"]] == [
        ("handover", "pitch", 3),
        ("extend", "pitch", 60),
        ("handover", "qa", 1),
    ]
    assert show["overruns"] == [{"stage": f"{first['item_id']}:pitch", "seconds": 60, "by": ["c"]}]
    assert [c["title"] for c in show["chapters"]] == ["甲"]
    edited = await staff.call("PATCH", f"{path}/items/{first['item_id']}", json={"qa_minutes": 9})
    assert (await error_of(edited))[:2] == (409, "slot_started")
    moved = await staff.call(
        "PUT", f"{path}/item-order", json={"item_ids": [second["item_id"], first["item_id"]]}
    )
    assert (await error_of(moved))[:2] == (409, "slot_started")
    gone = await staff.call("DELETE", f"{path}/items/{first['item_id']}")
    assert (await error_of(gone))[:2] == (409, "slot_started")
    later = await staff.call("PATCH", f"{path}/items/{second['item_id']}", json={"qa_minutes": 2})
    assert later.status == 200


async def test_bad_buffers_and_other_kinds_are_refused_with_nothing_written(client, store) -> None:
    staff = await sign_in_staff(client, store, email="host@example.org")
    path = await roadshow(staff)
    event = await created(staff, "/api/events", FORUM)
    review = await created(
        staff, f"/api/events/{event['event_id']}/sessions", {**SHOW, "kind": "review"}
    )

    for minutes in (-1, 31, "2", None):
        response = await staff.call("PUT", f"{path}/show/buffer", json={"minutes": minutes})
        assert response.status == 400, minutes
    assert (await (await staff.call("GET", f"{path}/show")).json())["buffer_minutes"] == 0
    response = await staff.call(
        "PUT", f"/api/sessions/{review['session_id']}/show/buffer", json={"minutes": 1}
    )
    assert (await error_of(response))[:2] == (409, "not_a_roadshow")


async def test_a_pitch_links_to_an_achievement_of_its_own_organizations_library(
    client, store, aiohttp_client
) -> None:
    staff = await sign_in_staff(client, store, email="host@example.org")
    other = await sign_in_staff(await aiohttp_client(client.server), store, email="o@example.org")
    path = await roadshow(staff)
    ours = await (await staff.call("POST", "/api/achievements", json=BATTERY_ACHIEVEMENT)).json()
    theirs = await (await other.call("POST", "/api/achievements", json=BATTERY_ACHIEVEMENT)).json()

    unknown = await staff.call(
        "POST", f"{path}/items", json={"title_en": "A", "achievement_id": "abc123"}
    )
    foreign = await staff.call(
        "POST", f"{path}/items", json={"title_en": "A", "achievement_id": theirs["id"]}
    )
    odd = await staff.call("POST", f"{path}/items", json={"title_en": "A", "achievement_id": "a/b"})
    assert [(await error_of(r))[:2] for r in (unknown, foreign)] == [(404, "not_found")] * 2
    assert (await error_of(odd))[:2] == (400, "invalid_field")
    assert await (await staff.call("GET", f"{path}/items")).json() == []  # nothing written
    pitch = await created(staff, f"{path}/items", {"title_en": "A", "achievement_id": ours["id"]})
    session = await store.agenda.get_session(path.rsplit("/", 1)[1])
    show = await store.shows.show(session)

    assert pitch["achievement_id"] == ours["id"]
    assert [slot.achievement_id for slot in show.plan.slots] == [ours["id"]]
    console = await (await client.get(f"/console/sessions/{session.session_id}")).text()
    chosen = f'<option value="{ours["id"]}" selected>{BATTERY_ACHIEVEMENT["title"]}</option>'
    assert 'name="achievement_id"' in console and chosen in console  # staff pick it there
