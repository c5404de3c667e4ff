"""A demand's contact shows to its organization's staff, to everyone when public, and to the
signed-in people the enterprise approved (``contact_shared``): the rule, the console's form,
the REST API and the CSV file."""

import pytest

from rooms.errors import DomainError
from rooms.listing_csv import format_csv, parse_csv
from rooms.listings import shown_contact
from server.store import Store
from tests.rooms.test_listings import demand
from tests.server.fixtures_login import Staff, sign_in_staff
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
