"""Host controls over real sockets: hands, reactions, mute, remove and ban, lock, roles,
ending the session for all; and the live rooms ending with their session."""

from rooms.attendance import Movement
from rooms.lifecycle import State
from rooms.roles import Role
from server import agenda
from server.invitations import read_token
from tests.server.realtime.room_world import Peer, Room, World, utcnow


async def room_of_three(world: World) -> tuple[Room, Peer, Peer, Peer]:
    room = await world.session(lobby=False)
    host = await world.enter(room, invite=await world.invite(room, Role.HOST, "Host"))
    li = await world.enter(room, invite=await world.invite(room, Role.ATTENDEE, "Li Lei"))
    han = await world.enter(room, invite=await world.invite(room, Role.ATTENDEE, "Han Mei"))
    for peer in (host, li, han):
        peer.clear()
    return room, host, li, han


async def test_hands_queue_in_order_and_the_host_lowers_them(rooms_world: World) -> None:
    _, host, li, han = await room_of_three(rooms_world)

    await han.send("raise_hand")
    await li.send("raise_hand")
    await host.send("lower_hand_of", {"participant_id": han.me["participant_id"]})
    await host.send("lower_all_hands")

    queues = [[h["name"] for h in hands["queue"]] for hands in host.of("hands")]
    assert queues == [["Han Mei"], ["Han Mei", "Li Lei"], ["Li Lei"], []]


async def test_a_reaction_is_shown_to_everyone(rooms_world: World) -> None:
    _, host, li, han = await room_of_three(rooms_world)

    await li.send("react", {"emoji": "👏"})
    await host.sync(), await han.sync()

    [reaction] = han.of("reaction")
    assert {k: v for k, v in reaction.items() if k != "at"} == {
        "participant_id": li.me["participant_id"], "name": "Li Lei", "emoji": "👏",
    }  # fmt: skip
    assert host.of("reaction") == [reaction]


async def test_mute_asks_one_person_and_mute_all_asks_every_attendee(rooms_world: World) -> None:
    _, host, li, han = await room_of_three(rooms_world)

    await host.send("mute", {"participant_id": li.me["participant_id"]})
    await li.sync(), await han.sync()
    one = (li.of("mute_request"), han.of("mute_request"))
    await host.send("mute_all")
    await li.sync(), await han.sync()

    assert one == ([{"by": "Host"}], [])
    assert (li.of("mute_request"), han.of("mute_request")) == (
        [{"by": "Host"}] * 2,
        [{"by": "Host"}],
    )
    assert host.of("mute_request") == []


async def test_reported_microphone_state_is_on_the_roster(rooms_world: World) -> None:
    _, host, li, _ = await room_of_three(rooms_world)

    await li.send("set_mic", {"on": True})
    await host.sync()

    assert host.of("participant_updated")[0]["participant"]["mic"] is True


async def test_removed_with_a_ban_they_cannot_come_back(rooms_world: World) -> None:
    room, host, li, han = await room_of_three(rooms_world)
    auth = li.auth

    await host.send("remove", {"participant_id": li.me["participant_id"], "ban": True})
    await li.gone()
    await han.sync()
    again = rooms_world.peer(auth=auth)
    refused = await _refused(again)

    assert li.of("removed") == [{"banned": True, "message": "A host removed you from the session."}]
    assert han.of("participant_left") == [{"participant_id": li.me["participant_id"]}]
    assert refused == "banned"
    assert (await rooms_world.store.rooms.flags(room.session_id)).bans == {
        invite_key(rooms_world, auth["invite"])
    }


def invite_key(world: World, token: str) -> str:
    """The person key of an invite without an email."""
    return f"invite:{read_token(world.settings, token, now=utcnow()).invite_id}"


async def test_a_locked_room_takes_nobody_new(rooms_world: World) -> None:
    room, host, li, _ = await room_of_three(rooms_world)
    token = await rooms_world.invite(room, Role.ATTENDEE, "New")

    await host.send("set_locked", {"locked": True})
    await li.sync()
    refused = await _refused(rooms_world.peer(room, invite=token))
    await host.send("set_locked", {"locked": False})
    newcomer = await rooms_world.enter(room, invite=token)

    assert li.of("room_flags") == [
        {"locked": True, "chat_enabled": True},
        {"locked": False, "chat_enabled": True},
    ]
    assert refused == "room_locked"
    assert newcomer.me["name"] == "New"


async def test_a_host_promotes_an_attendee_who_can_then_moderate(rooms_world: World) -> None:
    room, host, li, han = await room_of_three(rooms_world)

    await host.send("set_role", {"participant_id": li.me["participant_id"], "role": "cohost"})
    await li.sync()
    await li.send("mute", {"participant_id": han.me["participant_id"]})
    await han.sync()

    [you] = li.of("you")
    assert you["participant"]["role"] == "cohost"
    assert "moderate" in you["capabilities"]
    assert han.of("mute_request") == [{"by": "Li Lei"}]
    assert (await rooms_world.store.rooms.flags(room.session_id)).roles == {
        invite_key(rooms_world, li.auth["invite"]): Role.COHOST
    }


async def test_a_role_the_kind_lacks_is_refused(rooms_world: World) -> None:
    _, host, li, _ = await room_of_three(rooms_world)

    await host.send("set_role", {"participant_id": li.me["participant_id"], "role": "signer"})

    assert host.of("error") == [
        {
            "code": "invalid_role",
            "message": "There is no signer role in this session.",
            "event": "set_role",
        }
    ]


async def test_ending_the_session_tells_everyone_and_ends_it_in_redis(rooms_world: World) -> None:
    room, host, li, han = await room_of_three(rooms_world)

    await host.emit("end_session", {})
    for peer in (host, li, han):
        await peer.gone()
    refused = await _refused(rooms_world.peer(auth=li.auth))

    assert [p.of("session_ended") for p in (host, li, han)] == [
        [{"message": "The host ended the session."}]
    ] * 3
    session = await rooms_world.store.agenda.get_session(room.session_id)
    assert session is not None and session.state is State.ENDED
    steps = [state for state, _ in await rooms_world.store.schedule.transitions(room.session_id)]
    assert steps == [State.OPEN, State.ENDED]
    assert refused == "session_ended"
    assert room.session_id not in rooms_world.live.rooms


async def test_a_live_room_ends_when_its_session_is_cancelled(rooms_world: World) -> None:
    room, _, li, _ = await room_of_three(rooms_world)
    await agenda.cancel_session(rooms_world.store, session=room.session, now=utcnow())

    await rooms_world.live.sweep()
    await li.gone()

    assert li.of("session_ended") == [{"message": "The session has ended."}]
    assert room.session_id not in rooms_world.live.rooms


async def test_an_empty_room_is_forgotten_after_two_minutes(rooms_world: World) -> None:
    room, host, li, han = await room_of_three(rooms_world)
    clock = rooms_world.stop_clock()
    for peer in (host, li, han):
        await peer.close()
    for _ in range(100):
        if rooms_world.live.rooms[room.session_id].room.empty_since:
            break
        await li.client.sleep(0.01)

    clock.advance(119)
    await rooms_world.live.sweep()
    kept = room.session_id in rooms_world.live.rooms
    clock.advance(2)
    await rooms_world.live.sweep()

    assert kept is True
    assert room.session_id not in rooms_world.live.rooms


async def _refused(peer: Peer) -> str:
    import socketio

    try:
        await peer.connect()
    except socketio.exceptions.ConnectionError:
        return str(peer.refusal["data"]["code"])
    return ""


async def test_a_ban_outlives_the_live_room(rooms_world: World) -> None:
    room, host, li, han = await room_of_three(rooms_world)
    await host.send("remove", {"participant_id": li.me["participant_id"], "ban": True})
    await li.gone()
    for peer in (host, han):
        await peer.close()
    rooms_world.live.rooms.pop(room.session_id)  # as the sweep forgets an empty room

    refused = await _refused(rooms_world.peer(auth=li.auth))

    assert refused == "banned"


async def test_stopping_the_server_ends_live_rooms_and_closes_attendance(
    rooms_world: World,
) -> None:
    room, _, li, _ = await room_of_three(rooms_world)

    await rooms_world.live.stop()
    await li.gone()

    assert li.of("session_ended") == [
        {"message": "The server is restarting; join again in a moment."}
    ]
    passages = await rooms_world.store.attendance.passages(room.session_id)
    assert [p.movement for p in passages].count(Movement.LEAVE) == 3
    assert rooms_world.live.rooms == {}
