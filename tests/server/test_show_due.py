"""When a roadshow's run of show next changes (``shows:due``) is written right after the
show's transaction (the index is not in the session's Redis Cluster slot,
server/store/show.py): an act that committed earlier but writes later does not leave its
older answer there."""

from datetime import timedelta

from rooms.run_of_show import next_change
from server.store import keys
from tests.server.fixtures_login import sign_in_staff
from tests.server.test_api_review import created
from tests.server.test_api_shows import roadshow


async def test_a_late_writer_of_the_due_time_leaves_the_newest_shows(client, store) -> None:
    staff = await sign_in_staff(client, store, email="host@example.org")
    path = await roadshow(staff)
    await created(staff, f"{path}/items", {"title_en": "A", "present_minutes": 5, "qa_minutes": 3})
    session = await store.agenda.get_session(path.rsplit("/", 1)[1])
    now = session.start + timedelta(seconds=3)
    before = await store.shows.show(session)  # what an earlier act committed and saw
    await store.shows.act(session, lambda s, t: [], now=now)  # a later act: the hand-over
    newest = await store.shows.show(session)

    await store.shows._next_change(session, before, now)  # the earlier act writes last

    due = await store.redis.zscore(keys.SHOWS_DUE, session.session_id)
    assert (len(before.log), len(newest.log)) == (0, 1)
    assert next_change(before, now) != next_change(newest, now)
    assert due == next_change(newest, now).timestamp()
