"""The demo's follow-up request: made for the roadshow's first founder, with the link they
pick a time from; nothing for a roadshow without founders."""

from server import followups
from server.seed_followups import demo_follow_up
from server.settings import Settings
from server.store import Store
from tests.server.test_followups import FOUNDER_KEY, NOW, roadshow


async def test_the_demo_founder_can_pick_from_the_printed_link(
    store: Store, settings: Settings
) -> None:
    session, _item_id = await roadshow(store)
    lines = await demo_follow_up(store, settings, session=session, now=NOW)
    (request,) = await store.follow_ups.of_person(FOUNDER_KEY)
    link = followups.founder_link(settings, request.follow_up_id)
    assert link in lines[0] and len(request.times) == 2
    booked = await followups.pick_time(
        store, settings, follow_up_id=request.follow_up_id, start=request.times[0], now=NOW
    )
    assert booked.follow_up.state == "booked"


async def test_a_roadshow_without_founders_seeds_no_request(
    store: Store, settings: Settings
) -> None:
    session, item_id = await roadshow(store)
    await store.review.delete_item(session.session_id, item_id)
    assert await demo_follow_up(store, settings, session=session, now=NOW) == []
    assert await store.follow_ups.of_person(FOUNDER_KEY) == []
