"""A reviewer's own page from their personal invite: the panels they are on, the items they
may see (blind, and nothing of an item they are conflicted on), their calendar feed, and a
conflict declared before the session. Personal invites are made from the roster with no
typing, in the console and the API, and admit the expert as themselves."""

import html
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import FormData

from rooms.agenda import PersonType, RosterEntry, person_key
from rooms.conflicts import NoteKind
from rooms.roles import Role
from server import agenda, reviews
from server.app import make_app
from server.invitations import issue_personal_invite, sign_invite
from tests.fixtures_files import make_pdf
from tests.server.pages_world import csrf_of, make_event, make_session, sign_in, staff_of_new_org

NOW = datetime(2030, 4, 1, tzinfo=UTC)


@pytest.fixture
async def world(client, store, settings):  # type: ignore[no-untyped-def]
    host = await staff_of_new_org(store, email="host@example.org")
    event = await make_event(store, host)
    session = await make_session(
        store, event, title="Panel", start="2030-05-01T09:00", end="2030-05-01T12:00", kind="review"
    )
    expert = await store.experts.create(
        org_id=host.org_id,
        fields={"name": "Wang Wei", "email": "wang@fudan.example.edu", "affiliation": "复旦大学"},
        now=NOW,
    )
    key = person_key(PersonType.EXPERT, expert.expert_id)
    entry = RosterEntry(person_key=key, role=Role.REVIEWER, name=expert.name, email=expert.email)
    await agenda.add_to_roster(store, session=session, entry=entry, now=NOW)
    for title, org, applicant in (("Chip", "复旦大学", "Li Ming"), ("Drug", "浙江大学", "Zhou Yu")):
        fields = {"title_en": title, "applicant_org": org, "applicant_name": applicant}
        await reviews.add_item(store, session=session, fields=fields, now=NOW)
    invite = await issue_personal_invite(
        store, session=session, person_key=key, created_by=host.account_id, now=datetime.now(UTC)
    )
    token = sign_invite(settings, invite)
    return {"host": host, "session": session, "key": key, "token": token, "invite": invite}


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


async def test_a_personal_invite_admits_the_expert_as_themselves(world) -> None:
    invite = world["invite"]

    assert (invite.person_key, invite.role, invite.name) == (
        world["key"],
        Role.REVIEWER,
        "Wang Wei",
    )
    assert (invite.email, invite.single_use) == ("wang@fudan.example.edu", False)
    assert invite.expires_at > datetime.now(UTC) + timedelta(days=364)  # an invite's longest


async def test_the_landing_page_links_to_my_reviews(client, world) -> None:
    page = await (await client.get(f"/invite/{world['token']}")).text()

    assert f'href="/invite/{world["token"]}/reviews"' in page


async def test_my_reviews_shows_the_panel_without_the_conflicted_item(client, world) -> None:
    response = await client.get(f"/invite/{world['token']}/reviews")
    raw = await response.text()
    page = text_of(raw)

    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Panel" in page
    assert "You have a conflict with this item" in page
    assert "Chip" not in page and "Li Ming" not in page
    assert "Drug" in page and "Zhou Yu" in page
    assert re.search(r'value="http://127.0.0.1:8080/feeds/[\w-]+\.ics"', raw) is not None


async def test_a_blind_review_hides_the_applicants(client, store, world) -> None:
    await reviews.set_settings(store, session=world["session"], fields={"blind": True})

    page = text_of(
        await (
            await client.get(
                f"/invite/{world['token']}/reviews", headers={"Accept-Language": "zh-CN"}
            )
        ).text()
    )

    assert "Drug" in page
    assert "Zhou Yu" not in page and "浙江大学" not in page
    assert "盲评" in page


async def test_the_reviewer_declares_a_conflict_before_the_session(client, store, world) -> None:
    page = f"/invite/{world['token']}/reviews"
    drug = (await store.review.items(world["session"].session_id))[1].item_id
    token = csrf_of(await (await client.get(page)).text())
    form = {
        "session_id": world["session"].session_id,
        "item_id": drug,
        "reason": "my student",
        "csrf_token": token,
    }

    response = await client.post(f"{page}/conflicts", data=form, allow_redirects=False)
    after = text_of(await (await client.get(response.headers["Location"])).text())

    assert response.status == 303
    notes = await store.review.notes(world["session"].session_id)
    assert [(n.item_id, n.person_key, n.kind, n.reason, n.by) for n in notes] == [
        (drug, world["key"], NoteKind.DECLARED, "my student", world["key"])
    ]
    assert "Your conflict was recorded; the chair sees it." in after
    assert "Drug" not in after


async def test_a_declaration_without_a_reason_is_refused(client, store, world) -> None:
    page = f"/invite/{world['token']}/reviews"
    drug = (await store.review.items(world["session"].session_id))[1].item_id
    token = csrf_of(await (await client.get(page)).text())
    form = {
        "session_id": world["session"].session_id,
        "item_id": drug,
        "reason": " ",
        "csrf_token": token,
    }

    response = await client.post(
        f"{page}/conflicts", data=form, headers={"Accept-Language": "zh-CN"}
    )

    assert response.status == 400
    assert '<p class="form-error" role="alert">' in await response.text()
    assert await store.review.notes(world["session"].session_id) == []


async def test_a_declaration_on_another_panel_is_refused(client, store, world) -> None:
    event = await agenda.load_event(store, world["session"].event_id)
    other = await make_session(
        store, event, title="Other", start="2030-05-02T09:00", end="2030-05-02T10:00", kind="review"
    )
    (item,) = [await reviews.add_item(store, session=other, fields={"title_en": "X"}, now=NOW)]
    page = f"/invite/{world['token']}/reviews"
    token = csrf_of(await (await client.get(page)).text())
    form = {
        "session_id": other.session_id,
        "item_id": item.item_id,
        "reason": "x",
        "csrf_token": token,
    }

    response = await client.post(f"{page}/conflicts", data=form)

    assert response.status == 400
    assert await store.review.notes(other.session_id) == []


async def test_a_forged_link_has_no_reviews_page(client) -> None:
    response = await client.get("/invite/not-a-token/reviews")

    assert response.status == 404


async def test_staff_make_a_personal_invite_from_the_roster(client, store, world) -> None:
    await sign_in(client, world["host"])
    page = f"/console/sessions/{world['session'].session_id}"
    token = csrf_of(await (await client.get(page)).text())

    response = await client.post(
        f"{page}/roster/invite",
        data={"person_key": world["key"], "csrf_token": token},
        allow_redirects=False,
    )

    invite_id = re.search(r"invite=(\w+)", response.headers["Location"]).group(1)  # type: ignore[union-attr]
    invite = await store.invites.get(invite_id)
    assert response.status == 303
    assert invite is not None and invite.person_key == world["key"]
    shown = await (await client.get(response.headers["Location"])).text()
    assert '/qr.svg" alt=' in shown


async def test_the_api_makes_a_personal_invite(client, store, world) -> None:
    await sign_in(client, world["host"])
    me = await (await client.get("/api/me")).json()
    path = f"/api/sessions/{world['session'].session_id}/roster/{world['key']}/invite"

    response = await client.post(path, headers={"X-CSRF-Token": me["csrf_token"]})
    nobody = await client.post(
        f"/api/sessions/{world['session'].session_id}/roster/guest:no@x.org/invite",
        headers={"X-CSRF-Token": me["csrf_token"]},
    )

    assert response.status == 201
    assert (await response.json())["person_key"] == world["key"]
    assert nobody.status == 404


async def unmailing_console(aiohttp_client, settings, world):  # type: ignore[no-untyped-def]
    """The host's browser on the session's console page of an app whose e-mail is on but
    whose SMTP server is not there: (browser, page path, CSRF token)."""
    mailing = replace(settings, email_enabled=True, smtp_host="127.0.0.1", smtp_port=1)
    browser = await aiohttp_client(make_app(mailing))
    await sign_in(browser, world["host"])
    page = f"/console/sessions/{world['session'].session_id}"
    return browser, page, csrf_of(await (await browser.get(page)).text())


async def test_an_invite_that_cannot_be_mailed_says_so(
    aiohttp_client, store, settings, world
) -> None:
    browser, page, token = await unmailing_console(aiohttp_client, settings, world)

    response = await browser.post(
        f"{page}/roster/invite", data={"person_key": world["key"], "csrf_token": token}
    )

    assert "The invite link could not be e-mailed; send it yourself." in await response.text()


# materials


async def upload(aiohttp_client, client, world, item_index: int, data: bytes, name: str) -> str:  # type: ignore[no-untyped-def]
    """A material uploaded by the host through the REST API, in a browser of their own."""
    staff = await aiohttp_client(client.server)
    await sign_in(staff, world["host"])
    me = await (await staff.get("/api/me")).json()
    item = (await reviews_items(staff, world))[item_index]
    form = FormData()
    form.add_field("file", data, filename=name, content_type="application/pdf")
    path = f"/api/sessions/{world['session'].session_id}/items/{item}/materials"
    response = await staff.post(path, data=form, headers={"X-CSRF-Token": me["csrf_token"]})
    assert response.status == 201, await response.text()
    return str((await response.json())["file_id"])


async def reviews_items(staff, world) -> list[str]:  # type: ignore[no-untyped-def]
    items = await (await staff.get(f"/api/sessions/{world['session'].session_id}/items")).json()
    return [item["item_id"] for item in items]


async def test_a_reviewer_views_the_materials_of_items_they_may_see(
    aiohttp_client, client, world
) -> None:
    pdf = make_pdf(1)
    drug = await upload(aiohttp_client, client, world, 1, pdf, "Zhou Yu proposal.pdf")
    pages = f"/invite/{world['token']}/reviews"

    listed = await (await client.get(pages)).text()
    viewer = await client.get(f"{pages}/materials/{drug}")
    body = await client.get(f"{pages}/materials/{drug}/file")
    download = await client.get(f"{pages}/materials/{drug}/file?download=1")

    assert f'href="{pages}/materials/{drug}"' in listed
    assert (viewer.status, body.status, await body.read()) == (200, 200, pdf)
    assert "download>" not in await viewer.text()  # downloads are off unless the chair allows
    assert download.status == 403


async def test_a_blind_review_names_materials_neutrally_and_downloads_when_allowed(
    aiohttp_client, client, store, world
) -> None:
    drug = await upload(aiohttp_client, client, world, 1, make_pdf(1), "Zhou Yu proposal.pdf")
    fields = {"blind": True, "downloads_allowed": True}
    await reviews.set_settings(store, session=world["session"], fields=fields)
    pages = f"/invite/{world['token']}/reviews"

    listed = await (await client.get(pages)).text()
    download = await client.get(f"{pages}/materials/{drug}/file?download=1")

    assert "Zhou Yu proposal" not in listed
    assert "item-2-material-1.pdf" in listed
    assert download.status == 200
    assert download.headers["Content-Disposition"].startswith(
        'attachment; filename="item-2-material-1.pdf"'
    )


async def test_a_conflicted_reviewer_gets_nothing_of_the_items_materials(
    aiohttp_client, client, world
) -> None:
    chip = await upload(aiohttp_client, client, world, 0, make_pdf(1), "chip.pdf")
    pages = f"/invite/{world['token']}/reviews"

    listed = await (await client.get(pages)).text()
    viewer = await client.get(f"{pages}/materials/{chip}")
    body = await client.get(f"{pages}/materials/{chip}/file")

    assert chip not in listed
    assert (viewer.status, body.status) == (404, 404)


async def test_an_invite_made_with_an_address_is_mailed_too(
    aiohttp_client, store, settings, world
) -> None:
    browser, page, token = await unmailing_console(aiohttp_client, settings, world)
    form = {"role": "observer", "name": "Li", "days": "7", "csrf_token": token}

    with_address = await browser.post(f"{page}/invites", data={**form, "email": "li@x.org"})
    without = await browser.post(f"{page}/invites", data=form)

    assert "The invite link could not be e-mailed; send it yourself." in await with_address.text()
    assert "could not be e-mailed" not in await without.text()
