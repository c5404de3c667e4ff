"""A roadshow's judged pitches on the results page, CSV and API (server/results.py), as its
room's line writes them: the closed pitches ranked, an open pitch's scores never shown."""

from pathlib import Path
from typing import Any

from rooms.accounts import Account
from rooms.agenda import RosterEntry, Session
from rooms.items import new_item
from rooms.outbox import Keep
from rooms.review_book import AuditEntry, ItemRun, Phase
from rooms.roles import Role
from rooms.rubric import new_rubric
from server import agenda
from server.store import Store
from tests.server.fixtures_login import Staff, sign_in_staff
from tests.server.pages_world import make_event, make_session
from tests.server.test_reports import squeezed
from tests.server.test_results_pages import (
    LI,
    NOW,
    RUBRIC,
    SEALED,
    WANG,
    _card,
    _roster,
    pdf_text,
)

DRONE, ROBOT, BATTERY = "农业无人机", "Care robot", "Solid battery"


async def judged_roadshow(store: Store, account: Account) -> Session:
    """A roadshow of three pitches: two closed (the robot ahead), the battery still open."""
    event = await make_event(store, account)
    session = await make_session(
        store, event, title="创新创业路演", start="2030-05-02T09:00", end="2030-05-02T12:00",
        kind="roadshow",
    )  # fmt: skip
    sid = session.session_id
    await _roster(store, session)
    for item_id, title in (("p1", DRONE), ("p2", ROBOT), ("p3", BATTERY)):
        fields = {"title_zh": title, "title_en": title}
        await store.review.add_item(new_item(fields, item_id=item_id, session_id=sid, now=NOW))
    await store.review.set_rubric(sid, new_rubric(RUBRIC))
    kept = [
        Keep(_card("p1", LI, {"c1": 3, "c2": 5}, "ok"), durable=True),
        Keep(_card("p1", WANG, {"c1": 3, "c2": 5}, "ok"), durable=True),
        Keep(_card("p2", LI, {"c1": 5, "c2": 9}, "great"), durable=True),
        Keep(_card("p3", LI, {"c1": 1, "c2": 1}, SEALED), durable=True),
        Keep(ItemRun("p1", Phase.CLOSED, since=NOW)),
        Keep(ItemRun("p2", Phase.CLOSED, since=NOW, released=True)),
        Keep(AuditEntry("scoring_closed", "account:x", "p2", NOW)),
    ]
    async with store.durable.pipeline() as pipe:  # as the room's line writes a durable turn
        for keep in kept:
            store.queue_kept(pipe, sid, keep.record)
        await store.durable.commit(pipe)
    return session


async def test_the_results_of_a_roadshow_rank_its_closed_pitches_and_hide_the_open(
    client: Any, store: Store
) -> None:
    staff: Staff = await sign_in_staff(client, store, email="host@example.org", name="Hu Host")
    session = await judged_roadshow(store, staff.account)
    sid = session.session_id

    body = await (await staff.call("GET", f"/api/sessions/{sid}/results")).json()
    assert body["ranking"] == ["p2", "p1", "p3"]
    by_id = {item["item_id"]: item for item in body["items"]}
    assert (
        by_id["p2"]["rank"] == 1 and by_id["p2"]["result"]["mean"] > by_id["p1"]["result"]["mean"]
    )
    assert by_id["p3"]["result"] is None

    html = await (await staff.call("GET", f"/sessions/{sid}/results")).text()
    csv = (await (await staff.call("GET", f"/sessions/{sid}/results.csv")).read()).decode()
    for text in (html, csv):
        assert DRONE in text and ROBOT in text and SEALED not in text
    pdf = await staff.call("GET", f"/sessions/{sid}/results.pdf")
    assert pdf.status == 200 and (await pdf.read()).startswith(b"%PDF")


async def test_the_console_links_a_roadshow_to_its_results(client: Any, store: Store) -> None:
    staff: Staff = await sign_in_staff(client, store, email="host@example.org", name="Hu Host")
    session = await judged_roadshow(store, staff.account)

    html = await (await staff.call("GET", f"/console/sessions/{session.session_id}")).text()

    assert f'href="/sessions/{session.session_id}/results"' in html


async def test_the_results_show_each_pitch_by_its_founders_and_organization(
    client: Any, store: Store, tmp_path: Path
) -> None:
    staff: Staff = await sign_in_staff(client, store, email="host@example.org", name="Hu Host")
    session = await judged_roadshow(store, staff.account)
    sid = session.session_id
    for name, email in (("张伟", "zhang@drone.cn"), ("Zhou Min", "zhou@drone.cn")):
        founder = RosterEntry(f"guest:{email}", Role.PRESENTER, name, email)
        await agenda.add_to_roster(store, session=session, entry=founder, now=NOW)
    await store.review.edit_item(
        sid, "p1", now=NOW,
        fields={"founders": ["guest:zhang@drone.cn", "guest:zhou@drone.cn"],
                "applicant_name": "Old Applicant", "applicant_org": "飞鹰农业 Eagle Agri"},
    )  # fmt: skip
    shown = "张伟, Zhou Min · 飞鹰农业 Eagle Agri"

    html = await (await staff.call("GET", f"/sessions/{sid}/results")).text()
    csv = (await (await staff.call("GET", f"/sessions/{sid}/results.csv")).read()).decode()
    pdf = await (await staff.call("GET", f"/sessions/{sid}/results.pdf")).read()

    assert f"Founders: {shown}" in html and "Old Applicant" not in html
    assert "scoring_closed" not in html  # the audit log's action, translated
    body = await (await staff.call("GET", f"/api/sessions/{sid}/results")).json()
    assert [i["founders"] for i in body["items"]][:2] == [["张伟", "Zhou Min"], []]
    header, *rows = csv[1:].splitlines()
    assert header.split(",")[:4] == ["No.", "Title", "Founders", "Reviewer"]
    assert rows[0].startswith(f'1,{DRONE},"{shown}",')
    assert squeezed(f"Founders: {shown}") in pdf_text(pdf, tmp_path)
