"""A roadshow room over real sockets and a real Redis: founders wait in the lobby with their
own start time, the chair starts the show, a scheduler hands the stage over (through Redis and
its pub/sub, as from another process), the stage is taken back at the end, the chair extends
and cuts; a reconnect lands where the show is."""

import csv
import io
from typing import Any

import pytest

from rooms.roles import Role
from server import reviews
from server.scheduler import Scheduler
from tests.server.fixtures_login import sign_in
from tests.server.realtime.room_world import Peer, Room, World, utcnow

F1, F2 = "f1@startup.cn", "f2@lab.cn"


@pytest.fixture
async def show(rooms_world: World) -> tuple[World, Room]:
    room = await rooms_world.session(kind="roadshow", lobby=False)
    for n, email in ((1, F1), (2, F2)):
        fields = {
            "title_en": f"Pitch {n}", "title_zh": f"路演{n}", "applicant_name": f"Founder {n}",
            "applicant_email": email, "present_minutes": 1, "qa_minutes": 1,
        }  # fmt: skip
        await reviews.add_item(rooms_world.store, session=room.session, fields=fields, now=utcnow())
    return rooms_world, room


async def person(world: World, room: Room, role: Role, name: str, email: str = "") -> Peer:
    return await world.enter(room, invite=await world.invite(room, role, name, email=email))


async def acked(peer: Peer, event: str, payload: dict[str, Any]) -> Any:
    answer = await peer.call(event, payload)
    assert not (isinstance(answer, dict) and "error" in answer), answer
    return answer


async def latest_show(peer: Peer, predicate: Any) -> dict[str, Any]:
    """The first ``show`` this peer received that satisfies the predicate (waiting for it)."""
    seen = 0
    while True:
        shows = peer.of("show")
        found = [view for view in shows[seen:] if predicate(view)]
        if found:
            return found[0]  # type: ignore[no-any-return]
        seen = len(shows)
        await peer.wait_for("show", seen + 1)


def on_key(key: str) -> Any:
    return lambda view: (view["stage"] or {}).get("key", "").endswith(key)


async def test_the_show_hands_the_stage_from_founder_to_founder_on_server_time(
    show: tuple[World, Room],
) -> None:
    world, room = show
    items = await world.store.review.items(room.session_id)
    i1, i2 = (i.item_id for i in items)
    chair = await person(world, room, Role.HOST, "Chair")
    investor = await person(world, room, Role.ATTENDEE, "Investor")
    f1 = await person(world, room, Role.PRESENTER, "Founder 1", F1)
    f2 = await person(world, room, Role.PRESENTER, "Founder 2", F2)
    # stopped once the invites are in: a token signed after the stopped moment (same second)
    # would read as from the future, which itsdangerous refuses as expired
    clock = world.stop_clock()

    waiting = f2.of("stepped_out")[0]
    assert waiting["reason"] == "pitch_waiting" and waiting["slot_id"] == i2
    assert not f1.of("joined") and investor.of("joined")[0]["show"]["started"] is False

    refused = await investor.call("start_show", {})
    assert refused["error"]["code"] == "forbidden"
    await acked(chair, "start_show", {})
    await f1.wait_for("joined")
    view = await latest_show(investor, on_key(f"{i1}:pitch"))
    assert view["on_stage"] == [f1.me["participant_id"]]
    assert "error" not in (await f1.call("set_mic", {"on": True}) or {})

    # a scheduler (here in the test's process, through Redis and pub/sub like any other)
    scheduler = Scheduler(world.store, world.settings)
    start = clock.now
    clock.advance(61)
    assert (await scheduler.tick(clock.now)).handovers == 1  # Q&A
    await latest_show(investor, on_key(f"{i1}:qa"))
    clock.advance(60)
    assert (await scheduler.tick(clock.now)).handovers == 1  # founder 2's pitch
    view = await latest_show(investor, on_key(f"{i2}:pitch"))
    await f2.wait_for("joined")
    assert view["on_stage"] == [f2.me["participant_id"]]
    refused = await f1.call("set_mic", {"on": True})  # the stage was taken back
    assert refused["error"]["code"] == "forbidden"
    assert (await scheduler.tick(clock.now)).handovers == 0  # never twice

    await acked(chair, "extend_stage", {"item_id": i2, "phase": "pitch", "minutes": 2})
    view = await latest_show(investor, lambda v: v["stage"]["ends"] > view["stage"]["ends"])
    clock.advance(61)  # the pitch's planned end: extended, it goes on
    assert (await scheduler.tick(clock.now)).handovers == 0
    stale = await chair.call("end_stage", {"item_id": i1, "phase": "qa"})
    assert stale["error"]["code"] == "stage_over"
    await acked(chair, "end_stage", {"item_id": i2, "phase": "pitch"})
    await latest_show(investor, on_key(f"{i2}:qa"))

    f1_again = await person(world, room, Role.PRESENTER, "Founder 1", F1)  # done: may listen
    assert f1_again.of("joined") and not f1_again.of("stepped_out")
    log = await world.store.shows.show(room.session)
    assert [e.kind for e in log.log].count("handover") == 4
    assert log.log[0].kind == "start" and log.log[0].at == start


async def test_questions_belong_to_the_pitch_on_stage_and_the_export_names_it(
    show: tuple[World, Room],
) -> None:
    world, room = show
    i1 = (await world.store.review.items(room.session_id))[0].item_id
    chair = await person(world, room, Role.HOST, "Chair")
    investor = await person(world, room, Role.ATTENDEE, "Investor")
    world.stop_clock()  # after the invites are signed (see above)
    await acked(investor, "ask_question", {"text": "Before the show?"})
    await acked(chair, "start_show", {})
    await latest_show(investor, on_key(f"{i1}:pitch"))

    await acked(investor, "ask_question", {"text": "How big is the market?"})
    await investor.sync()
    browser = await world.browser()
    await sign_in(browser, email=room.owner.email)
    response = await browser.get(
        f"/sessions/{room.session_id}/questions.csv", headers={"Accept-Language": "zh-CN"}
    )
    rows = list(csv.reader(io.StringIO((await response.text()).lstrip("\ufeff"))))

    asked = [q["question"] for q in investor.of("question")]
    assert [(q["text"], q["slot_id"]) for q in asked] == [
        ("Before the show?", None),
        ("How big is the market?", i1),
    ]
    assert [row[2:] for row in rows] == [
        ["question", "state", "votes", "pitch"],
        ["Before the show?", "visible", "0", ""],
        ["How big is the market?", "visible", "0", "路演1"],
    ]
