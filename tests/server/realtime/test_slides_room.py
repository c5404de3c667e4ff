"""Slides on a room's stage over real sockets and HTTP (server/realtime/slides_events.py,
slides_files.py): a host uploads a deck, page turns reach everyone and a late joiner, a
page out of range and a listener's turn are refused, and a refused upload keeps nothing."""

from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import FormData
from aiohttp.test_utils import TestClient

from rooms.roles import Role
from rooms.slides import Deck, SlideShow
from server.files import file_path, files_root
from tests.fixtures_files import make_packed_pdf, make_pdf
from tests.server.fixtures_login import sign_in
from tests.server.realtime.room_world import Room, World
from tests.server.test_invitations import csrf_of


def upload_of(data: bytes, name: str) -> FormData:
    form = FormData()
    form.add_field("file", data, filename=name, content_type="application/octet-stream")
    return form


async def host_browser(world: World, room: Room) -> tuple[TestClient, str]:
    """A browser signed in as the session's owner, and its CSRF token."""
    browser = await world.browser()
    return browser, await sign_in(browser, email=room.owner.email)


async def invited_browser(world: World, room: Room, role: Role) -> tuple[TestClient, str]:
    """A browser that accepted an invite in that role, and its CSRF token."""
    browser, token = await world.browser(), await world.invite(room, role, "Invited")
    html = await (await browser.get(f"/invite/{token}")).text()
    form = {"csrf_token": csrf_of(html), "session_id": room.session_id}
    await browser.post(f"/invite/{token}/accept", data=form, allow_redirects=False)
    return browser, csrf_of(await (await browser.get(f"/invite/{token}")).text())


async def upload(browser: TestClient, csrf: str, room: Room, data: bytes, query: str = "") -> Any:
    response = await browser.post(
        f"/sessions/{room.session_id}/slides{query}",
        data=upload_of(data, "Week-1.pdf"),
        headers={"X-CSRF-Token": csrf},
    )
    return response.status, await response.json()


def files_in(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def slides_of(payloads: list[Any]) -> list[int | None]:
    return [p["slides"]["page"] if p["slides"] else None for p in payloads]


async def test_page_turns_reach_everyone_and_a_late_joiner(rooms_world: World) -> None:
    world = rooms_world
    room = await world.session(kind="class", lobby=False)
    teacher = await world.enter(room, invite=await world.invite(room, Role.HOST, "Teacher"))
    student = await world.enter(room, invite=await world.invite(room, Role.ATTENDEE, "Student"))
    browser, csrf = await host_browser(world, room)

    status, deck = await upload(browser, csrf, room, make_pdf(pages=3), "?downloadable=1")
    await student.wait_for("slides")
    await teacher.send("slide_page", {"page": 2})
    await student.wait_for("slides", count=2)
    late = await world.enter(room, invite=await world.invite(room, Role.ATTENDEE, "Late"))

    assert (status, deck["name"], deck["pages"]) == (201, "Week-1.pdf", 3)
    assert slides_of(student.of("slides")) == [1, 2]
    assert late.of("joined")[0]["slides"] == {
        "file_id": deck["file_id"], "name": "Week-1.pdf", "pages": 3, "page": 2,
        "downloadable": True,
    }  # fmt: skip
    shown = Deck(deck["file_id"], "Week-1.pdf", pages=3, downloadable=True)
    assert await world.store.slides.show(room.session_id) == SlideShow(deck=shown, page=2)


async def test_a_deck_packed_into_object_streams_is_shown(rooms_world: World) -> None:
    world = rooms_world
    room = await world.session(kind="class", lobby=False)
    student = await world.enter(room, invite=await world.invite(room, Role.ATTENDEE, "Student"))
    browser, csrf = await host_browser(world, room)

    status, deck = await upload(browser, csrf, room, make_packed_pdf(pages=4))
    await student.wait_for("slides")

    assert (status, deck["pages"]) == (201, 4)
    assert student.of("slides")[-1]["slides"]["pages"] == 4


async def test_a_replaced_or_stopped_decks_file_is_deleted(rooms_world: World) -> None:
    world = rooms_world
    room = await world.session(kind="class", lobby=False)
    teacher = await world.enter(room, invite=await world.invite(room, Role.HOST, "Teacher"))
    browser, csrf = await host_browser(world, room)
    root = files_root(world.settings)

    _, first = await upload(browser, csrf, room, make_pdf(pages=2))
    _, second = await upload(browser, csrf, room, make_pdf(pages=3))
    kept = [f.file_id for f in await world.store.files.of_scope(room.session_id)]
    on_disk = files_in(root)
    await teacher.call("slides_stop", {})  # answered once the handler is done

    assert kept == [second["file_id"]]
    assert on_disk == [file_path(root, second["file_id"])]
    assert not file_path(root, first["file_id"]).exists()
    assert await world.store.files.of_scope(room.session_id) == []
    assert files_in(root) == []


async def test_a_deck_replaced_before_the_room_opens_is_deleted(rooms_world: World) -> None:
    world = rooms_world
    room = await world.session(kind="class", lobby=False)
    staff, csrf = await host_browser(world, room)

    await upload(staff, csrf, room, make_pdf(pages=2))
    _, second = await upload(staff, csrf, room, make_pdf(pages=3))

    kept = await world.store.files.of_scope(room.session_id)
    assert [f.file_id for f in kept] == [second["file_id"]]
    assert files_in(files_root(world.settings)) == [
        file_path(files_root(world.settings), second["file_id"])
    ]
    assert (await world.store.slides.show(room.session_id)).deck == Deck(
        second["file_id"], "Week-1.pdf", pages=3
    )


async def test_a_page_out_of_range_and_a_listeners_turn_are_refused(rooms_world: World) -> None:
    world = rooms_world
    room = await world.session(kind="class", lobby=False)
    teacher = await world.enter(room, invite=await world.invite(room, Role.HOST, "Teacher"))
    student = await world.enter(room, invite=await world.invite(room, Role.ATTENDEE, "Student"))
    browser, csrf = await host_browser(world, room)
    await upload(browser, csrf, room, make_pdf(pages=3))
    await student.wait_for("slides")

    zh = await world.enter(
        room, invite=await world.invite(room, Role.COHOST, "助教"), auth_extra={"lang": "zh_CN"}
    )
    await teacher.send("slide_page", {"page": 4})
    await zh.send("slide_page", {"page": 9})
    await student.send("slide_page", {"page": 2})

    assert [(e["event"], e["code"]) for e in teacher.of("error")] == [
        ("slide_page", "out_of_range")
    ]
    assert [(e["event"], e["code"]) for e in student.of("error")] == [("slide_page", "forbidden")]
    assert teacher.of("error")[0]["message"] == "There is no page 4: this deck has 3 pages."
    assert zh.of("error")[0]["message"] == "没有第 9 页：这份幻灯片共 3 页。"
    assert (await world.store.slides.show(room.session_id)).page == 1


async def test_the_room_opens_at_the_kept_page_after_a_restart(rooms_world: World) -> None:
    world = rooms_world
    room = await world.session(kind="class", lobby=False)
    deck = Deck("f-kept", "Kept.pdf", pages=5)
    await world.store.slides.put(room.session_id, SlideShow(deck=deck, page=4))

    student = await world.enter(room, invite=await world.invite(room, Role.ATTENDEE, "Student"))

    assert student.of("joined")[0]["slides"]["page"] == 4


async def test_an_upload_is_refused_for_a_listener_and_for_what_is_not_a_pdf(
    rooms_world: World,
) -> None:
    world = rooms_world
    room = await world.session(kind="class", lobby=False)
    listener, listener_csrf = await invited_browser(world, room, Role.ATTENDEE)
    host, csrf = await host_browser(world, room)

    refused = await upload(listener, listener_csrf, room, make_pdf(pages=2))
    not_pdf = await upload(host, csrf, room, b"<html>not a deck</html>")
    png = await upload(host, csrf, room, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)

    assert (refused[0], refused[1]["error"]["code"]) == (403, "forbidden")
    assert (not_pdf[0], not_pdf[1]["error"]["code"]) == (400, "file_type")
    assert (png[0], png[1]["error"]["code"]) == (400, "file_type")
    assert await world.store.files.of_scope(room.session_id) == []
    assert files_in(files_root(world.settings)) == []
    assert await world.store.slides.show(room.session_id) == SlideShow()


async def test_a_deck_downloads_only_where_its_presenter_allows(rooms_world: World) -> None:
    world = rooms_world
    room = await world.session(kind="class", lobby=False)
    host, csrf = await host_browser(world, room)
    listener, _ = await invited_browser(world, room, Role.ATTENDEE)
    _status, deck = await upload(host, csrf, room, make_pdf(pages=2))
    url = f"/sessions/{room.session_id}/slides/{deck['file_id']}/file"

    shown = await listener.get(url, headers={"Range": "bytes=0-4"})
    download = await listener.get(f"{url}?download=1")
    host_download = await host.get(f"{url}?download=1")

    assert (shown.status, await shown.read()) == (206, b"%PDF-")
    assert (download.status, host_download.status) == (403, 200)


async def test_staff_prepare_a_deck_in_the_console_before_the_room_opens(
    rooms_world: World,
) -> None:
    world = rooms_world
    room = await world.session(kind="class", lobby=False)
    staff, csrf = await host_browser(world, room)
    console = f"/console/sessions/{room.session_id}"
    before = await (await staff.get(console)).text()

    status, deck = await upload(staff, csrf, room, make_pdf(pages=2), "?downloadable=1")
    after = await (await staff.get(console)).text()
    student = await world.enter(room, invite=await world.invite(room, Role.ATTENDEE, "Student"))

    assert 'id="slides-ready">No slides yet' in before
    assert f'data-upload="/sessions/{room.session_id}/slides?downloadable=1"' in before
    assert status == 201
    assert "Ready on the stage: Week-1.pdf (2 pages), at page 1." in after
    assert student.of("joined")[0]["slides"]["file_id"] == deck["file_id"]


async def test_a_review_shows_no_slides(rooms_world: World) -> None:
    world = rooms_world
    room = await world.session(kind="review", lobby=False)
    staff, csrf = await host_browser(world, room)

    status, refused = await upload(staff, csrf, room, make_pdf(pages=2))
    page = await (await staff.get(f"/console/sessions/{room.session_id}")).text()

    assert (status, refused["error"]["code"]) == (400, "not_here")
    assert 'id="slides"' not in page


async def test_an_upload_for_a_room_another_process_holds_is_refused_and_nothing_kept(
    rooms_world: World,
) -> None:
    world = rooms_world
    room = await world.session(kind="class", lobby=False)
    staff, csrf = await host_browser(world, room)
    await world.store.owners.claim(room.session_id, "10.0.0.9:8081", ttl=timedelta(seconds=30))

    status, refused = await upload(staff, csrf, room, make_pdf(pages=2))

    assert (status, refused["error"]["code"]) == (409, "wrong_owner")
    assert await world.store.files.of_scope(room.session_id) == []
    assert (await world.store.slides.show(room.session_id)).deck is None
