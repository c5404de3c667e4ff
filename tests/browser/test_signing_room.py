"""A signing ceremony in headless Chromium against the real server: the host fixes the
document and calls two signers in order; each confirms, consents and draws a signature; an
audience member sees each moment and the "signed" state; a signer reloads their page in the
middle of their turn and continues; the witness attests and the host closes. The log it
leaves verifies."""

from datetime import UTC, datetime

from playwright.async_api import Page, expect

from rooms.agenda import PersonType, RosterEntry, Session, person_key
from rooms.roles import Role
from rooms.signing_log import verify
from server import agenda, signing
from server.files import files_root
from server.invitations import issue_invite, sign_invite
from tests.browser.conftest import LiveServer
from tests.browser.test_review_room import join_by_invite
from tests.browser.test_room import HOST_EMAIL, join_as_guest, open_meeting, room_path
from tests.server.signing_world import agreement_pdf

SIGNED_OR_REFUSED = """() => document.querySelector("#signing-consent").hidden
  || !document.querySelector("#signing-error").hidden"""
PEOPLE = (  # name, e-mail, role
    ("张伟", "zhang@a.org", Role.SIGNER),
    ("Chen Jing", "chen@b.org", Role.SIGNER),
    ("Liu Yang", "liu@w.org", Role.WITNESS),
)


async def prepared(live: LiveServer) -> tuple[Session, dict[str, str]]:
    """An open signing session with its agreement ready to fix; each person's invite."""
    store, now = live.store, datetime.now(UTC)
    session = await open_meeting(store, kind="signing", lobby=False)
    tokens = {}
    for name, email, role in PEOPLE:
        key = person_key(PersonType.GUEST, email)
        entry = RosterEntry(key, role, name, email)
        await agenda.add_to_roster(store, session=session, entry=entry, now=now)
        invite = await issue_invite(
            store, session=session, role=role, name=name, email=email, single_use=False,
            days=1, created_by="staff", now=now,
        )  # fmt: skip
        tokens[name] = sign_invite(live.settings, invite)
    await signing.set_document_bytes(
        store, files_root(live.settings), session, agreement_pdf(), name="a.pdf",
        created_by="staff", now=now,
    )  # fmt: skip
    await signing.set_title(store, session, "合作协议 Cooperation agreement")
    for organization, email in (("Society A", "zhang@a.org"), ("Society B", "chen@b.org")):
        signer_key = person_key(PersonType.GUEST, email)
        await signing.add_party(
            store, session, organization=organization, signer_key=signer_key, signer_title=""
        )
    await signing.add_witness(store, session, person_key(PersonType.GUEST, "liu@w.org"))
    return session, tokens


async def draw(page: Page) -> None:
    await page.locator("#signing-pad").scroll_into_view_if_needed()
    box = await page.locator("#signing-pad").bounding_box()
    assert box is not None
    x, y = box["x"] + 40, box["y"] + box["height"] / 2
    await page.mouse.move(x, y)
    await page.mouse.down()
    for step in range(1, 8):
        await page.mouse.move(x + step * 30, y + (15 if step % 2 else -15))
    await page.mouse.up()


async def confirms(page: Page, name: str) -> None:
    await expect(page.locator("#signing-identity")).to_be_visible()
    await page.fill("#signing-identity-name", name)
    await page.click("#signing-identity button[type=submit]")
    await expect(page.locator("#signing-consent")).to_be_visible()


async def signs(page: Page, name: str) -> None:
    """Consent and sign; the pen is put down again if the page moved under it (the cameras'
    tiles arriving) and the drawing missed the pad ("Draw your signature first")."""
    await page.check("#signing-consent-check")
    await page.fill("#signing-consent-name", name)
    consent = page.locator("#signing-consent")
    for _attempt in range(3):
        await draw(page)
        await page.click("#signing-submit")
        await page.wait_for_function(SIGNED_OR_REFUSED)
        if await consent.is_hidden():
            break
    await expect(consent).to_be_hidden()


def party(page: Page, party_id: str):  # noqa: ANN201 - a Playwright locator
    return page.locator(f"#signing-parties li[data-party={party_id}]")


async def test_two_parties_sign_live_and_the_audience_sees_it(
    live_server, new_page, sign_in
) -> None:
    session, tokens = await prepared(live_server)
    host, zhang, chen, liu, audience = [await new_page() for _ in range(5)]
    await sign_in(host, email=HOST_EMAIL)
    await host.goto(room_path(session))
    await host.click("#join-button")
    for page, name in ((zhang, "张伟"), (chen, "Chen Jing"), (liu, "Liu Yang")):
        await join_by_invite(page, session, tokens[name])
    await join_as_guest(audience, session, "Li Lei")
    await expect(audience.locator("#signing-title")).to_have_text("合作协议 Cooperation agreement")
    await expect(audience.locator("#signing-page canvas")).to_have_count(1)

    await host.click("#signing-fix")
    await host.click("#signing-call")
    await confirms(zhang, "张伟")
    await expect(chen.locator("#signing-identity")).to_be_hidden()  # not their turn
    await signs(zhang, "张伟")
    await expect(audience.locator("#signing-moment-signed")).to_be_visible()
    await expect(party(audience, "p1")).to_have_attribute("data-state", "signed")
    await expect(party(audience, "p1").locator("img")).to_have_count(1)

    await host.click("#signing-call")
    await confirms(chen, "chen jing")
    await chen.reload()  # dropped out in the middle of their turn: back where they were
    await chen.click("#join-button")
    await expect(chen.locator("#signing-consent")).to_be_visible()
    await signs(chen, "Chen Jing")
    await expect(party(audience, "p2")).to_have_attribute("data-state", "signed")

    await expect(liu.locator("#signing-witness")).to_be_visible()
    await liu.fill("#signing-witness-name", "Liu Yang")
    await liu.click("#signing-witness button[type=submit]")
    await expect(audience.locator("#signing-witnesses li")).to_have_attribute(
        "data-attested", "yes"
    )
    await host.click("#signing-close")
    await expect(audience.locator("#signing")).to_have_attribute("data-closed", "yes")
    signed_url = await audience.locator("#signing-signed").get_attribute("href")
    signed = await audience.request.get(str(signed_url))
    assert (signed.status, (await signed.body())[:5]) == (200, b"%PDF-")

    log = await live_server.store.signings.log(session.session_id)
    assert verify(log).ok
    assert [str(e.step) for e in log][-2:] == ["witnessed", "ceremony_closed"]
    assert len(log) == 11
