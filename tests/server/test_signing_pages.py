"""The console's agreement page and the agreement for the session's people, through the real
app: staff upload the document (a PDF: not another kind, not an encrypted one), give it a
title, add the parties in order and a witness from the roster, fix the document (the log's
first entry, with the browser's address and user agent); after that nothing changes. A signer
invited to the session reads the agreement before the ceremony; a stranger does not."""

import hashlib
import re

from aiohttp import FormData

from rooms.agenda import PersonType, RosterEntry, person_key
from rooms.roles import Role
from server import agenda
from server.invitations import issue_invite, sign_invite
from server.pdf_pages import count_pages
from tests.fixtures_files import make_pdf
from tests.server.pages_world import (
    csrf_of,
    make_event,
    make_session,
    now,
    put_on_roster,
    sign_in,
    staff_of_new_org,
)
from tests.server.signing_world import agreement_pdf

PDF = agreement_pdf()  # made by the reports' builder: the seal can be added to it


async def prepared(client, store, visibility: str = "public"):  # type: ignore[no-untyped-def]
    admin = await staff_of_new_org(store, email="host@society.org")
    event = await make_event(store, admin, visibility=visibility)
    session = await make_session(
        store, event, title="签约仪式", start="2030-05-01T09:00", end="2030-05-01T10:00",
        kind="signing",
    )  # fmt: skip
    await put_on_roster(store, session, name="张伟", role=Role.SIGNER, email="zhang@a.org")
    await put_on_roster(store, session, name="Chen Jing", role=Role.SIGNER, email="chen@b.org")
    await put_on_roster(store, session, name="Liu Yang", role=Role.WITNESS, email="liu@w.org")
    await sign_in(client, admin)
    return session, f"/console/sessions/{session.session_id}/agreement"


async def token(client, page: str) -> str:  # type: ignore[no-untyped-def]
    return csrf_of(await (await client.get(page)).text())


async def upload(client, page: str, data: bytes, name: str = "agreement.pdf"):  # type: ignore[no-untyped-def]
    form = FormData()
    form.add_field("file", data, filename=name, content_type="application/pdf")
    headers = {"X-CSRF-Token": await token(client, page)}
    return await client.post(f"{page}/document", data=form, headers=headers)


async def post(client, page: str, path: str, **fields: str):  # type: ignore[no-untyped-def]
    form = fields | {"csrf_token": await token(client, page)}
    return await client.post(page + path, data=form, allow_redirects=False)


async def test_staff_prepare_the_agreement_and_fix_it(client, store) -> None:
    session, page = await prepared(client, store)

    uploaded = await upload(client, page, PDF)
    assert (await post(client, page, "/title", title=" 合作  协议 ")).status == 303
    for org, key, title in (("Society A", "guest:zhang@a.org", "理事长"),
                            ("Society B", "guest:chen@b.org", "Secretary-General")):  # fmt: skip
        answer = await post(client, page, "/parties", organization=org, signer_key=key,
                            signer_title=title)  # fmt: skip
        assert answer.status == 303
    await post(client, page, "/parties/p2/up")
    await post(client, page, "/witnesses", person_key="guest:liu@w.org")
    fixed = await post(client, page, "/fix")

    agreement = await store.signings.agreement(session.session_id)
    [entry] = await store.signings.log(session.session_id)
    assert uploaded.status == 201
    assert (await uploaded.json())["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert fixed.status == 303
    assert (agreement.title, agreement.pages) == ("合作 协议", count_pages(PDF))
    assert [(p.party_id, p.signer_name) for p in agreement.parties] == [
        ("p1", "Chen Jing"), ("p2", "张伟"),
    ]  # fmt: skip
    assert [w.name for w in agreement.witnesses] == ["Liu Yang"]
    assert (str(entry.step), entry.detail["sha256"], entry.ip) == (
        "document_fixed", agreement.sha256, "127.0.0.1",
    )  # fmt: skip
    assert "agreement-fixed" in await (await client.get(page)).text()


async def test_nothing_changes_once_fixed(client, store) -> None:
    session, page = await prepared(client, store)
    await upload(client, page, PDF)
    await post(client, page, "/title", title="T")
    await post(client, page, "/parties", organization="A", signer_key="guest:zhang@a.org")
    await post(client, page, "/fix")

    refused = await post(client, page, "/title", title="Another")

    assert refused.status == 409
    assert (await store.signings.agreement(session.session_id)).title == "T"  # type: ignore[union-attr]


async def test_a_file_that_is_not_a_pdf_is_refused(client, store) -> None:
    session, page = await prepared(client, store)

    refused = await upload(client, page, b"<html>not a pdf</html>", name="agreement.pdf")

    assert refused.status == 400
    assert (await refused.json())["error"]["code"] == "file_type"
    assert await store.signings.agreement(session.session_id) is None


async def test_an_encrypted_pdf_is_refused_and_not_kept(client, store) -> None:
    session, page = await prepared(client, store)
    encrypted = PDF.replace(b"trailer", b"trailer << /Encrypt 9 0 R >>", 1)

    refused = await upload(client, page, encrypted)

    assert refused.status == 400
    assert (await refused.json())["error"]["code"] == "pdf_encrypted"
    assert await store.signings.agreement(session.session_id) is None
    assert await store.files.of_scope(session.session_id) == []


async def test_a_pdf_the_seal_cannot_be_added_to_is_refused(client, store) -> None:
    session, page = await prepared(client, store)

    # a wrong startxref: readers that rebuild the cross-references (pdf.js, pypdf) read it, but
    # pyHanko's incremental update needs the file's own
    broken = re.sub(rb"startxref\s+\d+", b"startxref\n9", make_pdf(pages=1))
    refused = await upload(client, page, broken)

    assert (await refused.json())["error"]["code"] == "file_type"
    assert await store.signings.agreement(session.session_id) is None


async def test_a_party_must_be_a_rostered_signer(client, store) -> None:
    _session, page = await prepared(client, store)

    refused = await post(client, page, "/parties", organization="W", signer_key="guest:liu@w.org")

    assert refused.status == 400
    assert "signer" in re.sub(r"\s+", " ", await refused.text())


async def test_an_invited_signer_reads_the_agreement_before_the_ceremony(
    client, store, settings
) -> None:  # type: ignore[no-untyped-def]
    session, page = await prepared(client, store, visibility="unlisted")
    await upload(client, page, PDF)
    invite = await issue_invite(
        store, session=session, role=Role.SIGNER, name="张伟", email="zhang@a.org",
        single_use=True, days=30, created_by="x", now=now(),
    )  # fmt: skip
    url = f"/sessions/{session.session_id}/agreement"
    await post(client, page, "/fix")
    client.session.cookie_jar.clear()  # signed out: a stranger

    stranger = await client.get(f"{url}/file")
    viewer = await client.get(url, params={"invite": sign_invite(settings, invite)})
    read = await client.get(f"{url}/file", params={"invite": sign_invite(settings, invite)})
    again = await client.get(f"{url}/file", params={"invite": sign_invite(settings, invite)})

    assert stranger.status == 404
    assert viewer.status == 200
    assert (read.status, await read.read()) == (200, PDF)
    assert again.status == 200  # reading spends no single-use invite


async def test_a_signer_with_an_account_finds_the_agreement_on_my_sessions(client, store) -> None:
    session, page = await prepared(client, store, visibility="unlisted")
    await upload(client, page, PDF)
    colleague = await staff_of_new_org(store, email="signer@partner.org", name="Zhou Signer")
    entry = RosterEntry(person_key(PersonType.ACCOUNT, colleague.account_id), Role.SIGNER,
                        "Zhou Signer", colleague.email)  # fmt: skip
    await agenda.add_to_roster(store, session=session, entry=entry, now=now())
    client.session.cookie_jar.clear()
    await sign_in(client, colleague)

    home = await (await client.get("/console")).text()
    read = await client.get(f"/sessions/{session.session_id}/agreement/file")

    assert f"/sessions/{session.session_id}/agreement" in home
    assert (read.status, await read.read()) == (200, PDF)


async def test_staff_read_the_agreement_and_the_whole_log_by_the_api(client, store) -> None:
    session, page = await prepared(client, store)
    await upload(client, page, PDF)
    await post(client, page, "/title", title="T")
    await post(client, page, "/parties", organization="A", signer_key="guest:zhang@a.org")
    await post(
        client,
        page,
        "/fix",
    )

    agreement = await (await client.get(f"/api/sessions/{session.session_id}/agreement")).json()
    log = await (await client.get(f"/api/sessions/{session.session_id}/signing-log")).json()

    assert (agreement["fixed"], agreement["steps"], agreement["parties"][0]["signer_name"]) == (
        True, 1, "张伟",
    )  # fmt: skip
    assert [(e["step"], e["ip"]) for e in log] == [("document_fixed", "127.0.0.1")]
