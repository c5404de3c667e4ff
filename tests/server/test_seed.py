"""The demo seed: what a newcomer finds after `make run`."""

import re
import stat
from datetime import UTC, datetime

from rooms.roles import Kind, Role
from server.accounts import check_credentials
from server.invitations import open_invite
from server.seed import HOST_EMAIL, credentials_file, seed_demo


async def test_seed_makes_an_event_with_one_session_of_each_kind(store, settings) -> None:
    await seed_demo(store, settings)

    [event] = await store.agenda.public_events()
    sessions = await store.agenda.agenda_of(event.event_id)
    assert sorted(s.kind for s in sessions) == sorted(Kind)
    review = next(s for s in sessions if s.kind is Kind.REVIEW)
    roles = sorted(entry.role for entry in await store.agenda.roster_of(review.session_id))
    assert roles == [Role.HOST, Role.REVIEWER, Role.REVIEWER]


async def test_seed_prints_credentials_that_work(store, settings, capsys) -> None:
    await seed_demo(store, settings)

    printed = capsys.readouterr().out
    password = re.search(rf"{re.escape(HOST_EMAIL)} / (\S+)", printed).group(1)
    account = await check_credentials(store, email=HOST_EMAIL, password=password)
    assert account is not None and account.email == HOST_EMAIL
    token = re.search(r"/invite/(\S+)", printed).group(1)
    invite, session = await open_invite(store, settings, token=token, now=datetime.now(UTC))
    assert (invite.role, session.kind) == (Role.REVIEWER, Kind.REVIEW)
    roster = await store.agenda.roster_of(session.session_id)
    reviewer = next(e for e in roster if e.person_key == invite.person_key)  # the expert himself
    assert (reviewer.role, invite.person_key.split(":")[0]) == (Role.REVIEWER, "expert")
    mode = stat.S_IMODE(credentials_file(settings).stat().st_mode)
    assert (credentials_file(settings).read_text() in printed, mode) == (True, 0o600)


async def test_seed_runs_once_per_database(store, settings, capsys) -> None:
    await seed_demo(store, settings)
    first = capsys.readouterr().out

    await seed_demo(store, settings)

    assert capsys.readouterr().out.strip() == first.strip()
    assert len(await store.agenda.public_events()) == 1


async def test_seed_opens_the_demo_meetings_room_at_once(store, settings) -> None:
    from server.scheduler import Scheduler

    await seed_demo(store, settings)
    await Scheduler(store, settings).tick(datetime.now(UTC))

    [event] = await store.agenda.public_events()
    meeting = next(
        s for s in await store.agenda.agenda_of(event.event_id) if s.kind is Kind.MEETING
    )
    assert meeting.state.value == "open"
