"""A roadshow's judging on the room page in headless Chromium against the real server: the
chair starts the show, a judge scores the pitch on stage (saved only once kept), the chair
sees the count, closes the pitch's scoring, reads the table and the ranking; an investor in
the room sees no judging at all."""

from datetime import UTC, datetime

from playwright.async_api import Page, expect

from rooms.agenda import RosterEntry, Session
from rooms.roles import Role
from server import agenda, reviews
from server.invitations import issue_invite, sign_invite
from server.store import Store
from tests.browser.test_polls_room import open_class
from tests.browser.test_review_room import (
    CHAIR_EMAIL,
    RUBRIC,
    WEIGHTED_TOTAL,
    item_fields,
    join,
    join_by_invite,
    reviewer_invite,
)

A_MAIL, B_MAIL = "judge-a@vc.cn", "judge-b@vc.cn"


async def open_roadshow(store: Store) -> Session:
    """A roadshow whose room is open: two pitches, the rubric, judges A and B rostered."""
    session = await open_class(store, kind="roadshow", email=CHAIR_EMAIL, name="Chen Chair")
    now = datetime.now(UTC)
    for pitch in (item_fields("项目一", "Project One"), item_fields("项目二", "Project Two")):
        await reviews.add_item(store, session=session, fields=pitch, now=now)
    await reviews.set_rubric(store, session=session, fields=RUBRIC)
    for name, email in [("Judge A", A_MAIL), ("Judge B", B_MAIL)]:
        entry = RosterEntry(person_key=f"guest:{email}", role=Role.REVIEWER, name=name, email=email)
        await agenda.add_to_roster(store, session=session, entry=entry, now=now)
    return session


def pitches(page: Page):  # noqa: ANN201 - a Playwright locator
    return page.locator("#judging-pitches li")


async def test_a_judge_scores_the_pitch_on_stage_and_the_chair_closes_and_ranks(
    live_server, new_page, sign_in
) -> None:
    session = await open_roadshow(live_server.store)
    chair, judge = await new_page(), await new_page()
    await sign_in(chair, email=CHAIR_EMAIL)
    await join(chair, session)
    await expect(chair.locator("#judging-panel")).to_be_visible()
    await join_by_invite(
        judge, session, await reviewer_invite(live_server, session, "Judge A", A_MAIL)
    )
    await expect(judge.locator("#judging-idle")).to_be_visible()
    await expect(judge.locator("#judge-score-form")).to_be_hidden()
    investor = await new_page()
    invite = await issue_invite(
        live_server.store, session=session, role=Role.ATTENDEE, name="Investor", email="",
        single_use=False, days=1, created_by="test", now=datetime.now(UTC),
    )  # fmt: skip
    await join_by_invite(investor, session, sign_invite(live_server.settings, invite))
    await expect(investor.locator("#room")).to_be_visible()

    await chair.click("#show-start")  # pitch 1 is on stage: its scoring opens
    await expect(judge.locator("#judge-score-form")).to_be_visible()
    await expect(judge.locator("#judge-score-legend")).to_have_text("Your scores: #1 Project One")
    await judge.fill("#score-c1", "4.5")
    await judge.fill("#score-c2", "7.5")
    await judge.select_option("#judge-score-recommendation", "fund")
    await judge.fill("#judge-score-comment", "Strong team.")
    await judge.click("#judge-score-submit")
    await expect(judge.locator("#judge-score-status")).to_have_text("Saved (revision 1)")
    await expect(pitches(chair).nth(0)).to_contain_text("1 of 2 submitted")

    await pitches(chair).nth(0).locator("[data-action=close]").click()
    await expect(judge.locator("#judge-score-submit")).to_be_disabled()
    await pitches(chair).nth(0).locator("[data-action=results]").click()
    results = chair.locator("#judging-results")
    await expect(results.locator("tbody tr td.total")).to_have_text([WEIGHTED_TOTAL])
    await chair.click("#judging-ranking-button")
    await expect(chair.locator("#judging-ranking-table tbody tr")).to_have_count(1)
    await expect(chair.locator("#judging-ranking-table tbody tr th")).to_have_text("Project One")
    await judge.click("#judging-ranking-button")  # not released: nothing for the judge yet
    await expect(judge.locator("#judging-ranking-empty")).to_be_visible()
    await expect(investor.locator("#judging-panel")).to_be_hidden()
    assert "Strong" not in await investor.content()
