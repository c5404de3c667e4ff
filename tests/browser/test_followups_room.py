"""Interest and a follow-up meeting in headless Chromium against the real server: an invited
investor marks the first pitch with a private note (the host sees the count, not the note),
requests a follow-up from the pitch's link, and the founder picks a time from the link in
their notification; both then have the meeting."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.async_api import expect

from rooms.agenda import PersonType, person_key
from rooms.roles import Role
from server import agenda, reviews
from server.invitations import invite_url, issue_invite, sign_invite
from tests.browser.test_room import HOST_EMAIL, ZONE, room_path
from tests.server.fixtures_login import create_staff

FOUNDER = person_key(PersonType.GUEST, "liu.yang@example.org")
INVESTOR = person_key(PersonType.GUEST, "investor@example.org")


async def test_an_investor_marks_a_pitch_and_books_a_follow_up(
    live_server, new_page, sign_in
) -> None:
    store, settings = live_server.store, live_server.settings
    org, account = await create_staff(store, email=HOST_EMAIL, name="Hu Host")
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo(ZONE)).date()
    event = await agenda.create_event(
        store, org_id=org.org_id, organizer=account.account_id, now=now,
        fields={"title_zh": "路演", "title_en": "Roadshow", "description": "", "zone": ZONE,
                "visibility": "public", "start_date": str(today),
                "end_date": str(today + timedelta(days=3))},
    )  # fmt: skip
    start = (now + timedelta(minutes=5)).astimezone(ZoneInfo(ZONE))
    session = await agenda.create_session(
        store, event=event, now=now,
        fields={"kind": "roadshow", "title": "Cloud roadshow", "description": "", "lobby": False,
                "start": f"{start:%Y-%m-%dT%H:%M}",
                "end": f"{start + timedelta(hours=1):%Y-%m-%dT%H:%M}"},
    )  # fmt: skip
    await store.schedule.advance(session.session_id, now)
    await reviews.add_item(
        store, session=session, now=now,
        fields={"title_zh": "固态电池", "title_en": "Solid-state battery",
                "applicant_name": "Liu Yang", "applicant_email": "liu.yang@example.org"},
    )  # fmt: skip
    invite = await issue_invite(
        store, session=session, role=Role.ATTENDEE, name="Demo Investor",
        email="investor@example.org", single_use=False, days=30, created_by="t", now=now,
    )  # fmt: skip
    host, investor, founder = await new_page(), await new_page(), await new_page(lang="zh_CN")
    await sign_in(host, email=HOST_EMAIL)
    await host.goto(room_path(session))
    await host.click("#join-button")
    await investor.goto(invite_url(settings, sign_invite(settings, invite)))
    await investor.click("form.join button")
    await investor.goto(room_path(session))
    await investor.click("#join-button")

    pitch = investor.locator(".interest-pitch").first
    await pitch.locator(".interest-note").fill("Strong team, ask about the round")
    await pitch.locator(".interest-mark").check()
    await expect(pitch.locator(".interest-saved")).to_have_text("Saved.")
    await expect(host.locator(".interest-count").first).to_have_text("1 interested")
    assert "Strong team" not in await host.content()

    href = await pitch.locator(".interest-follow-up").get_attribute("href")
    await investor.goto(str(href))
    when = (now + timedelta(days=1)).astimezone(ZoneInfo(ZONE))
    await investor.fill("input[name=time] >> nth=0", f"{when:%Y-%m-%dT10:00}")
    await investor.check("input[name=share_contact]")
    await investor.click("form.follow-up-request button[type=submit]")
    await expect(investor.locator(".follow-up-open")).to_have_count(1)

    (note,) = await store.notifications.of_person(FOUNDER)
    await founder.goto(note.link)
    await expect(founder.locator(".contact")).to_have_text("investor@example.org")
    await founder.click("form.pick button")
    await expect(founder.locator(".booked")).to_contain_text(f"{when:%Y-%m-%d} 10:00")
    mine = [await store.agenda.sessions_of_person(key) for key in (FOUNDER, INVESTOR)]
    assert [len(sessions) for sessions in mine] == [1, 1]
