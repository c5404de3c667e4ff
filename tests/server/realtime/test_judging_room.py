"""A roadshow's judging over real sockets and a real Redis: judges score the pitch on stage,
their values reach nobody else (not the other judge, not the audience, not the chair) before
the chair closes its scoring; then the chair reads the table and the ranking, and the judges
once released."""

from typing import Any

from rooms.agenda import RosterEntry
from rooms.roles import Role
from server import agenda, reviews
from tests.server.realtime.room_world import Peer, World, utcnow
from tests.server.realtime.test_panel_room import everything
from tests.server.realtime.test_roadshow_room import acked, person

A_MAIL, B_MAIL, F1 = "judge-a@vc.cn", "judge-b@vc.cn", "f1@startup.cn"
SECRET_A = {"c1": 4.5, "c2": 7.25}  # values only judge A (and the chair, after) may see
SECRET_B = {"c1": 1.5, "c2": 3.75}
NOTE_A, NOTE_B = "A-SEALED-NOTE", "B-SEALED-NOTE"


async def latest(peer: Peer, event: str, predicate: Any) -> dict[str, Any]:
    seen = 0
    while True:
        found = [view for view in peer.of(event)[seen:] if predicate(view)]
        if found:
            return found[0]  # type: ignore[no-any-return]
        seen = len(peer.of(event))
        await peer.wait_for(event, seen + 1)


def state_of(item_id: str, state: str) -> Any:
    return lambda view: any(
        p["item_id"] == item_id and p["state"] == state for p in view["pitches"]
    )


async def test_judges_score_sealed_until_the_chair_closes_then_the_table_and_ranking(
    rooms_world: World,
) -> None:
    world = rooms_world
    room = await world.session(kind="roadshow", lobby=False)
    now = utcnow()
    fields = {"title_en": "Pitch 1", "title_zh": "路演1", "applicant_name": "Founder 1",
              "applicant_email": F1, "present_minutes": 1, "qa_minutes": 1}  # fmt: skip
    pitch = await reviews.add_item(world.store, session=room.session, fields=fields, now=now)
    await reviews.add_item(world.store, session=room.session, fields={"title_en": "P2"}, now=now)
    await reviews.set_rubric(world.store, session=room.session, fields={"criteria": [
        {"name_en": "Market", "weight": 2, "scale_min": 1, "scale_max": 5},
        {"name_en": "Team", "weight": 1, "scale_min": 0, "scale_max": 10}]})  # fmt: skip
    for name, mail in (("Judge A", A_MAIL), ("Judge B", B_MAIL)):
        entry = RosterEntry(f"guest:{mail}", Role.REVIEWER, name, mail)
        await agenda.add_to_roster(world.store, session=room.session, entry=entry, now=now)
    i1 = pitch.item_id
    chair = await person(world, room, Role.HOST, "Chair")
    a = await person(world, room, Role.REVIEWER, "Judge A", A_MAIL)
    b = await person(world, room, Role.REVIEWER, "Judge B", B_MAIL)
    investor = await person(world, room, Role.ATTENDEE, "Investor")
    assert "judging" in a.of("joined")[0] and "judging" not in investor.of("joined")[0]

    score = {"item_id": i1, "values": SECRET_A, "recommendation": "fund", "comment": NOTE_A}
    early = await a.call("score_pitch", score)
    assert early["error"]["code"] == "pitch_not_started"

    await acked(chair, "start_show", {})
    await latest(a, "judging", state_of(i1, "open"))
    assert (await acked(a, "score_pitch", score))["revision"] == 1
    score_b = {"item_id": i1, "values": SECRET_B, "recommendation": "reject", "comment": NOTE_B}
    assert (await acked(b, "score_pitch", score_b))["revision"] == 1
    progress = await latest(chair, "pitch_score_progress", lambda p: p["submitted"] == 2)
    assert progress == {"item_id": i1, "submitted": 2, "expected": 2}
    revised = await acked(a, "score_pitch", score | {"values": {"c1": 5, "c2": 10}})
    assert revised["revision"] == 2
    own = await acked(b, "get_my_pitch_score", {"item_id": i1})
    assert own["card"]["comment"] == NOTE_B and own["card"]["values"] == SECRET_B

    sealed = await chair.call("get_pitch_results", {"item_id": i1})
    assert sealed["error"]["code"] == "sealed"
    assert (await acked(chair, "get_ranking", {}))["ranking"] == []
    await chair.sync()
    await investor.sync()
    for peer, secrets in ((a, (NOTE_B, "3.75")), (b, (NOTE_A, "7.25")),
                          (investor, (NOTE_A, NOTE_B, "7.25", "3.75")),
                          (chair, (NOTE_A, NOTE_B, "7.25", "3.75"))):  # fmt: skip
        text = everything(peer)
        assert not [s for s in secrets if s in text], peer

    await acked(chair, "close_pitch_scoring", {"item_id": i1})
    closed = await a.call("score_pitch", score)
    assert closed["error"]["code"] == "scoring_closed"
    table = (await acked(chair, "get_pitch_results", {"item_id": i1}))["results"]
    rows = {row["reviewer"]: row for row in table["rows"]}
    assert rows["Judge A"]["values"] == {"c1": 5.0, "c2": 10.0} and rows["Judge A"]["total"] == 100
    assert rows["Judge B"]["comment"] == NOTE_B and table["submitted"] == 2
    ranking = (await acked(chair, "get_ranking", {}))["ranking"]
    assert [(r["item_id"], r["rank"], r["title_zh"]) for r in ranking] == [(i1, 1, "路演1")]
    assert (await b.call("get_pitch_results", {"item_id": i1}))["error"]["code"] == "sealed"
    assert (await acked(b, "get_ranking", {}))["ranking"] == []

    await acked(chair, "release_pitch_results", {"item_id": i1})
    assert (await acked(b, "get_pitch_results", {"item_id": i1}))["results"]["mean"] is not None
    assert [r["item_id"] for r in (await acked(b, "get_ranking", {}))["ranking"]] == [i1]
    refused = await investor.call("get_pitch_results", {"item_id": i1})
    assert refused["error"]["code"] == "sealed"
    await investor.sync()
    assert NOTE_A not in everything(investor) and NOTE_B not in everything(investor)

    cards = await world.store.panel.cards(room.session_id, i1)
    assert sorted(c.revision for c in cards) == [1, 2]
