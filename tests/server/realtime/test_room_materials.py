"""A review item's materials for the people in its room (server/realtime/materials.py): its
staff always, its reviewers unless conflicted on the item (under neutral names in a blind
review), downloads only where allowed, nobody else."""

from datetime import UTC, datetime, timedelta

from rooms.agenda import RosterEntry
from rooms.conflicts import NoteKind
from rooms.roles import Role
from server import agenda, reviews
from server.invitations import issue_invite, sign_invite
from tests.fixtures_files import make_pdf
from tests.server.fixtures_login import sign_in_staff
from tests.server.test_api_review_materials import upload_of
from tests.server.test_invitations import csrf_of

A_MAIL, B_MAIL = "a@pool.cn", "b@pool.cn"


async def invited(aiohttp_client, client, store, settings, session, role, email):  # type: ignore[no-untyped-def]
    """Another browser that accepted an invite to the session."""
    browser = await aiohttp_client(client.server)
    invite = await issue_invite(
        store, session=session, role=role, name=email, email=email, single_use=False, days=1,
        created_by="test", now=datetime.now(UTC),
    )  # fmt: skip
    token = sign_invite(settings, invite)
    html = await (await browser.get(f"/invite/{token}")).text()
    form = {"csrf_token": csrf_of(html), "session_id": session.session_id}
    await browser.post(f"/invite/{token}/accept", data=form, allow_redirects=False)
    return browser


async def test_room_materials_follow_the_panels_rules(
    client, aiohttp_client, store, settings
) -> None:
    staff = await sign_in_staff(client, store, email="host@example.org", name="Hu Host")
    now = datetime.now(UTC)
    event = await agenda.create_event(
        store, org_id=staff.org.org_id, organizer=staff.account.account_id, now=now,
        fields={"title_en": "Review", "zone": "UTC", "start_date": f"{now:%Y-%m-%d}",
                "end_date": f"{now + timedelta(days=2):%Y-%m-%d}", "description": "",
                "visibility": "unlisted"},
    )  # fmt: skip
    session = await agenda.create_session(store, event=event, now=now, fields={
        "kind": "review", "title": "Panel", "description": "", "lobby": True,
        "start": f"{now + timedelta(minutes=5):%Y-%m-%dT%H:%M}",
        "end": f"{now + timedelta(hours=2):%Y-%m-%dT%H:%M}"})  # fmt: skip
    item = await reviews.add_item(store, session=session, fields={"title_en": "Chip"}, now=now)
    await reviews.set_settings(store, session=session, fields={"blind": True})
    path = f"/api/sessions/{session.session_id}/items/{item.item_id}/materials"
    stored = await (
        await staff.call("POST", path, data=upload_of(make_pdf(), "张伟-proposal.pdf"))
    ).json()
    for email in (A_MAIL, B_MAIL):
        entry = RosterEntry(f"guest:{email}", Role.REVIEWER, email, email)
        await agenda.add_to_roster(store, session=session, entry=entry, now=now)
    await reviews.record_conflict(
        store, session=session, item_id=item.item_id, reviewer=f"guest:{B_MAIL}",
        kind=NoteKind.ADDED, reason="Same lab", by="staff", now=now,
    )  # fmt: skip
    a = await invited(aiohttp_client, client, store, settings, session, Role.REVIEWER, A_MAIL)
    b = await invited(aiohttp_client, client, store, settings, session, Role.REVIEWER, B_MAIL)
    observer = await invited(
        aiohttp_client, client, store, settings, session, Role.OBSERVER, "o@x.cn"
    )
    url = f"/sessions/{session.session_id}/materials/{stored['file_id']}"

    staff_file = await staff.client.get(f"{url}/file?download=1")
    a_page, a_file = await a.get(url), await a.get(f"{url}/file", headers={"Range": "bytes=0-4"})
    a_download = await a.get(f"{url}/file?download=1")
    refused = [(await who.get(f"{url}/file")).status for who in (b, observer)]

    assert staff_file.status == 200
    assert "proposal.pdf" in staff_file.headers["Content-Disposition"]
    assert (a_page.status, a_file.status, await a_file.read()) == (200, 206, b"%PDF-")
    assert "item-1-material-1.pdf" in a_file.headers["Content-Disposition"]
    assert "proposal" not in a_file.headers["Content-Disposition"] + await a_page.text()
    assert a_download.status == 403  # the review does not allow downloads
    assert refused == [404, 404]
