"""rooms.questions: asking, upvoting once, moderation states, who sees what, anonymity."""

from dataclasses import replace
from datetime import timedelta

import pytest

from rooms.kinds import has_questions
from rooms.outbox import Group, Keep, Person, RoomFlags, Send
from rooms.questions import QaSettings, QState, Question, Questions, export_rows
from rooms.roadshow import RunOfShow
from rooms.roles import Capability, Kind, Role, capabilities
from rooms.room import ChatLimit, Room
from tests.rooms.test_room import HAN, LI, NOW, OWNER, SESSION, codes, events
from tests.rooms.test_run_of_show import SHOW, START, handed, roadshow

WU = Person("guest:wu@x.org", "p-wu", "Wu Tao", Role.ATTENDEE)


def class_room(settings: QaSettings | None = None) -> Room:
    room = Room(
        session=replace(SESSION, kind=Kind.CLASS, lobby=False),
        flags=RoomFlags(),
        chat_limit=ChatLimit(),
    )
    room.part(Questions).load([], settings or QaSettings())
    for sid, person in (("s-owner", OWNER), ("s-li", LI), ("s-han", HAN), ("s-wu", WU)):
        room.join(sid, person, now=NOW)
    return room


@pytest.fixture
def room() -> Room:
    return class_room()


def qa(room: Room) -> Questions:
    return room.part(Questions)


def listing(room: Room, sid: str) -> list[dict[str, object]]:
    p = room.people.of_sid(sid)
    assert p is not None
    return qa(room).listing(p)


def ids(room: Room, sid: str) -> list[object]:
    return [q["question_id"] for q in listing(room, sid)]


def test_a_question_is_kept_and_shown_to_everyone(room: Room) -> None:
    question_id, effects = qa(room).ask_question(
        "s-li", "  Why is the sky blue? ", anonymous=False, now=NOW
    )

    kept = [e.record for e in effects if isinstance(e, Keep)]
    assert question_id == "q1"
    assert kept == [
        Question("q1", 1, "guest:li@x.org", "Li Lei", False, "Why is the sky blue?",
                 QState.VISIBLE, NOW)
    ]  # fmt: skip
    assert sorted(s for e in events(effects, "question") for s in e.sids) == sorted(
        ["s-owner", "s-li", "s-han", "s-wu"]
    )
    assert listing(room, "s-han")[0]["name"] == "Li Lei"


def test_questions_are_sorted_by_votes_then_age(room: Room) -> None:
    qa(room).ask_question("s-li", "first", anonymous=False, now=NOW)
    qa(room).ask_question("s-han", "second", anonymous=False, now=NOW)
    qa(room).upvote_question("s-wu", "q2", now=NOW)

    assert ids(room, "s-owner") == ["q2", "q1"]
    assert [q["votes"] for q in listing(room, "s-owner")] == [1, 0]


def test_one_upvote_each_and_never_ones_own(room: Room) -> None:
    qa(room).ask_question("s-li", "first", anonymous=False, now=NOW)
    qa(room).upvote_question("s-han", "q1", now=NOW)

    assert codes(lambda: qa(room).upvote_question("s-han", "q1", now=NOW)) == "already_voted"
    assert codes(lambda: qa(room).upvote_question("s-li", "q1", now=NOW)) == "own_question"
    assert codes(lambda: qa(room).upvote_question("s-han", "q9", now=NOW)) == "not_found"
    assert qa(room).questions["q1"].voters == ("guest:han@x.org",)
    assert listing(room, "s-han")[0]["voted"] is True
    assert listing(room, "s-wu")[0]["voted"] is False


def test_a_pending_question_is_seen_by_moderators_and_its_author_only() -> None:
    room = class_room(QaSettings(premoderated=True))
    _, effects = qa(room).ask_question("s-li", "secret", anonymous=False, now=NOW)

    assert sorted(s for e in events(effects, "question") for s in e.sids) == ["s-li", "s-owner"]
    assert ids(room, "s-han") == []
    assert codes(lambda: qa(room).upvote_question("s-han", "q1", now=NOW)) == "not_found"

    shown = qa(room).set_question_state("s-owner", "q1", "visible")

    assert len([s for e in events(shown, "question") for s in e.sids]) == 4
    assert ids(room, "s-han") == ["q1"]


def test_an_anonymous_question_shows_no_name_to_anyone(room: Room) -> None:
    qa(room).ask_question("s-li", "shy", anonymous=True, now=NOW)

    for sid in ("s-owner", "s-han", "s-li"):
        assert listing(room, sid)[0]["name"] is None
    assert listing(room, "s-li")[0]["mine"] is True
    assert listing(room, "s-owner")[0]["mine"] is False
    assert export_rows(list(qa(room).questions.values()))[1][1] == "Anonymous"


def test_anonymous_questions_are_refused_when_the_host_turns_them_off(room: Room) -> None:
    effects = qa(room).set_qa_settings("s-owner", anonymous=False, premoderated=False)

    assert effects[0] == Keep(QaSettings(anonymous=False))
    assert events(effects, "qa_settings")[0].group is Group.ROOM
    assert (
        codes(lambda: qa(room).ask_question("s-li", "x", anonymous=True, now=NOW))
        == "anonymous_off"
    )
    assert qa(room).questions == {}


def test_only_moderators_moderate(room: Room) -> None:
    qa(room).ask_question("s-li", "first", anonymous=False, now=NOW)

    assert codes(lambda: qa(room).set_question_state("s-han", "q1", "answered")) == "forbidden"
    assert codes(lambda: qa(room).pin_question("s-han", "q1", pinned=True)) == "forbidden"
    assert (
        codes(lambda: qa(room).ask_question("s-owner", "host?", anonymous=False, now=NOW))
        == "forbidden"
    )


def test_one_question_is_answered_at_a_time_and_comes_first(room: Room) -> None:
    qa(room).ask_question("s-li", "first", anonymous=False, now=NOW)
    qa(room).ask_question("s-han", "second", anonymous=False, now=NOW)
    qa(room).upvote_question("s-wu", "q1", now=NOW)
    qa(room).set_question_state("s-owner", "q1", "answering")

    effects = qa(room).set_question_state("s-owner", "q2", "answering")

    assert [e.record.state for e in effects if isinstance(e, Keep)] == [  # type: ignore[attr-defined]
        QState.ANSWERED,
        QState.ANSWERING,
    ]
    assert ids(room, "s-wu") == ["q2", "q1"]
    assert codes(lambda: qa(room).set_question_state("s-owner", "q1", "visible")) == "bad_move"
    assert codes(lambda: qa(room).upvote_question("s-han", "q1", now=NOW)) == "not_votable"


def test_a_dismissed_question_is_hidden_from_the_others(room: Room) -> None:
    qa(room).ask_question("s-li", "rude", anonymous=False, now=NOW)

    effects = qa(room).set_question_state("s-owner", "q1", "dismissed")

    hidden = events(effects, "question_hidden")
    assert hidden == [Send("question_hidden", {"question_id": "q1"}, sids=("s-han", "s-wu"))]
    assert ids(room, "s-han") == []
    assert ids(room, "s-li") == ["q1"]


def test_pinning_one_unpins_the_other_and_an_answer_unpins(room: Room) -> None:
    qa(room).ask_question("s-li", "first", anonymous=False, now=NOW)
    qa(room).ask_question("s-han", "second", anonymous=False, now=NOW)
    qa(room).pin_question("s-owner", "q1", pinned=True)
    qa(room).pin_question("s-owner", "q2", pinned=True)

    assert qa(room).settings.pinned == "q2"
    assert ids(room, "s-wu") == ["q2", "q1"]

    qa(room).set_question_state("s-owner", "q2", "answered")

    assert qa(room).settings.pinned == ""
    assert codes(lambda: qa(room).pin_question("s-owner", "q2", pinned=True)) == "not_pinnable"


def test_asking_is_rate_limited(room: Room) -> None:
    for n in range(3):
        qa(room).ask_question("s-li", f"q {n}", anonymous=False, now=NOW)

    assert (
        codes(lambda: qa(room).ask_question("s-li", "again", anonymous=False, now=NOW))
        == "rate_limited"
    )
    later = NOW + timedelta(seconds=5)
    assert qa(room).ask_question("s-li", "later", anonymous=False, now=later)[0] == "q4"


def test_an_empty_or_long_question_is_refused(room: Room) -> None:
    assert (
        codes(lambda: qa(room).ask_question("s-li", "   ", anonymous=False, now=NOW))
        == "empty_question"
    )
    too_long = "x" * 501
    assert (
        codes(lambda: qa(room).ask_question("s-li", too_long, anonymous=False, now=NOW))
        == "question_too_long"
    )
    assert qa(room).questions == {}


def test_the_export_defuses_formulas(room: Room) -> None:
    qa(room).ask_question("s-li", "=HYPERLINK(1)", anonymous=False, now=NOW)

    assert export_rows(list(qa(room).questions.values())) == [
        ("asked_at", "name", "question", "state", "votes"),
        (NOW.isoformat(), "Li Lei", "'=HYPERLINK(1)", "visible", "0"),
    ]


def test_a_new_moderator_gets_the_pending_questions() -> None:
    room = class_room(QaSettings(premoderated=True))
    qa(room).ask_question("s-li", "secret", anonymous=False, now=NOW)

    effects = room.controls.set_role("s-owner", "p-han", Role.COHOST, now=NOW)

    sent = events(effects, "questions")
    assert sent[0].sids == ("s-han",)
    assert [q["question_id"] for q in sent[0].payload["list"]] == ["q1"]  # type: ignore[union-attr]


def test_classes_meetings_and_roadshows_take_questions_out_of_the_box() -> None:
    assert [kind for kind in Kind if has_questions(kind)] == [
        Kind.MEETING,
        Kind.CLASS,
        Kind.ROADSHOW,
    ]
    assert Capability.ASK_QUESTION in capabilities(Kind.CLASS, Role.ATTENDEE)
    assert QaSettings() == QaSettings(anonymous=True, premoderated=False, pinned="")


def test_in_a_roadshow_a_question_belongs_to_the_pitch_on_stage_when_asked() -> None:
    room = roadshow()
    show, asked = room.part(RunOfShow), []
    # i1's pitch and its Q&A, the buffer after it, i2's Q&A, i3's pitch
    for minutes in (0, 4, 5.5, 9, 12):
        now = START + timedelta(minutes=minutes)
        show.reload(handed(show.show, now), now=now)
        question_id, _ = qa(room).ask_question("s-vc", f"at {minutes}", anonymous=False, now=now)
        asked.append(qa(room).questions[question_id].slot_id)

    assert asked == ["i1", "i1", "", "i2", "i3"]
    assert [q["slot_id"] for q in listing(room, "s-vc")] == ["i1", "i1", None, "i2", "i3"]


def test_outside_a_roadshow_or_before_its_show_a_question_has_no_pitch(room: Room) -> None:
    qa(room).ask_question("s-li", "in a class", anonymous=False, now=NOW)
    show_room = roadshow()
    qa(show_room).ask_question("s-vc", "before the show", anonymous=False, now=NOW)

    assert [q.slot_id for q in qa(room).questions.values()] == [""]
    assert [q.slot_id for q in qa(show_room).questions.values()] == [""]


def test_a_roadshows_export_names_each_questions_pitch() -> None:
    room = roadshow()
    qa(room).ask_question("s-vc", "before", anonymous=False, now=NOW)
    room.part(RunOfShow).reload(handed(SHOW, START), now=START)
    qa(room).ask_question("s-vc", "=1+1", anonymous=False, now=START)

    rows = export_rows(list(qa(room).questions.values()), pitches={"i1": "=Project 1"})

    assert [row[2:] for row in rows] == [
        ("question", "state", "votes", "pitch"),
        ("before", "visible", "0", ""),
        ("'=1+1", "visible", "0", "'=Project 1"),
    ]


def test_a_resend_is_the_same_question_kept_again_without_a_rate_token(room: Room) -> None:
    for n in range(3):  # the burst is spent
        qa(room).ask_question("s-li", f"q {n}", anonymous=False, now=NOW, client_id=f"c{n}")

    question_id, effects = qa(room).ask_question(
        "s-li", "q 0", anonymous=False, now=NOW, client_id="c0"
    )

    first = qa(room).questions["q1"]
    assert (question_id, first.client_id) == ("q1", "c0")
    assert [e for e in effects if isinstance(e, Keep)] == [Keep(first)]
    assert {e.sids for e in effects if isinstance(e, Send)} == {("s-li",)}
    assert len(qa(room).questions) == 3


def test_a_resend_after_the_room_reopens_is_the_same_question() -> None:
    before = class_room()
    qa(before).ask_question("s-li", "kept", anonymous=True, now=NOW, client_id="c1")
    after = class_room()
    qa(after).load(list(qa(before).questions.values()), QaSettings())

    question_id, _ = qa(after).ask_question("s-li", "kept", anonymous=True, now=NOW, client_id="c1")
    other, _ = qa(after).ask_question("s-han", "kept", anonymous=True, now=NOW, client_id="c1")

    assert (question_id, other) == ("q1", "q2")
