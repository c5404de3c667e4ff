"""The review panel of the room page in headless Chromium against the real server: the chair
runs an item through its phases, a reviewer scores it, a reviewer conflicted on it (on a
Chinese page) steps out and comes back when it closes.

The review is prepared as the console prepares it (``server.reviews``: items, rubric, the
reviewers on the roster, a conflict note); the live room loads it from the store.
"""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.async_api import Page, expect

from rooms.agenda import RosterEntry, Session
from rooms.conflicts import NoteKind
from rooms.roles import Role
from server import agenda, reviews
from server.invitations import issue_invite, sign_invite
from server.pages.room_review import REVIEW_STRINGS
from server.store import Store
from tests.browser.conftest import LiveServer
from tests.server.fixtures_login import create_staff

ZONE = "Asia/Shanghai"
CHAIR_EMAIL = "chair@example.org"
A_MAIL, B_MAIL = "a@pool.cn", "b@pool.cn"
ANCHORS = [{"value": 1, "label": "poor"}, {"value": 5, "label": "outstanding"}]
RUBRIC = {
    "criteria": [
        {"name_zh": "创新性", "name_en": "Novelty", "weight": 2, "scale_min": 1, "scale_max": 5,
         "anchors": ANCHORS},
        {"name_zh": "可行性", "name_en": "Feasibility", "weight": 1, "scale_min": 0,
         "scale_max": 10},
    ]
}  # fmt: skip
# Novelty 4.5 of 1..5 (0.875, weight 2) and Feasibility 7.5 of 0..10 (0.75, weight 1)
WEIGHTED_TOTAL = "83.33"


def item_fields(title_zh: str, title_en: str, email: str = "") -> dict[str, object]:
    return {
        "title_zh": title_zh, "title_en": title_en, "applicant_name": "Zhang Wei",
        "applicant_org": "Lab of Materials", "applicant_email": email, "present_minutes": 10,
        "qa_minutes": 5,
    }  # fmt: skip


async def open_review(store: Store, *, conflicted: int = 0, applicant: str = "") -> Session:
    """A review session whose room is open: two items (the second by ``applicant``, when
    given), a rubric, reviewers A and B on the roster, B conflicted on the item at index
    ``conflicted``."""
    org, account = await create_staff(store, email=CHAIR_EMAIL, name="Chen Chair")
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo(ZONE)).date()
    event = await agenda.create_event(
        store,
        org_id=org.org_id,
        organizer=account.account_id,
        fields={
            "title_zh": "项目评审", "title_en": "Project Review", "description": "",
            "zone": ZONE, "visibility": "unlisted", "start_date": str(today - timedelta(days=1)),
            "end_date": str(today + timedelta(days=1)),
        },
        now=now,
    )  # fmt: skip
    start = (now + timedelta(minutes=5)).astimezone(ZoneInfo(ZONE))
    fields = {
        "kind": "review", "title": "Panel", "description": "", "lobby": True,
        "start": f"{start:%Y-%m-%dT%H:%M}", "end": f"{start + timedelta(hours=2):%Y-%m-%dT%H:%M}",
    }  # fmt: skip
    session = await agenda.create_session(store, event=event, fields=fields, now=now)
    made = [
        await reviews.add_item(store, session=session, fields=fields, now=now)
        for fields in (item_fields("项目一", "Project One"),
                       item_fields("项目二", "Project Two", applicant))
    ]  # fmt: skip
    await reviews.set_rubric(store, session=session, fields=RUBRIC)
    for name, email in [("Reviewer A", A_MAIL), ("Reviewer B", B_MAIL)]:
        entry = RosterEntry(person_key=f"guest:{email}", role=Role.REVIEWER, name=name, email=email)
        await agenda.add_to_roster(store, session=session, entry=entry, now=now)
    await reviews.record_conflict(
        store, session=session, item_id=made[conflicted].item_id, reviewer=f"guest:{B_MAIL}",
        kind=NoteKind.ADDED, reason="Same laboratory", by="staff", now=now,
    )  # fmt: skip
    await store.schedule.advance(session.session_id, now)
    return session


async def reviewer_invite(live: LiveServer, session: Session, name: str, email: str) -> str:
    invite = await issue_invite(
        live.store, session=session, role=Role.REVIEWER, name=name, email=email,
        single_use=False, days=1, created_by="test", now=datetime.now(UTC),
    )  # fmt: skip
    return sign_invite(live.settings, invite)


def room_path(session: Session) -> str:
    return f"/sessions/{session.session_id}/room"


async def join(page: Page, session: Session) -> None:
    await page.goto(room_path(session))
    await page.click("#join-button")


async def join_by_invite(page: Page, session: Session, token: str) -> None:
    await page.goto(f"/invite/{token}")
    async with page.expect_navigation():
        await page.click("form.join button[type=submit]")
    await join(page, session)


def items(page: Page):  # noqa: ANN201 - a Playwright locator
    return page.locator("#review-items li")


async def test_review_room_chair_runs_an_item_a_reviewer_scores_a_conflicted_one_steps_out(
    live_server, new_page, sign_in
) -> None:
    session = await open_review(live_server.store)
    chair, a, b = await new_page(), await new_page(), await new_page(lang="zh_CN")
    await sign_in(chair, email=CHAIR_EMAIL)
    await join(chair, session)
    await expect(chair.locator("#review-panel")).to_be_visible()
    await expect(chair.locator("#review-idle")).to_have_text("No item is running.")
    names = items(chair).locator(".item-name")
    await expect(names).to_have_text(["#1 Project One", "#2 Project Two"])
    for page, name, email in [(a, "Reviewer A", A_MAIL), (b, "Reviewer B", B_MAIL)]:
        token = await reviewer_invite(live_server, session, name, email)
        await join_by_invite(page, session, token)
    await expect(b.locator("#room")).to_be_visible()
    await expect(items(b)).to_have_text(["#1 — 利益冲突", re.compile(r"^#2 项目二\s*待评")])
    await expect(a.locator("#chat-to option[value=panel]")).to_have_text("Review panel only")

    # the chair starts item 1: B is conflicted and steps out; everyone else sees it run
    await items(chair).nth(0).locator("[data-action=start]").click()
    await expect(b.locator("#stepped-out")).to_be_visible()
    await expect(b.locator("#room")).to_be_hidden()
    await expect(b.locator("#stepped-out-title")).to_have_text("请等待下一个项目")
    await expect(b.locator("#stepped-out-message")).to_have_text(
        "你与当前项目存在利益冲突。该项目结束后你将自动回到会议室。"
    )
    await expect(a.locator("#review-item-title")).to_have_text("Project One")
    await expect(a.locator("#review-item-phase")).to_have_text("Presenting")
    await expect(a.locator("#review-item-applicant")).to_have_text(
        "Applicant: Zhang Wei (Lab of Materials)"
    )
    countdown = re.compile(r"^(10:00|9:5\d) left$")
    await expect(chair.locator("#review-countdown")).to_have_text(countdown)
    await expect(chair.locator("#review-announce")).to_have_text("#1 Project One: Presenting")
    await expect(a.locator("#score-form")).to_be_hidden()

    # Q&A, then deliberation: the button names the next phase; A's form opens
    for label, phase in [("Start Q&A", "Q&A"), ("Start deliberation", "Deliberation")]:
        await expect(chair.locator("#review-next")).to_have_text(label)
        await chair.click("#review-next")
        await expect(chair.locator("#review-item-phase")).to_have_text(phase)
    await expect(a.locator("#score-form")).to_be_visible()
    await expect(a.locator("label[for=score-c1]")).to_have_text("Novelty")
    await expect(a.locator("#score-c1-scale")).to_have_text("1 to 5 · 1 = poor · 5 = outstanding")
    await a.fill("#score-c1", "4.5")
    await a.fill("#score-c2", "7.5")

    # scoring opens: what A typed stays
    await expect(chair.locator("#review-next")).to_have_text("Open scoring")
    await chair.click("#review-next")
    await expect(a.locator("#review-item-phase")).to_have_text("Scoring")
    await expect(a.locator("#score-c1")).to_have_value("4.5")
    await expect(chair.locator("#review-next")).to_have_text("Close scoring")
    await expect(chair.locator("#review-progress")).to_have_text("0 of 1 submitted")

    # A scores: refused without a recommendation (the server's words), then saved
    await a.click("#score-submit")
    await expect(a.locator("#score-status")).to_have_text(
        "Choose a recommendation: fund, revise, reject."
    )
    await a.select_option("#score-recommendation", "fund")
    await a.fill("#score-comment", "Strong work.")
    await a.click("#score-submit")
    await expect(a.locator("#score-status")).to_have_text("Saved (revision 1)")
    await expect(chair.locator("#review-progress")).to_have_text("1 of 1 submitted")
    await expect(a.locator(".toast.error")).to_have_count(0)  # the refusal was shown once

    # A reloads: the form opens with A's scores; a resubmission is a revision
    await join(a, session)
    await expect(a.locator("#score-c1")).to_have_value("4.5")
    await expect(a.locator("#score-recommendation")).to_have_value("fund")
    await a.click("#score-submit")
    await expect(a.locator("#score-status")).to_have_text("Saved (revision 2)")

    # the chair closes: the table; B is back in the room
    await chair.click("#review-next")
    results = chair.locator("#review-results")
    await expect(results.locator("#results-title")).to_have_text("Results: #1 Project One")
    await expect(results.locator("tbody tr td.total")).to_have_text([WEIGHTED_TOTAL])
    await expect(results.locator("tbody tr th")).to_have_text(["Reviewer A"])
    await expect(results.locator("#results-recommendations")).to_have_text("Fund: 1")
    await expect(a.locator("#score-status")).to_have_text("Scoring of this item is closed.")
    await expect(a.locator("#score-submit")).to_be_disabled()
    await expect(b.locator("#room")).to_be_visible()
    await expect(b.locator("#stepped-out")).to_be_hidden()
    await expect(items(b)).to_have_text(["#1 — 利益冲突", re.compile(r"^#2 项目二\s*待评")])
    await expect(b.locator("#review-idle")).to_have_text("当前没有进行中的项目。")

    # released, the reviewer reads the table too
    await chair.click("#review-release")
    await items(a).nth(0).locator("[data-action=results]").click()
    await expect(a.locator("#review-results tbody tr td.total")).to_have_text([WEIGHTED_TOTAL])


async def test_review_room_chair_reorders_waives_a_conflict_extends_and_skips_in_chinese(
    live_server, new_page, sign_in
) -> None:
    session = await open_review(live_server.store)
    chair, b = await new_page(lang="zh_CN"), await new_page()
    await sign_in(chair, email=CHAIR_EMAIL)
    await join(chair, session)
    await join_by_invite(
        b, session, await reviewer_invite(live_server, session, "Reviewer B", B_MAIL)
    )
    await expect(b.locator("#room")).to_be_visible()

    # item 1 down: the positions follow
    await items(chair).nth(0).locator("[data-action=down]").click()
    names = items(chair).locator(".item-name")
    await expect(names).to_have_text(["#1 项目二", "#2 项目一"])
    two, one = re.compile(r"^#1 Project Two"), re.compile(r"^#2 Project One")
    await expect(items(b)).to_have_text([two, "#2 — conflict of interest"])

    # the chair waives B's conflict on Project One, with a reason
    await chair.click("#conflict-box summary")
    await chair.select_option("#conflict-person", label="Reviewer B")
    await chair.select_option("#conflict-item", label="#2 项目一")
    await chair.select_option("#conflict-waive", "waive")
    await chair.fill("#conflict-reason", "Declared; judged minor")
    await chair.click("#conflict-form button[type=submit]")
    await expect(chair.locator("#conflict-status")).to_have_text("已记录。")
    await expect(items(b)).to_have_text([two, one])

    # started from the keyboard, B stays in; the chair extends the countdown by 3 minutes
    await items(chair).nth(1).locator("[data-action=start]").focus()
    await chair.keyboard.press("Enter")
    await expect(chair.locator("#review-item-phase")).to_have_text("陈述中")
    await expect(chair.locator("#review-next")).to_have_text("开始答辩")
    await expect(b.locator("#review-item-title")).to_have_text("Project One")
    await expect(b.locator("#stepped-out")).to_be_hidden()
    await chair.click("#review-extend [data-minutes='3']")
    await expect(chair.locator("#review-countdown")).to_have_text(re.compile(r"^剩余 1[23]:\d\d$"))

    # the other item is skipped
    await items(chair).nth(0).locator("[data-action=skip]").click()
    await expect(items(chair).nth(0).locator(".phase")).to_have_text("已跳过")
    await expect(items(b).nth(0).locator(".phase")).to_have_text("Skipped")


CLOCK = """async () => {
  const { ServerClock, clockText } = await import("/static/js/room/server-clock.js");
  let local = 1000000;
  const clock = new ServerClock(() => local);
  const seen = [clock.now()];
  clock.observe(new Date(local + 5000));  // the server is at least 5 s ahead
  seen.push(clock.now());
  local += 1000;
  clock.observe(new Date(local - 60000));  // an older time says less: no change
  seen.push(clock.now());
  local += 1000;
  clock.observe(new Date(local + 9000));  // a fresher one raises the estimate
  seen.push(clock.now());
  return { seen, texts: [0, 1, 999, 59001, 600000, 3723000].map(clockText) };
}"""


async def test_review_room_server_clock_only_moves_forward(live_server, new_page) -> None:
    page = await new_page()
    await page.goto("/")

    clock = await page.evaluate(CLOCK)

    assert clock == {
        "seen": [1_000_000, 1_005_000, 1_006_000, 1_011_000],
        "texts": ["0:00", "0:01", "0:01", "1:00", "10:00", "1:02:03"],
    }


# the table as get_results sends it: two who scored (one an outlier), one who did not
RESULTS = {
    "item_id": "i1",
    "rows": [
        {"reviewer": "Reviewer A", "submitted": True, "values": {"c1": 4.5, "c2": 7.5},
         "recommendation": "fund", "comment": "Strong <b>work</b>", "total": 83.333,
         "outlier": False},
        {"reviewer": "Reviewer B", "submitted": True, "values": {"c1": 1, "c2": 0},
         "recommendation": "reject", "comment": "", "total": 0, "outlier": True},
        {"reviewer": "Reviewer C", "submitted": False, "values": None, "recommendation": None,
         "comment": None, "total": None, "outlier": False},
    ],
    "criterion_means": {"c1": 2.75, "c2": 3.75},
    "mean": 41.67, "median": 41.67, "spread": 83.33, "stdev": 58.93,
    "submitted": 2, "missing": 1, "recommendations": {"fund": 1, "revise": 0, "reject": 1},
}  # fmt: skip
RENDER_RESULTS = """async ([wire, strings]) => {
  const { toResults } = await import("/static/js/room/review-wire.js");
  const { renderResults } = await import("/static/js/room/review-results.js");
  const { loadStrings } = await import("/static/js/room/strings.js");
  const make = (tag) => document.createElement(tag);
  const list = make("ul");
  for (const [key, text] of Object.entries(strings)) {
    const entry = make("li");
    entry.dataset.key = key;
    entry.textContent = text;
    list.append(entry);
  }
  loadStrings(list);
  const el = { section: make("section"), title: make("h3"), table: make("table"),
               summary: make("dl"), recommendations: make("p") };
  const rubric = {
    criteria: [{ id: "c1", nameZh: "创新性", nameEn: "Novelty" },
               { id: "c2", nameZh: "可行性", nameEn: "Feasibility" }],
    recommendations: [{ code: "fund", labelZh: "资助", labelEn: "Fund" },
                      { code: "reject", labelZh: "不予资助", labelEn: "Reject" }],
  };
  const item = { id: "i1", label: "#1", titleZh: "项目一", titleEn: "Project One" };
  renderResults(el, { results: toResults(wire), rubric, item, lang: "zh_CN" });
  return {
    title: el.title.textContent,
    rows: [...el.table.rows].map((row) =>
      [row.className, ...[...row.cells].map((cell) => cell.textContent)]),
    summary: [...el.summary.children].map((node) => node.textContent),
    recommendations: el.recommendations.textContent,
  };
}"""


async def test_review_room_results_table_marks_outliers_and_missing_reviewers(
    live_server, new_page
) -> None:
    page = await new_page()
    await page.goto("/")

    table = await page.evaluate(RENDER_RESULTS, [RESULTS, REVIEW_STRINGS])

    assert table == {
        "title": "Results: #1 项目一",
        "rows": [
            ["", "Reviewer", "创新性", "可行性", "Weighted total", "Recommendation", "Comment"],
            ["", "Reviewer A", "4.5", "7.5", "83.33", "资助", "Strong <b>work</b>"],
            ["outlier", "Reviewer B", "1", "0", "0 outlier", "不予资助", ""],
            ["missing", "Reviewer C", "missing"],
            ["", "Mean", "2.75", "3.75", "41.67", "", ""],
        ],
        "summary": ["Mean", "41.67", "Median", "41.67", "Spread", "83.33",
                    "Standard deviation", "58.93", "Submitted", "2", "Missing", "1"],
        "recommendations": "资助: 1 · 不予资助: 1",
    }  # fmt: skip
