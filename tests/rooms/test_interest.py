"""rooms.interest: marking pitches, notes private to their author, counts for the chair."""

from dataclasses import replace

from rooms.interest import Interest, Interests, counts
from rooms.outbox import Keep, RoomFlags
from rooms.roles import Kind
from rooms.room import ChatLimit, Room
from tests.rooms.test_room import HAN, LI, NOW, OWNER, SESSION, codes, events


def roadshow() -> Room:
    room = Room(
        session=replace(SESSION, kind=Kind.ROADSHOW, lobby=False),
        flags=RoomFlags(),
        chat_limit=ChatLimit(),
    )
    for sid, person in (("s-owner", OWNER), ("s-li", LI), ("s-han", HAN)):
        room.join(sid, person, now=NOW)
    return room


def test_a_mark_is_kept_and_its_note_goes_to_its_author_only() -> None:
    room = roadshow()
    effects = room.part(Interests).mark_interest(
        "s-li", "i1", interested=True, note="  strong team ", now=NOW
    )
    kept = [e.record for e in effects if isinstance(e, Keep)]
    (mine,) = events(effects, "interest")
    (tally,) = events(effects, "interest_counts")
    assert kept == [Interest("guest:li@x.org", "i1", True, "strong team", NOW)]
    assert (mine.sids, mine.payload) == (
        ("s-li",),
        {"mine": {"i1": {"interested": True, "note": "strong team"}}},
    )
    assert (tally.sids, tally.payload) == (("s-owner",), {"counts": {"i1": 1}})


def test_the_snapshot_shows_counts_to_the_chair_and_notes_to_no_one_else() -> None:
    room = roadshow()
    part = room.part(Interests)
    part.mark_interest("s-li", "i1", interested=True, note="mine", now=NOW)
    part.mark_interest("s-han", "i1", interested=False, note="", now=NOW)
    han, owner = room.people.of_sid("s-han"), room.people.of_sid("s-owner")
    assert han is not None and owner is not None
    assert part.snapshot(han, now=NOW) == {
        "interest": {"mine": {"i1": {"interested": False, "note": ""}}}
    }
    assert part.snapshot(owner, now=NOW) == {"interest": {"mine": {}, "counts": {"i1": 1}}}


def test_the_host_has_no_mark_interest_and_a_long_note_is_refused() -> None:
    room = roadshow()
    part = room.part(Interests)
    assert codes(
        lambda: part.mark_interest("s-owner", "i1", interested=True, note="", now=NOW)
    ) == ("forbidden")
    too_long = "x" * 5001
    assert codes(
        lambda: part.mark_interest("s-li", "i1", interested=True, note=too_long, now=NOW)
    ) == ("note_too_long")


def test_counts_leave_out_pitches_no_one_is_interested_in() -> None:
    marks = {
        ("a", "i1"): Interest("a", "i1", True, "", NOW),
        ("b", "i1"): Interest("b", "i1", True, "", NOW),
        ("b", "i2"): Interest("b", "i2", False, "", NOW),
    }
    assert counts(marks) == {"i1": 2}
