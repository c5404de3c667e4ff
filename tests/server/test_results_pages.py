"""A review's results for its staff and chair, over real Redis: the page, the CSV file, the
PDF reports (read back with pdftotext), the REST API — and who may not see them."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from rooms.accounts import Account
from rooms.agenda import PersonType, RosterEntry, Session, person_key
from rooms.conflicts import ConflictNote, NoteKind
from rooms.items import new_item
from rooms.review_book import AuditEntry, ItemRun, Phase
from rooms.roles import Role
from rooms.rubric import new_rubric
from rooms.scores import Scorecard
from server import agenda
from server.invitations import issue_invite, sign_invite
from server.settings import Settings
from server.store import Store
from tests.server.fixtures_login import Staff, sign_in_staff
from tests.server.pages_world import make_event, make_session
from tests.server.test_reports import poppler, squeezed

NOW = datetime(2030, 4, 20, 8, 0, tzinfo=UTC)
CHIP = "基于RISC-V的低功耗芯片"
PRAISE = "项目创新性强，技术路线清晰，建议资助。"
FORMULA = "=cmd|' /C calc'!A0"
SEALED = "SEALED-SECRET-COMMENT"
LI, WANG, ZHAO = (person_key(PersonType.GUEST, f"{n}@example.org") for n in ("li", "wang", "zhao"))
ZH = {"Accept-Language": "zh-CN"}
RUBRIC = {
    "criteria": [
        {"name_zh": "创新性", "name_en": "Novelty", "weight": 2, "scale_min": 1, "scale_max": 5},
        {"name_zh": "团队", "name_en": "Team", "weight": 1, "scale_min": 0, "scale_max": 10},
    ]
}


@pytest.fixture
async def staff(client, store) -> Staff:
    return await sign_in_staff(client, store, email="host@example.org", name="Hu Host")


@pytest.fixture
async def outsider(aiohttp_client, client, store) -> Staff:
    """Staff of another organization, in a browser of their own."""
    return await sign_in_staff(
        await aiohttp_client(client.server), store, email="other@example.org"
    )


async def _roster(store: Store, session: Session) -> None:
    for name, email in (("李娜", "li"), ("Wang Fang", "wang"), ("Zhao Lei", "zhao")):
        key = person_key(PersonType.GUEST, f"{email}@example.org")
        entry = RosterEntry(key, Role.REVIEWER, name, f"{email}@example.org")
        await agenda.add_to_roster(store, session=session, entry=entry, now=NOW)


def _card(item_id: str, reviewer: str, values: dict[str, float], comment: str) -> Scorecard:
    return Scorecard(item_id, reviewer, values, "fund", comment, NOW)


async def _room_records(store: Store, session_id: str, records: list[object]) -> None:
    """Write a review room's records as its line does: queued in one MULTI."""
    async with store.redis.pipeline(transaction=True) as pipe:
        for record in records:
            store.panel.queue(pipe, session_id, record)
        await pipe.execute()


async def prepared_review(store: Store, account: Account) -> Session:
    """A review of the account's organization: item 1 closed (two reviewers scored, one did
    not), item 2 still scoring, with a conflict added on it the day before."""
    event = await make_event(store, account)
    session = await make_session(
        store, event, title="基金评审会", start="2030-05-01T09:00", end="2030-05-01T12:00",
        kind="review",
    )  # fmt: skip
    sid = session.session_id
    await _roster(store, session)
    chip = {"title_zh": CHIP, "title_en": "Low-power chip", "applicant_org": "复旦大学"}
    for item_id, fields in (("i1", chip), ("i2", {"title_zh": "新药研发", "title_en": "New drug"})):
        await store.review.add_item(new_item(fields, item_id=item_id, session_id=sid, now=NOW))
    await store.review.set_rubric(sid, new_rubric(RUBRIC))
    chair = person_key(PersonType.ACCOUNT, account.account_id)
    note = ConflictNote("i2", ZHAO, NoteKind.ADDED, "同一单位", chair, NOW - timedelta(days=1))
    await store.review.add_note(sid, note)
    await _room_records(
        store,
        sid,
        [
            ItemRun("i1", Phase.CLOSED, since=NOW),
            ItemRun("i2", Phase.SCORING, since=NOW),
            _card("i1", LI, {"c1": 4, "c2": 8}, PRAISE),
            _card("i1", WANG, {"c1": 2, "c2": 5}, FORMULA),
            _card("i2", LI, {"c1": 5, "c2": 10}, SEALED),
            AuditEntry("item_started", chair, "i1", NOW),
            AuditEntry("score_submitted", LI, "i1", NOW),
            AuditEntry("phase_closed", chair, "i1", NOW),
        ],
    )
    return session


@pytest.fixture
async def review(staff: Staff, store: Store) -> Session:
    return await prepared_review(store, staff.account)


def _paths(session: Session) -> list[str]:
    sid = session.session_id
    return [
        f"/sessions/{sid}/results",
        f"/sessions/{sid}/results.csv",
        f"/sessions/{sid}/results.pdf",
        f"/sessions/{sid}/items/i1/report.pdf",
        f"/api/sessions/{sid}/results",
        f"/api/sessions/{sid}/audit",
    ]


def pdf_text(document: bytes, tmp_path) -> str:  # type: ignore[no-untyped-def]
    path = tmp_path / "report.pdf"
    path.write_bytes(document)
    return squeezed(poppler("pdftotext", "-enc", "UTF-8", str(path), "-"))


# who may see them ---------------------------------------------------------------------------


async def test_staff_of_the_organization_get_every_view(staff: Staff, review: Session) -> None:
    statuses = [(await staff.call("GET", path)).status for path in _paths(review)]

    assert statuses == [200] * 6


async def test_another_organizations_staff_find_nothing(outsider: Staff, review: Session) -> None:
    statuses = [(await outsider.call("GET", path)).status for path in _paths(review)]

    assert statuses == [404] * 6


async def test_nobody_is_sent_to_sign_in_and_the_api_says_401(
    aiohttp_client, client, review: Session
) -> None:
    anonymous = await aiohttp_client(client.server)
    page = await anonymous.get(_paths(review)[0], allow_redirects=False)
    api = await anonymous.get(_paths(review)[4])

    assert (page.status, page.headers["Location"].split("?")[0], api.status) == (
        303,
        "/login",
        401,
    )


async def _invited_browser(
    aiohttp_client, client, store: Store, settings: Settings, session: Session, role: Role
):  # type: ignore[no-untyped-def]
    invite = await issue_invite(
        store, session=session, role=role, name="Chen Jing", email="chen@example.org",
        single_use=False, days=7, created_by="staff", now=datetime.now(UTC),
    )  # fmt: skip
    browser = await aiohttp_client(client.server)
    token = sign_invite(settings, invite)
    landing = await (await browser.get(f"/invite/{token}")).text()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', landing)
    assert csrf is not None
    accepted = await browser.post(
        f"/invite/{token}/accept", data={"csrf_token": csrf.group(1)}, allow_redirects=False
    )
    assert accepted.status == 303
    return browser


async def test_a_reviewer_with_an_invite_is_refused_and_a_chair_with_one_sees_them(
    aiohttp_client, client, store: Store, settings: Settings, review: Session
) -> None:
    reviewer = await _invited_browser(
        aiohttp_client, client, store, settings, review, Role.REVIEWER
    )
    chair = await _invited_browser(aiohttp_client, client, store, settings, review, Role.HOST)

    refused = [(await reviewer.get(path)).status for path in _paths(review)]
    seen = [(await chair.get(path)).status for path in _paths(review)]

    assert (refused, seen) == ([403] * 6, [200] * 6)


async def test_a_meeting_has_no_results(staff: Staff, store: Store) -> None:
    event = await make_event(store, staff.account)
    meeting = await make_session(
        store, event, title="Opening", start="2030-05-01T09:00", end="2030-05-01T10:00"
    )

    response = await staff.call("GET", f"/sessions/{meeting.session_id}/results")

    assert response.status == 409


# the page -----------------------------------------------------------------------------------


async def test_the_page_ranks_shows_closed_scores_and_hides_the_unclosed(
    staff: Staff, review: Session
) -> None:
    html = await (await staff.call("GET", f"/sessions/{review.session_id}/results")).text()

    assert (CHIP in html, "Low-power chip" in html, PRAISE in html) == (True, True, True)
    assert SEALED not in html
    assert re.findall(r'<tr class="missing">\s*<th scope="row">([^<]+)<', html) == ["Zhao Lei"]
    assert "not closed yet (Scoring)" in html
    assert "同一单位" in html
    assert re.findall(r"<td>(Score submitted|Item started|Scoring closed)</td>", html) == [
        "Item started",
        "Score submitted",
        "Scoring closed",
    ]


async def test_the_page_speaks_chinese(staff: Staff, review: Session) -> None:
    response = await staff.call("GET", f"/sessions/{review.session_id}/results", headers=ZH)
    html = await response.text()

    assert ("评审结果" in html, "提交评分" in html, "未提交" in html, "尚未结束评分" in html) == (
        True,
        True,
        True,
        True,
    )


async def test_the_console_links_a_review_to_its_results(staff: Staff, review: Session) -> None:
    html = await (await staff.call("GET", f"/console/sessions/{review.session_id}")).text()

    assert f'href="/sessions/{review.session_id}/results"' in html


# the files ----------------------------------------------------------------------------------


async def test_the_csv_has_a_bom_defused_formulas_and_no_unclosed_values(
    staff: Staff, review: Session
) -> None:
    response = await staff.call("GET", f"/sessions/{review.session_id}/results.csv")
    text = (await response.read()).decode("utf-8")

    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert text.startswith("\ufeff")
    assert text[1:].splitlines() == [
        "No.,Title,Reviewer,"
        "Novelty (1–5) ×2,Team (0–10) ×1,Weighted total (0–100),Recommendation,Comment",
        "1,Low-power chip,Wang Fang,2,5,33.33,Fund,'=cmd|' /C calc'!A0",
        "1,Low-power chip,Zhao Lei,missing,missing,missing,missing,",
        f"1,Low-power chip,李娜,4,8,76.67,Fund,{PRAISE}",
        "2,New drug,not closed yet,,,,,",
    ]


async def test_the_session_pdf_reads_back_in_chinese(
    staff: Staff, review: Session, tmp_path
) -> None:
    response = await staff.call("GET", f"/sessions/{review.session_id}/results.pdf", headers=ZH)
    text = pdf_text(await response.read(), tmp_path)

    assert response.headers["Content-Type"] == "application/pdf"
    assert [squeezed(s) in text for s in (CHIP, PRAISE, "评分细则", "排名", "同一单位")] == [
        True
    ] * 5
    assert SEALED not in text


async def test_an_items_pdf_holds_its_scores_and_never_an_unclosed_items(
    staff: Staff, review: Session, tmp_path
) -> None:
    sid = review.session_id
    closed = pdf_text(
        await (await staff.call("GET", f"/sessions/{sid}/items/i1/report.pdf")).read(), tmp_path
    )
    scoring = pdf_text(
        await (await staff.call("GET", f"/sessions/{sid}/items/i2/report.pdf")).read(), tmp_path
    )
    unknown = await staff.call("GET", f"/sessions/{sid}/items/nope/report.pdf")

    assert (squeezed(PRAISE) in closed, "76.67" in closed) == (True, True)
    assert (SEALED in scoring, "Notclosedyet" in scoring, unknown.status) == (False, True, 404)


# the API ------------------------------------------------------------------------------------


async def test_the_api_gives_values_only_of_closed_items(staff: Staff, review: Session) -> None:
    body: dict[str, Any] = await (
        await staff.call("GET", f"/api/sessions/{review.session_id}/results")
    ).json()

    first, second = body["items"]
    assert body["ranking"] == ["i1", "i2"]
    assert (first["rank"], first["result"]["mean"], first["result"]["missing"]) == (1, 55.0, [ZHAO])
    assert first["result"]["rows"][1] == {  # the roster by name: Wang Fang, Zhao Lei, 李娜
        "reviewer_key": ZHAO, "reviewer": "Zhao Lei", "submitted": False, "values": None,
        "total": None, "recommendation": None, "comment": None, "outlier": False,
    }  # fmt: skip
    assert (second["phase"], second["result"], second["rank"]) == ("scoring", None, None)
    assert [(c["reviewer"], c["conflicted"]) for c in second["conflicts"]] == [("Zhao Lei", True)]


async def test_the_audit_api_says_who_did_what_and_never_values(
    staff: Staff, review: Session
) -> None:
    lines = await (await staff.call("GET", f"/api/sessions/{review.session_id}/audit")).json()

    assert [(x["action"], x["actor_name"], x["item_id"]) for x in lines] == [
        ("conflict_added", "Hu Host", "i2"),
        ("item_started", "Hu Host", "i1"),
        ("score_submitted", "李娜", "i1"),
        ("phase_closed", "Hu Host", "i1"),
    ]
    assert SEALED not in str(lines) and PRAISE not in str(lines)
