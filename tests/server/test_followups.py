"""Follow-up requests with a real Redis: an investor asks a roadshow founder for a meeting,
the founder picks a time, both are booked on a new meeting session (or the clash is
named and nothing is left), two picks at once make one meeting, and the founder's mail
carries the link and the ICS invitation (a real SMTP server, aiosmtpd)."""

import asyncio
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller

from rooms.agenda import PersonType, RosterEntry, Session, person_key
from rooms.errors import Conflict, DomainError
from rooms.followups import FollowUp, FollowUpState, Party
from rooms.roles import Role
from server import agenda, followups, reviews
from server.settings import Settings
from server.store import Store
from tests.server.fixtures_login import create_staff
from tests.server.test_invite_mail import Inbox, free_port

NOW = datetime.now(UTC).replace(second=0, microsecond=0)
INVESTOR = Party(person_key(PersonType.GUEST, "investor@example.org"), "Demo Investor",
                 "investor@example.org")  # fmt: skip
FOUNDER_KEY = person_key(PersonType.GUEST, "liu.yang@example.org")


def local(moment: datetime) -> str:
    return f"{moment:%Y-%m-%dT%H:%M}"  # the event is in UTC


async def roadshow(store: Store) -> tuple[Session, str]:
    _org, staff = await create_staff(store, email="host@example.org")
    event = await agenda.create_event(
        store, org_id=staff.org_id, organizer=staff.account_id, now=NOW,
        fields={"title_zh": "路演", "title_en": "Roadshow", "description": "", "zone": "UTC",
                "start_date": f"{NOW:%Y-%m-%d}", "end_date": f"{NOW + timedelta(days=2):%Y-%m-%d}",
                "visibility": "public"},
    )  # fmt: skip
    session = await agenda.create_session(
        store, event=event, now=NOW,
        fields={"kind": "roadshow", "title": "云路演", "description": "", "lobby": True,
                "start": local(NOW + timedelta(hours=1)), "end": local(NOW + timedelta(hours=3))},
    )  # fmt: skip
    item = await reviews.add_item(
        store, session=session, now=NOW,
        fields={"title_en": "Solid-state battery", "applicant_name": "Liu Yang",
                "applicant_email": "liu.yang@example.org"},
    )  # fmt: skip
    return session, item.item_id


async def requested(store: Store, settings: Settings, *times: datetime) -> FollowUp:
    session, item_id = await roadshow(store)
    return await followups.request_follow_up(
        store, settings, session=session, item_id=item_id, investor=INVESTOR, now=NOW,
        fields={"times": [local(t) for t in times], "minutes": "30", "message": "Let us talk",
                "share_contact": "on"},
    )  # fmt: skip


async def test_a_request_notifies_the_founder_with_a_signed_link(
    store: Store, settings: Settings
) -> None:
    follow_up = await requested(store, settings, NOW + timedelta(days=1))
    (note,) = await store.notifications.of_person(FOUNDER_KEY)
    assert follow_up.state is FollowUpState.OPEN
    assert note.link == followups.founder_link(settings, follow_up.follow_up_id, FOUNDER_KEY)
    token = note.link.rsplit("/", 1)[1]
    assert followups.read_follow_up_token(settings, token) == follow_up.follow_up_id
    assert [f.follow_up_id for f in await store.follow_ups.of_person(INVESTOR.person_key)] == [
        follow_up.follow_up_id
    ]


async def test_a_time_in_the_past_is_refused_and_nothing_is_written(
    store: Store, settings: Settings
) -> None:
    with pytest.raises(DomainError) as refused:
        await requested(store, settings, NOW - timedelta(hours=1))
    assert refused.value.code == "time_past"
    assert await store.follow_ups.of_person(INVESTOR.person_key) == []
    assert await store.notifications.of_person(FOUNDER_KEY) == []


async def test_a_time_the_founder_is_booked_for_is_refused_naming_it(
    store: Store, settings: Settings
) -> None:
    session, item_id = await roadshow(store)
    founder = RosterEntry(FOUNDER_KEY, Role.PRESENTER, "Liu Yang", "liu.yang@example.org")
    await agenda.add_to_roster(store, session=session, entry=founder, now=NOW)
    with pytest.raises(DomainError) as refused:
        await followups.request_follow_up(
            store, settings, session=session, item_id=item_id, investor=INVESTOR, now=NOW,
            fields={"times": [local(NOW + timedelta(hours=2))]},
        )  # fmt: skip
    assert (refused.value.code, refused.value.params["other"]) == ("outside_availability", "云路演")


async def test_picking_a_time_books_both_on_a_private_meeting(
    store: Store, settings: Settings
) -> None:
    at = NOW + timedelta(days=1)
    follow_up = await requested(store, settings, at, at + timedelta(hours=2))
    booked = await followups.pick_time(
        store, settings, follow_up_id=follow_up.follow_up_id, start=at, now=NOW
    )
    meeting = booked.meeting
    roster = {e.person_key: e.role for e in await store.agenda.roster_of(meeting.session_id)}
    event = await store.agenda.get_event(meeting.event_id)
    assert roster == {INVESTOR.person_key: Role.HOST, FOUNDER_KEY: Role.COHOST}
    assert (meeting.start, meeting.end) == (at, at + timedelta(minutes=30))
    assert event is not None and str(event.visibility) == "unlisted"
    assert (await store.follow_ups.get(follow_up.follow_up_id)) == replace(
        follow_up,
        state=FollowUpState.BOOKED,
        picked=at,
        meeting_id=meeting.session_id,
        picked_by=FOUNDER_KEY,
    )
    for key in (INVESTOR.person_key, FOUNDER_KEY):
        assert [s.session_id for s in await store.agenda.sessions_of_person(key)] == [
            meeting.session_id
        ]


async def test_a_clash_at_pick_time_is_named_and_leaves_nothing(
    store: Store, settings: Settings
) -> None:
    at = NOW + timedelta(days=1)
    follow_up = await requested(store, settings, at)
    companion = await store.agenda.get_event(follow_up.event_id)
    assert companion is not None
    other = await agenda.create_session(
        store, event=companion, now=NOW,
        fields={"kind": "meeting", "title": "Board meeting", "description": "",
                "start": local(at), "end": local(at + timedelta(hours=1))},
    )  # fmt: skip
    founder = RosterEntry(FOUNDER_KEY, Role.HOST, "Liu Yang", "liu.yang@example.org")
    await agenda.add_to_roster(store, session=other, entry=founder, now=NOW)
    with pytest.raises(Conflict) as refused:
        await followups.pick_time(
            store, settings, follow_up_id=follow_up.follow_up_id, start=at, now=NOW
        )
    assert (refused.value.code, refused.value.params["other"]) == ("double_booked", "Board meeting")
    assert [s.title for s in await store.agenda.agenda_of(companion.event_id)] == ["Board meeting"]
    assert await store.agenda.sessions_of_person(INVESTOR.person_key) == []
    assert (await store.follow_ups.get(follow_up.follow_up_id)) == follow_up
    assert await store.follow_ups.claim(follow_up.follow_up_id)  # free to try again


async def test_two_picks_at_once_make_one_meeting(store: Store, settings: Settings) -> None:
    at = NOW + timedelta(days=1)
    follow_up = await requested(store, settings, at, at + timedelta(hours=3))
    picks = await asyncio.gather(
        *(followups.pick_time(store, settings, follow_up_id=follow_up.follow_up_id, start=t,
                              now=NOW) for t in (at, at + timedelta(hours=3))),
        return_exceptions=True,
    )  # fmt: skip
    won = [p for p in picks if isinstance(p, followups.Booked)]
    lost = [p.code for p in picks if isinstance(p, Conflict)]
    assert (len(won), lost) == (1, ["follow_up_busy"])
    assert len(await store.agenda.sessions_of_person(FOUNDER_KEY)) == 1
    with pytest.raises(Conflict) as again:
        await followups.pick_time(
            store, settings, follow_up_id=follow_up.follow_up_id, start=at, now=NOW
        )
    assert again.value.code in ("follow_up_busy", "follow_up_answered")


async def test_the_founder_is_mailed_the_link_and_both_get_the_ics(
    store: Store, settings: Settings
) -> None:
    inbox, port = Inbox(), free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        mailing = replace(settings, email_enabled=True, smtp_host="127.0.0.1", smtp_port=port)
        at = NOW + timedelta(days=1)
        follow_up = await requested(store, mailing, at)
        (request_mail,) = inbox.messages
        body = request_mail.get_body(preferencelist=("plain",))
        assert body is not None
        link = re.search(r"http\S+/follow-ups/\S+", body.get_content())
        assert request_mail["To"] == "liu.yang@example.org"
        assert link is not None and link.group(0) == followups.founder_link(
            mailing, follow_up.follow_up_id, FOUNDER_KEY
        )
        assert "investor@example.org" in body.get_content()  # the investor shared it
        booked = await followups.pick_time(
            store, mailing, follow_up_id=follow_up.follow_up_id, start=at, now=NOW
        )
    finally:
        smtp.stop()
    invitations = inbox.messages[1:]
    assert sorted(m["To"] for m in invitations) == ["investor@example.org", "liu.yang@example.org"]
    for message in invitations:
        (ics,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
        assert f"UID:{booked.meeting.session_id}@yunhui" in ics.get_content()


async def test_asking_twice_for_the_same_pitch_waits_for_the_answer(
    store: Store, settings: Settings
) -> None:
    follow_up = await requested(store, settings, NOW + timedelta(days=1))
    session = await agenda.load_session(store, follow_up.session_id)
    with pytest.raises(Conflict) as again:
        await followups.request_follow_up(
            store, settings, session=session, item_id=follow_up.item_id, investor=INVESTOR,
            now=NOW, fields={"times": [local(NOW + timedelta(days=1, hours=2))]},
        )  # fmt: skip
    assert again.value.code == "follow_up_pending"
    assert len(await store.notifications.of_person(FOUNDER_KEY)) == 1
