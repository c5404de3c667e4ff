"""rooms.slides: the deck on the stage, its page turns, the pointer."""

from datetime import timedelta

from rooms.outbox import Group, Keep, Send
from rooms.presence import Person
from rooms.roles import Role
from rooms.slides import Deck, Slides, SlideShow, deck_payload
from tests.rooms.test_room import LI, NOW, OWNER, codes, events, make_room

DECK = Deck(file_id="f1", name="Week 1.pdf", pages=3, downloadable=False)
ZHAO = Person("guest:zhao@x.org", "p-zhao", "Zhao Lei", Role.PRESENTER)


def showing() -> Slides:
    room = make_room(lobby=False)
    room.join("s-owner", OWNER, now=NOW)
    room.join("s-li", LI, now=NOW)
    room.join("s-zhao", ZHAO, now=NOW)
    slides = room.part(Slides)
    slides.show_deck(DECK)
    return slides


def test_a_new_deck_opens_at_page_one_for_the_room_and_is_kept() -> None:
    room = make_room(lobby=False)
    room.join("s-owner", OWNER, now=NOW)

    effects = room.part(Slides).show_deck(DECK)

    shown = {"file_id": "f1", "name": "Week 1.pdf", "pages": 3, "page": 1, "downloadable": False}
    assert effects == [
        Keep(SlideShow(deck=DECK, page=1)),
        Send("slides", {"slides": shown}, Group.ROOM),
    ]


def test_a_deck_without_pages_is_refused() -> None:
    slides = showing()
    assert codes(lambda: slides.show_deck(Deck("f2", "x.pdf", pages=0))) == "no_pages"


def test_a_presenter_turns_the_page_for_everyone() -> None:
    slides = showing()

    effects = slides.slide_page("s-zhao", 2)

    assert effects[0] == Keep(SlideShow(deck=DECK, page=2))
    assert events(effects, "slides")[0].payload["slides"] == deck_payload(slides.show)
    assert slides.show.page == 2


def test_turning_to_the_page_shown_changes_nothing() -> None:
    assert showing().slide_page("s-owner", 1) == []


def test_a_page_out_of_range_is_refused() -> None:
    slides = showing()
    assert [codes(lambda page=page: slides.slide_page("s-owner", page)) for page in (0, 4)] == [
        "out_of_range",
        "out_of_range",
    ]
    assert slides.show.page == 1


def test_a_listener_cannot_turn_pages() -> None:
    slides = showing()
    assert codes(lambda: slides.slide_page("s-li", 2)) == "forbidden"


def test_no_page_turns_without_a_deck() -> None:
    room = make_room(lobby=False)
    room.join("s-owner", OWNER, now=NOW)
    assert codes(lambda: room.part(Slides).slide_page("s-owner", 1)) == "no_slides"


def test_a_late_joiner_gets_the_deck_and_page_in_the_snapshot() -> None:
    slides = showing()
    slides.slide_page("s-zhao", 3)
    late = slides.room.people.of_sid("s-li")
    assert late is not None

    assert slides.snapshot(late, now=NOW) == {
        "slides": {
            "file_id": "f1",
            "name": "Week 1.pdf",
            "pages": 3,
            "page": 3,
            "downloadable": False,
        }
    }


def test_stopping_takes_the_deck_off_the_stage() -> None:
    slides = showing()
    effects = slides.slides_stop("s-owner")
    assert effects == [Keep(SlideShow()), Send("slides", {"slides": None}, Group.ROOM)]


def test_the_pointer_is_relayed_not_kept_and_limited() -> None:
    slides = showing()

    first = slides.slide_pointer("s-zhao", 0.5, 0.25, now=NOW)
    too_soon = slides.slide_pointer("s-zhao", 0.6, 0.25, now=NOW + timedelta(milliseconds=10))
    later = slides.slide_pointer("s-zhao", 0.7, 0.25, now=NOW + timedelta(milliseconds=60))

    shown = {"participant_id": "p-zhao", "x": 0.5, "y": 0.25, "page": 1}
    assert first == [Send("slide_pointer", shown, Group.ROOM)]
    assert too_soon == []
    assert [type(e) for e in later] == [Send]
    assert codes(lambda: slides.slide_pointer("s-li", 0.5, 0.5, now=NOW)) == "forbidden"
