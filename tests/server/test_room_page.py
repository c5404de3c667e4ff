"""The room page (GET /sessions/{session_id}/room): the shell the room's scripts start from."""

import html
import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from rooms.roles import Role
from server import agenda
from server.app import make_app
from server.guests import GUEST_KEY
from server.invitations import issue_invite, sign_invite
from server.websession import SESSION_COOKIE
from tests.server.fixtures_login import csrf_token
from tests.server.pages_world import (
    csrf_of,
    make_event,
    make_session,
    now,
    sign_in,
    staff_of_new_org,
)

APP = re.compile(r'<div id="room-app" class="room-app"(.*?)>', re.DOTALL)
DATA = re.compile(r'data-([a-z-]+)="([^"]*)"')
STRING = re.compile(r'<li data-key="([a-z_]+)">(.*?)</li>')


def room_data(page: str) -> dict[str, str]:
    """The data-* attributes of the page's #room-app element, unescaped."""
    found = APP.search(page)
    assert found is not None, "no #room-app on the page"
    return {name: html.unescape(value) for name, value in DATA.findall(found.group(1))}


def room_strings(page: str) -> dict[str, str]:
    return {key: html.unescape(text) for key, text in STRING.findall(page)}


async def guest_key(client, store) -> str:  # type: ignore[no-untyped-def]
    """The anonymous guest's person key in the client's web session."""
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))[SESSION_COOKIE]
    return json.loads(await store.web_sessions.load(cookie.value))["session"][GUEST_KEY]


async def public_meeting(store, *, title: str = "Open Meeting", kind: str = "meeting"):  # type: ignore[no-untyped-def]
    host = await staff_of_new_org(store, email="host@example.org", name="Hu Host")
    event = await make_event(store, host)
    session = await make_session(
        store, event, title=title, start="2030-05-01T09:00", end="2030-05-01T10:00", kind=kind
    )
    return host, event, session


async def test_room_page_gives_the_scripts_what_they_start_from(client, store) -> None:
    _host, _event, session = await public_meeting(store)

    before = datetime.now(UTC) - timedelta(milliseconds=1)  # the page's time is in whole ms
    response = await client.get(f"/sessions/{session.session_id}/room")
    after = datetime.now(UTC)
    page = await response.text()

    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    data = room_data(page)
    assert before <= datetime.fromisoformat(data.pop("server-time")) <= after
    assert data == {
        "session-id": session.session_id,
        "lang": "en",
        "socket-path": "/socket.io/",
        "ice-servers": "[]",
        "known-name": "",
        "roles": '["host", "cohost", "presenter", "attendee", "observer"]',
        "state": "scheduled",
        "opens-at": "2030-05-01T00:45:00Z",
        "csrf-token": await csrf_token(client),
    }


async def test_room_page_asks_a_guest_for_a_name(client, store) -> None:
    _host, _event, session = await public_meeting(store)

    page = await (await client.get(f"/sessions/{session.session_id}/room")).text()

    assert '<input type="text" id="prejoin-name" name="name"' in page
    assert "This room is for invited people." not in page


async def test_room_page_keeps_one_guest_key_for_a_browser(client, store) -> None:
    _host, _event, session = await public_meeting(store)

    await client.get(f"/sessions/{session.session_id}/room")
    first = await guest_key(client, store)
    await client.get(f"/sessions/{session.session_id}/room")

    assert first.startswith("anon:")
    assert await guest_key(client, store) == first


async def test_room_page_tells_a_guest_a_review_is_for_invited_people(client, store) -> None:
    _host, _event, session = await public_meeting(store, kind="review")

    page = await (await client.get(f"/sessions/{session.session_id}/room")).text()

    assert "This room is for invited people. Open your invite link, or log in." in page


async def test_room_page_names_a_signed_in_account(client, store) -> None:
    host, _event, session = await public_meeting(store)
    await sign_in(client, host)

    page = await (await client.get(f"/sessions/{session.session_id}/room")).text()

    assert room_data(page)["known-name"] == "Hu Host"
    assert "You join as Hu Host." in page
    assert 'id="prejoin-name"' not in page


async def test_room_page_names_the_bearer_of_an_accepted_invite(client, store, settings) -> None:
    host, _event, session = await public_meeting(store)
    invite = await issue_invite(
        store, session=session, role=Role.PRESENTER, name="Li Lei", email="li@example.org",
        single_use=False, days=7, created_by=host.account_id, now=now(),
    )  # fmt: skip
    token = sign_invite(settings, invite)
    landing = await (await client.get(f"/invite/{token}")).text()
    await client.post(
        f"/invite/{token}/accept", data={"csrf_token": csrf_of(landing)}, allow_redirects=False
    )

    page = await (await client.get(f"/sessions/{session.session_id}/room")).text()

    assert room_data(page)["known-name"] == "Li Lei"


async def test_room_page_escapes_the_session_title(client, store) -> None:
    _host, _event, session = await public_meeting(store, title='<img src=x onerror="alert(1)">')

    page = await (await client.get(f"/sessions/{session.session_id}/room")).text()

    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page


async def test_room_page_has_no_inline_script_or_style(client, store) -> None:
    _host, _event, session = await public_meeting(store)

    page = await (await client.get(f"/sessions/{session.session_id}/room")).text()

    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts == [
        '<script type="module" src="/static/js/localtime.js">',
        '<script type="module" src="/static/js/room/main.js">',
    ]
    assert re.findall(r"</script>", page) == ["</script>", "</script>"]
    assert " style=" not in page and "<style" not in page and " on" + "click=" not in page


async def test_room_page_in_chinese(client, store) -> None:
    _host, _event, session = await public_meeting(store)
    client.session.cookie_jar.update_cookies({"lang": "zh_CN"})

    page = await (await client.get(f"/sessions/{session.session_id}/room")).text()

    assert room_data(page)["lang"] == "zh_CN"
    assert '<html lang="zh-CN">' in page
    assert "你的名字" in page
    strings = room_strings(page)
    assert strings["reconnecting"] == "连接已断开，正在重新连接…"
    assert strings["place"] == "你在队列中排第 {place} 位。"


async def test_room_page_has_every_string_in_chinese(client, store) -> None:
    _host, _event, session = await public_meeting(store)
    client.session.cookie_jar.update_cookies({"lang": "zh_CN"})

    page = await (await client.get(f"/sessions/{session.session_id}/room")).text()

    untranslated = {k: v for k, v in room_strings(page).items() if v.isascii()}
    assert untranslated == {}


async def test_room_page_of_a_review_has_the_panel_and_its_strings_in_chinese(
    client, store
) -> None:
    _host, _event, session = await public_meeting(store, kind="review")
    client.session.cookie_jar.update_cookies({"lang": "zh_CN"})

    page = await (await client.get(f"/sessions/{session.session_id}/room")).text()

    strings = room_strings(page)
    assert '<section id="review-panel"' in page
    assert (strings["phase_qa"], strings["next_closed"]) == ("答辩", "结束评分")
    assert {k: v for k, v in strings.items() if v.isascii()} == {}


async def test_room_page_of_a_meeting_has_no_review_panel(client, store) -> None:
    _host, _event, session = await public_meeting(store)

    page = await (await client.get(f"/sessions/{session.session_id}/room")).text()

    assert 'id="review-panel"' not in page
    assert "phase_qa" not in room_strings(page)


async def test_room_page_of_a_cancelled_session_offers_no_join(client, store) -> None:
    _host, _event, session = await public_meeting(store)
    await agenda.cancel_session(store, session=session, now=now())

    page = await (await client.get(f"/sessions/{session.session_id}/room")).text()

    assert "This session was cancelled." in page
    assert 'id="prejoin-form"' not in page


async def test_room_page_carries_the_ice_servers_of_the_settings(
    aiohttp_client, settings, store
) -> None:
    servers = ({"urls": "stun:stun.example.org:3478"},)
    client = await aiohttp_client(make_app(replace(settings, ice_servers=servers)))
    _host, _event, session = await public_meeting(store)

    page = await (await client.get(f"/sessions/{session.session_id}/room")).text()

    assert json.loads(room_data(page)["ice-servers"]) == [{"urls": "stun:stun.example.org:3478"}]


async def test_room_page_of_an_unknown_session_is_not_found(client) -> None:
    response = await client.get("/sessions/nope/room")

    assert response.status == 404


async def test_room_page_of_a_class_has_the_qa_panel_and_its_strings_in_chinese(
    client, store
) -> None:
    _host, _event, session = await public_meeting(store, kind="class")
    client.session.cookie_jar.update_cookies({"lang": "zh_CN"})

    page = await (await client.get(f"/sessions/{session.session_id}/room")).text()

    strings = room_strings(page)
    assert '<section id="qa-panel"' in page
    assert (strings["qa_upvote"], strings["qa_state_answering"]) == ("点赞", "正在回答")
    assert {k: v for k, v in strings.items() if v.isascii() and not v.startswith("{")} == {}


async def test_room_page_of_a_review_has_no_qa_panel(client, store) -> None:
    _host, _event, session = await public_meeting(store, kind="review")

    page = await (await client.get(f"/sessions/{session.session_id}/room")).text()

    assert 'id="qa-panel"' not in page
    assert "qa_upvote" not in room_strings(page)


async def test_room_page_names_the_session_by_its_kind_in_chinese(client, store) -> None:
    _host, _event, session = await public_meeting(store, kind="class")
    client.session.cookie_jar.update_cookies({"lang": "zh_CN"})

    page = await (await client.get(f"/sessions/{session.session_id}/room")).text()

    strings = room_strings(page)
    assert (strings["confirm_end"], strings["ended"]) == (
        "要为所有人结束本课堂吗？",
        "课堂已结束。",
    )
    assert "返回课堂页面" in page
    assert "日程" not in page
