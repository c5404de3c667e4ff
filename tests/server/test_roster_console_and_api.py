"""Who can be put on a roster is one rule (rooms.roster): the console's add-person form and
POST /api/sessions/{session_id}/roster answer the same for the same person, e-mail syntax
included (an address with "/" is refused by both)."""

from datetime import UTC, datetime
from typing import Any

import pytest

from rooms.limits import NAME_MAX
from tests.server.fixtures_login import Staff, create_staff, sign_in_staff

FORUM = {
    "title_zh": "材料论坛",
    "zone": "Asia/Shanghai",
    "start_date": "2030-05-01",
    "end_date": "2030-05-02",
}
TALK = {"kind": "meeting", "title": "Talk", "start": "2030-05-01T09:30", "end": "2030-05-01T10:30"}
ADDED, REFUSED = "added", "refused"
GU = [("guest:gu@example.org", "Gu Guest", "gu@example.org")]
LI = [("guest:li@example.org", "li@example.org", "li@example.org")]
WU = [("guest:wu@example.org", "吴" * NAME_MAX, "wu@example.org")]


@pytest.fixture
async def staff(client, store) -> Staff:
    return await sign_in_staff(client, store, email="host@example.org", name="Hu Host")


async def new_session(staff: Staff) -> str:
    event = await (await staff.call("POST", "/api/events", json=FORUM)).json()
    path = f"/api/events/{event['event_id']}/sessions"
    return str((await (await staff.call("POST", path, json=TALK)).json())["session_id"])


async def roster(store, session_id: str) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return [(e.person_key, e.name, e.email) for e in await store.agenda.roster_of(session_id)]


async def by_console(staff: Staff, store, form: dict[str, str]) -> tuple[Any, ...]:  # type: ignore[no-untyped-def]
    session_id = await new_session(staff)
    path = f"/console/sessions/{session_id}/roster"
    form = {"role": "attendee", **form}
    response = await staff.call("POST", path, data=form, allow_redirects=False)
    status = ADDED if response.status == 303 else REFUSED
    return status, await roster(store, session_id)


async def by_api(staff: Staff, store, body: dict[str, Any]) -> tuple[Any, ...]:  # type: ignore[no-untyped-def]
    session_id = await new_session(staff)
    path = f"/api/sessions/{session_id}/roster"
    response = await staff.call("POST", path, json={"role": "attendee", **body})
    status = ADDED if response.status == 201 else REFUSED
    return status, await roster(store, session_id)


@pytest.mark.parametrize(
    ("email", "name", "expected"),
    [
        ("Gu@Example.org", "Gu Guest", (ADDED, GU)),
        (" li@example.org ", "", (ADDED, LI)),  # no name: the address stands for it
        ("wu@example.org", "吴" * NAME_MAX, (ADDED, WU)),
        ("gu/ops@example.org", "Gu", (REFUSED, [])),
        ("gu@example.org/ops", "Gu", (REFUSED, [])),
        ("gu.example.org", "Gu", (REFUSED, [])),
        ("gu guest@example.org", "Gu", (REFUSED, [])),
        ("gu\u3000@example.org", "Gu", (REFUSED, [])),
        ("gu@localhost", "Gu", (REFUSED, [])),
        ("wu@example.org", "x" * (NAME_MAX + 1), (REFUSED, [])),
    ],
)
async def test_a_guest_gets_the_same_answer_from_console_and_api(
    staff, store, email: str, name: str, expected: tuple[Any, ...]
) -> None:
    console = await by_console(staff, store, {"person_type": "guest", "email": email, "name": name})
    api = await by_api(staff, store, {"person": {"type": "guest", "email": email}, "name": name})

    assert console == api == expected


@pytest.mark.parametrize(
    ("person", "api_error", "console_message"),
    [
        (
            {"type": "guest", "email": "gu/ops@example.org"},
            ("invalid_email", "Field person.email is not a valid email address."),
            "gu/ops@example.org is not a valid email address.",
        ),
        (
            {"type": "expert", "id": "0123456789abcdef"},
            ("unknown_person", "No such person in your organization."),
            "No such person in your organization.",
        ),
    ],
)
async def test_console_and_api_refuse_for_the_same_reason(
    staff, person: dict[str, str], api_error: tuple[str, str], console_message: str
) -> None:
    session_id = await new_session(staff)
    form = {"person_type": person["type"], "role": "attendee"}
    form |= {"email": person["email"]} if "email" in person else {"expert_id": person["id"]}
    body = {"person": person, "role": "attendee"}

    page = await staff.call("POST", f"/console/sessions/{session_id}/roster", data=form)
    api = await staff.call("POST", f"/api/sessions/{session_id}/roster", json=body)

    code, message = api_error
    assert (await api.json())["error"] == {"code": code, "message": message}
    assert f'<p class="form-error" role="alert">{console_message}</p>' in await page.text()


@pytest.mark.parametrize("whose", ["ours", "theirs", "nobody's"])
@pytest.mark.parametrize("person_type", ["account", "expert"])
async def test_a_member_gets_the_same_answer_from_console_and_api(
    staff, store, whose: str, person_type: str
) -> None:
    org = staff.org if whose == "ours" else (await create_staff(store, email="r@example.org"))[0]
    if person_type == "account":
        _, account = await create_staff(store, email="zhao@example.org", name="Zhao", org=org)
        member_id = account.account_id
    else:
        fields = {"name": "Zhao", "email": "zhao@example.org"}
        expert = await store.experts.create(org_id=org.org_id, fields=fields, now=datetime.now(UTC))
        member_id = expert.expert_id
    member_id = member_id if whose != "nobody's" else "0123456789abcdef"

    console = await by_console(
        staff, store, {"person_type": person_type, f"{person_type}_id": member_id}
    )
    api = await by_api(staff, store, {"person": {"type": person_type, "id": member_id}})

    expected = (
        (ADDED, [(f"{person_type}:{member_id}", "Zhao", "zhao@example.org")])
        if whose == "ours"
        else (REFUSED, [])
    )
    assert console == api == expected
