"""rooms.attention: heartbeats of a person's tabs become active and idle passages."""

from datetime import UTC, datetime, timedelta

from rooms.attendance import Movement
from rooms.attention import Attention

T0 = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)
ACTIVE, IDLE = Movement.ACTIVE, Movement.IDLE


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def beats(attention: Attention, heard: list[tuple[str, bool, float]]) -> list[Movement | None]:
    return [
        attention.heard("guest:li", sid, visible=visible, since=T0, now=at(seconds))
        for sid, visible, seconds in heard
    ]


def test_a_visible_tab_beats_and_a_hidden_one_goes_idle() -> None:
    heard = [("tab-1", True, 0), ("tab-1", True, 30), ("tab-1", False, 40), ("tab-1", False, 70)]

    assert beats(Attention(), heard) == [ACTIVE, ACTIVE, IDLE, None]


def test_beats_faster_than_keep_every_are_not_recorded() -> None:
    heard = [("tab-1", True, 0), ("tab-1", True, 1), ("tab-1", True, 14), ("tab-1", True, 15)]

    assert beats(Attention(), heard) == [ACTIVE, None, None, ACTIVE]


def test_several_tabs_of_one_person_count_once() -> None:
    heard = [
        ("tab-1", True, 0), ("tab-2", True, 5),  # the second tab adds nothing new
        ("tab-1", False, 20),  # one tab hidden, the other still seen: still active
        ("tab-2", True, 30),  # within KEEP_EVERY of the last one kept
        ("tab-2", False, 40),  # the last visible tab hidden: idle
    ]  # fmt: skip

    assert beats(Attention(), heard) == [ACTIVE, None, ACTIVE, None, IDLE]


def test_a_beat_after_coming_back_from_the_lobby_is_recorded_at_once() -> None:
    attention = Attention()
    attention.heard("guest:li", "tab-1", visible=True, since=T0, now=at(0))

    back = attention.heard("guest:li", "tab-1", visible=True, since=at(5), now=at(6))

    assert back is ACTIVE


def test_forgetting_a_person_who_left() -> None:
    attention = Attention()
    attention.heard("guest:li", "tab-1", visible=True, since=T0, now=at(0))

    attention.forget("guest:li")

    assert attention.looking("guest:li") is False
