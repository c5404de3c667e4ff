"""Breakout groups in a meeting over real sockets and a real Redis: a group's chat reaches
only the group, live and in the history of a reconnect; a host's broadcast reaches every
group; a reconnect lands back in its group; the timer returns everyone by itself."""

import asyncio
from typing import Any

import pytest

from rooms.roles import Role
from tests.server.realtime.room_world import Peer, Room, World


class Meeting:
    def __init__(self, world: World, room: Room) -> None:
        self.world, self.room = world, room
        self.invites: dict[str, str] = {}

    async def person(self, role: Role, name: str) -> Peer:
        invite = await self.world.invite(self.room, role, name, email=f"{name}@x.cn")
        self.invites[name] = invite
        return await self.world.enter(self.room, invite=invite)

    async def again(self, name: str, **join: Any) -> Peer:
        """The same person on a new connection."""
        peer = self.world.peer(self.room, invite=self.invites[name])
        await peer.connect()
        await peer.join(**join)
        return peer


@pytest.fixture
async def meeting(rooms_world: World) -> Meeting:
    return Meeting(rooms_world, await rooms_world.session(kind="meeting", lobby=False))


async def acked(peer: Peer, event: str, payload: dict[str, Any]) -> Any:
    answer = await peer.call(event, payload)
    assert not (isinstance(answer, dict) and "error" in answer), answer
    return answer


async def settle(*peers: Peer) -> None:
    for peer in peers:
        await peer.sync()


async def split(meeting: Meeting) -> tuple[Peer, Peer, Peer, Peer, Peer]:
    """A host; Li and Han in group 1, Zhou in group 2, Qian in the main room."""
    host = await meeting.person(Role.HOST, "host")
    li, han, zhou, qian = [
        await meeting.person(Role.ATTENDEE, name) for name in ("li", "han", "zhou", "qian")
    ]
    groups = {li.me["participant_id"]: 1, han.me["participant_id"]: 1}
    groups[zhou.me["participant_id"]] = 2
    opening = {"count": 2, "mode": "manual", "assignments": groups}
    await host.send("open_breakouts", opening)
    await settle(li, han, zhou, qian)
    return host, li, han, zhou, qian


def texts(peer: Peer) -> list[str]:
    return [m["text"] for m in peer.of("chat")]


async def test_a_group_s_chat_reaches_only_the_group(meeting: Meeting) -> None:
    host, li, han, zhou, qian = await split(meeting)
    everyone = (host, li, han, zhou, qian)
    for peer in everyone:
        peer.clear()

    await acked(li, "chat", {"text": "group one", "client_id": "c-1"})
    await acked(zhou, "chat_private", {"text": "group two", "client_id": "c-2", "to": "group"})
    await settle(*everyone)

    assert [texts(p) for p in everyone] == [[], ["group one"], ["group one"], ["group two"], []]
    assert li.of("chat")[0]["to"] == han.of("chat")[0]["to"] == "group:1:1"


async def test_a_reconnect_gets_only_its_own_group_s_chat_in_history(meeting: Meeting) -> None:
    host, li, han, zhou, qian = await split(meeting)
    seen = await acked(li, "chat", {"text": "before", "client_id": "c-0"})
    await acked(zhou, "chat", {"text": "zhou before", "client_id": "c-z"})
    await han.sync()
    await li.close()

    await acked(han, "chat", {"text": "while away", "client_id": "c-1"})
    await acked(zhou, "chat", {"text": "other group", "client_id": "c-2"})
    await acked(qian, "chat", {"text": "main room", "client_id": "c-3"})
    back = await meeting.again("li", chat_after=seen["message_id"])
    fresh = await meeting.again("zhou")
    await settle(back, fresh)

    [caught_up] = back.of("chat_history")
    [newcomer] = fresh.of("chat_history")
    assert [m["text"] for m in caught_up["messages"]] == ["while away", "main room"]
    assert [m["text"] for m in newcomer["messages"]] == ["zhou before", "other group", "main room"]
    assert back.of("joined")[0]["breakouts"]["groups"][back.me["participant_id"]] == 1


async def test_a_broadcast_reaches_every_group_and_the_main_room(meeting: Meeting) -> None:
    host, li, han, zhou, qian = await split(meeting)

    await host.send("broadcast_breakouts", {"text": "Five minutes left"})
    await settle(li, han, zhou, qian)

    got = [p.of("breakout_broadcast") for p in (host, li, han, zhou, qian)]
    assert [[b["text"] for b in g] for g in got] == [["Five minutes left"]] * 5
    assert got[1][0]["name"] == "host"


async def test_return_all_ends_the_group_chat_and_is_kept(meeting: Meeting) -> None:
    host, li, han, zhou, qian = await split(meeting)

    await host.send("close_breakouts", {})
    await settle(li, zhou)
    await acked(li, "chat", {"text": "everyone", "client_id": "c-1"})
    await settle(zhou, qian)

    assert (li.of("breakouts")[-1]["breakouts"]["open"], texts(zhou)[-1]) == (False, "everyone")
    kept = await meeting.world.store.breakouts.state(meeting.room.session_id)
    assert (kept.round, kept.count, dict(kept.groups)) == (1, 0, {})


async def test_a_non_host_and_bad_input_are_refused_and_change_nothing(meeting: Meeting) -> None:
    host, li, han, zhou, qian = await split(meeting)
    before = await meeting.world.store.breakouts.state(meeting.room.session_id)

    refusals = [
        await li.call("close_breakouts", {}),
        await host.call("assign_breakout", {"participant_id": "nobody", "group": 1}),
        await host.call("assign_breakout", {"participant_id": li.me["participant_id"], "group": 3}),
        await host.call("visit_breakout", {"group": "1"}),
        await qian.call("choose_breakout", {"group": 1}),
    ]

    assert [r["error"]["code"] for r in refusals] == [
        "forbidden", "not_found", "no_such_group", "invalid_payload", "not_self_chosen",
    ]  # fmt: skip
    assert refusals[2]["error"]["message"] == "There is no group 3: there are 2."
    assert await meeting.world.store.breakouts.state(meeting.room.session_id) == before


async def test_the_timer_returns_everyone_by_itself(meeting: Meeting) -> None:
    clock = meeting.world.stop_clock()
    host = await meeting.person(Role.HOST, "host")
    li = await meeting.person(Role.ATTENDEE, "li")
    await host.send("open_breakouts", {"count": 2, "mode": "random", "minutes": 10})
    await li.sync()
    assert li.of("breakouts")[-1]["breakouts"]["groups"] == {li.me["participant_id"]: 1}

    clock.advance(10 * 60 + 1)

    async def closed() -> None:
        while li.of("breakouts")[-1]["breakouts"]["open"]:
            await asyncio.sleep(0.05)

    await asyncio.wait_for(closed(), 5)
    kept = await meeting.world.store.breakouts.state(meeting.room.session_id)
    assert (kept.count, kept.ends_at) == (0, None)


async def test_a_room_that_opens_again_finds_everyone_in_their_group(meeting: Meeting) -> None:
    host, li, han, zhou, qian = await split(meeting)
    live = meeting.world.live.rooms[meeting.room.session_id]
    for peer in (host, li, han, zhou, qian):
        await peer.close()
    meeting.world.live.rooms.pop(meeting.room.session_id)  # as if the process had restarted
    live.stop_timer()
    await live.media.close()
    await live.line.stop()

    again = await meeting.again("zhou")
    await acked(again, "chat", {"text": "still group two", "client_id": "c-1"})

    breakouts = again.of("joined")[-1]["breakouts"]
    assert (breakouts["open"], breakouts["groups"][again.me["participant_id"]]) == (True, 2)
    assert again.of("chat")[-1]["to"] == "group:1:2"


async def test_a_class_s_student_may_speak_in_their_group_until_return_all(
    rooms_world: World,
) -> None:
    lesson = Meeting(rooms_world, await rooms_world.session(kind="class", lobby=False))
    teacher = await lesson.person(Role.HOST, "teacher")
    li = await lesson.person(Role.ATTENDEE, "li")
    assert "publish_audio" not in li.of("joined")[-1]["capabilities"]
    opening = {"count": 2, "mode": "manual", "assignments": {li.me["participant_id"]: 1}}

    await teacher.send("open_breakouts", opening)
    await li.sync()
    in_group = li.of("you")[-1]["capabilities"]
    await teacher.send("close_breakouts", {})
    await li.sync()

    assert {"publish_audio", "publish_video"} <= set(in_group)
    assert "publish_audio" not in li.of("you")[-1]["capabilities"]
