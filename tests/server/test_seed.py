"""The demo seed: what a newcomer finds after `make run`."""

import re
import stat
from datetime import UTC, datetime, timedelta

from rooms.certificates import Scope
from rooms.files import FilePurpose
from rooms.poll_spec import PollKind
from rooms.roles import Kind, Role
from server import certificates
from server.accounts import check_credentials
from server.files import file_path, files_root
from server.invitations import open_invite
from server.pdf_pages import count_pages
from server.seed import HOST_EMAIL, credentials_file, seed_demo
from server.store import keys


async def test_seed_makes_an_event_with_one_session_of_each_kind(store, settings) -> None:
    await seed_demo(store, settings)

    [event] = await store.agenda.public_events()
    sessions = await store.agenda.agenda_of(event.event_id)
    assert sorted(s.kind for s in sessions) == sorted(Kind)
    review = next(s for s in sessions if s.kind is Kind.REVIEW)
    roster = await store.agenda.roster_of(review.session_id)
    assert sorted(e.role for e in roster) == [Role.REVIEWER] * 3
    assert [len(await store.review.items(review.session_id)), await store.review.is_frozen(
        review.session_id)] == [5, False]  # fmt: skip
    rubric = await store.review.rubric(review.session_id)
    assert rubric is not None and [c.name_en for c in rubric.criteria] == [
        "Novelty", "Scientific merit", "Feasibility", "Team",
    ]  # fmt: skip


async def test_seed_puts_slides_on_the_demo_class_stage(store, settings) -> None:
    await seed_demo(store, settings)

    [event] = await store.agenda.public_events()
    sessions = await store.agenda.agenda_of(event.event_id)
    lesson = next(s for s in sessions if s.kind is Kind.CLASS)
    show = await store.slides.show(lesson.session_id)
    assert show.deck is not None
    [stored] = await store.files.of_scope(lesson.session_id)
    data = file_path(files_root(settings), stored.file_id).read_bytes()
    assert (show.page, show.deck.pages, show.deck.file_id, stored.purpose) == (
        1, 3, stored.file_id, FilePurpose.SLIDES,
    )  # fmt: skip
    assert (data[:5], count_pages(data), show.deck.downloadable) == (b"%PDF-", 3, True)


async def test_seed_prints_credentials_that_work(store, settings, capsys) -> None:
    await seed_demo(store, settings)

    printed = capsys.readouterr().out
    password = re.search(rf"{re.escape(HOST_EMAIL)} / (\S+)", printed).group(1)
    account = await check_credentials(store, email=HOST_EMAIL, password=password)
    assert account is not None and account.email == HOST_EMAIL
    token = re.search(r"/invite/(\S+)", printed).group(1)
    invite, session = await open_invite(store, settings, token=token, now=datetime.now(UTC))
    assert (invite.role, session.kind) == (Role.REVIEWER, Kind.REVIEW)
    assert invite.person_key.startswith("expert:")  # the expert enters as themselves
    mode = stat.S_IMODE(credentials_file(settings).stat().st_mode)
    assert (credentials_file(settings).read_text() in printed, mode) == (True, 0o600)


async def test_seed_prints_links_of_listeners_to_invite_to_speak(store, settings, capsys) -> None:
    await seed_demo(store, settings)

    printed = capsys.readouterr().out
    listeners = printed.split("Invitations to speak")[1].split("Breakout groups")[0]
    opened = [
        await open_invite(store, settings, token=token, now=datetime.now(UTC))
        for token in re.findall(r"/invite/(\S+)", listeners)
    ]
    assert [(invite.role, session.kind) for invite, session in opened] == [
        (Role.ATTENDEE, Kind.CLASS),
        (Role.OBSERVER, Kind.MEETING),
    ]


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
    review = next(s for s in await store.agenda.agenda_of(event.event_id) if s.kind is Kind.REVIEW)
    assert review.state.value == "open"


async def test_seed_makes_one_reviewer_conflicted_on_one_item(store, settings) -> None:
    from server.reviews import load_book

    await seed_demo(store, settings)

    [event] = await store.agenda.public_events()
    review = next(s for s in await store.agenda.agenda_of(event.event_id) if s.kind is Kind.REVIEW)
    book = await load_book(store, review)
    conflicted = {
        (item.title_en, key)
        for item in book.items
        for key, standing in book.table[item.item_id].items()
        if standing.conflicted
    }
    [(title, key)] = conflicted
    expert = await store.experts.get(key.split(":", 1)[1])
    assert (title, expert.affiliation) == ("Tactile sensing for soft robot grasping", "浙江大学")


async def test_seed_gives_the_class_a_poll_bank(store, settings) -> None:
    await seed_demo(store, settings)
    [event] = await store.agenda.public_events()
    sessions = await store.agenda.agenda_of(event.event_id)
    lesson = next(s for s in sessions if s.kind is Kind.CLASS)

    bank = await store.polls.bank(lesson.session_id)

    assert [(s.kind, s.quiz, s.seconds) for s in bank.values()] == [
        (PollKind.MULTIPLE, False, None),
        (PollKind.SINGLE, True, 60),
        (PollKind.RATING, False, None),
    ]


async def test_seed_prints_attendee_links_to_try_breakout_groups(store, settings, capsys) -> None:
    await seed_demo(store, settings)
    printed = capsys.readouterr().out
    tail = printed[printed.index("Breakout groups") : printed.index("The roadshow")]

    opened = [
        await open_invite(store, settings, token=token, now=datetime.now(UTC))
        for token in re.findall(r"/invite/(\S+)", tail)
    ]

    assert [(invite.role, session.kind) for invite, session in opened] == [
        (Role.ATTENDEE, Kind.MEETING)
    ] * 3 + [(Role.ATTENDEE, Kind.CLASS)] * 3
    assert len(re.findall(r"/sessions/\S+/room", tail)) == 2


async def test_seed_holds_a_class_with_attendance_and_a_certificate(
    store, settings, capsys
) -> None:
    await seed_demo(store, settings)

    printed = capsys.readouterr().out
    [org] = await store.accounts.orgs()
    held = next(
        e
        for e in await store.agenda.events_of_org(org.org_id)
        if e.title_en == "Yunhui Demo Training"
    )
    attendance = await certificates.event_attendance(store, held, now=datetime.now(UTC))
    earned = [r.name for r in attendance.records if attendance.awards(r)]
    [lesson] = attendance.sessions
    [(_key, certificate_id)] = (
        await store.certificates.of_scope(Scope.SESSION, lesson.session_id)
    ).items()
    assert earned == ["林晓", "Emily Carter"]
    assert f"{settings.base_url}/certificates/{certificate_id}" in printed
    assert "/attendance" in printed


async def test_seed_fills_the_libraries_so_a_demand_finds_its_achievement(store, settings) -> None:
    from server import libraries

    await seed_demo(store, settings)

    [org_id] = await store.redis.smembers(keys.ORGS)
    public = await libraries.search(store, "demand", org_id=None, query="电池回收")
    english = await libraries.search(store, "achievement", org_id=None, query="cold chain")
    demand = public[0].listing
    found = await libraries.matches_of(store, "demand", org_id, demand.demand_id)
    counts = [await store.demands.count(org_id), await store.achievements.count(org_id)]
    assert (counts, demand.title) == ([12, 12], "退役动力电池回收与梯次利用技术")
    assert english[0].listing.title == "Ultra-low-power wireless temperature loggers"
    assert found.listings[0].candidate.title == "废旧锂电池正极材料直接再生技术"
    assert found.experts[0].candidate.name == "王芳 Wang Fang"
    assert len(await store.investors.search(org_id)) == 3
    assert found.investors[0].candidate.name == "赵敏 Zhao Min"


async def test_seed_opens_a_roadshow_of_five_pitches_with_founders_and_an_investor(
    store, settings, capsys
) -> None:
    await seed_demo(store, settings)
    printed = capsys.readouterr().out
    show_text = printed[printed.index("The roadshow") : printed.index("A class held yesterday")]
    [event] = await store.agenda.public_events()
    sessions = await store.agenda.agenda_of(event.event_id)
    roadshow = next(s for s in sessions if s.kind is Kind.ROADSHOW)
    show = await store.shows.show(roadshow)
    opened = [
        await open_invite(store, settings, token=token, now=datetime.now(UTC))
        for token in re.findall(r"/invite/(\S+)", show_text)
    ]

    assert roadshow.start - datetime.now(UTC) < timedelta(minutes=11)  # open now: try it
    assert len(show.plan.slots) == 5 and show.plan.buffer_seconds == 60
    assert all(slot.founder_keys[0].startswith("guest:") for slot in show.plan.slots)
    linked = [await store.achievements.get(slot.achievement_id) for slot in show.plan.slots]
    assert all(a is not None and a.org_id == roadshow.org_id for a in linked)  # the library's
    assert [invite.role for invite, _ in opened] == [Role.PRESENTER] * 5 + [Role.ATTENDEE]
    assert {session.session_id for _, session in opened} == {roadshow.session_id}
    assert await store.redis.zscore(keys.SHOWS_DUE, roadshow.session_id) is not None


async def test_seed_gives_the_roadshow_a_rubric_and_two_judges_with_links(
    store, settings, capsys
) -> None:
    await seed_demo(store, settings)
    printed = capsys.readouterr().out
    tail = printed[printed.index("The roadshow's judges") :].split("\n\n")[0]

    opened = [
        await open_invite(store, settings, token=token, now=datetime.now(UTC))
        for token in re.findall(r"/invite/(\S+)", tail)
    ]

    assert [(invite.role, session.kind) for invite, session in opened] == [
        (Role.REVIEWER, Kind.ROADSHOW)
    ] * 2
    roadshow = opened[0][1]
    assert await store.review.rubric(roadshow.session_id) is not None
    roster = await store.agenda.roster_of(roadshow.session_id)
    assert sorted(e.email for e in roster if e.role is Role.REVIEWER) == [
        "judge.gao@example.org",
        "judge.lin@example.org",
    ]
