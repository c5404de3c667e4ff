"""A review room over real sockets and a real Redis: the chair runs items, a conflicted
reviewer is held out of theirs (live, in history, across reconnects), scores are kept and
sealed, results reach only those allowed."""

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from rooms.agenda import Session
from rooms.conflicts import Standing
from rooms.items import Item, ReviewSettings
from rooms.review_book import ReviewBook
from rooms.roles import Role
from rooms.rubric import new_rubric
from tests.server.realtime.room_world import Peer, Room, World

NOW = datetime(2026, 5, 1, tzinfo=UTC)
RUBRIC = new_rubric(
    {
        "criteria": [
            {"name_en": "Novelty", "weight": 2, "scale_min": 1, "scale_max": 5},
            {"name_en": "Feasibility", "weight": 1, "scale_min": 0, "scale_max": 10},
        ]
    }
)
A_MAIL, B_MAIL, APPLICANT_MAIL = "a@pool.cn", "b@pool.cn", "zhang@lab.cn"
SECRET_VALUES = {"c1": 4.5, "c2": 7.25}  # values nobody but A (and the chair, after) may see


def item(item_id: str, session_id: str, email: str = "") -> Item:
    return Item(
        item_id=item_id, session_id=session_id, title_zh="", title_en=f"Project {item_id}",
        applicant_name="Zhang Wei", applicant_org="Lab", applicant_email=email,
        disciplines=(), present_minutes=10, qa_minutes=5, created_at=NOW, updated_at=NOW,
    )  # fmt: skip


def book_for(session: Session) -> ReviewBook:
    sid = session.session_id
    return ReviewBook(
        items=(item("i1", sid, APPLICANT_MAIL), item("i2", sid)),
        rubric=RUBRIC,
        settings=ReviewSettings(),
        reviewers=(f"guest:{A_MAIL}", f"guest:{B_MAIL}"),
        table={"i1": {f"guest:{B_MAIL}": Standing(("org:Lab",))}},
    )


class Panel:
    def __init__(self, world: World, room: Room) -> None:
        self.world, self.room = world, room

    async def person(self, role: Role, name: str, email: str = "") -> Peer:
        invite = await self.world.invite(self.room, role, name, email=email)
        return await self.world.enter(self.room, invite=invite)

    async def again(self, role: Role, name: str, email: str) -> Peer:
        return await self.person(role, name, email)


@pytest.fixture
async def review(rooms_world: World) -> tuple[World, Room]:
    async def books(session: Session) -> ReviewBook:
        return book_for(session)

    rooms_world.live.books = books
    room = await rooms_world.session(kind="review", lobby=True)
    return rooms_world, room


async def acked(peer: Peer, event: str, payload: dict[str, Any]) -> Any:
    answer = await peer.call(event, payload)
    assert not (isinstance(answer, dict) and "error" in answer), answer
    return answer


def everything(peer: Peer) -> str:
    return json.dumps(peer.events, ensure_ascii=False, default=str)


def shows_secret(text: str) -> bool:
    """Whether a JSON text holds the secret 7.25 as a number (not inside a time such as
    "15:28:17.251", which any event's timestamp may be)."""
    return re.search(r"(?<![\d.:])7\.25(?!\d)", text) is not None


async def test_a_review_runs_with_a_conflicted_reviewer_held_out_of_their_item(
    review: tuple[World, Room],
) -> None:
    world, room = review
    people = Panel(world, room)
    chair = await people.person(Role.HOST, "Chair")
    a = await people.person(Role.REVIEWER, "Reviewer A", A_MAIL)
    b = await people.person(Role.REVIEWER, "Reviewer B", B_MAIL)
    applicant = await people.person(Role.PRESENTER, "Zhang Wei", APPLICANT_MAIL)
    assert applicant.of("waiting") and not applicant.of("joined")

    await chair.send("start_item", {"item_id": "i1"})
    await b.wait_for("stepped_out")
    await applicant.wait_for("joined")
    await a.send("chat", {"text": "about project i1", "client_id": "c-1"})
    await chair.sync()

    b2 = await people.again(Role.REVIEWER, "Reviewer B", B_MAIL)  # a second tab
    assert [e for e, _ in b2.events if e in ("joined", "stepped_out")] == ["stepped_out"]
    assert b.of("stepped_out")[0]["reason"] == "conflict"
    assert "about project i1" not in everything(b) + everything(b2)

    for _ in range(3):  # Q&A, deliberation, scoring
        await chair.send("next_phase", {"item_id": "i1"})
    assert (await applicant.wait_for("stepped_out"))[0]["reason"] == "done"
    answer = await acked(
        a, "submit_score", {"item_id": "i1", "values": SECRET_VALUES, "recommendation": "fund"}
    )
    assert answer == {"item_id": "i1", "revision": 1}
    assert (await chair.wait_for("score_progress"))[-1] == {
        "item_id": "i1", "submitted": 1, "expected": 1,
    }  # fmt: skip
    sealed = await a.call("get_results", {"item_id": "i1"})
    assert sealed["error"]["code"] == "sealed"

    await chair.send("next_phase", {"item_id": "i1"})  # closed: B comes back
    await b.wait_for("joined")
    await b.wait_for("chat_history")
    assert "about project i1" not in everything(b)
    table = await acked(chair, "get_results", {"item_id": "i1"})
    assert [(r["values"], r["total"]) for r in table["results"]["rows"]] == [(SECRET_VALUES, 82.5)]
    assert (await a.call("get_results", {"item_id": "i1"}))["error"]["code"] == "sealed"

    await chair.send("release_results", {"item_id": "i1"})
    released = await acked(a, "get_results", {"item_id": "i1"})
    refused_b = await b.call("get_results", {"item_id": "i1"})  # conflicted: never

    assert released["results"]["mean"] == 82.5
    assert refused_b["error"]["code"] == "sealed"
    for peer in (b, b2, applicant):
        assert not shows_secret(everything(peer))
    cards = await world.store.panel.cards(room.session_id, "i1")
    assert [(c.reviewer_key, dict(c.values)) for c in cards] == [(f"guest:{A_MAIL}", SECRET_VALUES)]
    actions = [e.action for e in await world.store.panel.audit(room.session_id)]
    assert actions[:2] == ["item_started", "moved_out"]
    assert "score_submitted" in actions and not shows_secret(
        json.dumps([e.detail for e in await world.store.panel.audit(room.session_id)])
    )


async def test_the_panel_survives_the_room_being_rebuilt_from_redis(
    review: tuple[World, Room],
) -> None:
    world, room = review
    people = Panel(world, room)
    chair = await people.person(Role.HOST, "Chair")
    await chair.send("start_item", {"item_id": "i1"})
    live = world.live.rooms.pop(room.session_id)  # as after a restart of the web process
    await live.line.stop()
    await live.media.close()

    b = await people.person(Role.REVIEWER, "Reviewer B", B_MAIL)

    assert [e for e, _ in b.events if e in ("joined", "stepped_out")] == ["stepped_out"]


async def test_the_panel_chat_reaches_the_chair_and_reviewers_only(
    review: tuple[World, Room],
) -> None:
    world, room = review
    people = Panel(world, room)
    chair = await people.person(Role.HOST, "Chair")
    a = await people.person(Role.REVIEWER, "Reviewer A", A_MAIL)
    b = await people.person(Role.REVIEWER, "Reviewer B", B_MAIL)
    observer = await people.person(Role.OBSERVER, "Observer", "obs@x.org")
    await chair.send(
        "admit",
        {
            "participant_id": observer.me.get("participant_id")
            or ((await chair.wait_for("lobby"))[-1]["queue"][0]["participant_id"])
        },
    )
    await observer.wait_for("joined")

    sent = await acked(a, "chat_private", {"text": "between us", "client_id": "p-1", "to": "panel"})
    await chair.sync()
    await b.sync()
    await observer.sync()
    refused = await observer.call(
        "chat_private", {"text": "let me in", "client_id": "p-2", "to": "panel"}
    )
    late = await people.again(Role.OBSERVER, "Observer", "obs@x.org")  # a second tab: history

    assert sent["duplicate"] is False
    assert [m["text"] for m in chair.of("chat")] == ["between us"]
    assert [m["text"] for m in b.of("chat")] == ["between us"]
    assert refused["error"]["code"] == "forbidden"  # observers cannot chat privately at all
    assert "between us" not in everything(observer) + everything(late)


async def test_a_conflict_recorded_in_the_console_moves_the_reviewer_out_at_once(
    rooms_world: World,
) -> None:
    from rooms.agenda import RosterEntry
    from rooms.conflicts import NoteKind
    from server import agenda, reviews

    world = rooms_world
    room = await world.session(kind="review", lobby=True)
    session, now = room.session, datetime.now(UTC)
    [first] = [
        await reviews.add_item(world.store, session=session, fields={"title_en": "P"}, now=now)
    ]
    await reviews.set_rubric(world.store, session=session, fields={"criteria": [
        {"name_en": "Merit", "weight": 1, "scale_min": 0, "scale_max": 10}]})  # fmt: skip
    entry = RosterEntry(f"guest:{B_MAIL}", Role.REVIEWER, "Reviewer B", B_MAIL)
    await agenda.add_to_roster(world.store, session=session, entry=entry, now=now)
    people = Panel(world, room)
    chair = await people.person(Role.HOST, "Chair")
    b = await people.person(Role.REVIEWER, "Reviewer B", B_MAIL)
    await chair.send("start_item", {"item_id": first.item_id})
    assert not b.of("stepped_out")

    await reviews.record_conflict(  # through the app's store, as the console's handler does
        world.live.store, session=session, item_id=first.item_id, reviewer=f"guest:{B_MAIL}",
        kind=NoteKind.ADDED, reason="Co-author", by="staff", now=now,
    )  # fmt: skip

    assert (await b.wait_for("stepped_out"))[0]["reason"] == "conflict"
    actions = [e.action for e in await world.store.panel.audit(room.session_id)]
    assert actions == ["item_started", "moved_out"]
