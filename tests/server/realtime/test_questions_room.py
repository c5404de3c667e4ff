"""Moderated Q&A over real sockets: one upvote per person across tabs, pending questions seen
only by moderators and their author, anonymous questions nameless for everyone (moderators
included), the list back once after a reconnect and after the room reopens, refusals that
change nothing, and the moderators' CSV export."""

import csv
import io

import pytest

from rooms.roles import Role
from server.realtime import line
from server.store import keys
from tests.server.realtime.room_world import Peer, Room, World


async def klass(world: World) -> tuple[Room, Peer, Peer, Peer]:
    """A class with its teacher (host) and two students, Li and Han, all in."""
    room = await world.session(kind="class", lobby=False)
    host = await world.enter(room, invite=await world.invite(room, Role.HOST, "Teacher"))
    li = await world.enter(room, invite=await world.invite(room, Role.ATTENDEE, "Li Lei"))
    han = await world.enter(room, invite=await world.invite(room, Role.ATTENDEE, "Han Mei"))
    for peer in (host, li, han):
        peer.clear()
    return room, host, li, han


async def settle(*peers: Peer) -> None:
    for peer in peers:
        await peer.sync()


def last(peer: Peer, question_id: str) -> dict[str, object]:
    return [
        q["question"] for q in peer.of("question") if q["question"]["question_id"] == question_id
    ][-1]


def codes(peer: Peer) -> list[str]:
    return [e["code"] for e in peer.of("error")]


async def test_a_question_reaches_everyone_with_its_name(rooms_world: World) -> None:
    _, host, li, han = await klass(rooms_world)

    ack = await li.call("ask_question", {"text": "Why is the sky blue?"})
    await settle(host, li, han)

    assert ack == {"question_id": "q1"}
    seen = last(han, "q1")
    assert (seen["text"], seen["name"], seen["state"], seen["votes"]) == (
        "Why is the sky blue?",
        "Li Lei",
        "visible",
        0,
    )
    assert last(li, "q1")["mine"] is True and seen["mine"] is False
    assert last(host, "q1")["name"] == "Li Lei"


async def test_one_upvote_per_person_across_tabs(rooms_world: World) -> None:
    room, host, li, han = await klass(rooms_world)
    token = await rooms_world.invite(room, Role.ATTENDEE, "Wu Tao")
    wu, wu_too = (
        await rooms_world.enter(room, invite=token),
        await rooms_world.enter(room, invite=token),
    )
    await li.call("ask_question", {"text": "first"})

    await wu.send("upvote_question", {"question_id": "q1"})
    await wu_too.send("upvote_question", {"question_id": "q1"})
    await li.send("upvote_question", {"question_id": "q1"})
    await settle(host, han)

    assert codes(wu) == [] and codes(wu_too) == ["already_voted"]
    assert codes(li) == ["own_question"]
    assert last(han, "q1")["votes"] == 1
    assert last(wu_too, "q1")["voted"] is True and last(han, "q1")["voted"] is False
    [stored] = await rooms_world.store.questions.questions(room.session_id)
    assert len(stored.voters) == 1


async def test_pending_questions_are_seen_by_moderators_and_their_author_only(
    rooms_world: World,
) -> None:
    _, host, li, han = await klass(rooms_world)
    await host.send("set_qa_settings", {"anonymous": True, "premoderated": True})

    await li.call("ask_question", {"text": "may I?"})
    await settle(host, han)

    assert last(host, "q1")["state"] == "pending" and last(li, "q1")["state"] == "pending"
    assert han.of("question") == []
    assert han.of("qa_settings") == [{"anonymous": True, "premoderated": True, "pinned": None}]

    await host.send("set_question_state", {"question_id": "q1", "state": "visible"})
    await settle(han)

    assert last(han, "q1")["state"] == "visible"


async def test_an_anonymous_question_is_nameless_for_everyone(rooms_world: World) -> None:
    room, host, li, han = await klass(rooms_world)

    await li.call("ask_question", {"text": "shy", "anonymous": True})
    await settle(host, han)

    assert [last(p, "q1")["name"] for p in (host, li, han)] == [None, None, None]
    assert last(li, "q1")["mine"] is True
    stored = await rooms_world.store.redis.hgetall(keys.questions(room.session_id))
    assert len(stored) == 1  # the name is kept server-side only


async def test_anonymous_questions_are_refused_when_turned_off(rooms_world: World) -> None:
    room, host, li, _ = await klass(rooms_world)
    await host.send("set_qa_settings", {"anonymous": False, "premoderated": False})

    await li.send("ask_question", {"text": "shy", "anonymous": True})

    assert codes(li) == ["anonymous_off"]
    assert await rooms_world.store.questions.questions(room.session_id) == []


async def test_bad_input_changes_nothing(rooms_world: World) -> None:
    room, host, li, han = await klass(rooms_world)
    await li.call("ask_question", {"text": "first"})
    before = await rooms_world.store.redis.hgetall(keys.questions(room.session_id))

    await li.send("ask_question", {"text": "x" * 501})
    await li.send("ask_question", {"text": 5})
    await li.send("ask_question", {"text": "   "})
    await han.send("upvote_question", {"question_id": "q7"})
    await han.send("upvote_question", {"question_id": 1})
    await han.send("set_question_state", {"question_id": "q1", "state": "answered"})
    await host.send("set_question_state", {"question_id": "q1", "state": "pending"})

    assert codes(li) == ["invalid_payload", "invalid_payload", "empty_question"]
    assert codes(han) == ["not_found", "invalid_payload", "forbidden"]
    assert codes(host) == ["invalid_payload"]
    assert await rooms_world.store.redis.hgetall(keys.questions(room.session_id)) == before


async def test_a_refusal_is_translated(rooms_world: World) -> None:
    room, _, li, _ = await klass(rooms_world)
    await li.call("ask_question", {"text": "first"})
    zh = rooms_world.peer(room, invite=await rooms_world.invite(room, Role.ATTENDEE, "Zhou"))
    zh.headers["Accept-Language"] = "zh-CN"
    await zh.connect()
    await zh.join()
    await zh.send("upvote_question", {"question_id": "q9"})

    assert [e["message"] for e in zh.of("error")] == ["没有这个问题。"]


async def test_a_reconnect_gets_the_list_exactly_once(rooms_world: World) -> None:
    _, host, li, han = await klass(rooms_world)
    await li.call("ask_question", {"text": "first"})
    await li.call("ask_question", {"text": "second"})
    await han.send("upvote_question", {"question_id": "q2"})
    auth = han.auth
    await han.close()
    await host.send("set_question_state", {"question_id": "q1", "state": "answering"})

    back = rooms_world.peer(auth=auth)
    await back.connect()
    await back.join()
    await settle(back)

    [joined] = back.of("joined")
    shown = joined["questions"]["list"]
    assert [(q["question_id"], q["state"], q["votes"], q["voted"]) for q in shown] == [
        ("q1", "answering", 0, False),
        ("q2", "visible", 1, True),
    ]
    assert back.of("question") == [] and back.of("questions") == []


async def test_the_questions_outlive_the_room(rooms_world: World) -> None:
    room, host, li, han = await klass(rooms_world)
    await li.call("ask_question", {"text": "kept"})
    await host.send("pin_question", {"question_id": "q1", "pinned": True})
    for peer in (host, li, han):
        await peer.close()
    live = rooms_world.live.rooms.pop(room.session_id)
    await live.line.stop()
    await live.media.close()

    again = await rooms_world.enter(
        room, invite=await rooms_world.invite(room, Role.ATTENDEE, "Wu")
    )

    questions = again.of("joined")[0]["questions"]
    assert questions["settings"]["pinned"] == "q1"
    assert [(q["text"], q["pinned"]) for q in questions["list"]] == [("kept", True)]


async def test_hosts_export_the_questions_as_csv(rooms_world: World) -> None:
    from tests.server.fixtures_login import sign_in

    room, host, li, han = await klass(rooms_world)
    await li.call("ask_question", {"text": "=SUM(A1)"})
    await han.call("ask_question", {"text": "shy", "anonymous": True})
    browser = await rooms_world.browser()
    await sign_in(browser, email=room.owner.email)

    response = await browser.get(f"/sessions/{room.session_id}/questions.csv")
    rows = list(csv.reader(io.StringIO((await response.text()).lstrip("\ufeff"))))
    refused = await (await rooms_world.browser()).get(f"/sessions/{room.session_id}/questions.csv")

    assert response.status == 200
    assert [row[1:] for row in rows] == [
        ["name", "question", "state", "votes"],
        ["Li Lei", "'=SUM(A1)", "visible", "0"],
        ["Anonymous", "shy", "visible", "0"],
    ]
    assert refused.status == 403


async def test_asking_is_rate_limited(rooms_world: World) -> None:
    room, _, li, _ = await klass(rooms_world)

    for n in range(4):
        await li.send("ask_question", {"text": f"question {n}"})

    assert codes(li) == ["rate_limited"]
    assert len(await rooms_world.store.questions.questions(room.session_id)) == 3


async def test_a_resend_with_the_same_client_id_is_one_question(rooms_world: World) -> None:
    room, host, li, han = await klass(rooms_world)
    asked = {"text": "Why is the sky blue?", "client_id": "q-c1"}

    first = await li.call("ask_question", asked)
    again = await li.call("ask_question", asked)  # its answer was lost: the client resends
    other = await han.call("ask_question", asked)  # someone else's client may pick the same id
    await settle(host, li, han)

    assert (first, again, other) == ({"question_id": "q1"},) * 2 + ({"question_id": "q2"},)
    stored = await rooms_world.store.questions.questions(room.session_id)
    assert [q.question_id for q in stored] == ["q1", "q2"]
    assert {q["question"]["question_id"] for q in host.of("question")} == {"q1", "q2"}


async def test_a_question_not_saved_while_redis_fails_is_kept_once_when_resent(
    rooms_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    room, host, li, _ = await klass(rooms_world)
    monkeypatch.setattr(line, "RETRY_SECONDS", 0.2)  # the line gives up soon
    redis, key = rooms_world.store.redis, keys.questions(room.session_id)
    await redis.set(key, "not a hash")  # every write of a question fails, as Redis would

    refused = await li.call("ask_question", {"text": "Is it saved?", "client_id": "q-c1"})
    await redis.delete(key)  # Redis is back
    resent = await li.call("ask_question", {"text": "Is it saved?", "client_id": "q-c1"})
    await settle(host)

    assert refused["error"]["code"] == "unavailable"
    assert resent == {"question_id": "q1"}
    [kept] = await rooms_world.store.questions.questions(room.session_id)
    assert (kept.question_id, kept.text, kept.client_id) == ("q1", "Is it saved?", "q-c1")
