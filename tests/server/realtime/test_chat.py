"""Chat over real sockets: exact payloads, private messages, history, reconnect catch-up,
idempotent resends, the rate limit, moderation, and the export."""

import csv
import io
from typing import Any

from rooms.roles import Role
from tests.server.realtime.room_world import Peer, Room, World


async def three(world: World) -> tuple[Room, Peer, Peer, Peer]:
    """A room with a host and two attendees, Li and Han, all in."""
    room = await world.session(lobby=False)
    host = await world.enter(room, invite=await world.invite(room, Role.HOST, "Host"))
    li = await world.enter(room, invite=await world.invite(room, Role.ATTENDEE, "Li Lei"))
    han = await world.enter(room, invite=await world.invite(room, Role.ATTENDEE, "Han Mei"))
    for peer in (host, li, han):
        peer.clear()
    return room, host, li, han


def expected(
    sender: Peer, message_id: str, at: str, text: str, client_id: str, **to: str
) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "from": {"participant_id": sender.me["participant_id"], "name": sender.me["name"],
                 "role": sender.me["role"]},
        "to": to.get("to", "room"),
        "to_name": to.get("to_name", ""),
        "text": text,
        "client_id": client_id,
        "at": at,
    }  # fmt: skip


async def settle(*peers: Peer) -> None:
    for peer in peers:
        await peer.sync()


async def test_a_public_message_reaches_everyone_exactly(rooms_world: World) -> None:
    _, host, li, han = await three(rooms_world)
    text = "Hello <b>all</b> — see https://example.org"

    ack = await li.call("chat", {"text": text, "client_id": "c-1"})
    await settle(host, li, han)

    [got] = host.of("chat")
    assert ack == {"message_id": got["message_id"], "duplicate": False}
    assert got == expected(li, ack["message_id"], got["at"], text, "c-1")
    assert li.of("chat") == [got] and han.of("chat") == [got]


async def test_a_private_message_reaches_only_its_two_people(rooms_world: World) -> None:
    _, host, li, han = await three(rooms_world)
    to = han.me["participant_id"]

    ack = await li.call("chat_private", {"text": "psst", "client_id": "c-1", "to": to})
    await settle(host, li, han)

    [got] = han.of("chat")
    assert got == expected(
        li, ack["message_id"], got["at"], "psst", "c-1", to=to, to_name="Han Mei"
    )
    assert li.of("chat") == [got]
    assert host.of("chat") == []


async def test_a_message_to_the_hosts_reaches_the_hosts_and_its_sender(rooms_world: World) -> None:
    _, host, li, han = await three(rooms_world)

    ack = await li.call("chat_private", {"text": "a question", "client_id": "c-1", "to": "hosts"})
    await settle(host, li, han)

    [got] = host.of("chat")
    assert got == expected(li, ack["message_id"], got["at"], "a question", "c-1", to="hosts")
    assert li.of("chat") == [got]
    assert han.of("chat") == []


async def test_history_on_join_holds_only_what_the_newcomer_may_see(rooms_world: World) -> None:
    room, host, li, han = await three(rooms_world)
    public = await li.call("chat", {"text": "one", "client_id": "c-1"})
    await li.call(
        "chat_private", {"text": "to han", "client_id": "c-2", "to": han.me["participant_id"]}
    )
    await li.call("chat_private", {"text": "to hosts", "client_id": "c-3", "to": "hosts"})

    late = await rooms_world.enter(
        room, invite=await rooms_world.invite(room, Role.ATTENDEE, "Late")
    )

    [history] = late.of("chat_history")
    assert [m["message_id"] for m in history["messages"]] == [public["message_id"]]
    assert (history["deleted"], history["catch_up"]) == ([], False)


async def test_a_reconnect_gets_exactly_the_missed_messages_once_in_order(
    rooms_world: World,
) -> None:
    room, host, li, han = await three(rooms_world)
    seen = await li.call("chat", {"text": "before", "client_id": "c-0"})
    await settle(han)
    auth = han.auth
    await han.close()
    missed = [
        await li.call("chat", {"text": f"while away {n}", "client_id": f"c-{n}"}) for n in (1, 2)
    ]
    await li.call("chat_private", {"text": "not for han", "client_id": "c-3", "to": "hosts"})
    await host.send("chat_delete", {"message_id": seen["message_id"]})

    back = rooms_world.peer(auth=auth)
    await back.connect()
    await back.join(chat_after=seen["message_id"])
    after = await li.call("chat", {"text": "after", "client_id": "c-4"})
    await settle(back)

    [history] = back.of("chat_history")
    assert [m["message_id"] for m in history["messages"]] == [m["message_id"] for m in missed]
    assert [m["text"] for m in history["messages"]] == ["while away 1", "while away 2"]
    assert (history["deleted"], history["catch_up"]) == ([seen["message_id"]], True)
    assert [m["message_id"] for m in back.of("chat")] == [after["message_id"]]


async def test_a_resend_with_the_same_client_id_is_stored_and_delivered_once(
    rooms_world: World,
) -> None:
    room, host, li, han = await three(rooms_world)

    first = await li.call("chat", {"text": "once", "client_id": "c-1"})
    again = await li.call("chat", {"text": "once", "client_id": "c-1"})
    await settle(host, li, han)

    assert again == {"message_id": first["message_id"], "duplicate": True}
    assert [m["message_id"] for m in han.of("chat")] == [first["message_id"]]
    assert [m["message_id"] for m in li.of("chat")] == [first["message_id"]]
    assert len(await rooms_world.store.chat.messages(room.session_id)) == 1


async def test_a_flood_is_throttled_and_others_are_unaffected(rooms_world: World) -> None:
    room, host, li, han = await three(rooms_world)
    clock = rooms_world.stop_clock()

    for n in range(8):
        await li.send("chat", {"text": f"spam {n}", "client_id": f"s-{n}"})
    ack = await han.call("chat", {"text": "normal", "client_id": "h-1"})
    clock.advance(1)
    await li.send("chat", {"text": "later", "client_id": "s-9"})
    await settle(host)

    assert [e["code"] for e in li.of("error")] == ["rate_limited"] * 3
    assert ack["duplicate"] is False
    texts = [m["text"] for m in host.of("chat")]
    assert texts == [f"spam {n}" for n in range(5)] + ["normal", "later"]


async def test_a_host_deletes_a_message_for_everyone(rooms_world: World) -> None:
    room, host, li, han = await three(rooms_world)
    ack = await li.call("chat", {"text": "oops", "client_id": "c-1"})

    await host.send("chat_delete", {"message_id": ack["message_id"]})
    await settle(li, han)
    late = await rooms_world.enter(
        room, invite=await rooms_world.invite(room, Role.ATTENDEE, "Late")
    )

    assert li.of("chat_deleted") == [{"message_id": ack["message_id"]}] == han.of("chat_deleted")
    assert late.of("chat_history")[0]["messages"] == []
    await host.send("chat_delete", {"message_id": ack["message_id"]})
    assert host.of("error")[-1]["code"] == "not_found"


async def test_chat_turned_off_silences_attendees_but_not_hosts(rooms_world: World) -> None:
    _, host, li, han = await three(rooms_world)

    await host.send("set_chat_enabled", {"enabled": False})
    await li.send("chat", {"text": "hello?", "client_id": "c-1"})
    await li.send("chat_private", {"text": "hello?", "client_id": "c-2", "to": "hosts"})
    await host.send("chat", {"text": "quiet please", "client_id": "h-1"})
    await settle(han)

    assert han.of("room_flags") == [{"locked": False, "chat_enabled": False}]
    assert [e["code"] for e in li.of("error")] == ["chat_disabled", "chat_disabled"]
    assert [m["text"] for m in han.of("chat")] == ["quiet please"]


async def test_hosts_export_the_chat_as_csv(rooms_world: World) -> None:
    room, host, li, han = await three(rooms_world)
    await li.call("chat", {"text": "=SUM(A1)", "client_id": "c-1"})
    await li.call(
        "chat_private", {"text": "secret", "client_id": "c-2", "to": han.me["participant_id"]}
    )
    browser = await rooms_world.browser()
    await _sign_in(rooms_world, browser, room)

    response = await browser.get(f"/sessions/{room.session_id}/chat.csv")
    text = await response.text()

    assert response.status == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert [row[1:] for row in rows] == [
        ["from", "role", "to", "text"],
        ["Li Lei", "attendee", "room", "'=SUM(A1)"],
    ]


async def test_only_moderators_export(rooms_world: World) -> None:
    room = await rooms_world.session()
    anonymous = await rooms_world.browser()

    chat = await anonymous.get(f"/sessions/{room.session_id}/chat.csv")
    attendance = await anonymous.get(f"/sessions/{room.session_id}/attendance.csv")
    missing = await anonymous.get("/sessions/no-such-session/chat.csv")

    assert (chat.status, attendance.status, missing.status) == (403, 403, 404)


async def _sign_in(world: World, browser: Any, room: Room) -> None:
    from tests.server.fixtures_login import sign_in

    await sign_in(browser, email=room.owner.email)
