"""The /api/ sessions endpoints: agenda items, their changes, cancellation and rosters."""

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.server.fixtures_login import Staff, sign_in_staff

BASE = "http://127.0.0.1:8080"  # settings.base_url in tests/conftest.py
FORUM = {
    "title_zh": "智能制造论坛",
    "zone": "Asia/Shanghai",
    "start_date": "2027-05-01",
    "end_date": "2027-05-02",
    "visibility": "unlisted",
}
OPENING = {"kind": "meeting", "title": "Opening", "start": "2027-05-01T09:30"}
OPENING_END = "2027-05-01T10:30"


@pytest.fixture
async def staff(client, store) -> Staff:
    return await sign_in_staff(client, store, email="host@example.org", name="Wang Fang")


@pytest.fixture
async def rival(aiohttp_client, client, store) -> Staff:
    """Staff of another organization, in their own browser."""
    return await sign_in_staff(
        await aiohttp_client(client.server), store, email="rival@example.org"
    )


@pytest.fixture
async def anonymous(aiohttp_client, client):
    return await aiohttp_client(client.server)


async def created(response) -> dict[str, Any]:
    assert response.status == 201, await response.text()
    return await response.json()


@pytest.fixture
async def event(staff) -> dict[str, Any]:
    return await created(await staff.call("POST", "/api/events", json=FORUM))


async def add_session(staff: Staff, event: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body = {**OPENING, "end": OPENING_END, **changes}
    path = f"/api/events/{event['event_id']}/sessions"
    return await created(await staff.call("POST", path, json=body))


@pytest.fixture
async def session(staff, event) -> dict[str, Any]:
    return await add_session(staff, event)


def roster_path(session: dict[str, Any]) -> str:
    return f"/api/sessions/{session['session_id']}/roster"


async def test_create_session_answers_utc_and_local_times(staff, event) -> None:
    path = f"/api/events/{event['event_id']}/sessions"

    response = await staff.call("POST", path, json={**OPENING, "end": OPENING_END})

    assert response.status == 201
    session = await response.json()
    session_id = session["session_id"]
    assert session == {
        "session_id": session_id,
        "event_id": event["event_id"],
        "kind": "meeting",
        "title": "Opening",
        "description": "",
        "start": "2027-05-01T01:30:00Z",
        "end": "2027-05-01T02:30:00Z",
        "start_local": "2027-05-01T09:30:00+08:00",
        "end_local": "2027-05-01T10:30:00+08:00",
        "zone": "Asia/Shanghai",
        "capacity": 100,
        "lobby": True,
        "lobby_minutes": 15,
        "recording_allowed": False,
        "state": "scheduled",
        "sequence": 0,
        "url": f"{BASE}/sessions/{session_id}",
        "ics_url": f"{BASE}/sessions/{session_id}/calendar.ics",
    }


async def test_create_session_in_another_organizations_event_is_not_found(rival, event) -> None:
    path = f"/api/events/{event['event_id']}/sessions"

    response = await rival.call("POST", path, json={**OPENING, "end": OPENING_END})

    assert response.status == 404


async def test_create_session_in_a_dst_gap_is_refused(staff) -> None:
    new_york = {**FORUM, "zone": "America/New_York", "start_date": "2027-03-14"}
    event = await created(
        await staff.call("POST", "/api/events", json={**new_york, "end_date": "2027-03-14"})
    )
    body = {**OPENING, "start": "2027-03-14T02:30", "end": "2027-03-14T03:30"}

    response = await staff.call("POST", f"/api/events/{event['event_id']}/sessions", json=body)

    assert response.status == 400
    assert (await response.json())["error"]["code"] == "nonexistent_local_time"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"start": "tomorrow"}, "invalid_time"),
        ({"start": "2027-05-01T09:30+08:00"}, "invalid_time"),
        ({"end": "2027-05-01T09:00"}, "invalid_span"),
        ({"end": "2027-05-02T10:30"}, "invalid_span"),
        ({"start": "2027-06-01T09:30", "end": "2027-06-01T10:30"}, "outside_event_dates"),
        ({"kind": "party"}, "invalid_choice"),
        ({"capacity": 0}, "out_of_range"),
        ({"capacity": "10"}, "invalid_type"),
        ({"lobby": "yes"}, "invalid_type"),
        ({"room": "A"}, "unknown_field"),
    ],
)
async def test_create_session_refuses_bad_fields_with_400(staff, event, changes, code) -> None:
    body = {**OPENING, "end": OPENING_END, **changes}

    response = await staff.call("POST", f"/api/events/{event['event_id']}/sessions", json=body)

    assert response.status == 400
    assert (await response.json())["error"]["code"] == code


async def test_get_session_is_public(anonymous, session) -> None:
    response = await anonymous.get(f"/api/sessions/{session['session_id']}")

    assert response.status == 200
    assert await response.json() == session


async def test_get_unknown_session_is_404_json(anonymous) -> None:
    response = await anonymous.get("/api/sessions/nope")

    assert response.status == 404
    assert await response.json() == {"error": {"code": "not_found", "message": "No session nope."}}


async def test_update_session_moves_it_and_bumps_its_sequence(staff, session) -> None:
    changes = {"start": "2027-05-02T14:00", "end": "2027-05-02T15:00", "capacity": 50}

    response = await staff.call("PATCH", f"/api/sessions/{session['session_id']}", json=changes)

    assert response.status == 200
    updated = await response.json()
    assert updated == {
        **session,
        "start": "2027-05-02T06:00:00Z",
        "end": "2027-05-02T07:00:00Z",
        "start_local": "2027-05-02T14:00:00+08:00",
        "end_local": "2027-05-02T15:00:00+08:00",
        "capacity": 50,
        "sequence": 1,
    }


async def test_update_session_of_another_organization_is_not_found(rival, session) -> None:
    response = await rival.call(
        "PATCH", f"/api/sessions/{session['session_id']}", json={"title": "Mine"}
    )

    assert response.status == 404


async def test_cancel_session_then_again_is_a_conflict(staff, session) -> None:
    path = f"/api/sessions/{session['session_id']}/cancel"

    first = await staff.call("POST", path)
    second = await staff.call("POST", path, json={})

    assert first.status == 200
    assert await first.json() == {**session, "state": "cancelled", "sequence": 1}
    assert second.status == 409
    assert (await second.json())["error"] == {
        "code": "illegal_transition",
        "message": "A session that is cancelled cannot become cancelled.",
    }


async def test_a_sessions_errors_name_it_by_its_kind_in_chinese(staff, session) -> None:
    path = f"/api/sessions/{session['session_id']}/cancel"
    await staff.call("POST", path)

    again = await staff.call("POST", path, headers={"Accept-Language": "zh-CN"})

    assert (await again.json())["error"]["message"] == "状态为 cancelled 的会议不能变为 cancelled。"


async def test_cancel_session_refuses_a_body_with_fields(staff, session) -> None:
    path = f"/api/sessions/{session['session_id']}/cancel"

    response = await staff.call("POST", path, json={"reason": "rain"})

    assert response.status == 400
    assert (await response.json())["error"]["code"] == "unknown_field"


async def test_cancel_session_of_another_organization_is_not_found(rival, session) -> None:
    response = await rival.call("POST", f"/api/sessions/{session['session_id']}/cancel")

    assert response.status == 404


async def test_roster_takes_a_guest_by_email(staff, session) -> None:
    person = {"type": "guest", "email": "Li.Wei@Example.org"}

    response = await staff.call(
        "POST", roster_path(session), json={"person": person, "role": "attendee", "name": "Li"}
    )

    assert response.status == 201
    assert await response.json() == {
        "person_key": "guest:li.wei@example.org",
        "person_type": "guest",
        "role": "attendee",
        "name": "Li",
        "email": "li.wei@example.org",
    }


async def test_roster_names_an_account_from_the_accounts(staff, session) -> None:
    person = {"type": "account", "id": staff.account.account_id}

    response = await staff.call(
        "POST", roster_path(session), json={"person": person, "role": "host"}
    )

    assert await created(response) == {
        "person_key": f"account:{staff.account.account_id}",
        "person_type": "account",
        "role": "host",
        "name": "Wang Fang",
        "email": "host@example.org",
    }


async def test_roster_finds_an_account_by_email(staff, session) -> None:
    person = {"type": "account", "email": "HOST@example.org"}

    response = await staff.call(
        "POST", roster_path(session), json={"person": person, "role": "host"}
    )

    assert (await created(response))["person_key"] == f"account:{staff.account.account_id}"


async def test_roster_names_an_expert_from_the_pool(staff, store, session) -> None:
    expert = await store.experts.create(
        org_id=staff.org.org_id,
        fields={"name": "Zhang San", "email": "zhang@uni.example.edu"},
        now=datetime.now(UTC),
    )
    person = {"type": "expert", "id": expert.expert_id}

    response = await staff.call(
        "POST", roster_path(session), json={"person": person, "role": "presenter"}
    )

    assert await created(response) == {
        "person_key": f"expert:{expert.expert_id}",
        "person_type": "expert",
        "role": "presenter",
        "name": "Zhang San",
        "email": "zhang@uni.example.edu",
    }


async def test_roster_refuses_another_organizations_account(staff, rival, session) -> None:
    person = {"type": "account", "id": rival.account.account_id}

    response = await staff.call(
        "POST", roster_path(session), json={"person": person, "role": "host"}
    )

    assert response.status == 404
    assert (await response.json())["error"]["code"] == "unknown_person"


@pytest.mark.parametrize(
    ("person", "role", "code"),
    [
        ({"type": "guest", "id": "x"}, "attendee", "guest_email"),
        ({"type": "guest", "email": "not-an-email"}, "attendee", "invalid_email"),
        ({"type": "account"}, "host", "missing_field"),
        ({"type": "robot", "id": "x"}, "host", "invalid_choice"),
        ({"type": "guest", "email": "a@b.org", "vip": True}, "attendee", "unknown_field"),
        ({"type": "guest", "email": "a@b.org"}, "signer", "invalid_role"),
        ("guest:a@b.org", "attendee", "invalid_type"),
    ],
)
async def test_roster_refuses_bad_people_and_roles(staff, session, person, role, code) -> None:
    response = await staff.call("POST", roster_path(session), json={"person": person, "role": role})

    assert response.status == 400
    assert (await response.json())["error"]["code"] == code


async def test_roster_refuses_double_booking(staff, event, session) -> None:
    overlapping = await add_session(staff, event, start="2027-05-01T10:00", end="2027-05-01T11:00")
    host = {"person": {"type": "account", "id": staff.account.account_id}, "role": "host"}
    await created(await staff.call("POST", roster_path(session), json=host))

    response = await staff.call("POST", roster_path(overlapping), json=host)

    assert response.status == 409
    assert (await response.json())["error"] == {
        "code": "double_booked",
        "message": "Wang Fang is already booked at that time, for “Opening”.",
    }


async def test_roster_lists_removes_and_is_staff_only(staff, rival, anonymous, session) -> None:
    guest = {"person": {"type": "guest", "email": "li@example.org"}, "role": "attendee"}
    entry = await created(await staff.call("POST", roster_path(session), json=guest))

    listed = await staff.call("GET", roster_path(session))
    removed = await staff.call("DELETE", f"{roster_path(session)}/{entry['person_key']}")
    after = await staff.call("GET", roster_path(session))

    assert await listed.json() == [entry]
    assert removed.status == 204
    assert await after.json() == []
    assert (await rival.call("GET", roster_path(session))).status == 404
    assert (await anonymous.get(roster_path(session))).status == 401


async def test_removing_someone_not_on_the_roster_is_not_found(staff, session) -> None:
    response = await staff.call("DELETE", f"{roster_path(session)}/guest:nobody@example.org")

    assert response.status == 404


async def test_my_sessions_are_those_i_am_on_the_roster_of(staff, event, session) -> None:
    await add_session(staff, event, title="Not mine")
    host = {"person": {"type": "account", "id": staff.account.account_id}, "role": "host"}
    await created(await staff.call("POST", roster_path(session), json=host))

    response = await staff.call("GET", "/api/me/sessions")

    assert response.status == 200
    assert await response.json() == [session]


async def test_my_sessions_need_sign_in(anonymous) -> None:
    response = await anonymous.get("/api/me/sessions")

    assert response.status == 401
