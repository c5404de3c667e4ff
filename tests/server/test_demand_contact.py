"""A demand's contact shows to its organization's staff, to everyone when public, and to the
people the enterprise approved (``contact_shared``), signed in or in by an invite of the
organization's (not revoked): the rule, the console's form, the REST API and the CSV file."""

from datetime import UTC, datetime

import pytest

from rooms.errors import DomainError
from rooms.invites import Invite
from rooms.listing_csv import format_csv, parse_csv
from rooms.listings import shown_contact
from rooms.roles import Role
from server.invitations import issue_invite, sign_invite
from server.settings import Settings
from server.store import Store
from tests.rooms.test_listings import demand
from tests.server.fixtures_login import Staff, csrf_token, sign_in_staff
from tests.server.pages_world import make_event, make_session, staff_of_new_org
from tests.server.test_libraries_pages import add, text_of


@pytest.fixture
async def staff(client, store: Store) -> Staff:  # type: ignore[no-untyped-def]
    return await sign_in_staff(client, store, email="staff@example.org")


def test_the_contact_shows_to_the_people_the_enterprise_approved_only() -> None:
    shared = demand(contact="王工 138", contact_shared="Buyer@Partner.cn; ops@partner.cn\n")

    assert shared.contact_shared == ("buyer@partner.cn", "ops@partner.cn")
    assert shown_contact(shared, staff=False, viewer="buyer@partner.cn") == "王工 138"
    assert shown_contact(shared, staff=False, viewer="other@partner.cn") == ""
    assert shown_contact(shared, staff=False) == ""
    with pytest.raises(DomainError):
        demand(contact_shared="not an address")
    [row] = parse_csv(format_csv([shared], kind="demand").encode(), kind="demand")
    assert row.fields["contact_shared"] == ("buyer@partner.cn", "ops@partner.cn")


async def test_a_signed_in_approved_person_sees_it_on_the_public_page(
    client,
    staff: Staff,
    store: Store,
    aiohttp_client,
) -> None:
    listed = await add(store, staff.org.org_id, "demand", title="A", contact="王工 138-1",
                       contact_shared=["buyer@partner.cn"])  # fmt: skip
    approved, other = await aiohttp_client(client.server), await aiohttp_client(client.server)
    await sign_in_staff(approved, store, email="buyer@partner.cn")
    await sign_in_staff(other, store, email="nosy@partner.cn")
    page = f"/demands/{listed.demand_id}"

    assert "王工 138-1" in await text_of(await approved.get(page))
    assert "王工 138-1" not in await text_of(await other.get(page))

    changed = await staff.call(
        "PATCH", f"/api/demands/{listed.demand_id}", json={"contact_shared": ["nosy@partner.cn"]}
    )
    assert (await changed.json())["contact_shared"] == ["nosy@partner.cn"]
    assert "王工 138-1" in await text_of(await other.get(page))
    bad = await staff.call(
        "PATCH", f"/api/demands/{listed.demand_id}", json={"contact_shared": ["nope"]}
    )
    assert bad.status == 400
    assert (await store.demands.get(listed.demand_id)).contact_shared == ("nosy@partner.cn",)  # type: ignore[union-attr]


async def accept(browser, settings: Settings, invite: Invite) -> None:  # type: ignore[no-untyped-def]
    csrf = await csrf_token(browser)
    token = sign_invite(settings, invite)
    accepted = await browser.post(
        f"/invite/{token}/accept", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert accepted.status in (302, 303)


async def test_an_approved_guest_in_by_their_invite_sees_it_and_others_do_not(
    staff: Staff, store: Store, settings: Settings, aiohttp_client
) -> None:
    listed = await add(store, staff.org.org_id, "demand", title="A", contact="王工 138-1",
                       contact_shared=["buyer@partner.cn"])  # fmt: skip
    ours = await make_session(
        store, await make_event(store, staff.account), title="路演", kind="roadshow",
        start="2030-05-02T09:00", end="2030-05-02T12:00",
    )  # fmt: skip
    other_host = await staff_of_new_org(store, email="host@other.org")
    theirs = await make_session(
        store, await make_event(store, other_host), title="Other", start="2030-05-02T09:00",
        end="2030-05-02T12:00",
    )  # fmt: skip
    browsers = {}
    for label, session, email in (
        ("approved", ours, "buyer@partner.cn"),
        ("other_org", theirs, "buyer@partner.cn"),  # another organization named the address
        ("not_approved", ours, "nosy@partner.cn"),
        ("revoked", ours, "buyer@partner.cn"),
    ):
        invite = await issue_invite(
            store, session=session, role=Role.ATTENDEE, name=label, email=email,
            single_use=False, days=30, created_by="test", now=datetime.now(UTC),
        )  # fmt: skip
        browsers[label] = await aiohttp_client(staff.client.server)
        await accept(browsers[label], settings, invite)
        if label == "revoked":
            await store.invites.revoke(invite.invite_id)
    page = f"/demands/{listed.demand_id}"

    seen = {name: "王工 138-1" in await text_of(await b.get(page)) for name, b in browsers.items()}

    assert seen == {"approved": True, "other_org": False, "not_approved": False, "revoked": False}
