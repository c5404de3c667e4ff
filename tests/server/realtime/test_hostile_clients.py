"""Raw Socket.IO clients that do what no page would: reserved event names, wrong types,
out-of-range ids, walking back in after being sent out. None may hide in a room, see what
their role does not allow, or leave the server half-done."""

from typing import Any

from rooms.roles import Role
from tests.server.realtime.room_world import Peer, Room, World


async def meeting(world: World, *, lobby: bool = False) -> tuple[Room, Peer]:
    room = await world.session(lobby=lobby)
    host = await world.enter(room, cookie=await world.sign_in(room.owner))
    return room, host


async def attendee(world: World, room: Room, name: str) -> Peer:
    return await world.enter(room, invite=await world.invite(room, Role.ATTENDEE, name))


async def raw(peer: Peer, event: str, *payload: Any) -> Any:
    """Emit as a raw python-socketio client may (reserved names included), with an ack."""
    return await peer.client.call(event, *payload, namespace="/room", timeout=5)


async def test_a_client_sending_disconnect_stays_in_the_room_and_is_told_no(
    rooms_world: World,
) -> None:
    room, host = await meeting(rooms_world)
    guest = await rooms_world.enter(
        room, invite=await rooms_world.invite(room, Role.ATTENDEE, "Li")
    )
    await host.sync()
    host.clear()

    ack = await raw(guest, "disconnect", "client namespace disconnect")
    await host.sync()

    assert ack["error"]["code"] == "reserved_event"
    assert guest.of("error")[-1]["code"] == "reserved_event"
    assert host.names() == []  # nobody saw the guest leave
    live = rooms_world.live.rooms[room.session_id]
    assert live.room.people.of_participant(guest.me["participant_id"]) is not None


async def test_a_removed_client_that_sent_disconnect_is_still_removed(rooms_world: World) -> None:
    room, host = await meeting(rooms_world)
    guest = await rooms_world.enter(
        room, invite=await rooms_world.invite(room, Role.ATTENDEE, "Li")
    )
    await raw(guest, "disconnect")

    await host.send("remove", {"participant_id": guest.me["participant_id"], "ban": True})
    await guest.gone()

    assert host.of("error") == []
    assert guest.of("removed")[0]["banned"] is True


async def test_ending_the_session_drops_every_socket_joined_or_not(rooms_world: World) -> None:
    room, host = await meeting(rooms_world)
    guest = await rooms_world.enter(
        room, invite=await rooms_world.invite(room, Role.ATTENDEE, "Li")
    )
    await raw(guest, "disconnect")
    lurker = rooms_world.peer(room, invite=await rooms_world.invite(room, Role.ATTENDEE, "Lu"))
    await lurker.connect()  # connected, never joined

    await host.emit("end_session", {})
    await guest.gone()
    await lurker.gone()

    assert "session_ended" in guest.names()


async def test_a_client_sending_connect_gets_an_answer(rooms_world: World) -> None:
    room, host = await meeting(rooms_world)

    ack = await raw(host, "connect", {"HTTP_COOKIE": "x"})

    assert ack["error"]["code"] == "reserved_event"
    assert host.of("error")[-1]["event"] == "connect"


async def test_a_role_of_the_wrong_type_is_refused_before_any_work(rooms_world: World) -> None:
    room, host = await meeting(rooms_world, lobby=True)
    waiting = await rooms_world.enter(
        room, invite=await rooms_world.invite(room, Role.ATTENDEE, "W")
    )

    answers = [
        await raw(peer, "set_role", {"participant_id": "p1", "role": role})
        for peer in (host, waiting)
        for role in (["host"], {"role": "host"})
    ]

    assert [a["error"]["code"] for a in answers] == ["invalid_payload"] * 4


async def test_an_out_of_range_chat_after_is_refused_and_the_socket_can_join(
    rooms_world: World,
) -> None:
    room, host = await meeting(rooms_world)
    await host.call("chat", {"text": "before", "client_id": "c1"})
    guest = rooms_world.peer(room, invite=await rooms_world.invite(room, Role.ATTENDEE, "Li"))
    await guest.connect()

    refused = await raw(guest, "join", {"chat_after": "99999999999999999999-0"})
    await guest.join()

    assert refused["error"]["code"] == "invalid_payload"
    assert guest.of("error")[-1]["code"] == "invalid_payload"
    assert [m["text"] for m in guest.of("chat_history")[0]["messages"]] == ["before"]


async def reviewer_sent_out(world: World) -> tuple[Room, Peer, Peer, str]:
    """A review whose reviewer (who skips the lobby) a host sent to the lobby."""
    room = await world.session(kind="review", lobby=True)
    host = await world.enter(room, cookie=await world.sign_in(room.owner))
    token = await world.invite(room, Role.REVIEWER, "Expert Zhou")
    reviewer = await world.enter(room, invite=token)
    await host.send("send_to_lobby", {"participant_id": reviewer.me["participant_id"]})
    await reviewer.sync()
    return room, host, reviewer, token


async def test_sent_out_stays_out_across_reconnects_and_tabs(rooms_world: World) -> None:
    room, host, reviewer, token = await reviewer_sent_out(rooms_world)
    await reviewer.close()

    again = await rooms_world.enter(room, invite=token)
    second_tab = await rooms_world.enter(room, invite=token)

    assert set(again.names()) == {"waiting"}
    assert set(second_tab.names()) == {"waiting"}


async def test_nothing_posted_while_sent_out_reaches_them(rooms_world: World) -> None:
    room, host, reviewer, token = await reviewer_sent_out(rooms_world)
    seen = [m["message_id"] for m in reviewer.of("chat_history")[0]["messages"]]
    await host.call("chat", {"text": "while you were out", "client_id": "c1"})
    await reviewer.close()
    again = await rooms_world.enter(room, invite=token)
    await host.sync()
    waiting_id = host.of("lobby")[-1]["queue"][0]["participant_id"]

    await host.send("admit", {"participant_id": waiting_id})
    await again.sync()
    after_admit = await rooms_world.enter(room, invite=token)  # a new tab, from scratch

    assert again.of("chat") == []
    assert [m["text"] for m in again.of("chat_history")[0]["messages"]] == []
    assert [m["text"] for m in after_admit.of("chat_history")[0]["messages"]] == []
    assert seen == []


async def test_a_guest_without_a_cookie_keeps_one_identity_with_its_token(
    rooms_world: World,
) -> None:
    room = await rooms_world.session(lobby=False)
    first = await rooms_world.enter(room, name="Guest Wu")
    [joined] = first.of("joined")
    token = joined["rejoin_token"]
    ack = await first.call("chat", {"text": "hi", "client_id": "resend-1"})
    await first.close()

    again = await rooms_world.enter(room, name="Guest Wu", auth_extra={"rejoin": token})
    resent = await again.call("chat", {"text": "hi", "client_id": "resend-1"})

    assert again.me["participant_id"] == first.me["participant_id"]
    assert resent == {"message_id": ack["message_id"], "duplicate": True}


async def test_a_rejoin_token_of_another_session_is_not_honoured(rooms_world: World) -> None:
    room = await rooms_world.session(lobby=False)
    other = await rooms_world.session(lobby=False)
    first = await rooms_world.enter(other, name="Guest Wu")
    token = first.of("joined")[0]["rejoin_token"]

    again = await rooms_world.enter(room, name="Guest Wu", auth_extra={"rejoin": token})

    assert again.me["participant_id"] != first.me["participant_id"]
