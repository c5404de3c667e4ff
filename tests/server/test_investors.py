"""The investor directory through the API and the console, on a real Redis; inviting an
investor to a session puts them on its roster with a personal invite."""

from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from server.store import Store
from tests.server.fixtures_login import Staff, sign_in_staff

ZHAO = {"name": "赵敏", "email": "zhao@fund.example.com", "organization": "示范创投",
        "disciplines": ["0805"], "industries": ["新能源"], "stages": ["angel"]}  # fmt: skip


@pytest.fixture
async def staff(client, store: Store) -> Staff:
    return await sign_in_staff(client, store, email="staff@example.org")


async def roadshow(staff: Staff) -> str:
    start = datetime.now(UTC) + timedelta(days=3)
    event = await staff.call("POST", "/api/events", json={
        "title_en": "Forum", "zone": "Asia/Shanghai", "visibility": "public",
        "start_date": start.date().isoformat(), "end_date": start.date().isoformat(),
    })  # fmt: skip
    assert event.status == 201, await event.text()
    session = await staff.call(
        "POST", f"/api/events/{(await event.json())['event_id']}/sessions",
        json={"kind": "roadshow", "title": "Roadshow", "start": f"{start.date()}T10:00",
              "end": f"{start.date()}T12:00"},
    )  # fmt: skip
    assert session.status == 201, await session.text()
    return str((await session.json())["session_id"])


async def test_create_list_filter_update_delete(staff: Staff) -> None:
    made = await (await staff.call("POST", "/api/investors", json=ZHAO)).json()
    path = f"/api/investors/{made['investor_id']}"

    angel = await (await staff.call("GET", "/api/investors?stage=angel&discipline=0805")).json()
    growth = await (await staff.call("GET", "/api/investors?stage=growth")).json()
    patched = await (await staff.call("PATCH", path, json={"title": "合伙人"})).json()
    taken = await staff.call("POST", "/api/investors", json={**ZHAO, "name": "另一位"})
    deleted = await staff.call("DELETE", path)

    assert [i["name"] for i in angel] == ["赵敏"] and growth == []
    assert (patched["title"], patched["stages"]) == ("合伙人", ["angel"])
    assert (taken.status, (await taken.json())["error"]["code"]) == (409, "email_taken")
    assert deleted.status == 204
    assert await (await staff.call("GET", "/api/investors")).json() == []


async def test_inviting_an_investor_rosters_them_with_a_personal_invite(
    staff: Staff, store: Store
) -> None:
    made = await (await staff.call("POST", "/api/investors", json=ZHAO)).json()
    session_id = await roadshow(staff)

    response = await staff.call(
        "POST", f"/api/investors/{made['investor_id']}/invite",
        json={"session_id": session_id, "role": "attendee"},
    )  # fmt: skip

    body = await response.json()
    roster = await store.agenda.roster_of(session_id)
    invite = await store.invites.get(body["invite_id"])
    assert response.status == 201, body
    assert [(e.name, e.email, e.role.value) for e in roster] == [
        ("赵敏", "zhao@fund.example.com", "attendee"),
    ]  # fmt: skip
    assert invite is not None and invite.holder == roster[0].person_key


async def test_another_organizations_investor_or_session_is_not_found(
    client, staff: Staff, store: Store, aiohttp_client
) -> None:
    made = await (await staff.call("POST", "/api/investors", json=ZHAO)).json()
    session_id = await roadshow(staff)
    other = await sign_in_staff(await aiohttp_client(client.server), store, email="o@example.org")
    theirs = await (await other.call("POST", "/api/investors", json=ZHAO)).json()

    mine_by_them = await other.call("GET", f"/api/investors/{made['investor_id']}")
    into_my_session = await other.call(
        "POST", f"/api/investors/{theirs['investor_id']}/invite",
        json={"session_id": session_id, "role": "attendee"},
    )  # fmt: skip

    assert (mine_by_them.status, into_my_session.status) == (404, 404)
    assert await store.agenda.roster_of(session_id) == []


def form(staff: Staff, **fields: str | list[str]) -> aiohttp.FormData:
    data = aiohttp.FormData()
    data.add_field("csrf_token", staff.csrf_token)
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            data.add_field(name, item)
    return data


async def test_console_adds_escapes_and_invites(client, staff: Staff, store: Store) -> None:
    session_id = await roadshow(staff)
    created = await client.post(
        "/console/investors/new",
        data=form(staff, name="<b>Grace</b>", email="grace@example.com", kind="investor",
                  stages=["series_a"], industries="Healthcare; 医疗"),
        allow_redirects=False,
    )  # fmt: skip
    page = await (await client.get(created.headers["Location"])).text()
    listing = await (await client.get("/console/investors?stage=series_a")).text()
    invited = await client.post(
        f"{created.headers['Location']}/invite",
        data=form(staff, session_id=session_id, role="observer"),
        allow_redirects=False,
    )
    no_token = await client.post(f"{created.headers['Location']}/delete", data={"confirm": "yes"})

    assert created.status == 303 and "&lt;b&gt;Grace&lt;/b&gt;" in page and "<b>Grace" not in page
    assert "&lt;b&gt;Grace&lt;/b&gt;" in listing and "Roadshow" in page
    assert invited.status == 303 and invited.headers["Location"].startswith(
        f"/console/sessions/{session_id}?invite="
    )
    assert [e.role.value for e in await store.agenda.roster_of(session_id)] == ["observer"]
    assert no_token.status == 403


async def test_console_refuses_a_bad_form_in_the_viewers_language(client, staff: Staff) -> None:
    response = await client.post(
        "/console/investors/new",
        data=form(staff, name="X", email="x@example.com", disciplines=["9999"]),
        cookies={"lang": "zh_CN"},
    )

    assert response.status == 400
    assert "未知学科" in await response.text()
