"""The console and the pages as a newcomer meets them: a success message after each form,
roles and experts picked sensibly, an invite that leads to the pre-join screen, the lobby's
rule spelled out, the app's own error pages, labels instead of field names, and a review's
roster called confidential where it is hidden."""

import re
from datetime import UTC, datetime

from rooms.limits import NAME_MAX
from rooms.roles import Role
from server.invitations import issue_invite, sign_invite
from tests.server.pages_world import (
    csrf_of,
    make_event,
    make_session,
    now,
    put_on_roster,
    sign_in,
    staff_of_new_org,
)
from tests.server.test_pages_console import EVENT_FORM

STATUS = re.compile(r'<p class="flash success" role="status">(.*?)</p>')


async def post_form(client, page: str, action: str, form: dict[str, str]):  # type: ignore[no-untyped-def]
    token = csrf_of(await (await client.get(page)).text())
    return await client.post(action, data=form | {"csrf_token": token})


def statuses(html: str) -> list[str]:
    return STATUS.findall(html)


async def signed_in_host(client, store):  # type: ignore[no-untyped-def]
    host = await staff_of_new_org(store, email="host@example.org")
    await sign_in(client, host)
    return host


async def test_creating_an_event_says_so_once(client, store) -> None:
    await signed_in_host(client, store)

    created = await post_form(client, "/console/events/new", "/console/events/new", EVENT_FORM)
    again = await client.get(str(created.url.relative()))

    assert statuses(await created.text()) == ["The event was created."]
    assert statuses(await again.text()) == []


async def test_success_messages_are_translated(client, store) -> None:
    host = await signed_in_host(client, store)
    client.session.cookie_jar.update_cookies({"lang": "zh_CN"})
    event = await make_event(store, host)
    page = f"/console/events/{event.event_id}"

    saved = await post_form(client, page, page, EVENT_FORM)

    assert statuses(await saved.text()) == ["活动已保存。"]


async def test_each_roster_and_invite_form_says_what_it_did(client, store) -> None:
    host = await signed_in_host(client, store)
    session = await make_session(
        store, await make_event(store, host), title="Opening", start="2030-05-01T09:00",
        end="2030-05-01T10:00",
    )  # fmt: skip
    page = f"/console/sessions/{session.session_id}"
    guest = {"person_type": "guest", "email": "li@example.org", "role": "attendee"}
    invite = {"role": "attendee", "name": "Li", "days": "7", "single_use": "on"}

    added = await post_form(client, page, f"{page}/roster", guest)
    removed = await post_form(
        client, page, f"{page}/roster/remove", {"person_key": "guest:li@example.org"}
    )
    invited = await post_form(client, page, f"{page}/invites", invite)
    cancelled = await post_form(client, page, f"{page}/cancel", {"confirm": "on"})

    assert [statuses(await r.text()) for r in (added, removed, invited, cancelled)] == [
        ["Added to the roster."],
        ["Removed from the roster."],
        ["The invite was created: its link is below."],
        ["The session was cancelled."],
    ]


def selected_roles(html: str) -> list[str]:
    """The selected option of every role picker on the page."""
    pickers = re.findall(r'<select name="role"[^>]*>(.*?)</select>', html, re.S)
    return [re.findall(r'<option value="(\w+)" selected', picker)[0] for picker in pickers]


async def test_role_pickers_start_with_the_role_the_kind_is_for(client, store) -> None:
    host = await signed_in_host(client, store)
    event = await make_event(store, host)
    expected = {"review": "reviewer", "signing": "signer", "class": "attendee"}
    found = {}
    for kind in expected:
        session = await make_session(
            store, event, title=kind, kind=kind, start="2030-05-01T09:00", end="2030-05-01T10:00"
        )
        html = await (await client.get(f"/console/sessions/{session.session_id}")).text()
        found[kind] = set(selected_roles(html))

    assert found == {kind: {role} for kind, role in expected.items()}


async def test_the_expert_picker_leaves_out_experts_on_the_roster(client, store) -> None:
    host = await signed_in_host(client, store)
    session = await make_session(
        store, await make_event(store, host), title="Opening", start="2030-05-01T09:00",
        end="2030-05-01T10:00",
    )  # fmt: skip
    for name in ("Wang Fang", "Zhao Lei"):
        fields = {"name": name, "email": f"{name.split()[0].lower()}@example.org"}
        await store.experts.create(org_id=host.org_id, fields=fields, now=now())
    page = f"/console/sessions/{session.session_id}"
    html = await (await client.get(page)).text()
    wang = re.search(r'<option value="(\w+)"[^>]*>Wang Fang', html)
    assert wang is not None
    form = {"person_type": "expert", "expert_id": wang.group(1), "role": "attendee"}

    after = await (await post_form(client, page, f"{page}/roster", form)).text()

    picker = re.search(r'<select name="expert_id".*?</select>', after, re.S)
    assert picker is not None
    assert re.findall(r">([A-Z][a-z]+ [A-Z][a-z]+)</option>", picker.group(0)) == ["Zhao Lei"]


async def test_accepting_an_invite_lands_on_the_pre_join_screen_saying_so(
    client, store, settings
) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    session = await make_session(
        store, await make_event(store, host), title="Opening", start="2030-05-01T09:00",
        end="2030-05-01T10:00",
    )  # fmt: skip
    invite = await issue_invite(
        store, session=session, role=Role.ATTENDEE, name="Li Wei", email="", single_use=True,
        days=7, created_by=host.account_id, now=datetime.now(UTC),
    )  # fmt: skip
    token = sign_invite(settings, invite)
    landing = await (await client.get(f"/invite/{token}")).text()

    room = await client.post(
        f"/invite/{token}/accept",
        data={"csrf_token": csrf_of(landing), "session_id": session.session_id},
    )
    html = await room.text()

    assert "Accept the invite" in landing
    assert room.url.path == f"/sessions/{session.session_id}/room"
    assert statuses(html) == [
        "Your invite was accepted. Check your camera and microphone, then join."
    ]
    assert html.index('role="status">Your invite') < html.index('id="prejoin-form"')


async def test_the_lobby_setting_names_the_roles_that_skip_it(client, store) -> None:
    host = await signed_in_host(client, store)
    event = await make_event(store, host)
    session = await make_session(
        store, event, title="Deal", kind="signing", start="2030-05-01T09:00",
        end="2030-05-01T10:00",
    )  # fmt: skip

    edit = await (await client.get(f"/console/sessions/{session.session_id}")).text()
    new = await (await client.get(f"/console/events/{event.event_id}")).text()

    skippers = re.compile(r'data-kind="(\w+)">([^<]*skip the lobby[^<]*)<')
    assert skippers.findall(edit) == [
        ("signing", "Signing: these roles skip the lobby: Host, Co-host, Signer, Witness.")
    ]
    assert dict(skippers.findall(new))["review"] == (
        "Review: these roles skip the lobby: Host, Co-host, Reviewer."
    )


async def test_a_roster_guest_name_over_the_limit_is_called_too_long(client, store) -> None:
    host = await signed_in_host(client, store)
    session = await make_session(
        store, await make_event(store, host), title="Opening", start="2030-05-01T09:00",
        end="2030-05-01T10:00",
    )  # fmt: skip
    page = f"/console/sessions/{session.session_id}"
    form = {"person_type": "guest", "email": "li@example.org", "role": "attendee"}

    response = await post_form(client, page, f"{page}/roster", form | {"name": "x" * 201})

    assert response.status == 400
    assert f"A name must have between 1 and {NAME_MAX} characters." in await response.text()


async def test_validation_messages_name_the_forms_label(client, store) -> None:
    await signed_in_host(client, store)
    form = EVENT_FORM | {"description": "x" * 5001}

    english = await post_form(client, "/console/events/new", "/console/events/new", form)
    client.session.cookie_jar.update_cookies({"lang": "zh_CN"})
    chinese = await post_form(client, "/console/events/new", "/console/events/new", form)

    assert "Description must have at most 5000 characters." in await english.text()
    assert "简介 最多 5000 个字符。" in await chinese.text()


async def test_an_unknown_address_gets_the_translated_error_page(client, store) -> None:
    client.session.cookie_jar.update_cookies({"lang": "zh_CN"})

    response = await client.get("/no/such/page")
    html = await response.text()

    assert response.status == 404
    assert response.content_type == "text/html"
    assert '<html lang="zh-CN">' in html
    assert "<title>404 · 云会</title>" in html
    assert 'href="/"' in html


async def test_a_form_over_the_size_limit_gets_a_page_stating_the_limit(client, store) -> None:
    await signed_in_host(client, store)
    token = csrf_of(await (await client.get("/console/events/new")).text())
    form = EVENT_FORM | {"description": "x" * 300_000, "csrf_token": token}

    response = await client.post("/console/events/new", data=form)
    html = await response.text()

    assert response.status == 413
    assert "larger than the 256 KiB this site accepts at once" in html
    assert "data-history-back" in html  # the way back to the form, with what was typed


async def test_the_error_page_keeps_console_and_log_out_while_signed_in(client, store) -> None:
    await signed_in_host(client, store)

    html = await (await client.get("/console/sessions/nosuchsession")).text()

    assert '<a href="/console">Console</a>' in html
    assert 'action="/logout"' in html


async def test_a_reviews_public_page_says_the_roster_is_confidential(client, store) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    session = await make_session(
        store, await make_event(store, host), title="Panel", kind="review",
        start="2030-05-01T09:00", end="2030-05-01T10:00",
    )  # fmt: skip
    await put_on_roster(store, session, name="Wang Fang", role=Role.REVIEWER)

    html = await (await client.get(f"/sessions/{session.session_id}")).text()

    assert "The review panel is confidential: its reviewers are not listed." in html
    assert "No one is listed yet." not in html
    assert "Wang Fang" not in html


async def test_a_sessions_console_page_names_it_by_its_kind_in_chinese(client, store) -> None:
    host = await signed_in_host(client, store)
    event = await make_event(store, host)
    session = await make_session(
        store, event, title="Data class", start="2030-05-01T09:00", end="2030-05-01T10:00",
        kind="class",
    )  # fmt: skip
    client.session.cookie_jar.update_cookies({"lang": "zh_CN"})

    html = await (await client.get(f"/console/sessions/{session.session_id}")).text()

    assert ("编辑课堂" in html, "取消课堂" in html, "日程" in html) == (True, True, False)
