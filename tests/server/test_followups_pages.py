"""The follow-up pages as the two people use them: the investor, in by their invite, asks
from the roadshow's follow-ups page; the founder opens the signed link and picks a time;
the meeting is then in both people's calendar feeds."""

from datetime import timedelta

from rooms.roles import Role
from server import followups
from server.calendar import feed_url_for
from server.invitations import invite_url, issue_invite, sign_invite
from server.settings import Settings
from server.store import Store
from tests.server.fixtures_login import csrf_token
from tests.server.test_followups import FOUNDER_KEY, INVESTOR, NOW, local, roadshow


async def test_an_investor_requests_and_the_founder_picks_into_both_feeds(
    client,
    store: Store,
    settings: Settings,  # type: ignore[no-untyped-def]
) -> None:
    session, item_id = await roadshow(store)
    invite = await issue_invite(
        store, session=session, role=Role.ATTENDEE, name=INVESTOR.name, email=INVESTOR.email,
        single_use=False, days=30, created_by="test", now=NOW,
    )  # fmt: skip
    token = sign_invite(settings, invite)
    csrf = await csrf_token(client)
    await client.post(f"/invite/{token}/accept", data={"csrf_token": csrf}, allow_redirects=False)
    page = f"/sessions/{session.session_id}/follow-ups"
    at = NOW + timedelta(days=1)
    past = await client.post(page, data={"csrf_token": csrf, "item": item_id, "minutes": "30",
                                         "time": local(NOW - timedelta(days=1))})  # fmt: skip
    sent = await client.post(page, data={"csrf_token": csrf, "item": item_id, "minutes": "30",
                                         "time": local(at), "message": "Hello"})  # fmt: skip
    (note,) = await store.notifications.of_person(FOUNDER_KEY)
    answer_page = note.link.removeprefix(settings.base_url)
    shown = await client.get(answer_page)
    picked = await client.post(
        f"{answer_page}/pick", data={"csrf_token": csrf, "time": at.isoformat()}
    )
    booked_page = await picked.text()
    feeds = [
        await (await client.get((await feed_url_for(store, settings, key)).removeprefix(
            settings.base_url))).text()
        for key in (INVESTOR.person_key, FOUNDER_KEY)
    ]  # fmt: skip
    (meeting,) = await store.agenda.sessions_of_person(FOUNDER_KEY)
    assert (past.status, "passed" in await past.text()) == (400, True)
    assert (sent.status, shown.status, picked.status) == (200, 200, 200)
    assert "every founder of the pitch is notified" in await sent.text()
    assert "Your invite to the meeting" in booked_page
    assert invite_url(settings, "") in booked_page
    assert [f"UID:{meeting.session_id}@yunhui" in feed for feed in feeds] == [True, True]


async def test_the_follow_ups_page_is_for_invited_people_only(
    client,
    store: Store,  # type: ignore[no-untyped-def]
) -> None:
    session, _item_id = await roadshow(store)
    response = await client.get(f"/sessions/{session.session_id}/follow-ups")
    assert response.status == 403


async def test_a_founder_in_by_their_invite_sees_the_request_but_may_not_send_one(
    client,
    store: Store,
    settings: Settings,  # type: ignore[no-untyped-def]
) -> None:
    session, item_id = await roadshow(store)
    await followups.request_follow_up(
        store, settings, session=session, item_id=item_id, investor=INVESTOR, now=NOW,
        fields={"times": [local(NOW + timedelta(days=1))]},
    )  # fmt: skip
    invite = await issue_invite(
        store, session=session, role=Role.PRESENTER, name="Liu Yang",
        email="liu.yang@example.org", single_use=False, days=30, created_by="test", now=NOW,
    )  # fmt: skip
    csrf = await csrf_token(client)
    token = sign_invite(settings, invite)
    await client.post(f"/invite/{token}/accept", data={"csrf_token": csrf}, allow_redirects=False)
    page = f"/sessions/{session.session_id}/follow-ups"
    shown = await (await client.get(page)).text()
    sent = await client.post(page, data={"csrf_token": csrf, "item": item_id, "time": "x"})
    (request,) = await store.follow_ups.of_person(FOUNDER_KEY)
    assert followups.founder_link(settings, request.follow_up_id, FOUNDER_KEY) in shown
    assert 'name="item"' not in shown
    assert sent.status == 403
