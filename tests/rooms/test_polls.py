"""rooms.polls and rooms.poll_spec: launching, voting once per person, closing on time,
results for those who run polls until shared, quizzes and their leaderboard."""

from dataclasses import replace
from datetime import timedelta

import pytest

from rooms.errors import DomainError
from rooms.outbox import Keep, Person, RoomFlags
from rooms.poll_spec import Ballot, PollKind, PollSpec, poll_spec, quiz_scores, tally
from rooms.polls import BoardShown, LivePoll, Polls
from rooms.roles import Kind, Role
from rooms.room import ChatLimit, Room
from tests.rooms.test_room import NOW, OWNER, SESSION, codes, events

LI = Person("guest:li@x.org", "p-li", "Li Lei", Role.ATTENDEE)
HAN = Person("guest:han@x.org", "p-han", "Han Mei", Role.ATTENDEE)
OBSERVER = Person("guest:obs@x.org", "p-obs", "Observer", Role.OBSERVER)
COLOURS = {"question": "Colour?", "kind": "single", "options": ["Red", "Blue"]}


def class_room() -> Room:
    session = replace(SESSION, kind=Kind.CLASS, lobby=False)
    room = Room(session=session, flags=RoomFlags(), chat_limit=ChatLimit())
    room.join("s-owner", OWNER, now=NOW)
    room.join("s-li", LI, now=NOW)
    room.join("s-li-2", LI, now=NOW)  # a second tab
    room.join("s-han", HAN, now=NOW)
    room.join("s-obs", OBSERVER, now=NOW)
    return room


@pytest.fixture
def room() -> Room:
    return class_room()


def polls(room: Room) -> Polls:
    return room.part(Polls)


def launch(room: Room, **spec: object) -> str:
    poll_id, _ = polls(room).launch_poll("s-owner", {**COLOURS, **spec}, now=NOW)
    return poll_id


def view_of(room: Room, sid: str) -> dict[str, object]:
    p = room.people.of_sid(sid)
    assert p is not None
    return polls(room).view(p)


def first_poll(room: Room, sid: str) -> dict[str, object]:
    found = view_of(room, sid)["polls"]
    assert isinstance(found, list)
    return found[0]  # type: ignore[no-any-return]


def test_poll_spec_checks_what_a_host_sent() -> None:
    assert poll_spec({**COLOURS, "correct": [1], "seconds": 30}) == PollSpec(
        "Colour?", PollKind.SINGLE, ("Red", "Blue"), (1,), False, 30
    )
    assert poll_spec({"question": "How was it?", "kind": "rating"}).options == (
        "1", "2", "3", "4", "5",
    )  # fmt: skip
    for bad in (
        {**COLOURS, "question": "  "},
        {**COLOURS, "kind": "essay"},
        {**COLOURS, "options": ["Only"]},
        {**COLOURS, "options": ["A", 3]},
        {**COLOURS, "seconds": 5},
        {**COLOURS, "seconds": True},
        {**COLOURS, "correct": [2]},
        {**COLOURS, "anonymous": "yes"},
        {"question": "Rate", "kind": "rating", "correct": [0]},
    ):
        assert codes(lambda bad=bad: poll_spec(bad)) == "invalid_poll"


def test_a_vote_from_any_tab_is_the_persons_one_vote(room: Room) -> None:
    poll_id = launch(room)

    polls(room).vote("s-li", poll_id, [0], now=NOW)
    effects = polls(room).vote("s-li-2", poll_id, [1], now=NOW + timedelta(seconds=1))

    assert polls(room).results(poll_id) == {
        "counts": [0, 1],
        "voters": 1,
        "names": [[], ["Li Lei"]],
    }
    assert (
        Keep(Ballot(poll_id, LI.person_key, "Li Lei", (1,), NOW + timedelta(seconds=1))) in effects
    )
    assert first_poll(room, "s-li")["mine"] == [1]


def test_results_go_to_those_who_run_polls_until_shared(room: Room) -> None:
    poll_id = launch(room)
    effects = polls(room).vote("s-han", poll_id, [0], now=NOW)

    told = {sid for send in events(effects, "polls") for sid in send.sids}
    assert told == {"s-han", "s-owner"}
    assert "results" in first_poll(room, "s-owner")
    assert "results" not in first_poll(room, "s-li")

    polls(room).share_results("s-owner", poll_id, shared=True)

    assert first_poll(room, "s-li")["results"] == {
        "counts": [1, 0],
        "voters": 1,
        "names": [["Han Mei"], []],
    }


def test_an_anonymous_poll_shows_no_names(room: Room) -> None:
    poll_id = launch(room, anonymous=True)
    polls(room).vote("s-han", poll_id, [1], now=NOW)

    assert polls(room).results(poll_id) == {"counts": [0, 1], "voters": 1}


def test_bad_votes_change_nothing(room: Room) -> None:
    poll_id = launch(room)
    polls(room).vote("s-li", poll_id, [0], now=NOW)

    assert codes(lambda: polls(room).vote("s-li", poll_id, [2], now=NOW)) == "invalid_choice"
    assert codes(lambda: polls(room).vote("s-li", poll_id, [0, 1], now=NOW)) == "invalid_choice"
    assert codes(lambda: polls(room).vote("s-li", poll_id, "0", now=NOW)) == "invalid_choice"
    assert codes(lambda: polls(room).vote("s-li", "poll-9", [0], now=NOW)) == "not_found"
    assert codes(lambda: polls(room).vote("s-obs", poll_id, [0], now=NOW)) == "forbidden"
    assert codes(lambda: polls(room).launch_poll("s-li", COLOURS, now=NOW)) == "forbidden"
    polls(room).close_poll("s-owner", poll_id, now=NOW)
    assert codes(lambda: polls(room).vote("s-li", poll_id, [1], now=NOW)) == "poll_closed"
    assert polls(room).results(poll_id)["counts"] == [1, 0]


def test_votes_are_rate_limited_like_chat(room: Room) -> None:
    poll_id = launch(room)
    for _ in range(5):
        polls(room).vote("s-li", poll_id, [0], now=NOW)

    assert codes(lambda: polls(room).vote("s-li", poll_id, [1], now=NOW)) == "rate_limited"


def test_a_deadline_closes_the_poll_when_due(room: Room) -> None:
    poll_id = launch(room, seconds=30)
    assert polls(room).next_deadline() == NOW + timedelta(seconds=30)
    assert polls(room).due(now=NOW + timedelta(seconds=29)) == []

    effects = polls(room).due(now=NOW + timedelta(seconds=31))

    closed = polls(room).poll(poll_id)
    assert closed.closed_at == NOW + timedelta(seconds=30)
    assert Keep(closed) in effects and polls(room).next_deadline() is None
    late = NOW + timedelta(seconds=30)
    assert codes(lambda: polls(room).vote("s-li", poll_id, [0], now=late)) == "poll_closed"


def test_a_multiple_choice_takes_several_options_and_a_rating_averages(room: Room) -> None:
    multi = launch(room, kind="multiple", options=["A", "B", "C"])
    rating, _ = polls(room).launch_poll("s-owner", {"question": "Pace?", "kind": "rating"}, now=NOW)

    polls(room).vote("s-li", multi, [2, 0], now=NOW)
    polls(room).vote("s-li", rating, [4], now=NOW)
    polls(room).vote("s-han", rating, [1], now=NOW)

    assert polls(room).results(multi)["counts"] == [1, 0, 1]
    assert polls(room).results(rating)["average"] == 3.5


def test_a_quiz_hides_its_answers_until_shared_and_scores_a_leaderboard(room: Room) -> None:
    q1 = launch(room, correct=[1])
    q2 = launch(room, correct=[0])
    for poll_id, li, han in ((q1, 1, 1), (q2, 0, 1)):
        polls(room).vote("s-li", poll_id, [li], now=NOW)
        polls(room).vote("s-han", poll_id, [han], now=NOW)
        polls(room).close_poll("s-owner", poll_id, now=NOW)

    assert first_poll(room, "s-li")["correct"] == []
    assert first_poll(room, "s-owner")["correct"] == [1]
    assert view_of(room, "s-li")["leaderboard"] is None
    board = [{"name": "Li Lei", "score": 2}, {"name": "Han Mei", "score": 1}]
    assert view_of(room, "s-owner")["leaderboard"] == board

    effects = polls(room).show_leaderboard("s-owner", shown=True)
    polls(room).share_results("s-owner", q1, shared=True)

    assert Keep(BoardShown(True)) in effects
    assert view_of(room, "s-li")["leaderboard"] == board
    assert first_poll(room, "s-li")["correct"] == [1]


def test_quiz_scores_leave_out_anonymous_quizzes() -> None:
    spec = PollSpec("Q", PollKind.SINGLE, ("a", "b"), (0,))
    ballot = Ballot("p1", "k1", "Li", (0,), NOW)

    assert quiz_scores([(spec, [ballot]), (replace(spec, anonymous=True), [ballot])]) == [
        {"name": "Li", "score": 1}
    ]
    assert tally(spec, []) == {"counts": [0, 0], "voters": 0, "names": [[], []]}


def test_a_room_loads_its_polls_and_carries_on(room: Room) -> None:
    spec = poll_spec(COLOURS)
    open_poll = LivePoll(
        "poll-1", spec, OWNER.person_key, NOW, closes_at=NOW + timedelta(minutes=1)
    )
    ballot = Ballot("poll-1", LI.person_key, "Li Lei", (0,), NOW)

    polls(room).load([open_poll], ballots=[ballot], board_shown=True)

    assert first_poll(room, "s-li-2")["mine"] == [0]
    assert polls(room).next_deadline() == NOW + timedelta(minutes=1)
    assert launch(room) == "poll-2"
    with pytest.raises(DomainError):
        polls(room).close_poll("s-li", "poll-1", now=NOW)


def test_the_bank_is_shown_only_to_those_who_run_polls(room: Room) -> None:
    polls(room).load([], ballots=[], board_shown=False, bank={"d0001": poll_spec(COLOURS)})

    assert view_of(room, "s-owner")["bank"] == [
        {"draft_id": "d0001", "question": "Colour?", "kind": "single", "options": ["Red", "Blue"],
         "correct": [], "anonymous": False, "seconds": None}
    ]  # fmt: skip
    assert view_of(room, "s-li")["bank"] == []


def test_a_new_bank_goes_to_those_who_run_polls_only(room: Room) -> None:
    effects = polls(room).set_bank({"d0002": poll_spec(COLOURS)})

    told = {sid for send in events(effects, "polls") for sid in send.sids}
    assert told == {"s-owner"}
    assert [d["draft_id"] for d in view_of(room, "s-owner")["bank"]] == ["d0002"]  # type: ignore[union-attr]
