"""The lobby over real sockets: waiting, admitting, denying, sending back, the owner."""

import socketio

from rooms.roles import Role
from tests.server.realtime.room_world import Peer, Room, World


async def moderated(world: World) -> tuple[Room, Peer]:
    room = await world.session(lobby=True)
    host = await world.enter(room, invite=await world.invite(room, Role.COHOST, "Zhao Co"))
    return room, host


async def waiting(world: World, room: Room, name: str) -> Peer:
    return await world.enter(room, invite=await world.invite(room, Role.ATTENDEE, name))


async def test_a_guest_waits_and_the_host_sees_the_queue(rooms_world: World) -> None:
    room, host = await moderated(rooms_world)

    guest = await waiting(rooms_world, room, "Li Lei")
    await host.sync()

    assert guest.names() == ["waiting"]
    assert guest.of("waiting") == [{"position": 1, "size": 1}]
    [queue] = host.of("lobby")
    [entry] = queue["queue"]
    assert (entry["name"], entry["waited_seconds"]) == ("Li Lei", 0)
    assert set(entry) == {"participant_id", "name", "waiting_since", "waited_seconds"}


async def test_admitted_the_guest_enters_and_everyone_is_told(rooms_world: World) -> None:
    room, host = await moderated(rooms_world)
    guest = await waiting(rooms_world, room, "Li Lei")
    await host.sync()
    guest_id = host.of("lobby")[-1]["queue"][0]["participant_id"]
    host.clear()

    await host.send("admit", {"participant_id": guest_id})
    await guest.sync()

    assert guest.names() == ["waiting", "joined", "chat_history"]
    assert guest.me["participant_id"] == guest_id
    assert guest.of("chat_history") == [{"messages": [], "deleted": [], "catch_up": False}]
    assert host.names() == ["participant_joined", "lobby"]
    assert host.of("participant_joined")[0]["participant"]["name"] == "Li Lei"
    assert host.of("lobby")[0] == {"queue": []}


async def test_the_next_in_line_moves_up(rooms_world: World) -> None:
    room, host = await moderated(rooms_world)
    await waiting(rooms_world, room, "Li Lei")
    second = await waiting(rooms_world, room, "Han Mei")
    await host.sync()
    first_id = host.of("lobby")[-1]["queue"][0]["participant_id"]

    await host.send("admit", {"participant_id": first_id})
    await second.sync()

    assert second.of("waiting") == [{"position": 2, "size": 2}, {"position": 1, "size": 1}]


async def test_a_denied_guest_is_told_and_disconnected(rooms_world: World) -> None:
    room, host = await moderated(rooms_world)
    guest = await waiting(rooms_world, room, "Li Lei")
    await host.sync()
    guest_id = host.of("lobby")[-1]["queue"][0]["participant_id"]

    await host.send("deny", {"participant_id": guest_id})
    await guest.wait_for("denied")

    assert guest.of("denied") == [{"message": "The host did not let you in."}]
    await guest.gone()


async def test_admit_all_and_deny_all(rooms_world: World) -> None:
    room, host = await moderated(rooms_world)
    li, han = (
        await waiting(rooms_world, room, "Li Lei"),
        await waiting(rooms_world, room, "Han Mei"),
    )

    await host.send("admit_all")
    await li.sync(), await han.sync()
    late = await waiting(rooms_world, room, "Late Comer")
    await host.send("deny_all")
    await late.wait_for("denied")

    assert [n for n in li.names() if n == "joined"] == ["joined"]
    assert [n for n in han.names() if n == "joined"] == ["joined"]
    assert host.of("lobby")[-1] == {"queue": []}


async def test_a_guest_cannot_admit_anyone(rooms_world: World) -> None:
    room = await rooms_world.session(lobby=False)
    guest = await rooms_world.enter(
        room, invite=await rooms_world.invite(room, Role.ATTENDEE, "Li")
    )

    await guest.send("admit_all")

    assert guest.of("error") == [
        {"code": "forbidden", "message": "Your role cannot do that here.", "event": "admit_all"}
    ]


async def test_waiting_guests_can_only_wait(rooms_world: World) -> None:
    room, _ = await moderated(rooms_world)
    guest = await waiting(rooms_world, room, "Li Lei")

    await guest.send("chat", {"text": "let me in", "client_id": "c1"})

    assert guest.of("error") == [
        {"code": "in_lobby", "message": "You are waiting in the lobby.", "event": "chat"}
    ]


async def test_the_owner_reclaims_a_room_every_moderator_left(rooms_world: World) -> None:
    room, cohost = await moderated(rooms_world)
    await cohost.send("set_locked", {"locked": True})
    await cohost.close()
    guest = rooms_world.peer(room, invite=await rooms_world.invite(room, Role.ATTENDEE, "Li Lei"))
    refused = await _refused(guest)

    owner = await rooms_world.enter(room, cookie=await rooms_world.sign_in(room.owner))

    assert refused == "room_locked"
    assert (owner.me["role"], owner.me["owner"]) == ("host", True)
    assert owner.of("joined")[0]["room"]["locked"] is True


async def test_the_owner_sees_who_waited_alone(rooms_world: World) -> None:
    room = await rooms_world.session(lobby=True)
    guest = await waiting(rooms_world, room, "Li Lei")

    owner = await rooms_world.enter(room, cookie=await rooms_world.sign_in(room.owner))
    await owner.send(
        "admit", {"participant_id": owner.of("joined")[0]["lobby"][0]["participant_id"]}
    )
    await guest.sync()

    assert guest.names() == ["waiting", "joined", "chat_history"]


async def test_sent_back_to_the_lobby_and_recalled(rooms_world: World) -> None:
    room = await rooms_world.session(lobby=False)
    host = await rooms_world.enter(room, invite=await rooms_world.invite(room, Role.HOST, "Host"))
    guest = await rooms_world.enter(
        room, invite=await rooms_world.invite(room, Role.ATTENDEE, "Li")
    )
    guest_id = guest.me["participant_id"]
    guest.clear()

    await host.send("send_to_lobby", {"participant_id": guest_id})
    await guest.sync()
    back = guest.names()
    await guest.send("raise_hand")
    refused = guest.of("error")[-1]["code"]
    await host.send("admit", {"participant_id": guest_id})
    await guest.sync()

    assert back == ["sent_to_lobby", "waiting"]
    assert guest.of("sent_to_lobby") == [{"message": "A host moved you back to the lobby."}]
    assert refused == "in_lobby"
    assert guest.names()[-2:] == ["joined", "chat_history"]


async def _refused(peer: Peer) -> str:
    try:
        await peer.connect()
    except socketio.exceptions.ConnectionError:  # the reason is in peer.refusal
        return str(peer.refusal["data"]["code"])
    return ""


async def test_a_full_session_refuses_a_newcomer_at_the_door_in_their_language(
    rooms_world: World,
) -> None:
    room = await rooms_world.session(lobby=False, capacity=2)
    await rooms_world.enter(room, cookie=await rooms_world.sign_in(room.owner))
    await rooms_world.enter(room, invite=await rooms_world.invite(room, Role.ATTENDEE, "Li Lei"))
    han = rooms_world.peer(room, invite=await rooms_world.invite(room, Role.ATTENDEE, "Han Mei"))
    han.auth["lang"] = "zh"

    refused = await _refused(han)

    assert refused == "room_full"
    assert han.refusal["data"]["message"] == "本会议已满：最多容纳 2 人。"
