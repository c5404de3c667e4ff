"""Interest in pitches over real sockets and a real Redis: an investor's note goes back to
them alone; the chair sees only the counts; a second investor sees neither; the marks are
kept in Redis with the change."""

from rooms.roles import Role
from tests.server.realtime.room_world import Room, World
from tests.server.realtime.test_roadshow_room import acked, person, show  # noqa: F401


async def test_a_note_reaches_only_its_author_and_the_chair_sees_counts(
    show: tuple[World, Room],  # noqa: F811
) -> None:
    world, room = show
    i1, i2 = (i.item_id for i in await world.store.review.items(room.session_id))
    chair = await person(world, room, Role.HOST, "Chair")
    investor = await person(world, room, Role.ATTENDEE, "Investor", "investor@example.org")
    other = await person(world, room, Role.ATTENDEE, "Other", "other@example.org")
    for peer in (chair, investor, other):
        peer.clear()

    await acked(investor, "mark_interest", {"item_id": i1, "interested": True, "note": "秘密 ok"})
    await acked(other, "mark_interest", {"item_id": i2, "interested": False})
    refused = await investor.call("mark_interest", {"item_id": "nope", "interested": True})

    assert investor.of("interest")[-1] == {"mine": {i1: {"interested": True, "note": "秘密 ok"}}}
    assert other.of("interest")[-1] == {"mine": {i2: {"interested": False, "note": ""}}}
    assert chair.of("interest_counts")[-1] == {"counts": {i1: 1}}
    assert refused["error"]["code"] == "no_pitch"
    for peer in (chair, other):
        assert "秘密" not in repr(peer.events)
    stored = await world.store.interest.interests(room.session_id)
    assert [(i.item_id, i.interested, i.note) for i in stored] == [
        (i1, True, "秘密 ok"),
        (i2, False, ""),
    ]


async def test_interest_marked_through_the_api_shows_in_the_live_room_at_once(
    show: tuple[World, Room],  # noqa: F811
) -> None:
    from datetime import UTC, datetime

    from rooms.interest import Interest

    world, room = show
    i1, _ = (i.item_id for i in await world.store.review.items(room.session_id))
    chair = await person(world, room, Role.HOST, "Chair")
    investor = await person(world, room, Role.ATTENDEE, "Investor", "investor@example.org")
    for peer in (chair, investor):
        peer.clear()
    mark = Interest("guest:investor@example.org", i1, True, "via API", datetime.now(UTC))

    await world.live.store.interest.mark(room.session_id, mark)  # as PUT .../interest does

    assert (await investor.wait_for("interest"))[-1] == {
        "mine": {i1: {"interested": True, "note": "via API"}}
    }
    assert (await chair.wait_for("interest"))[-1]["counts"] == {i1: 1}
    assert "via API" not in repr(chair.events)
