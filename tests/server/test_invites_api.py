"""/api/sessions/{session_id}/invites: staff issue, list and revoke invite links."""

from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from rooms.agenda import Session
from rooms.invites import Invite
from server.invitations import read_token
from server.settings import Settings
from server.store import Store
from tests.server.fixtures_login import Staff, csrf_token, sign_in_staff
from tests.server.pages_world import make_event, make_session


@pytest.fixture
async def staff(client: TestClient, store: Store) -> Staff:
    return await sign_in_staff(client, store, email="host@example.org")


@pytest.fixture
async def review(staff: Staff, store: Store) -> Session:
    event = await make_event(store, staff.account)
    start, end = "2030-05-01T09:00", "2030-05-01T11:00"
    return await make_session(store, event, title="Panel A", start=start, end=end, kind="review")


def path(session: Session) -> str:
    return f"/api/sessions/{session.session_id}/invites"


async def test_create_invite_gives_its_link_and_record(
    staff: Staff, review: Session, store: Store, settings: Settings
) -> None:
    body = {"role": "reviewer", "name": "Li Wei", "email": "Li.Wei@example.org"}
    before = datetime.now(UTC).replace(microsecond=0)

    response = await staff.call("POST", path(review), json=body | {"single_use": True})

    assert response.status == 201
    data = await response.json()
    token = data["url"].removeprefix("http://127.0.0.1:8080/invite/")
    claim = read_token(settings, token, now=datetime.now(UTC))
    assert (claim.invite_id, claim.session_id, claim.role) == (
        data["invite_id"],
        review.session_id,
        "reviewer",
    )
    assert {k: data[k] for k in ("role", "name", "email", "single_use", "status")} == {
        "role": "reviewer",
        "name": "Li Wei",
        "email": "li.wei@example.org",
        "single_use": True,
        "status": "active",
    }
    assert (data["person_key"], data["qr_url"]) == (
        "guest:li.wei@example.org",
        data["url"] + "/qr.svg",
    )
    expires = datetime.fromisoformat(data["expires_at"])
    assert before + timedelta(days=30) <= expires <= datetime.now(UTC) + timedelta(days=30)
    stored = await store.invites.get(data["invite_id"])
    assert isinstance(stored, Invite) and stored.created_by == staff.account.account_id


async def test_create_invite_takes_the_given_expiry(staff: Staff, review: Session) -> None:
    body = {"role": "observer", "name": "Li Wei", "expires_in_days": 3}

    data = await (await staff.call("POST", path(review), json=body)).json()

    lifetime = datetime.fromisoformat(data["expires_at"]) - datetime.fromisoformat(
        data["created_at"]
    )
    assert (lifetime, data["single_use"], data["person_key"]) == (
        timedelta(days=3),
        False,
        f"invite:{data['invite_id']}",
    )


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"role": "signer", "name": "Li Wei"}, "invalid_role"),  # no signers in a review
        ({"role": "boss", "name": "Li Wei"}, "invalid_choice"),
        ({"name": "Li Wei"}, "missing_field"),
        ({"role": "reviewer", "name": ""}, "invalid_length"),
        ({"role": "reviewer", "name": "Li", "email": "not-an-email"}, "invalid_email"),
        ({"role": "reviewer", "name": "Li", "expires_in_days": 0}, "out_of_range"),
        ({"role": "reviewer", "name": "Li", "expires_in_days": 366}, "out_of_range"),
        ({"role": "reviewer", "name": "Li", "single_use": "yes"}, "invalid_type"),
        ({"role": "reviewer", "name": "Li", "token": "x"}, "unknown_field"),
    ],
)
async def test_create_invite_refuses_a_bad_body(
    staff: Staff, review: Session, store: Store, body: dict[str, object], code: str
) -> None:
    response = await staff.call("POST", path(review), json=body)

    assert (response.status, (await response.json())["error"]["code"]) == (400, code)
    assert await store.invites.of_session(review.session_id) == []


async def test_list_invites_shows_each_status(
    staff: Staff, review: Session, store: Store, settings: Settings
) -> None:
    created = []
    for name, single_use in [("Active", False), ("Revoked", False), ("Used", True)]:
        body = {"role": "observer", "name": name, "single_use": single_use}
        created.append(await (await staff.call("POST", path(review), json=body)).json())
    await staff.call("DELETE", f"{path(review)}/{created[1]['invite_id']}")
    used = await store.invites.get(created[2]["invite_id"])
    assert used is not None and await store.invites.spend(used, now=datetime.now(UTC))

    response = await staff.call("GET", path(review))

    listed = await response.json()
    assert response.status == 200
    assert [(i["name"], i["status"]) for i in listed] == [
        ("Active", "active"),
        ("Revoked", "revoked"),
        ("Used", "used"),
    ]
    assert [i["url"] for i in listed] == [i["url"] for i in created]


async def test_revoke_invite_marks_it_revoked(staff: Staff, review: Session, store: Store) -> None:
    body = {"role": "observer", "name": "Li Wei"}
    invite_id = (await (await staff.call("POST", path(review), json=body)).json())["invite_id"]

    response = await staff.call("DELETE", f"{path(review)}/{invite_id}")

    assert (response.status, (await response.json())["status"]) == (200, "revoked")
    stored = await store.invites.get(invite_id)
    assert stored is not None and stored.revoked is True


async def test_revoke_unknown_invite_is_not_found(staff: Staff, review: Session) -> None:
    response = await staff.call("DELETE", f"{path(review)}/no-such-invite")

    assert (response.status, (await response.json())["error"]["code"]) == (404, "not_found")


async def test_another_organizations_session_is_not_found(
    staff: Staff, review: Session, aiohttp_client: AiohttpClient, store: Store
) -> None:
    other = await sign_in_staff(
        await aiohttp_client(staff.client.server), store, email="other@example.org"
    )
    body = {"role": "observer", "name": "Li Wei"}
    issued = await (await staff.call("POST", path(review), json=body)).json()

    responses = [
        await other.call("POST", path(review), json=body),
        await other.call("GET", path(review)),
        await other.call("DELETE", f"{path(review)}/{issued['invite_id']}"),
    ]

    assert [r.status for r in responses] == [404, 404, 404]
    stored = await store.invites.get(issued["invite_id"])
    assert stored is not None and stored.revoked is False


async def test_invites_need_a_signed_in_account(
    staff: Staff, review: Session, aiohttp_client: AiohttpClient
) -> None:
    anonymous = await aiohttp_client(staff.client.server)
    token = await csrf_token(anonymous)
    body = {"role": "observer", "name": "Li Wei"}

    responses = [
        await anonymous.post(path(review), json=body, headers={"X-CSRF-Token": token}),
        await anonymous.get(path(review)),
    ]

    assert [r.status for r in responses] == [401, 401]
    assert [(await r.json())["error"]["code"] for r in responses] == ["unauthorized"] * 2


async def test_invites_are_documented_under_the_invites_tag(client: TestClient) -> None:
    document = await (await client.get("/api/openapi.json")).json()

    operations = document["paths"]["/api/sessions/{session_id}/invites"]
    create = operations["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert (operations["post"]["tags"], operations["get"]["tags"]) == (["invites"], ["invites"])
    assert create["required"] == ["role", "name"]
    revoke = document["paths"]["/api/sessions/{session_id}/invites/{invite_id}"]["delete"]
    assert revoke["tags"] == ["invites"]
