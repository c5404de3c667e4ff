"""The host console: signing in first, creating events and sessions through its forms,
forms that are refused keep what was typed, rosters and invites."""

import re

import pytest

from rooms.agenda import PersonType, person_key
from rooms.roles import Role
from server.pages.forms import Form, chosen_zone
from tests.server.pages_world import (
    csrf_of,
    make_event,
    make_session,
    now,
    put_on_roster,
    sign_in,
    staff_of_new_org,
)

EVENT_FORM = {
    "title_zh": "材料论坛",
    "title_en": "Materials Forum",
    "description": "Two days.",
    "zone": "Asia/Shanghai",
    "zone_other": "",
    "start_date": "2030-05-01",
    "end_date": "2030-05-02",
    "visibility": "public",
}
SESSION_FORM = {
    "kind": "meeting",
    "title": "Opening",
    "description": "",
    "start": "2030-05-01T09:30",
    "end": "2030-05-01T10:30",
    "capacity": "200",
    "lobby": "on",
    "lobby_minutes": "10",
}


async def post_form(client, page: str, action: str, form: dict[str, str]):  # type: ignore[no-untyped-def]
    """Open the page, then post the form to action with the page's CSRF token."""
    token = csrf_of(await (await client.get(page)).text())
    return await client.post(action, data=form | {"csrf_token": token}, allow_redirects=False)


async def test_console_redirects_to_login_when_signed_out(client) -> None:
    response = await client.get("/console/events/new", allow_redirects=False)

    assert response.status == 303
    assert response.headers["Location"] == "/login?next=/console/events/new"


async def test_console_lists_the_organizations_events_only(client, store) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    other = await staff_of_new_org(store, email="other@example.org")
    await make_event(store, host, title_en="Ours")
    await make_event(store, other, title_en="Theirs")
    await sign_in(client, host)

    html = await (await client.get("/console")).text()

    assert re.findall(r'<h3><a href="/console/events/[0-9a-f]+">(.*?)</a></h3>', html) == ["Ours"]


async def test_console_hides_another_organizations_event(client, store) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    other = await staff_of_new_org(store, email="other@example.org")
    theirs = await make_event(store, other, visibility="unlisted")
    await sign_in(client, host)

    response = await client.get(f"/console/events/{theirs.event_id}")

    assert response.status == 404


async def test_console_hides_another_organizations_session(client, store) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    other = await staff_of_new_org(store, email="other@example.org")
    theirs = await make_session(
        store,
        await make_event(store, other, visibility="unlisted"),
        title="Theirs",
        start="2030-05-01T09:30",
        end="2030-05-01T10:30",
    )
    await sign_in(client, host)

    response = await client.get(f"/console/sessions/{theirs.session_id}")

    assert response.status == 404


async def test_creating_an_event_and_a_session_puts_it_on_the_agenda(client, store) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    await sign_in(client, host)

    created = await post_form(client, "/console/events/new", "/console/events/new", EVENT_FORM)
    event_page = created.headers["Location"]
    added = await post_form(client, event_page, f"{event_page}/sessions", SESSION_FORM)

    (event,) = await store.agenda.events_of_org(host.org_id)
    (session,) = await store.agenda.agenda_of(event.event_id)
    assert (created.status, event_page) == (303, f"/console/events/{event.event_id}")
    assert (added.status, added.headers["Location"]) == (
        303,
        f"/console/events/{event.event_id}#session-{session.session_id}",
    )
    assert (event.title_en, event.zone, str(event.visibility)) == (
        "Materials Forum",
        "Asia/Shanghai",
        "public",
    )
    assert (session.title, session.capacity, session.lobby_minutes) == ("Opening", 200, 10)
    assert (session.lobby, session.recording_allowed) == (True, False)
    html = await (await client.get(f"/events/{event.event_id}")).text()
    assert '<time datetime="2030-05-01T01:30:00Z">09:30</time>' in html


async def test_an_event_with_an_unknown_zone_is_refused_and_the_input_kept(client, store) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    await sign_in(client, host)
    form = EVENT_FORM | {"zone": "other", "zone_other": "Mars/Olympus"}

    response = await post_form(client, "/console/events/new", "/console/events/new", form)
    html = await response.text()

    assert response.status == 400
    assert (
        '<p class="form-error" role="alert">&#39;Mars/Olympus&#39; is not an IANA time zone '
        "name (e.g. Asia/Shanghai).</p>"
    ) in html
    assert 'name="zone_other" value="Mars/Olympus"' in html
    assert 'name="title_en" value="Materials Forum"' in html
    assert '<option value="other" selected>' in html
    assert await store.agenda.events_of_org(host.org_id) == []


async def test_a_session_in_a_dst_gap_is_refused_and_the_input_kept(client, store) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    event = await make_event(
        store, host, zone="Europe/Berlin", start_date="2030-03-30", end_date="2030-03-31"
    )
    await sign_in(client, host)
    page = f"/console/events/{event.event_id}"
    form = SESSION_FORM | {
        "title": "Night owls",
        "start": "2030-03-31T02:30",
        "end": "2030-03-31T04:00",
    }

    response = await post_form(client, page, f"{page}/sessions", form)
    html = await response.text()

    assert response.status == 400
    assert (
        "2030-03-31 02:30 does not exist in Europe/Berlin: the clocks skip it "
        "(daylight saving time starts). Choose a time outside the gap."
    ) in html
    assert 'name="start" value="2030-03-31T02:30"' in html
    assert 'name="title" value="Night owls"' in html
    assert "Start (Europe/Berlin)" in html
    assert await store.agenda.agenda_of(event.event_id) == []


async def test_a_refused_form_is_shown_in_chinese(client, store) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    event = await make_event(store, host)
    await sign_in(client, host)
    client.session.cookie_jar.update_cookies({"lang": "zh_CN"})
    page = f"/console/events/{event.event_id}"

    response = await post_form(client, page, f"{page}/sessions", SESSION_FORM | {"capacity": "x"})
    html = await response.text()

    assert response.status == 400
    assert '<p class="form-error" role="alert">人数上限必须是整数。</p>' in html
    assert 'name="capacity" value="x"' in html


async def test_editing_a_session_moves_it(client, store) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    event = await make_event(store, host)
    session = await make_session(
        store, event, title="Talk", start="2030-05-01T09:30", end="2030-05-01T10:30"
    )
    await sign_in(client, host)
    page = f"/console/sessions/{session.session_id}"
    form = SESSION_FORM | {"title": "Talk", "start": "2030-05-02T14:00", "end": "2030-05-02T15:00"}

    response = await post_form(client, page, page, form)

    moved = await store.agenda.get_session(session.session_id)
    assert (response.status, response.headers["Location"]) == (303, page)
    assert (moved.kind, moved.start.isoformat()) == (session.kind, "2030-05-02T06:00:00+00:00")


async def test_cancelling_a_session_needs_the_confirmation(client, store) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    event = await make_event(store, host)
    session = await make_session(
        store, event, title="Talk", start="2030-05-01T09:30", end="2030-05-01T10:30"
    )
    await sign_in(client, host)
    page = f"/console/sessions/{session.session_id}"

    unconfirmed = await post_form(client, page, f"{page}/cancel", {})
    confirmed = await post_form(client, page, f"{page}/cancel", {"confirm": "on"})

    assert unconfirmed.status == 400
    assert confirmed.status == 303
    assert str((await store.agenda.get_session(session.session_id)).state) == "cancelled"


async def test_adding_a_guest_and_a_colleague_to_the_roster(client, store) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    event = await make_event(store, host)
    session = await make_session(
        store, event, title="Talk", start="2030-05-01T09:30", end="2030-05-01T10:30"
    )
    await sign_in(client, host)
    page = f"/console/sessions/{session.session_id}"
    guest = {
        "person_type": "guest",
        "name": "Gu Guest",
        "email": "Gu@Example.org",
        "role": "presenter",
    }
    colleague = {"person_type": "account", "account_id": host.account_id, "role": "host"}

    added_guest = await post_form(client, page, f"{page}/roster", guest)
    added_colleague = await post_form(client, page, f"{page}/roster", colleague)

    roster = await store.agenda.roster_of(session.session_id)
    assert (added_guest.status, added_colleague.status) == (303, 303)
    assert [(e.person_key, e.role, e.name) for e in roster] == [
        (person_key(PersonType.ACCOUNT, host.account_id), Role.HOST, "Hu Host"),
        ("guest:gu@example.org", Role.PRESENTER, "Gu Guest"),
    ]


async def test_a_role_the_kind_lacks_is_refused(client, store) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    event = await make_event(store, host)
    session = await make_session(
        store, event, title="Talk", start="2030-05-01T09:30", end="2030-05-01T10:30"
    )
    await sign_in(client, host)
    page = f"/console/sessions/{session.session_id}"
    guest = {
        "person_type": "guest",
        "name": "Gu Guest",
        "email": "gu@example.org",
        "role": "signer",
    }

    response = await post_form(client, page, f"{page}/roster", guest)
    html = await response.text()

    assert response.status == 400
    assert "Choose one of the roles of this session." in html
    assert 'name="name" value="Gu Guest"' in html
    assert await store.agenda.roster_of(session.session_id) == []


async def test_removing_someone_from_the_roster(client, store) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    event = await make_event(store, host)
    session = await make_session(
        store, event, title="Talk", start="2030-05-01T09:30", end="2030-05-01T10:30"
    )
    await put_on_roster(store, session, name="Gu Guest", role=Role.ATTENDEE)
    await sign_in(client, host)
    page = f"/console/sessions/{session.session_id}"

    response = await post_form(
        client, page, f"{page}/roster/remove", {"person_key": "guest:gu.guest@example.org"}
    )

    assert response.status == 303
    assert await store.agenda.roster_of(session.session_id) == []


async def test_creating_an_invite_shows_its_link_and_qr_code(client, store) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    event = await make_event(store, host)
    session = await make_session(
        store, event, title="Talk", start="2030-05-01T09:30", end="2030-05-01T10:30"
    )
    await sign_in(client, host)
    page = f"/console/sessions/{session.session_id}"
    form = {"role": "attendee", "name": "Iva Invitee", "email": "", "single_use": "on", "days": "7"}

    response = await post_form(client, page, f"{page}/invites", form)
    (invite,) = await store.invites.of_session(session.session_id)
    html = await (await client.get(response.headers["Location"])).text()

    assert (
        response.headers["Location"]
        == f"{page}?invite={invite.invite_id}#invite-{invite.invite_id}"
    )
    link = re.search(r'id="link-[0-9a-f]+" type="text" readonly value="([^"]+)"', html).group(1)
    token = link.removeprefix("http://127.0.0.1:8080/invite/")
    assert link.startswith("http://127.0.0.1:8080/invite/")
    assert f'<img class="qr" src="/invite/{token}/qr.svg"' in html
    assert f'data-copy="link-{invite.invite_id}"' in html
    assert (invite.name, invite.single_use) == ("Iva Invitee", True)


async def test_my_sessions_lists_sessions_i_am_on(client, store) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    event = await make_event(store, host)
    session = await make_session(
        store, event, title="Mine", start="2030-05-01T09:30", end="2030-05-01T10:30"
    )
    await make_session(
        store, event, title="Not mine", start="2030-05-01T11:30", end="2030-05-01T12:30"
    )
    await sign_in(client, host)
    page = f"/console/sessions/{session.session_id}"
    await post_form(
        client,
        page,
        f"{page}/roster",
        {"person_type": "account", "account_id": host.account_id, "role": "host"},
    )

    html = await (await client.get("/console")).text()

    assert re.findall(r'<h3><a href="/console/sessions/[0-9a-f]+">(.*?)</a></h3>', html) == ["Mine"]


async def test_adding_an_expert_found_by_discipline_as_reviewer(client, store) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    event = await make_event(store, host)
    session = await make_session(
        store, event, title="Panel", start="2030-05-01T09:30", end="2030-05-01T11:00", kind="review"
    )
    expert = await store.experts.create(
        org_id=host.org_id,
        fields={"name": "Mei Materials", "email": "mei@example.org", "disciplines": ["0805"]},
        now=now(),
    )
    await store.experts.create(
        org_id=host.org_id,
        fields={"name": "Lu Law", "email": "lu@example.org", "disciplines": ["0301"]},
        now=now(),
    )
    await sign_in(client, host)
    page = f"/console/sessions/{session.session_id}"

    found = await (await client.get(f"{page}?expert_discipline=0805")).text()
    response = await post_form(
        client,
        page,
        f"{page}/roster",
        {"person_type": "expert", "expert_id": expert.expert_id, "role": "reviewer"},
    )

    assert re.findall(
        r'<tr id="candidate-([0-9a-f]+)">\s*<td>\s*<span class="name">(Mei|Lu) ', found
    ) == [(expert.expert_id, "Mei")]
    assert response.status == 303
    assert [(e.person_key, e.role) for e in await store.agenda.roster_of(session.session_id)] == [
        (f"expert:{expert.expert_id}", Role.REVIEWER)
    ]


@pytest.mark.parametrize(
    ("picked", "typed", "zone"),
    [
        ("Asia/Shanghai", "", "Asia/Shanghai"),
        ("Asia/Shanghai", "Europe/Vienna", "Asia/Shanghai"),  # the list wins unless "other"
        ("other", "Europe/Vienna", "Europe/Vienna"),
        ("other", "  Europe/Vienna ", "Europe/Vienna"),
        ("", "Europe/Vienna", "Europe/Vienna"),  # no list sent: what was typed
        ("other", "", ""),  # refused by the agenda: a zone is required
    ],
)
def test_the_event_form_zone_is_the_picked_or_the_typed_one(picked, typed, zone) -> None:
    assert chosen_zone(Form(zone=picked, zone_other=typed)) == zone
