"""Attendance rolled up and certificates of attendance, through the app on a real Redis: the
console's page and thresholds, a certificate's PDF read back with pdftotext (Chinese and its
verification URL), the public verification page, the zip of a scope's certificates, the
attendance CSV, and an attendee's own page from their invite link."""

import asyncio
import csv
import html
import io
import json
import re
import secrets
import shutil
import subprocess
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest

from rooms.attendance import Movement, Passage
from rooms.certificates import Scope
from rooms.roles import Role
from server import certificates
from server.guests import GUEST_KEY
from server.invitations import issue_invite, sign_invite
from server.settings import Settings
from server.store import Store
from server.worker import Worker
from tests.server.pages_world import csrf_of, make_event, make_session, sign_in, staff_of_new_org
from tests.server.test_pages_review import ZH, post
from tests.server.test_reports import poppler, squeezed

T0 = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)
LI = "guest:li@example.org"
HAN = "guest:han@example.org"


def beats(who: str, name: str, *, minutes: int, active: int) -> list[Passage]:
    """A stay of ``minutes``, its page seen (a beat every 30 s) for the first ``active``."""

    def passage(movement: Movement, seconds: int) -> Passage:
        at = T0 + timedelta(seconds=seconds)
        return Passage(movement, who, f"p-{name}", name, "attendee", at)

    stay = [passage(Movement.JOIN, 0)]
    stay += [passage(Movement.ACTIVE, s) for s in range(0, active * 60 + 1, 30)]
    stay += [passage(Movement.IDLE, active * 60), passage(Movement.LEAVE, minutes * 60)]
    return stay


@pytest.fixture
async def world(client, store: Store):  # type: ignore[no-untyped-def]
    host = await staff_of_new_org(store, email="host@example.org")
    event = await make_event(store, host)
    lesson = await make_session(
        store, event, title="第一讲 Lecture one", start="2030-05-01T09:00", end="2030-05-01T10:00",
        kind="class",
    )  # fmt: skip
    other = await make_session(
        store, event, title="Lecture two", start="2030-05-01T11:00", end="2030-05-01T12:00"
    )
    await store.attendance.record(
        lesson.session_id,
        beats(LI, "李雷", minutes=50, active=45) + beats(HAN, "=Han", minutes=50, active=5),
    )
    await store.attendance.record(other.session_id, beats(LI, "李雷", minutes=20, active=10))
    await store.certificates.set_threshold(Scope.SESSION, lesson.session_id, 40)
    await sign_in(client, host)
    page = f"/console/events/{event.event_id}/attendance"
    return {"host": host, "event": event, "lesson": lesson, "other": other, "page": page}


async def li_certificate(client, world) -> bytes:  # type: ignore[no-untyped-def]
    url = f"{world['page'].removesuffix('/attendance')}/certificates/session/"
    response = await client.get(f"{url}{world['lesson'].session_id}/{quote(LI)}.pdf", headers=ZH)
    assert response.status == 200, await response.text()
    assert response.content_type == "application/pdf"
    return await response.read()


async def post_from(client, page: str, url: str, **kwargs):  # type: ignore[no-untyped-def]
    """Post the page's form (its CSRF token) to ``url``."""
    token = csrf_of(await (await client.get(page)).text())
    return await client.post(url, data={"csrf_token": token}, allow_redirects=False, **kwargs)


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(data)
    return poppler("pdftotext", "-layout", str(path), "-")


async def test_the_console_shows_each_persons_time_and_who_earned_a_certificate(
    client, world
) -> None:
    page = await (await client.get(world["page"], headers=ZH)).text()

    rows = re.findall(r"<tr>\s*<td>(.*?)</td>(.*?)</tr>", page, re.S)
    cells = {name: re.findall(r'<td class="number">(.*?)</td>', rest) for name, rest in rows}
    assert cells == {"李雷": ["50 / 45", "20 / 10", "70 / 55"], "=Han": ["50 / 5", "—", "50 / 5"]}
    [link] = re.findall(r'class="certificate-link" href="([^"]+)"', page)
    response = await client.get(html.unescape(link))
    assert (response.status, response.content_type) == (200, "application/pdf")
    # the class's certificate named by its kind, the event's sessions by the generic noun
    [label] = re.findall(r'class="certificate-link"[^>]*>(.*?)</a>', page)
    assert label == "课堂证书: 第一讲 Lecture one"
    assert "全部日程" in page


async def test_thresholds_are_checked_before_any_is_kept(client, store, world) -> None:
    lesson, other, event = world["lesson"], world["other"], world["event"]
    form = {"event": "60", f"session_{lesson.session_id}": "30", f"session_{other.session_id}": "0"}

    refused = await post(client, world["page"], "", form, headers=ZH)
    kept = await store.certificates.threshold(Scope.EVENT, event.event_id)

    assert refused.status == 400
    assert "阈值须为 1 到 100000 之间的整数分钟。" in await refused.text()
    assert kept is None

    form[f"session_{other.session_id}"] = ""
    saved = await post(client, world["page"], "", form)

    assert saved.status == 303
    assert await store.certificates.thresholds(
        Scope.SESSION, [lesson.session_id, other.session_id]
    ) == {lesson.session_id: 30, other.session_id: None}
    assert await store.certificates.threshold(Scope.EVENT, event.event_id) == 60


async def test_a_certificate_pdf_reads_back_in_chinese_with_its_verification_url(
    client, store, world, settings: Settings, tmp_path: Path
) -> None:
    data = await li_certificate(client, world)

    [li] = (await store.certificates.of_scope(Scope.SESSION, world["lesson"].session_id)).items()
    certificate = await store.certificates.get(li[1])
    text = squeezed(pdf_text(data, tmp_path))
    assert certificate is not None
    url = f"{settings.base_url}/certificates/{certificate.certificate_id}"
    shown_texts = ("出席证明", "李雷", "测试学会", "材料论坛", "第一讲Lectureone", "有效出席45分钟")
    for shown in (*shown_texts, url):
        assert shown in text, shown
    assert certificate.number == f"YH-{certificate.issued_at.year}-000001"
    assert certificate.number in text
    fonts = poppler("pdffonts", str(tmp_path / "certificate.pdf"))
    assert "WenQuanYi" in fonts or "wqy" in fonts.lower()
    assert scanned_qr(tmp_path / "certificate.pdf") == url


def scanned_qr(pdf: Path) -> str:
    """The QR code on the PDF's first page, as a phone's camera would read it."""
    poppler(
        "pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(pdf), str(pdf.with_suffix(""))
    )
    if shutil.which("zbarimg") is None:
        pytest.fail("zbarimg is missing: install Debian's zbar-tools (make test installs it)")
    page = next(pdf.parent.glob(f"{pdf.stem}-*.png"))
    scan = subprocess.run(["zbarimg", "-q", "--raw", str(page)], capture_output=True, text=True)
    return scan.stdout.strip()


@pytest.mark.parametrize(
    ("headers", "printed"),
    [({}, "for 5 minutes."), (ZH, "有效出席 5 分钟。")],
    ids=["en", "zh"],
)
async def test_a_short_class_prints_its_minutes_not_zero_hours(
    client, store, world, tmp_path: Path, headers: dict[str, str], printed: str
) -> None:
    lesson = world["lesson"].session_id
    await store.certificates.set_threshold(Scope.SESSION, lesson, 5)  # Han's five minutes
    url = f"/console/events/{world['event'].event_id}/certificates/session/"

    response = await client.get(f"{url}{lesson}/{quote(HAN)}.pdf", headers=headers)

    assert response.status == 200, await response.text()
    text = " ".join(pdf_text(await response.read(), tmp_path).split())
    assert printed in text
    assert ("Active time: 5 minutes" if not headers else "有效出席时长: 5 分钟") in text
    assert "0.0 hours" not in text and "0.0 小时" not in text


async def test_a_second_download_gives_the_same_certificate(client, store, world) -> None:
    first = await li_certificate(client, world)
    second = await li_certificate(client, world)

    assert first == second
    assert len(await store.certificates.of_scope(Scope.SESSION, world["lesson"].session_id)) == 1


async def test_who_did_not_reach_the_threshold_gets_no_certificate(client, world) -> None:
    url = f"/console/events/{world['event'].event_id}/certificates/session/"

    response = await client.get(f"{url}{world['lesson'].session_id}/{quote(HAN)}.pdf")

    assert response.status == 403


async def test_the_verification_page_confirms_only_what_the_certificate_says(
    client, store, world
) -> None:
    await li_certificate(client, world)
    [(_key, certificate_id)] = (
        await store.certificates.of_scope(Scope.SESSION, world["lesson"].session_id)
    ).items()
    certificate = await store.certificates.get(certificate_id)
    assert certificate is not None
    client.session.cookie_jar.clear()  # anyone, signed in or not

    page = await (await client.get(f"/certificates/{certificate_id}", headers=ZH)).text()
    unknown = await client.get("/certificates/not-a-certificate")

    shown = dict(re.findall(r'<dd class="(\w+)">(.*?)</dd>', page, re.S))
    assert {k: re.sub(r"<[^>]+>", "", v) for k, v in shown.items()} == {
        "number": certificate.number,
        "name": "李雷",
        "organization": "测试学会",
        "event": "材料论坛",
        "sessions": "第一讲 Lecture one",
        "time": "45 分钟",
        "issued": certificate.issued_on.isoformat(),
    }
    assert "li@example.org" not in page and "guest:" not in page
    assert unknown.status == 404


async def test_staff_queue_every_certificate_of_a_scope_and_download_the_zip(
    client, store, world, settings: Settings, tmp_path: Path
) -> None:
    await store.certificates.set_threshold(Scope.EVENT, world["event"].event_id, 5)
    event_id = world["event"].event_id
    path = f"/console/events/{event_id}/certificates/event/{event_id}/zip"

    queued = await post_from(client, world["page"], path, headers=ZH)
    waiting = await (await client.get(world["page"], headers=ZH)).text()
    assert queued.status == 303, await queued.text()
    assert await Worker(store, settings).run_once() is True
    page = await (await client.get(world["page"], headers=ZH)).text()

    assert (queued.status, queued.headers["Location"]) == (303, f"{world['page']}#bulk")
    assert "等待后台处理" in waiting and 'http-equiv="refresh"' in waiting
    link = re.search(r'href="(/console/events/[^"]+/jobs/\w+\.zip)"', page)
    assert link is not None and "已完成：2 份证书" in page
    response = await client.get(link.group(1))
    archive = zipfile.ZipFile(io.BytesIO(await response.read()))
    names = sorted(archive.namelist())
    year = datetime.now(UTC).year
    assert names == [f"certificate-YH-{year}-000001.pdf", f"certificate-YH-{year}-000002.pdf"]
    texts = [squeezed(pdf_text(archive.read(n), tmp_path)) for n in names]
    assert sorted("李雷" in t for t in texts) == [False, True]
    assert any("=Han" in t for t in texts) and all("出席证明" in t for t in texts)


async def test_a_scope_nobody_earned_is_not_queued(client, store, world) -> None:
    certificates_of = f"/console/events/{world['event'].event_id}/certificates"
    path = f"{certificates_of}/session/{world['other'].session_id}/zip"

    refused = await post_from(client, world["page"], path, headers=ZH)

    assert refused.status == 400 and "这里还没有人获得证书。" in await refused.text()
    assert await store.jobs.of_owner(world["event"].event_id) == []


async def test_the_attendance_csv_has_a_bom_and_defused_cells(client, world) -> None:
    response = await client.get(f"{world['page']}.csv", headers=ZH)

    text = await response.text()
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert text.startswith("\ufeff")
    assert rows == [
        ["name", "session", "minutes", "active_minutes"],
        ["李雷", "第一讲 Lecture one", "50.0", "45.0"],
        ["李雷", "Lecture two", "20.0", "10.0"],
        ["李雷", "全部日程", "70.0", "55.0"],
        ["'=Han", "第一讲 Lecture one", "50.0", "5.0"],
        ["'=Han", "全部日程", "50.0", "5.0"],
    ]


async def test_an_attendee_sees_their_record_and_downloads_their_certificate(
    client, store, world, settings: Settings
) -> None:
    invite = await issue_invite(
        store, session=world["lesson"], role=Role.ATTENDEE, name="李雷", email="li@example.org",
        single_use=False, days=7, created_by=world["host"].account_id, now=datetime.now(UTC),
    )  # fmt: skip
    token = sign_invite(settings, invite)
    client.session.cookie_jar.clear()

    page = await (await client.get(f"/invite/{token}/attendance", headers=ZH)).text()
    link = re.search(r'href="(/invite/[^"]+\.pdf)"', page)
    assert "我的出席与证书" in page and ">45</td>" in page
    assert link is not None
    response = await client.get(link.group(1))

    assert response.status == 200 and response.content_type == "application/pdf"
    assert len(await store.certificates.of_scope(Scope.SESSION, world["lesson"].session_id)) == 1
    forged = await client.get(f"/invite/{token}x/attendance")
    assert forged.status == 404


async def test_issuing_at_once_gives_one_certificate_per_person(store, world) -> None:
    attendance = await certificates.event_attendance(store, world["event"], now=datetime.now(UTC))
    scope_id = world["lesson"].session_id

    issued = await asyncio.gather(
        *(
            certificates.issue(
                store,
                attendance,
                scope=Scope.SESSION,
                scope_id=scope_id,
                person_key=LI,
                now=datetime.now(UTC),
            )  # fmt: skip
            for _ in range(5)
        )
    )

    assert len({c.certificate_id for c in issued}) == 1
    assert len({c.number for c in issued}) == 1


async def guest_browser(store: Store, key: str) -> dict[str, str]:
    """The Cookie header of a browser whose web session holds this walk-in guest's key (as the
    room page's ``remember_guest`` leaves it)."""
    session_key = secrets.token_urlsafe(32)
    data = {"created": int(time.time()), "session": {GUEST_KEY: key}}
    await store.web_sessions.save(session_key, json.dumps(data), ttl_seconds=3600)
    return {"Cookie": f"YUNHUI_SESSION={session_key}"}


async def get_as(client, url: str, browser: dict[str, str], **headers: str):  # type: ignore[no-untyped-def]
    """A GET from that browser alone (none of the test client's cookies)."""
    client.session.cookie_jar.clear()
    return await client.get(url, headers=browser | headers)


async def test_a_walk_in_guest_sees_their_record_and_downloads_their_certificate(
    client, store, world, tmp_path: Path
) -> None:
    lesson, wu_key = world["lesson"].session_id, "anon:0123456789abcdef"
    await store.attendance.record(lesson, beats(wu_key, "吴涛", minutes=50, active=45))
    wu = await guest_browser(store, wu_key)
    stranger = await guest_browser(store, "anon:fedcba9876543210")
    mine = f"/sessions/{lesson}/attendance/mine"

    room = await (await get_as(client, f"/sessions/{lesson}/room", wu, **ZH)).text()
    page = await (await get_as(client, mine, wu, **ZH)).text()
    link = re.search(r'href="(/sessions/[^"]+\.pdf)"', page)
    assert 'id="my-attendance"' in room and f'href="{mine}"' in room
    assert "我的出席与证书" in page and "吴涛" in page and ">45</td>" in page
    assert link is not None
    response = await get_as(client, link.group(1), wu)
    theirs = await get_as(client, link.group(1), stranger)
    nobody = await (await get_as(client, mine, stranger)).text()

    assert (response.status, response.content_type) == (200, "application/pdf")
    assert "吴涛" in pdf_text(await response.read(), tmp_path)
    assert theirs.status == 403  # the certificate is the browser's own person's only
    assert "吴涛" not in nobody and "李雷" not in nobody
