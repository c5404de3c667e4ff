"""The public pages: home, an event's agenda by day, a session and its visible roster."""

import re
from dataclasses import replace

from rooms.lifecycle import State
from rooms.roles import Role
from server import agenda
from tests.server.pages_world import (
    make_event,
    make_session,
    now,
    put_on_roster,
    sign_in,
    staff_of_new_org,
)

DAY = re.compile(
    r'<section class="day">\s*<h3 class="day-label">(.*?)</h3>(.*?)</section>', re.DOTALL
)
TITLE = re.compile(r'<h4><a href="/sessions/[0-9a-f]+">(.*?)</a></h4>')


def agenda_days(html: str) -> list[tuple[str, list[str]]]:
    """The agenda of an event page as [(day label, [session titles])]."""
    return [(label, TITLE.findall(body)) for label, body in DAY.findall(html)]


async def test_home_lists_public_events_and_not_unlisted_ones(client, store) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    public = await make_event(store, host, title_en="Open Forum")
    await make_event(store, host, title_en="Closed Meeting", visibility="unlisted")

    html = await (await client.get("/")).text()

    assert f'<a href="/events/{public.event_id}">Open Forum</a>' in html
    assert "Closed Meeting" not in html


async def test_home_leaves_out_events_that_are_over(client, store) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    await make_event(
        store, host, title_en="Last Year", start_date="2020-05-01", end_date="2020-05-02"
    )

    html = await (await client.get("/")).text()

    assert "Last Year" not in html
    assert "No public events are coming up." in html


async def test_home_lists_upcoming_sessions_of_public_events(client, store) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    event = await make_event(store, host)
    session = await make_session(
        store, event, title="Keynote", start="2030-05-01T09:30", end="2030-05-01T10:30"
    )

    html = await (await client.get("/")).text()

    assert f'<a href="/sessions/{session.session_id}">Keynote</a>' in html
    assert '<time datetime="2030-05-01T01:30:00Z">09:30</time>' in html


async def test_event_page_groups_sessions_by_day_in_the_event_zone(client, store) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    event = await make_event(store, host)
    await make_session(
        store, event, title="Panel", start="2030-05-02T14:00", end="2030-05-02T15:00"
    )
    await make_session(
        store, event, title="Opening", start="2030-05-01T09:30", end="2030-05-01T10:00"
    )
    await make_session(
        store, event, title="Keynote", start="2030-05-01T10:00", end="2030-05-01T11:00"
    )

    response = await client.get(f"/events/{event.event_id}")
    html = await response.text()

    assert response.status == 200
    assert agenda_days(html) == [
        ("Wednesday, May 1, 2030", ["Opening", "Keynote"]),
        ("Thursday, May 2, 2030", ["Panel"]),
    ]


async def test_event_page_shows_event_zone_times_with_utc_instants(client, store) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    event = await make_event(store, host)
    await make_session(
        store, event, title="Opening", start="2030-05-01T09:30", end="2030-05-01T10:00"
    )

    html = await (await client.get(f"/events/{event.event_id}")).text()

    assert (
        '<time datetime="2030-05-01T01:30:00Z">09:30</time>–'
        '<time datetime="2030-05-01T02:00:00Z">10:00</time> <span class="zone">Asia/Shanghai</span>'
    ) in html
    assert 'data-start="2030-05-01T01:30:00Z" data-end="2030-05-01T02:00:00Z"' in html
    assert '<script type="module" src="/static/js/localtime.js"></script>' in html
    assert f'href="/events/{event.event_id}/calendar.ics"' in html


async def test_event_page_groups_by_the_event_zone_not_utc(client, store) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    event = await make_event(store, host)  # Asia/Shanghai, UTC+8
    await make_session(
        store, event, title="Early", start="2030-05-02T07:00", end="2030-05-02T08:00"
    )

    html = await (await client.get(f"/events/{event.event_id}")).text()

    assert agenda_days(html) == [("Thursday, May 2, 2030", ["Early"])]  # May 1 23:00 in UTC
    assert '<time datetime="2030-05-01T23:00:00Z">07:00</time>' in html


async def test_event_page_shows_a_cancelled_session_as_cancelled(client, store) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    event = await make_event(store, host)
    session = await make_session(
        store, event, title="Dropped", start="2030-05-01T09:30", end="2030-05-01T10:00"
    )
    await agenda.cancel_session(store, session=session, now=now())

    html = await (await client.get(f"/events/{event.event_id}")).text()

    assert '<li class="card session state-cancelled">' in html
    assert '<span class="badge state state-cancelled">Cancelled</span>' in html


async def test_event_page_of_an_unknown_event_is_not_found(client) -> None:
    response = await client.get("/events/nope")

    assert response.status == 404


async def test_session_page_hides_reviewers_of_a_review_from_anonymous_viewers(
    client, store
) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    event = await make_event(store, host)
    session = await make_session(
        store, event, title="Panel", start="2030-05-01T09:30", end="2030-05-01T11:00", kind="review"
    )
    await put_on_roster(store, session, name="Hu Host", role=Role.HOST)
    await put_on_roster(store, session, name="Rita Reviewer", role=Role.REVIEWER)
    await put_on_roster(store, session, name="Pat Presenter", role=Role.PRESENTER)

    html = await (await client.get(f"/sessions/{session.session_id}")).text()

    assert re.findall(r'<span class="name">(.*?)</span>', html) == ["Hu Host", "Pat Presenter"]
    assert "Rita Reviewer" not in html


async def test_session_page_shows_reviewers_to_staff_of_the_organization(client, store) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    event = await make_event(store, host)
    session = await make_session(
        store, event, title="Panel", start="2030-05-01T09:30", end="2030-05-01T11:00", kind="review"
    )
    await put_on_roster(store, session, name="Hu Host", role=Role.HOST)
    await put_on_roster(store, session, name="Rita Reviewer", role=Role.REVIEWER)
    await sign_in(client, host)

    html = await (await client.get(f"/sessions/{session.session_id}")).text()

    assert re.findall(r'<span class="name">(.*?)</span>', html) == ["Hu Host", "Rita Reviewer"]


async def test_session_page_hides_reviewers_from_staff_of_another_organization(
    client, store
) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    outsider = await staff_of_new_org(store, email="other@example.org", name="Olga Other")
    event = await make_event(store, host)
    session = await make_session(
        store, event, title="Panel", start="2030-05-01T09:30", end="2030-05-01T11:00", kind="review"
    )
    await put_on_roster(store, session, name="Rita Reviewer", role=Role.REVIEWER)
    await sign_in(client, outsider)

    html = await (await client.get(f"/sessions/{session.session_id}")).text()

    assert "Rita Reviewer" not in html


async def test_session_page_disables_join_until_the_room_opens(client, store) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    event = await make_event(store, host)
    session = await make_session(
        store, event, title="Talk", start="2030-05-01T09:30", end="2030-05-01T10:30"
    )

    html = await (await client.get(f"/sessions/{session.session_id}")).text()

    assert '<button class="button primary" type="button" disabled>Join</button>' in html
    assert '<time datetime="2030-05-01T01:15:00Z">May 1, 2030 09:15</time>' in html
    assert f'href="/sessions/{session.session_id}/room"' not in html
    assert f'href="/sessions/{session.session_id}/calendar.ics"' in html


async def test_session_page_links_join_when_the_room_is_open(client, store) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    event = await make_event(store, host)
    session = await make_session(
        store, event, title="Talk", start="2030-05-01T09:30", end="2030-05-01T10:30"
    )
    await store.agenda.change_session(
        session.session_id,
        lambda current, _event, _roster: replace(current, state=State.OPEN),
    )

    html = await (await client.get(f"/sessions/{session.session_id}")).text()

    assert f'<a class="button primary" href="/sessions/{session.session_id}/room">Join</a>' in html


async def test_pages_are_chinese_when_the_browser_prefers_it(client, store) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    event = await make_event(store, host, title_zh="材料论坛")
    await make_session(
        store, event, title="Opening", start="2030-05-01T09:30", end="2030-05-01T10:00"
    )

    home = await (await client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"})).text()
    page = await (
        await client.get(f"/events/{event.event_id}", headers={"Accept-Language": "zh-CN"})
    ).text()

    assert '<h2 id="events-heading">即将举行的活动</h2>' in home
    assert "<h1>材料论坛</h1>" in page
    assert agenda_days(page) == [("2030年5月1日星期三", ["Opening"])]


async def test_pages_are_chinese_with_the_language_cookie(client, store) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    event = await make_event(store, host, title_en="Materials Forum", title_zh="材料论坛")
    client.session.cookie_jar.update_cookies({"lang": "zh_CN"})

    page = await (
        await client.get(f"/events/{event.event_id}", headers={"Accept-Language": "en"})
    ).text()

    assert "<h1>材料论坛</h1>" in page
    assert '<h2 id="agenda-heading">日程</h2>' in page


async def test_event_title_falls_back_to_the_other_language(client, store) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    event = await make_event(store, host, title_en="Only English", title_zh="")

    page = await (
        await client.get(f"/events/{event.event_id}", headers={"Accept-Language": "zh-CN"})
    ).text()

    assert "<h1>Only English</h1>" in page


async def test_a_session_past_midnight_shows_the_day_it_ends(client, store) -> None:
    host = await staff_of_new_org(store, email="host@example.org")
    event = await make_event(store, host)
    await make_session(store, event, title="Late", start="2030-05-01T23:00", end="2030-05-02T01:00")

    html = await (await client.get(f"/events/{event.event_id}")).text()

    assert agenda_days(html) == [("Wednesday, May 1, 2030", ["Late"])]
    assert '<time datetime="2030-05-01T17:00:00Z">May 2, 2030 01:00</time>' in html
