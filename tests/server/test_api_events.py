"""The /api/ events endpoints: public reading, staff writing within their organization."""

from typing import Any

import pytest

from tests.server.fixtures_login import Staff, sign_in_staff

BASE = "http://127.0.0.1:8080"  # settings.base_url in tests/conftest.py
FORUM = {
    "title_zh": "智能制造论坛",
    "title_en": "Smart Manufacturing Forum",
    "description": "Two days of talks.",
    "zone": "Asia/Shanghai",
    "start_date": "2027-05-01",
    "end_date": "2027-05-02",
    "visibility": "public",
}


@pytest.fixture
async def staff(client, store) -> Staff:
    return await sign_in_staff(client, store, email="host@example.org")


@pytest.fixture
async def rival(aiohttp_client, client, store) -> Staff:
    """Staff of another organization, in their own browser."""
    return await sign_in_staff(
        await aiohttp_client(client.server), store, email="rival@example.org"
    )


@pytest.fixture
async def anonymous(aiohttp_client, client):
    """A browser of the same app that has not signed in."""
    return await aiohttp_client(client.server)


async def create_event(staff: Staff, **changes: Any) -> dict[str, Any]:
    response = await staff.call("POST", "/api/events", json={**FORUM, **changes})
    assert response.status == 201, await response.text()
    return await response.json()


async def test_create_event_answers_the_event_with_its_links(staff) -> None:
    response = await staff.call("POST", "/api/events", json=FORUM)

    assert response.status == 201
    event = await response.json()
    event_id = event["event_id"]
    assert event == {
        **FORUM,
        "event_id": event_id,
        "sequence": 0,
        "created_at": event["created_at"],
        "updated_at": event["created_at"],
        "url": f"{BASE}/events/{event_id}",
        "ics_url": f"{BASE}/events/{event_id}/calendar.ics",
    }
    assert event["created_at"].endswith("Z")


async def test_create_event_without_sign_in_is_unauthorized(client) -> None:
    token = (await (await client.get("/api/me")).json())["csrf_token"]

    response = await client.post("/api/events", json=FORUM, headers={"X-CSRF-Token": token})

    assert response.status == 401
    assert (await response.json())["error"]["code"] == "unauthorized"


async def test_create_event_without_csrf_token_is_forbidden(staff) -> None:
    response = await staff.client.post("/api/events", json=FORUM)

    assert response.status == 403
    assert (await response.json())["error"]["code"] == "csrf_failed"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"zone": "Mars/Olympus"}, "invalid_zone"),
        ({"zone": "../../etc/passwd"}, "invalid_zone"),
        ({"zone": "localtime"}, "invalid_zone"),
        ({"start_date": "2027-02-30"}, "invalid_time"),
        ({"end_date": "2027-04-30"}, "invalid_time"),
        ({"title_zh": "", "title_en": ""}, "missing_title"),
        ({"visibility": "secret"}, "invalid_choice"),
        ({"capacity": 10}, "unknown_field"),
        ({"title_en": 42}, "invalid_type"),
        ({"title_en": "x" * 201}, "invalid_length"),
    ],
)
async def test_create_event_refuses_bad_fields_with_400(staff, changes, code) -> None:
    response = await staff.call("POST", "/api/events", json={**FORUM, **changes})

    assert response.status == 400
    assert (await response.json())["error"]["code"] == code


async def test_create_event_without_a_zone_names_the_missing_field(staff) -> None:
    body = {name: value for name, value in FORUM.items() if name != "zone"}

    response = await staff.call("POST", "/api/events", json=body)

    assert response.status == 400
    assert await response.json() == {
        "error": {"code": "missing_field", "message": "Field zone is required."}
    }


async def test_create_event_error_speaks_chinese_to_a_chinese_browser(staff) -> None:
    response = await staff.call(
        "POST", "/api/events", json={**FORUM, "visibility": 1}, headers={"Accept-Language": "zh"}
    )

    assert response.status == 400
    assert (await response.json())["error"]["message"] == "字段 visibility 必须是字符串。"


async def test_public_events_list_only_public_events_to_anyone(anonymous, staff) -> None:
    listed = await create_event(staff, title_en="Listed")
    await create_event(staff, title_en="Hidden", visibility="unlisted")

    response = await anonymous.get("/api/events")

    assert response.status == 200
    assert await response.json() == [listed]


async def test_org_events_include_unlisted_but_not_other_organizations(staff, rival) -> None:
    listed = await create_event(staff, title_en="Listed")
    hidden = await create_event(staff, title_en="Hidden", visibility="unlisted")
    await create_event(rival, title_en="Theirs")

    response = await staff.call("GET", "/api/org/events")

    assert response.status == 200
    assert sorted(e["event_id"] for e in await response.json()) == sorted(
        [listed["event_id"], hidden["event_id"]]
    )


async def test_org_events_need_sign_in(client) -> None:
    response = await client.get("/api/org/events")

    assert response.status == 401


async def test_get_event_by_id_is_public_even_when_unlisted(anonymous, staff) -> None:
    event = await create_event(staff, visibility="unlisted")

    response = await anonymous.get(f"/api/events/{event['event_id']}")

    assert response.status == 200
    assert await response.json() == {**event, "agenda": []}


async def test_get_event_includes_its_agenda(staff) -> None:
    event = await create_event(staff)
    session = {"kind": "meeting", "title": "Opening", "start": "2027-05-01T09:00"}
    created = await staff.call(
        "POST",
        f"/api/events/{event['event_id']}/sessions",
        json={**session, "end": "2027-05-01T10:00"},
    )

    response = await staff.call("GET", f"/api/events/{event['event_id']}")

    assert [s["session_id"] for s in (await response.json())["agenda"]] == [
        (await created.json())["session_id"]
    ]


async def test_get_unknown_event_is_404_json(anonymous) -> None:
    response = await anonymous.get("/api/events/nope")

    assert response.status == 404
    assert await response.json() == {"error": {"code": "not_found", "message": "No event nope."}}


async def test_update_event_changes_only_the_fields_sent(staff) -> None:
    event = await create_event(staff)

    response = await staff.call(
        "PATCH", f"/api/events/{event['event_id']}", json={"title_en": "Renamed"}
    )

    assert response.status == 200
    updated = await response.json()
    assert updated == {
        **event,
        "title_en": "Renamed",
        "sequence": 1,
        "updated_at": updated["updated_at"],
    }


async def test_update_event_of_another_organization_is_not_found(staff, rival) -> None:
    event = await create_event(staff, visibility="unlisted")

    response = await rival.call(
        "PATCH", f"/api/events/{event['event_id']}", json={"title_en": "Mine now"}
    )

    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"


async def test_update_event_refuses_a_bad_zone(staff) -> None:
    event = await create_event(staff)

    response = await staff.call("PATCH", f"/api/events/{event['event_id']}", json={"zone": ""})

    assert response.status == 400
    assert (await response.json())["error"]["code"] == "invalid_zone"


async def test_event_sessions_are_public_and_ordered_by_start(anonymous, staff) -> None:
    event = await create_event(staff, visibility="unlisted")
    path = f"/api/events/{event['event_id']}/sessions"
    for start, end in [("14:00", "15:00"), ("09:00", "10:00")]:
        body = {"kind": "class", "title": start, "start": f"2027-05-01T{start}"}
        await staff.call("POST", path, json={**body, "end": f"2027-05-01T{end}"})

    response = await anonymous.get(path)

    assert response.status == 200
    assert [s["title"] for s in await response.json()] == ["09:00", "14:00"]


async def test_event_sessions_of_unknown_event_is_404(anonymous) -> None:
    response = await anonymous.get("/api/events/nope/sessions")

    assert response.status == 404
