"""A live room made from Redis (ARCHITECTURE.md "Rooms across processes"): when a process
makes a room — the first connection, after a restart, or taking it over from an owner that
died — the room's core comes with its flags and chat tail (``LiveRooms._make``), and
``rebuild`` loads the rest as the store keeps it: the hand queue, who was admitted and the
lobby's places, and each workflow's records (polls and votes, questions, slides, the run of
show, interest, breakout groups, the signing log, a review's or a roadshow's panel)."""

from collections.abc import Awaitable, Callable

from rooms.agenda import Session
from rooms.breakouts import Breakouts
from rooms.interest import Interests
from rooms.polls import Polls
from rooms.questions import Questions
from rooms.review_book import ReviewBook
from rooms.roadshow import RunOfShow
from rooms.room import Room
from rooms.sealed import ScoredItems
from rooms.signing import Signing
from rooms.slides import Slides
from server.store import Store


async def rebuild(
    store: Store, room: Room, *, books: Callable[[Session], Awaitable[ReviewBook]]
) -> None:
    """A room's hands and lobby, slides, polls and questions, and a review room's
    panel, as the store has them."""
    session_id, people = room.session.session_id, store.room_people
    room.hands.load(await people.hands(session_id))
    room.lobby.load(await people.admitted(session_id), await people.places(session_id))
    if any(isinstance(w, Polls) for w in room.workflows):
        room.part(Polls).load(
            await store.polls.launched(session_id),
            ballots=await store.polls.ballots(session_id),
            board_shown=await store.polls.board_shown(session_id),
            bank=await store.polls.bank(session_id),
        )
    if any(isinstance(w, Questions) for w in room.workflows):
        found = await store.questions.questions(session_id)
        room.part(Questions).load(found, await store.questions.settings(session_id))
    if any(isinstance(w, Slides) for w in room.workflows):
        room.part(Slides).load(await store.slides.show(session_id))
    if any(isinstance(w, RunOfShow) for w in room.workflows):
        room.part(RunOfShow).load(await store.shows.show(room.session))
    if any(isinstance(w, Interests) for w in room.workflows):
        room.part(Interests).load(await store.interest.interests(session_id))
    if any(isinstance(w, Breakouts) for w in room.workflows):
        room.part(Breakouts).load(await store.breakouts.state(session_id))
    if any(isinstance(w, Signing) for w in room.workflows):
        signings = store.signings
        room.part(Signing).load(
            await signings.agreement(session_id),
            await signings.log(session_id),
            signatures=await signings.signatures(session_id),
            page=await signings.page(session_id),
        )
    scoring = [w for w in room.workflows if isinstance(w, ScoredItems)]
    for part in scoring:  # a review's panel, a roadshow's judging
        book = await books(room.session)
        runs, scored = (
            await store.panel.runs(session_id),
            await store.panel.scored(session_id),
        )
        part.load(book, runs=runs, scored=scored)
