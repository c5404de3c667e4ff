"""Invite tokens, admission rules against Redis, and the invite pages."""

import asyncio
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from rooms.agenda import Session
from rooms.invites import MAX_DAYS, Invite, InviteRefused, Refusal
from rooms.roles import Role
from server import agenda
from server.accounts import create_org_with_admin
from server.app import make_app
from server.invitations import (
    CLOCK_SKEW,
    accept_invite,
    accepted_invites,
    invite_url,
    issue_invite,
    open_invite,
    read_token,
    sign_invite,
)
from server.settings import Settings
from server.store import Store

NOW = datetime.now(UTC).replace(microsecond=0)


async def make_session(store: Store, *, kind: str = "review") -> Session:
    """A session ten days from now, of an event of a fresh organization."""
    org, admin = await create_org_with_admin(
        store,
        name_zh="测试学会",
        name_en="Test Society",
        email=f"admin-{kind}@example.org",
        name="Admin",
        password="correct horse battery staple",
        now=NOW,
    )
    day = (NOW + timedelta(days=10)).date()
    event = await agenda.create_event(
        store,
        org_id=org.org_id,
        organizer=admin.account_id,
        fields={
            "title_zh": "年会",
            "title_en": "Annual Meeting",
            "description": "",
            "zone": "Asia/Shanghai",
            "start_date": day.isoformat(),
            "end_date": day.isoformat(),
            "visibility": "public",
        },
        now=NOW,
    )
    fields = {"kind": kind, "title": "Panel A", "description": "Projects 1-5"}
    fields |= {"start": f"{day}T09:00", "end": f"{day}T11:00"}
    return await agenda.create_session(store, event=event, fields=fields, now=NOW)


async def make_invite(store: Store, session: Session, **changes: object) -> Invite:
    arguments: dict[str, object] = {
        "session": session,
        "role": Role.REVIEWER,
        "name": "Li Wei",
        "email": "li.wei@example.org",
        "single_use": True,
        "days": 30,
        "created_by": "a1",
        "now": NOW,
    }
    return await issue_invite(store, **(arguments | changes))  # type: ignore[arg-type]


def flip(token: str, position: int) -> str:
    changed = "A" if token[position] != "A" else "B"
    return token[:position] + changed + token[position + 1 :]


# tokens


def test_token_carries_invite_session_and_role(settings: Settings) -> None:
    invite = Invite("i1", "s1", Role.REVIEWER, "Li", "", False, "a1", NOW, NOW)

    claim = read_token(settings, sign_invite(settings, invite), now=NOW)

    assert (claim.invite_id, claim.session_id, claim.role) == ("i1", "s1", "reviewer")


@pytest.mark.parametrize("position", [3, 10, 20, -12, -5])
def test_token_with_a_flipped_character_is_invalid(settings: Settings, position: int) -> None:
    invite = Invite("i1", "s1", Role.REVIEWER, "Li", "", False, "a1", NOW, NOW)
    token = sign_invite(settings, invite)

    with pytest.raises(InviteRefused) as caught:
        read_token(settings, flip(token, position), now=NOW)

    assert caught.value.reason is Refusal.INVALID


def test_token_signed_with_another_key_is_invalid(settings: Settings) -> None:
    invite = Invite("i1", "s1", Role.REVIEWER, "Li", "", False, "a1", NOW, NOW)
    other = replace(settings, secret_key="another-secret-key-0123456789-abcdefghijk")

    with pytest.raises(InviteRefused) as caught:
        read_token(settings, sign_invite(other, invite), now=NOW)

    assert caught.value.reason is Refusal.INVALID


def test_token_older_than_any_invite_may_live_is_expired(settings: Settings) -> None:
    issued = NOW - timedelta(days=366)
    invite = Invite("i1", "s1", Role.REVIEWER, "Li", "", False, "a1", issued, issued)

    with pytest.raises(InviteRefused) as caught:
        read_token(settings, sign_invite(settings, invite), now=NOW)

    assert caught.value.reason is Refusal.EXPIRED


@pytest.mark.parametrize("ahead", [timedelta(seconds=1), timedelta(seconds=59), CLOCK_SKEW])
def test_token_stamped_ahead_of_the_readers_clock_is_read(
    settings: Settings, ahead: timedelta
) -> None:
    """Issued by a process whose clock is ahead, or later in the same second."""
    issued = NOW + ahead
    invite = Invite("i1", "s1", Role.REVIEWER, "Li", "", False, "a1", issued, issued)

    assert read_token(settings, sign_invite(settings, invite), now=NOW).invite_id == "i1"


def test_token_stamped_further_ahead_than_any_clock_may_be_is_refused(settings: Settings) -> None:
    issued = NOW + CLOCK_SKEW + timedelta(seconds=2)
    invite = Invite("i1", "s1", Role.REVIEWER, "Li", "", False, "a1", issued, issued)

    with pytest.raises(InviteRefused) as caught:
        read_token(settings, sign_invite(settings, invite), now=NOW)

    assert caught.value.reason is Refusal.EXPIRED


def test_token_just_older_than_any_invite_may_live_is_expired(settings: Settings) -> None:
    issued = NOW - timedelta(days=MAX_DAYS, seconds=2)
    invite = Invite("i1", "s1", Role.REVIEWER, "Li", "", False, "a1", issued, issued)

    with pytest.raises(InviteRefused) as caught:
        read_token(settings, sign_invite(settings, invite), now=NOW)

    assert caught.value.reason is Refusal.EXPIRED


def test_invite_url_is_the_base_url_and_the_token(settings: Settings) -> None:
    assert invite_url(settings, "abc.def") == "http://127.0.0.1:8080/invite/abc.def"


# admission against Redis


async def test_open_invite_admits_a_fresh_invite(store: Store, settings: Settings) -> None:
    session = await make_session(store)
    invite = await make_invite(store, session)

    opened, its_session = await open_invite(
        store, settings, token=sign_invite(settings, invite), now=NOW
    )

    assert (opened, its_session) == (invite, session)


async def _refusal(store: Store, settings: Settings, invite: Invite, **kwargs: object) -> Refusal:
    token = sign_invite(settings, invite)
    with pytest.raises(InviteRefused) as caught:
        await accept_invite(store, settings, token=token, **({"now": NOW} | kwargs))  # type: ignore[arg-type]
    return caught.value.reason


async def test_invite_past_its_expiry_is_refused(store: Store, settings: Settings) -> None:
    session = await make_session(store)
    invite = await make_invite(store, session, now=NOW - timedelta(days=8), days=7)

    assert await _refusal(store, settings, invite) is Refusal.EXPIRED


async def test_invite_naming_another_session_is_refused(store: Store, settings: Settings) -> None:
    session = await make_session(store)
    invite = await make_invite(store, session)

    assert await _refusal(store, settings, invite, session_id="other") is Refusal.WRONG_SESSION


async def test_revoked_invite_is_refused(store: Store, settings: Settings) -> None:
    session = await make_session(store)
    invite = await make_invite(store, session)
    await store.invites.revoke(invite.invite_id)

    assert await _refusal(store, settings, invite) is Refusal.REVOKED


async def test_invite_to_a_cancelled_session_is_refused(store: Store, settings: Settings) -> None:
    session = await make_session(store)
    invite = await make_invite(store, session)
    await agenda.cancel_session(store, session=session, now=NOW)

    assert await _refusal(store, settings, invite) is Refusal.CANCELLED


async def test_invite_to_an_ended_session_is_refused(store: Store, settings: Settings) -> None:
    session = await make_session(store)
    invite = await make_invite(store, session)

    later = session.end + timedelta(minutes=1)
    assert await _refusal(store, settings, invite, now=later) is Refusal.ENDED


async def test_invite_whose_record_is_gone_is_invalid(store: Store, settings: Settings) -> None:
    session = await make_session(store)
    invite = replace(await make_invite(store, session), invite_id="never-stored")

    assert await _refusal(store, settings, invite) is Refusal.INVALID


async def test_single_use_invite_admits_exactly_one_of_two_concurrent_accepts(
    store: Store, settings: Settings
) -> None:
    session = await make_session(store)
    token = sign_invite(settings, await make_invite(store, session))

    outcomes = await asyncio.gather(
        accept_invite(store, settings, token=token, now=NOW),
        accept_invite(store, settings, token=token, now=NOW),
        return_exceptions=True,
    )

    refused = [o.reason for o in outcomes if isinstance(o, InviteRefused)]
    admitted = [o for o in outcomes if isinstance(o, tuple)]
    assert (len(admitted), refused) == (1, [Refusal.USED])


async def test_reusable_invite_admits_again(store: Store, settings: Settings) -> None:
    session = await make_session(store)
    token = sign_invite(settings, await make_invite(store, session, single_use=False))

    await accept_invite(store, settings, token=token, now=NOW)
    invite, _ = await accept_invite(store, settings, token=token, now=NOW)

    assert invite.single_use is False


# pages


@pytest.fixture
async def pages(aiohttp_client, settings: Settings, store: Store):  # type: ignore[no-untyped-def]
    """The app, plus a route that shows what the web session remembers of invites."""

    async def remembered(request: web.Request) -> web.Response:
        return web.json_response(await accepted_invites(request))

    app = make_app(settings)
    app.router.add_get("/test/accepted-invites", remembered)
    return await aiohttp_client(app)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


async def _landing(pages: TestClient, token: str, query: str = "") -> tuple[int, str]:
    response = await pages.get(f"/invite/{token}{query}")
    return response.status, await response.text()


async def test_landing_page_shows_the_invite_and_does_not_spend_it(
    pages, store: Store, settings: Settings
) -> None:
    session = await make_session(store)
    invite = await make_invite(store, session)
    token = sign_invite(settings, invite)

    first, _ = await _landing(pages, token)
    second, html = await _landing(pages, token)

    assert (first, second) == (200, 200)
    assert ("Li Wei" in html, "Panel A" in html, "Reviewer" in html) == (True, True, True)
    assert f'action="/invite/{token}/accept"' in html
    assert await store.invites.spent([invite.invite_id]) == set()


async def test_landing_page_shows_the_time_in_the_event_zone(
    pages, store: Store, settings: Settings
) -> None:
    session = await make_session(store)
    token = sign_invite(settings, await make_invite(store, session))

    _, html = await _landing(pages, token)

    assert ("09:00" in html, "11:00" in html, "Asia/Shanghai" in html) == (True, True, True)


async def test_accepting_redirects_to_the_pre_join_screen_and_remembers_the_invite(
    pages, store: Store, settings: Settings
) -> None:
    session = await make_session(store)
    invite = await make_invite(store, session)
    token = sign_invite(settings, invite)
    _, html = await _landing(pages, token)

    response = await pages.post(
        f"/invite/{token}/accept",
        data={"csrf_token": csrf_of(html), "session_id": session.session_id},
        allow_redirects=False,
    )

    assert (response.status, response.headers["Location"]) == (
        303,
        f"/sessions/{session.session_id}/room",
    )
    remembered = await (await pages.get("/test/accepted-invites")).json()
    assert remembered == [
        {
            "invite_id": invite.invite_id,
            "session_id": session.session_id,
            "role": "reviewer",
            "name": "Li Wei",
            "person_key": "guest:li.wei@example.org",
        }
    ]


async def test_accepting_a_spent_invite_shows_the_used_page(
    pages, store: Store, settings: Settings
) -> None:
    session = await make_session(store)
    token = sign_invite(settings, await make_invite(store, session))
    _, html = await _landing(pages, token)
    form = {"csrf_token": csrf_of(html)}
    await pages.post(f"/invite/{token}/accept", data=form, allow_redirects=False)

    response = await pages.post(f"/invite/{token}/accept", data=form, allow_redirects=False)

    assert response.status == 409
    assert "Invite already used" in await response.text()


async def test_accepting_needs_the_csrf_token(pages, store: Store, settings: Settings) -> None:
    session = await make_session(store)
    invite = await make_invite(store, session)
    await _landing(pages, sign_invite(settings, invite))

    response = await pages.post(f"/invite/{sign_invite(settings, invite)}/accept", data={})

    assert response.status == 403
    assert await store.invites.spent([invite.invite_id]) == set()


@pytest.mark.parametrize(
    ("change", "query", "status", "title"),
    [
        ("tamper", "", 404, "Invalid invite link"),
        ("", "?session=another", 403, "Invite for another session"),
        ("revoke", "", 410, "Invite withdrawn"),
        ("expire", "", 410, "Invite expired"),
        ("cancel", "", 410, "Session cancelled"),
    ],
)
async def test_refused_invite_gets_a_page_saying_why(
    pages, store: Store, settings: Settings, change: str, query: str, status: int, title: str
) -> None:
    session = await make_session(store)
    issued = NOW - timedelta(days=8) if change == "expire" else NOW
    invite = await make_invite(store, session, now=issued, days=7)
    token = sign_invite(settings, invite)
    if change == "tamper":
        token = flip(token, 10)
    if change == "revoke":
        await store.invites.revoke(invite.invite_id)
    if change == "cancel":
        await agenda.cancel_session(store, session=session, now=NOW)

    got, html = await _landing(pages, token, query)

    assert got == status
    assert f"<h1>{title}</h1>" in html


async def test_refusal_page_is_translated(pages, store: Store, settings: Settings) -> None:
    session = await make_session(store)
    invite = await make_invite(store, session)
    await store.invites.revoke(invite.invite_id)

    response = await pages.get(
        f"/invite/{sign_invite(settings, invite)}", headers={"Accept-Language": "zh-CN"}
    )

    html = await response.text()
    assert ("<h1>邀请已撤销</h1>" in html, "此邀请已被主办方撤销。" in html) == (True, True)


async def test_qr_code_is_an_svg_of_the_invite(pages, store: Store, settings: Settings) -> None:
    session = await make_session(store)
    token = sign_invite(settings, await make_invite(store, session))

    response = await pages.get(f"/invite/{token}/qr.svg")

    assert (response.status, response.content_type) == (200, "image/svg+xml")
    assert "<svg" in await response.text()


async def test_qr_code_of_a_tampered_token_is_not_found(
    pages, store: Store, settings: Settings
) -> None:
    session = await make_session(store)
    token = sign_invite(settings, await make_invite(store, session))

    response = await pages.get(f"/invite/{flip(token, 10)}/qr.svg")

    assert response.status == 404
