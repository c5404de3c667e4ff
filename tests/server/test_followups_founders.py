"""A follow-up request on a pitch with several founders, with a real Redis: each founder is
notified (and mailed, a real SMTP server) with a link of their own; any of them picks a time
and the first pick wins (the others then see it booked); the meeting books the investor and
the founder who picked (required: a clash refuses it, named) and every other founder still
free (one booked elsewhere is left out, named and told); each one booked gets the ICS."""

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from rooms.agenda import RosterEntry, Session
from rooms.errors import Conflict
from rooms.followups import FollowUp, FollowUpState
from rooms.roles import Role
from server import agenda, followups, reviews
from server.settings import Settings
from server.store import Store
from tests.server.test_api_followups import invited
from tests.server.test_followups import INVESTOR, NOW, local, roadshow
from tests.server.test_invite_mail import Inbox, free_port

LIU = RosterEntry("guest:liu.yang@example.org", Role.PRESENTER, "Liu Yang", "liu.yang@example.org")
MA = RosterEntry("guest:ma.li@example.org", Role.PRESENTER, "Ma Li", "ma.li@example.org")
AT = NOW + timedelta(days=1)


async def team_pitch(store: Store) -> tuple[Session, str]:
    """A roadshow pitch by two founders on the roster (Liu Yang first, Ma Li)."""
    session, _solo = await roadshow(store)
    for founder in (LIU, MA):
        await agenda.add_to_roster(store, session=session, entry=founder, now=NOW)
    item = await reviews.add_item(
        store, session=session, now=NOW,
        fields={"title_en": "Sodium battery", "applicant_org": "NaCell",
                "founders": [LIU.person_key, MA.person_key]},
    )  # fmt: skip
    return session, item.item_id


async def asked(store: Store, settings: Settings) -> FollowUp:
    session, item_id = await team_pitch(store)
    return await followups.request_follow_up(
        store, settings, session=session, item_id=item_id, investor=INVESTOR, now=NOW,
        fields={"times": [local(AT), local(AT + timedelta(hours=3))], "minutes": "30"},
    )  # fmt: skip


async def test_every_founder_is_notified_with_a_link_of_their_own(
    store: Store, settings: Settings
) -> None:
    follow_up = await asked(store, settings)

    assert [p.name for p in follow_up.founders] == ["Liu Yang", "Ma Li"]
    for founder in (LIU, MA):
        (note,) = await store.notifications.of_person(founder.person_key)
        link = followups.founder_link(settings, follow_up.follow_up_id, founder.person_key)
        assert note.link == link
        token = link.rsplit("/", 1)[1]
        assert followups.read_founder_token(settings, token) == (
            follow_up.follow_up_id,
            founder.person_key,
        )
        listed = await store.follow_ups.of_person(founder.person_key)
        assert [f.follow_up_id for f in listed] == [follow_up.follow_up_id]


async def test_any_founder_picks_and_the_meeting_books_all_of_them(
    store: Store, settings: Settings
) -> None:
    follow_up = await asked(store, settings)

    booked = await followups.pick_time(
        store, settings, follow_up_id=follow_up.follow_up_id, start=AT, now=NOW,
        by=MA.person_key,
    )  # fmt: skip

    roster = {e.person_key: e.role for e in await store.agenda.roster_of(booked.meeting.session_id)}
    assert roster == {
        INVESTOR.person_key: Role.HOST, MA.person_key: Role.COHOST, LIU.person_key: Role.COHOST,
    }  # fmt: skip
    assert (booked.follow_up.picked_by, booked.follow_up.left_out) == (MA.person_key, ())
    assert set(booked.invites) == set(roster)
    with pytest.raises(Conflict) as late:  # Liu Yang's link now shows it answered
        await followups.pick_time(
            store, settings, follow_up_id=follow_up.follow_up_id, start=AT, now=NOW,
            by=LIU.person_key,
        )  # fmt: skip
    assert late.value.code == "follow_up_answered"


async def test_two_founders_picking_at_once_make_one_meeting(
    store: Store, settings: Settings
) -> None:
    follow_up = await asked(store, settings)

    picks = await asyncio.gather(
        *(
            followups.pick_time(store, settings, follow_up_id=follow_up.follow_up_id,
                                start=start, now=NOW, by=founder.person_key)
            for founder, start in ((LIU, AT), (MA, AT + timedelta(hours=3)))
        ),
        return_exceptions=True,
    )  # fmt: skip

    lost = [p.code for p in picks if isinstance(p, Conflict)]
    assert len(lost) == 1 and lost[0] in ("follow_up_busy", "follow_up_answered")
    for founder in (LIU, MA):
        meetings = [
            s for s in await store.agenda.sessions_of_person(founder.person_key)
            if s.kind.value == "meeting"
        ]  # fmt: skip
        assert len(meetings) == 1


async def busy_at_pick_time(store: Store, follow_up: FollowUp, who: RosterEntry) -> None:
    companion = await store.agenda.get_event(follow_up.event_id)
    assert companion is not None
    board = await agenda.create_session(
        store, event=companion, now=NOW,
        fields={"kind": "meeting", "title": "Board meeting", "description": "",
                "start": local(AT), "end": local(AT + timedelta(hours=1))},
    )  # fmt: skip
    await agenda.add_to_roster(store, session=board, entry=replace(who, role=Role.HOST), now=NOW)


async def test_a_cofounder_booked_elsewhere_is_left_out_and_told(
    store: Store, settings: Settings
) -> None:
    follow_up = await asked(store, settings)
    await busy_at_pick_time(store, follow_up, MA)

    booked = await followups.pick_time(
        store, settings, follow_up_id=follow_up.follow_up_id, start=AT, now=NOW,
        by=LIU.person_key,
    )  # fmt: skip

    roster = {e.person_key for e in await store.agenda.roster_of(booked.meeting.session_id)}
    assert roster == {INVESTOR.person_key, LIU.person_key}
    assert booked.follow_up.left_out == ("Ma Li (“Board meeting”)",)
    told = [n.title for n in await store.notifications.of_person(MA.person_key)]
    assert told[0].startswith("Follow-up booked without you")


async def test_the_founder_who_picks_booked_elsewhere_is_refused_with_the_clash_named(
    store: Store, settings: Settings
) -> None:
    follow_up = await asked(store, settings)
    await busy_at_pick_time(store, follow_up, MA)

    with pytest.raises(Conflict) as refused:
        await followups.pick_time(
            store, settings, follow_up_id=follow_up.follow_up_id, start=AT, now=NOW,
            by=MA.person_key,
        )  # fmt: skip

    assert (refused.value.code, refused.value.params) == (
        "double_booked",
        {"person": "Ma Li", "other": "Board meeting"},
    )
    again = await store.follow_ups.get(follow_up.follow_up_id)
    assert again is not None and again.state is FollowUpState.OPEN
    assert await store.agenda.sessions_of_person(INVESTOR.person_key) == []


async def test_each_founder_is_mailed_and_everyone_booked_gets_the_ics(
    store: Store, settings: Settings
) -> None:
    inbox, port = Inbox(), free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        mailing = replace(settings, email_enabled=True, smtp_host="127.0.0.1", smtp_port=port)
        follow_up = await asked(store, mailing)
        requests = list(inbox.messages)
        booked = await followups.pick_time(
            store, mailing, follow_up_id=follow_up.follow_up_id, start=AT, now=NOW
        )
    finally:
        smtp.stop()

    assert sorted(m["To"] for m in requests) == [LIU.email, MA.email]
    invitations = inbox.messages[len(requests) :]
    assert sorted(m["To"] for m in invitations) == sorted([INVESTOR.email, LIU.email, MA.email])
    for message in invitations:
        (ics,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
        assert f"UID:{booked.meeting.session_id}@yunhui" in ics.get_content()


async def test_the_api_lets_the_second_founder_in_by_their_invite_pick(
    aiohttp_client, client, store: Store, settings: Settings
) -> None:
    follow_up = await asked(store, settings)
    session = await agenda.load_session(store, follow_up.session_id)
    people = (aiohttp_client, client, store, settings, session)
    ma = await invited(*people, role=Role.PRESENTER, name=MA.name, email=MA.email)
    listed = await (await ma.call("GET", f"/api/sessions/{session.session_id}/follow-ups")).json()
    assert [(f["yours"], [p["name"] for p in f["founders"]]) for f in listed] == [
        ("received", ["Liu Yang", "Ma Li"])
    ]

    time = listed[0]["times"][0]
    picked = await ma.call("POST", f"/api/follow-ups/{follow_up.follow_up_id}/pick",
                           json={"time": time})  # fmt: skip

    body = await picked.json()
    assert (picked.status, body["state"], body["picked_by"], body["left_out"]) == (
        200, "booked", "Ma Li", [],
    )  # fmt: skip


async def test_each_founders_page_shows_who_picked_and_only_the_booked_get_the_ics(
    client, store: Store, settings: Settings
) -> None:
    follow_up = await asked(store, settings)
    await busy_at_pick_time(store, follow_up, MA)
    await followups.pick_time(
        store, settings, follow_up_id=follow_up.follow_up_id, start=AT, now=NOW,
        by=LIU.person_key,
    )  # fmt: skip
    pages = {
        who.name: "/follow-ups/" + followups.sign_follow_up(
            settings, follow_up.follow_up_id, who.person_key
        )
        for who in (LIU, MA)
    }  # fmt: skip

    liu, ma = [await (await client.get(pages[n])).text() for n in ("Liu Yang", "Ma Li")]
    ics = {n: (await client.get(pages[n] + "/meeting.ics")).status for n in pages}

    assert "Picked by Liu Yang." in liu and "Picked by Liu Yang." in ma
    assert "Not booked (busy then): Ma Li (“Board meeting”)." in ma
    assert "Your invite to the meeting" in liu and "Your invite to the meeting" not in ma
    assert ics == {"Liu Yang": 200, "Ma Li": 404}
    forged = followups.sign_follow_up(settings, follow_up.follow_up_id, "guest:x@example.org")
    assert (await client.get(f"/follow-ups/{forged}")).status == 404
