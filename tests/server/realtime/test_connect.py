"""Connecting to a room: origins, who the server takes you for, and the refusals."""

from dataclasses import replace
from datetime import timedelta

import pytest
import socketio
from aiohttp import web

from rooms.agenda import PersonType, RosterEntry, person_key
from rooms.roles import Role
from server import agenda
from server.appkeys import STORE
from server.guests import GUEST_KEY, remember_guest
from server.settings import Settings, SettingsError, check_origins
from server.websession import setup_websession
from tests.server.fixtures_login import create_staff
from tests.server.realtime.room_world import World, utcnow
from tests.tokens import tampered


async def refusal(world: World, **kwargs) -> dict:  # type: ignore[no-untyped-def]
    peer = world.peer(**kwargs)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await peer.connect()
    return peer.refusal["data"]


# origins


async def test_a_foreign_origin_is_refused(rooms_world: World) -> None:
    room = await rooms_world.session(lobby=False)
    token = await rooms_world.invite(room, Role.ATTENDEE, "Li Lei")
    peer = rooms_world.peer(room, invite=token, headers={"Origin": "http://evil.example"})

    with pytest.raises(socketio.exceptions.ConnectionError):
        await peer.connect()

    assert peer.client.connected is False


async def test_the_sites_own_origin_is_accepted(rooms_world: World) -> None:
    room = await rooms_world.session(lobby=False)
    token = await rooms_world.invite(room, Role.ATTENDEE, "Li Lei")
    origin = rooms_world.settings.origin

    peer = await rooms_world.enter(room, invite=token, headers={"Origin": origin})

    assert peer.me["name"] == "Li Lei"


async def test_long_polling_works_as_the_fallback(rooms_world: World) -> None:
    room = await rooms_world.session(lobby=False)
    host = await rooms_world.enter(room, invite=await rooms_world.invite(room, Role.HOST, "Host"))
    guest = rooms_world.peer(room, invite=await rooms_world.invite(room, Role.ATTENDEE, "Li Lei"))
    guest.transports = ("polling",)  # its events travel in POSTs: no CSRF token, Origin-checked
    await guest.connect()
    await guest.join()

    ack = await guest.call("chat", {"text": "over polling", "client_id": "c-1"})
    await host.sync()

    assert guest.client.transport() == "polling"
    assert [m["message_id"] for m in host.of("chat")] == [ack["message_id"]]


async def test_a_foreign_origin_is_refused_on_polling_too(rooms_world: World) -> None:
    room = await rooms_world.session(lobby=False)
    token = await rooms_world.invite(room, Role.ATTENDEE, "Li Lei")
    peer = rooms_world.peer(room, invite=token, headers={"Origin": "http://evil.example"})
    peer.transports = ("polling",)

    with pytest.raises(socketio.exceptions.ConnectionError):
        await peer.connect()


@pytest.mark.parametrize("origins", [[], ["*"], ["http://ok.example", "*"], ["ok.example"], [""]])
def test_the_configuration_refuses_open_origin_lists(origins: list[str]) -> None:
    with pytest.raises(SettingsError):
        check_origins(origins)


def test_settings_refuse_a_star_among_the_extra_origins(settings: Settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SettingsError):
        replace(settings, realtime_origins=("*",))
    with pytest.raises(SettingsError):
        Settings.from_env({"DATA_DIR": str(tmp_path), "REALTIME_ORIGINS": "*"})


def test_settings_add_extra_origins_after_the_sites_own(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {"DATA_DIR": str(tmp_path), "REALTIME_ORIGINS": "https://a.example, https://b.example/"}

    settings = Settings.from_env(env)

    assert settings.cors_origins == (
        "http://127.0.0.1:8080",
        "https://a.example",
        "https://b.example",
    )


# when the room is closed


async def test_a_room_not_open_yet_says_when_it_opens(rooms_world: World) -> None:
    room = await rooms_world.session(opens_in=60)
    opens = room.session.start - timedelta(minutes=15)

    data = await refusal(rooms_world, room=room, name="Li Lei")

    assert data == {
        "code": "session_not_open",
        "message": f"This room opens at {opens:%Y-%m-%d %H:%M} (UTC).",
    }


async def test_a_cancelled_session_refuses(rooms_world: World) -> None:
    room = await rooms_world.session()
    await agenda.cancel_session(rooms_world.store, session=room.session, now=utcnow())

    data = await refusal(rooms_world, room=room, name="Li Lei")

    assert data == {"code": "session_cancelled", "message": "This session was cancelled."}


async def test_an_ended_session_refuses(rooms_world: World) -> None:
    room = await rooms_world.session()
    await rooms_world.store.rooms.end_session(room.session_id, now=utcnow())

    data = await refusal(rooms_world, room=room, name="Li Lei")

    assert data == {"code": "session_ended", "message": "This session has ended."}


async def test_refusals_speak_the_asked_language(rooms_world: World) -> None:
    room = await rooms_world.session()
    await agenda.cancel_session(rooms_world.store, session=room.session, now=utcnow())
    auth = {"session_id": room.session_id, "name": "李雷", "lang": "zh_CN"}

    data = await refusal(rooms_world, auth=auth)

    assert data == {"code": "session_cancelled", "message": "本会议已取消。"}  # its kind's noun


async def test_a_refusal_at_the_door_names_the_kind(rooms_world: World) -> None:
    room = await rooms_world.session(kind="class")
    await rooms_world.store.rooms.end_session(room.session_id, now=utcnow())
    auth = {"session_id": room.session_id, "name": "李雷", "lang": "zh_CN"}

    data = await refusal(rooms_world, auth=auth)  # refused before anyone is looked up

    assert data == {"code": "session_ended", "message": "本课堂已结束。"}


@pytest.mark.parametrize(
    ("auth", "code"),
    [
        (None, "invalid_payload"),
        ("a string", "invalid_payload"),
        ({}, "invalid_payload"),
        ({"session_id": 5}, "invalid_payload"),
        ({"session_id": "no-such-session"}, "not_found"),
    ],
)
async def test_a_connection_must_name_an_existing_session(
    rooms_world: World, auth: object, code: str
) -> None:
    data = await refusal(rooms_world, auth=auth)

    assert data["code"] == code


# who you are


async def test_an_anonymous_guest_of_a_public_meeting_is_an_attendee(rooms_world: World) -> None:
    room = await rooms_world.session(lobby=False)

    peer = await rooms_world.enter(room, name="  Li   Lei ")

    assert (peer.me["name"], peer.me["role"], peer.me["owner"]) == ("Li Lei", "attendee", False)


async def test_an_anonymous_guest_needs_a_name(rooms_world: World) -> None:
    room = await rooms_world.session()

    data = await refusal(rooms_world, room=room, name="   ")

    assert data["code"] == "name_required"


async def test_no_anonymous_guests_in_unlisted_events(rooms_world: World) -> None:
    room = await rooms_world.session(public=False)

    data = await refusal(rooms_world, room=room, name="Li Lei")

    assert data == {
        "code": "not_allowed",
        "message": "This room is only for the people invited to it.",
    }


async def test_no_anonymous_guests_in_a_review_panel(rooms_world: World) -> None:
    room = await rooms_world.session(kind="review")

    data = await refusal(rooms_world, room=room, name="Li Lei")

    assert data["code"] == "not_allowed"


async def test_an_invite_gives_its_role_and_name(rooms_world: World) -> None:
    room = await rooms_world.session(kind="review", lobby=False, public=False)
    token = await rooms_world.invite(room, Role.REVIEWER, "Prof. Chen", email="chen@x.org")

    peer = await rooms_world.enter(room, invite=token)

    assert (peer.me["name"], peer.me["role"]) == ("Prof. Chen", "reviewer")


async def test_an_invite_to_another_session_is_refused(rooms_world: World) -> None:
    room, other = await rooms_world.session(), await rooms_world.session()
    token = await rooms_world.invite(other, Role.ATTENDEE, "Li Lei")

    data = await refusal(rooms_world, room=room, invite=token)

    assert data["code"] == "invite_wrong_session"


async def test_a_tampered_invite_is_refused(rooms_world: World) -> None:
    room = await rooms_world.session(public=False)
    token = await rooms_world.invite(room, Role.ATTENDEE, "Li Lei")

    data = await refusal(rooms_world, room=room, invite=tampered(token))

    assert data["code"] == "invite_invalid"


async def test_a_single_use_invite_admits_one_connection(rooms_world: World) -> None:
    room = await rooms_world.session(lobby=False, public=False)
    token = await rooms_world.invite(room, Role.ATTENDEE, "Li Lei", single_use=True)
    await rooms_world.enter(room, invite=token)

    data = await refusal(rooms_world, room=room, invite=token)

    assert data["code"] == "invite_used"


async def test_staff_of_the_organization_own_the_room(rooms_world: World) -> None:
    room = await rooms_world.session()

    host = await rooms_world.enter(room, cookie=await rooms_world.sign_in(room.owner))

    assert (host.me["role"], host.me["owner"], host.me["name"]) == ("host", True, "Wang Fang")


async def test_an_accounts_roster_entry_comes_first(rooms_world: World) -> None:
    room = await rooms_world.session(lobby=False)
    org = await rooms_world.store.accounts.get_org(room.owner.org_id)
    _, colleague = await create_staff(
        rooms_world.store, email="zhao@example.org", name="Zhao", org=org
    )
    entry = RosterEntry(
        person_key(PersonType.ACCOUNT, colleague.account_id),
        Role.PRESENTER,
        "Dr. Zhao",
        "zhao@example.org",
    )
    await agenda.add_to_roster(rooms_world.store, session=room.session, entry=entry, now=utcnow())

    peer = await rooms_world.enter(room, cookie=await rooms_world.sign_in(colleague))

    assert (peer.me["role"], peer.me["owner"], peer.me["name"]) == ("presenter", False, "Dr. Zhao")


# two tabs are one person


async def test_two_tabs_of_one_guest_are_one_participant(rooms_world: World) -> None:
    room = await rooms_world.session(lobby=False)
    host = await rooms_world.enter(room, invite=await rooms_world.invite(room, Role.HOST, "Host"))
    cookie = await rooms_world.guest_browser()
    first = await rooms_world.enter(room, cookie=cookie, name="Li Lei")
    await host.sync()
    host.clear()

    second = await rooms_world.enter(room, cookie=cookie, name="Li Lei")
    await host.sync()

    assert second.me == first.me
    assert [p["name"] for p in second.of("joined")[0]["participants"]] == ["Host", "Li Lei"]
    assert host.names() == []  # no second announcement
    await first.close()
    await host.sync()
    assert host.names() == []  # still there in the other tab
    await second.close()
    await host.wait_for("participant_left")
    assert host.of("participant_left") == [{"participant_id": first.me["participant_id"]}]


async def test_a_hand_raised_in_one_tab_shows_in_both(rooms_world: World) -> None:
    room = await rooms_world.session(lobby=False)
    token = await rooms_world.invite(room, Role.ATTENDEE, "Li Lei")
    first = await rooms_world.enter(room, invite=token)
    second = await rooms_world.enter(room, invite=token)

    await first.send("raise_hand")
    await second.sync()

    assert second.of("hands") == first.of("hands")
    assert [h["name"] for h in second.of("hands")[0]["queue"]] == ["Li Lei"]


async def test_remember_guest_keeps_one_key_per_browser(aiohttp_client, settings, store) -> None:  # type: ignore[no-untyped-def]
    app = web.Application()
    app[STORE] = store
    setup_websession(app, settings, position=0)

    async def room_page(request: web.Request) -> web.Response:
        return web.Response(text=await remember_guest(request))

    app.router.add_get("/room", room_page)
    browser = await aiohttp_client(app)

    first = await (await browser.get("/room")).text()
    again = await (await browser.get("/room")).text()
    other = await (await (await aiohttp_client(app)).get("/room")).text()

    assert first == again
    assert first.startswith("anon:") and other.startswith("anon:") and other != first
    assert GUEST_KEY == "room_guest"


async def test_a_connection_a_bug_breaks_is_answered_internal_not_left_waiting(
    rooms_world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug on the way in (here the room cannot be made) is logged and the client told, at
    once: socket.io-client would otherwise wait for its connect timeout, unanswered."""
    room = await rooms_world.session(lobby=False)

    async def broken(session: object) -> None:
        raise AttributeError("'NoneType' object has no attribute 'writelines'")

    rooms_world.live.room_for = broken  # type: ignore[method-assign,assignment]
    data = await refusal(rooms_world, room=room, name="Li Lei")

    assert (data["code"], data["message"], "a connection failed" in caplog.text) == (
        "internal", "Internal error. It has been logged; please try again.", True,
    )  # fmt: skip
