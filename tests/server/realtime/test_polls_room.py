"""Polls in a class over real sockets and a real Redis: one vote per person across tabs,
changeable until close; results only to those who run polls until shared; anonymous polls
name nobody; a deadline closes the poll by itself; a room that opens again carries on."""

import asyncio
from typing import Any

import pytest

from rooms.poll_spec import poll_spec
from rooms.roles import Role
from tests.server.realtime.room_world import Peer, Room, World

COLOURS = {"question": "Colour?", "kind": "single", "options": ["Red", "Blue"]}


class Class:
    def __init__(self, world: World, room: Room) -> None:
        self.world, self.room = world, room

    async def person(self, role: Role, name: str, email: str) -> Peer:
        invite = await self.world.invite(self.room, role, name, email=email)
        return await self.world.enter(self.room, invite=invite)


@pytest.fixture
async def lesson(rooms_world: World) -> Class:
    return Class(rooms_world, await rooms_world.session(kind="class", lobby=False))


async def acked(peer: Peer, event: str, payload: dict[str, Any]) -> Any:
    answer = await peer.call(event, payload)
    assert not (isinstance(answer, dict) and "error" in answer), answer
    return answer


def latest(peer: Peer) -> dict[str, Any]:
    """The first poll of the latest polls view this peer got."""
    return peer.of("polls")[-1]["polls"][0]  # type: ignore[no-any-return]


async def launched(teacher: Peer, **spec: Any) -> str:
    answer = await acked(teacher, "launch_poll", {"poll": {**COLOURS, **spec}})
    return str(answer["poll_id"])


async def test_one_vote_per_person_across_tabs_changeable_until_close(lesson: Class) -> None:
    teacher = await lesson.person(Role.HOST, "Teacher", "t@school.cn")
    li = await lesson.person(Role.ATTENDEE, "Li Lei", "li@school.cn")
    li_tab = await lesson.person(Role.ATTENDEE, "Li Lei", "li@school.cn")
    poll_id = await launched(teacher)

    await acked(li, "vote", {"poll_id": poll_id, "choices": [0]})
    await acked(li_tab, "vote", {"poll_id": poll_id, "choices": [1]})
    await teacher.sync()

    assert latest(teacher)["results"] == {"counts": [0, 1], "voters": 1, "names": [[], ["Li Lei"]]}
    assert latest(li)["mine"] == [1]

    await acked(teacher, "close_poll", {"poll_id": poll_id})
    refused = await li.call("vote", {"poll_id": poll_id, "choices": [0]})

    assert refused["error"]["code"] == "poll_closed"
    assert refused["error"]["message"] == "This poll is closed."
    assert [b.choices for b in await lesson.world.store.polls.ballots(lesson.room.session_id)] == [
        (1,)
    ]


async def test_results_reach_students_only_once_shared(lesson: Class) -> None:
    teacher = await lesson.person(Role.HOST, "Teacher", "t@school.cn")
    li = await lesson.person(Role.ATTENDEE, "Li Lei", "li@school.cn")
    han = await lesson.person(Role.ATTENDEE, "Han Mei", "han@school.cn")
    poll_id = await launched(teacher)

    await acked(han, "vote", {"poll_id": poll_id, "choices": [0]})
    await teacher.sync()
    await li.sync()

    assert "results" in latest(teacher)
    assert all("results" not in view["polls"][0] for view in li.of("polls"))

    await acked(teacher, "share_results", {"poll_id": poll_id, "shared": True})
    await li.sync()

    assert latest(li)["results"] == {"counts": [1, 0], "voters": 1, "names": [["Han Mei"], []]}


async def test_an_anonymous_poll_names_nobody(lesson: Class) -> None:
    teacher = await lesson.person(Role.HOST, "Teacher", "t@school.cn")
    han = await lesson.person(Role.ATTENDEE, "Han Mei", "han@school.cn")
    poll_id = await launched(teacher, anonymous=True)

    await acked(han, "vote", {"poll_id": poll_id, "choices": [1]})
    await acked(teacher, "share_results", {"poll_id": poll_id, "shared": True})
    await han.sync()

    assert latest(teacher)["results"] == {"counts": [0, 1], "voters": 1}
    assert "Han Mei" not in str(teacher.of("polls")) + str(han.of("polls"))


async def test_bad_input_is_refused_in_the_room_language_and_changes_nothing(
    lesson: Class,
) -> None:
    teacher = await lesson.person(Role.HOST, "Teacher", "t@school.cn")
    li = await lesson.person(Role.ATTENDEE, "Li Lei", "li@school.cn")
    poll_id = await launched(teacher)

    wrong = [
        ("vote", {"poll_id": poll_id, "choices": [5]}, "invalid_choice"),
        ("vote", {"poll_id": "poll-9", "choices": [0]}, "not_found"),
        ("vote", {"poll_id": poll_id, "choices": "0"}, "invalid_payload"),
        ("launch_poll", {"poll": COLOURS}, "forbidden"),
    ]
    for event, payload, code in wrong:
        assert (await li.call(event, payload))["error"]["code"] == code
    bad_poll = await teacher.call("launch_poll", {"poll": {**COLOURS, "options": ["One"]}})

    assert bad_poll["error"]["code"] == "invalid_poll"
    assert await lesson.world.store.polls.ballots(lesson.room.session_id) == []
    assert [p.poll_id for p in await lesson.world.store.polls.launched(lesson.room.session_id)] == [
        poll_id
    ]


async def test_a_deadline_closes_the_poll_by_itself(lesson: Class) -> None:
    clock = lesson.world.stop_clock()
    teacher = await lesson.person(Role.HOST, "Teacher", "t@school.cn")
    li = await lesson.person(Role.ATTENDEE, "Li Lei", "li@school.cn")
    poll_id = await launched(teacher, seconds=30)
    await acked(li, "vote", {"poll_id": poll_id, "choices": [1]})

    clock.advance(31)

    async def closed() -> None:
        while not (li.of("polls") and latest(li)["closed"]):
            await asyncio.sleep(0.05)

    await asyncio.wait_for(closed(), 5)
    kept = await lesson.world.store.polls.launched(lesson.room.session_id)
    assert [p.closed_at is not None for p in kept] == [True]
    refused = await li.call("vote", {"poll_id": poll_id, "choices": [0]})
    assert refused["error"]["code"] == "poll_closed"


async def test_a_room_that_opens_again_rebuilds_its_open_polls(lesson: Class) -> None:
    teacher = await lesson.person(Role.HOST, "Teacher", "t@school.cn")
    li = await lesson.person(Role.ATTENDEE, "Li Lei", "li@school.cn")
    poll_id = await launched(teacher)
    await acked(li, "vote", {"poll_id": poll_id, "choices": [0]})
    live = lesson.world.live.rooms[lesson.room.session_id]
    await teacher.close()
    await li.close()
    lesson.world.live.rooms.pop(lesson.room.session_id)  # as if the process had restarted
    live.stop_timer()
    await live.media.close()
    await live.line.stop()

    again = await lesson.person(Role.ATTENDEE, "Li Lei", "li@school.cn")
    joined = again.of("joined")[-1]["polls"]["polls"][0]

    assert (joined["poll_id"], joined["closed"], joined["mine"]) == (poll_id, False, [0])
    await acked(again, "vote", {"poll_id": poll_id, "choices": [1]})


async def test_a_bank_changed_while_live_reaches_those_who_run_polls(lesson: Class) -> None:
    teacher = await lesson.person(Role.HOST, "Teacher", "t@school.cn")
    li = await lesson.person(Role.ATTENDEE, "Li Lei", "li@school.cn")
    assert teacher.of("joined")[-1]["polls"]["bank"] == []
    li.clear()

    store = lesson.world.live.store  # the app's own store: the one its rooms watch
    draft_id = await store.polls.add_draft(lesson.room.session_id, poll_spec(COLOURS))
    await teacher.sync()
    await li.sync()

    assert [d["draft_id"] for d in teacher.of("polls")[-1]["bank"]] == [draft_id]
    assert li.of("polls") == []
