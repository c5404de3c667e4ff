"""Demo data on first start (dev mode): an organization, its host, an expert pool, and an
event with one session of each kind. The credentials are printed and kept in the data folder.
"""

import asyncio
import logging
import os
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from rooms.agenda import Event, PersonType, RosterEntry, Session, person_key
from rooms.attendance import Movement, Passage
from rooms.certificates import Scope
from rooms.experts import Expert
from rooms.files import FilePurpose
from rooms.kinds import rules_of
from rooms.poll_spec import poll_spec
from rooms.roles import Kind, Role
from rooms.slides import Deck, SlideShow
from server import agenda, certificates, reviews
from server.accounts import create_org_with_admin
from server.files import files_root, save_bytes
from server.invitations import invite_url, issue_invite, sign_invite
from server.pdf_pages import count_pages
from server.reports import Heading, PageBreak, Paragraph, Report, find_font, render_pdf
from server.seed_followups import demo_follow_up
from server.seed_libraries import seed_libraries
from server.seed_recordings import demo_recording
from server.seed_roadshow import demo_judges, demo_roadshow
from server.seed_signing import demo_signing
from server.settings import Settings
from server.store import Store

log = logging.getLogger(__name__)

ZONE = "Asia/Shanghai"
HOST_EMAIL = "host@example.org"
EXPERTS = (
    {"name": "李伟 Li Wei", "title": "教授 Professor", "affiliation": "清华大学",
     "disciplines": ["0812", "0810"], "tags": ["AI", "人工智能"],
     "email": "li.wei@example.org"},
    {"name": "王芳 Wang Fang", "title": "研究员 Research Fellow", "affiliation": "中国科学院",
     "disciplines": ["0805", "0703"], "tags": ["新材料"], "email": "wang.fang@example.org"},
    {"name": "陈明 Chen Ming", "title": "教授 Professor", "affiliation": "浙江大学",
     "disciplines": ["0802", "0811"], "tags": ["机器人", "robotics"],
     "email": "chen.ming@example.org"},
)  # fmt: skip
SESSIONS = (  # kind, title, day offset, start "HH:MM" (None: soon), minutes
    (Kind.MEETING, "开幕会议 Opening meeting", 0, None, 60),
    (Kind.CLASS, "云课堂：科研数据管理 Cloud class: research data", 0, None, 90),
    (Kind.REVIEW, "云评审：青年科学基金 Cloud review: young scientists fund", 0, None, 120),
    (Kind.ROADSHOW, "云路演：科创企业 Cloud roadshow: startups", 0, None, 120),
    (Kind.SIGNING, "云签约：产学研合作 Cloud signing: industry partnership", 0, None, 60),
)

# the demo review: five projects, one by Chen Ming's university (he is conflicted on it)
ITEMS = (
    {"title_zh": "面向城市交通的联邦学习方法", "title_en": "Federated learning for urban traffic",
     "applicant_name": "张三 Zhang San", "applicant_org": "北京交通大学",
     "applicant_email": "zhang.san@example.org", "disciplines": ["0812"],
     "present_minutes": 8, "qa_minutes": 4},
    {"title_zh": "柔性机器人抓取的触觉感知", "title_en": "Tactile sensing for soft robot grasping",
     "applicant_name": "赵敏 Zhao Min", "applicant_org": "浙江大学",
     "applicant_email": "zhao.min@example.org", "disciplines": ["0811"],
     "present_minutes": 8, "qa_minutes": 4},
    {"title_zh": "钙钛矿太阳能电池的稳定性", "title_en": "Stability of perovskite solar cells",
     "applicant_name": "孙丽 Sun Li", "applicant_org": "南京大学",
     "applicant_email": "sun.li@example.org", "disciplines": ["0805"],
     "present_minutes": 8, "qa_minutes": 4},
    {"title_zh": "低资源语言的语音识别",
     "title_en": "Speech recognition for low-resource languages",
     "applicant_name": "周杰 Zhou Jie", "applicant_org": "武汉大学",
     "applicant_email": "zhou.jie@example.org", "disciplines": ["0812"],
     "present_minutes": 8, "qa_minutes": 4},
    {"title_zh": "深海探测器的耐压结构", "title_en": "Pressure hulls for deep-sea probes",
     "applicant_name": "吴刚 Wu Gang", "applicant_org": "哈尔滨工程大学",
     "applicant_email": "wu.gang@example.org", "disciplines": ["0802"],
     "present_minutes": 8, "qa_minutes": 4},
)  # fmt: skip
ANCHORS = [{"value": 1, "label": "1 较差 poor"}, {"value": 3, "label": "3 良好 good"},
           {"value": 5, "label": "5 杰出 outstanding"}]  # fmt: skip
RUBRIC = {
    "criteria": [
        {"name_zh": "创新性", "name_en": "Novelty", "weight": 3, "scale_min": 1, "scale_max": 5,
         "anchors": ANCHORS},
        {"name_zh": "科学价值", "name_en": "Scientific merit", "weight": 3, "scale_min": 1,
         "scale_max": 5, "anchors": ANCHORS},
        {"name_zh": "可行性", "name_en": "Feasibility", "weight": 2, "scale_min": 1,
         "scale_max": 5, "anchors": ANCHORS},
        {"name_zh": "团队基础", "name_en": "Team", "weight": 2, "scale_min": 1, "scale_max": 5,
         "anchors": ANCHORS},
    ],
}  # fmt: skip

# the demo class's poll bank: a poll, a timed quiz, a rating
POLL_BANK: list[dict[str, object]] = [
    {
        "question": "你的数据存在哪里？ Where do you keep your data?",
        "kind": "multiple",
        "options": ["本地硬盘 Local disk", "机构存储 Institutional storage", "云盘 Cloud drive"],
    },
    {
        "question": "FAIR 中的 F 指什么？ What does the F in FAIR stand for?",
        "kind": "single",
        "options": ["Findable 可发现", "Fast 快速", "Free 免费"],
        "correct": [0],
        "seconds": 60,
    },
    {"question": "本节课的节奏如何？ How was the pace of this class?", "kind": "rating",
     "anonymous": True},
]  # fmt: skip


# people to try breakout groups with in the demo meeting (open now) and class: attendee links
GROUP_MEMBERS = [
    ("学员甲 Student A", "student.a@example.org"),
    ("学员乙 Student B", "student.b@example.org"),
    ("学员丙 Student C", "student.c@example.org"),
]


# a class held yesterday, with its attendance: (name, e-mail, minute joined, active minutes,
# minute left); its certificates need 45 active minutes
HELD_CLASS = "云课堂：开放科学入门 Cloud class: open science basics"
ATTENDEES = (
    ("林晓", "lin.xiao@example.org", 0, 80, 85),
    ("Emily Carter", "emily.carter@example.org", 5, 60, 80),
    ("周强 Zhou Qiang", "zhou.qiang@example.org", 10, 20, 40),
)
THRESHOLD_MINUTES = 45


def credentials_file(settings: Settings) -> Path:
    return settings.data_dir / "demo-credentials.txt"


def _soon(now_local: datetime) -> datetime:
    """Five to ten minutes from now, on a multiple of five minutes: with the default
    15-minute lobby the demo meeting's room is open at once."""
    moment = (now_local + timedelta(minutes=5)).replace(second=0, microsecond=0)
    return moment + timedelta(minutes=-moment.minute % 5 or 5)


def _local(day: datetime, at: str | None, now_local: datetime) -> datetime:
    if at is None:
        return _soon(now_local)
    hour, minute = map(int, at.split(":"))
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0)


async def _event(store: Store, *, org_id: str, organizer: str, now: datetime) -> Event:
    today = now.astimezone(ZoneInfo(ZONE)).date()
    fields = {
        "title_zh": "2026 云会示范科技论坛",
        "title_en": "Yunhui Demo Science and Technology Forum 2026",
        "description": "A demo event: one session of each kind. 示范活动：每种会议各一场。",
        "zone": ZONE,
        "start_date": today.isoformat(),
        "end_date": (today + timedelta(days=3)).isoformat(),
        "visibility": "public",
    }
    return await agenda.create_event(
        store, org_id=org_id, organizer=organizer, fields=fields, now=now
    )


async def _sessions(store: Store, event: Event, now: datetime) -> dict[Kind, Session]:
    now_local = now.astimezone(ZoneInfo(ZONE)).replace(tzinfo=None)
    made = {}
    for kind, title, offset, at, minutes in SESSIONS:
        start = _local(now_local + timedelta(days=offset), at, now_local)
        fields = {
            "kind": str(kind),
            "title": title,
            "description": "",
            "start": start.isoformat(timespec="minutes"),
            "end": (start + timedelta(minutes=minutes)).isoformat(timespec="minutes"),
            "capacity": 200,
            "lobby": rules_of(kind).lobby_by_default,
            "recording_allowed": True,
        }
        made[kind] = await agenda.create_session(store, event=event, fields=fields, now=now)
    return made


async def _roster(
    store: Store,
    sessions: dict[Kind, Session],
    host: RosterEntry,
    experts: list[Expert],
    now: datetime,
) -> None:
    for kind, session in sessions.items():
        # the review, the class and the roadshow are open now beside the meeting (the host
        # is on its roster): the host runs them as staff, so nobody is double-booked
        if kind is Kind.MEETING:
            await agenda.add_to_roster(store, session=session, entry=host, now=now)
    for expert in experts:
        entry = RosterEntry(
            person_key=person_key(PersonType.EXPERT, expert.expert_id),
            role=Role.REVIEWER,
            name=expert.name,
            email=expert.email,
        )
        await agenda.add_to_roster(store, session=sessions[Kind.REVIEW], entry=entry, now=now)


async def seed_demo(store: Store, settings: Settings) -> None:
    """Seed once per Redis database; print the demo credentials on every start."""
    path = credentials_file(settings)
    if await store.is_seeded():
        if path.exists():
            print(path.read_text(), flush=True)
        return
    text = await _seed(store, settings, now=datetime.now(UTC))
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    await store.mark_seeded()
    print(text, flush=True)


async def _seed(store: Store, settings: Settings, *, now: datetime) -> str:
    password = secrets.token_urlsafe(9)
    org, host = await create_org_with_admin(
        store,
        name_zh="云会示范学会",
        name_en="Yunhui Demo Association",
        email=HOST_EMAIL,
        name="示范主持人 Demo Host",
        password=password,
        now=now,
    )
    experts = [await store.experts.create(org_id=org.org_id, fields=f, now=now) for f in EXPERTS]
    await seed_libraries(store, org_id=org.org_id, now=now)
    event = await _event(store, org_id=org.org_id, organizer=org.name_en, now=now)
    sessions = await _sessions(store, event, now)
    host_entry = RosterEntry(
        person_key=person_key(PersonType.ACCOUNT, host.account_id),
        role=Role.HOST,
        name=host.name,
        email=host.email,
    )
    await _roster(store, sessions, host_entry, experts, now)
    review = sessions[Kind.REVIEW]
    await _review(store, review, now=now)
    for draft in POLL_BANK:  # the class's polls, ready to launch
        await store.polls.add_draft(sessions[Kind.CLASS].session_id, poll_spec(draft))
    await _class_deck(store, settings, sessions[Kind.CLASS], by=host.account_id, now=now)
    held = await _held_class(store, settings, org_id=org.org_id, by=host.account_id, now=now)
    show = await demo_roadshow(
        store, settings, sessions[Kind.ROADSHOW], by=host.account_id, now=now
    )
    links = []
    for who, role, email, holder in [
        *((e.name, Role.REVIEWER, e.email, person_key(PersonType.EXPERT, e.expert_id))
          for e in experts),
        (ITEMS[0]["applicant_name"], Role.PRESENTER, ITEMS[0]["applicant_email"], ""),
    ]:  # fmt: skip
        invite = await issue_invite(
            store, session=review, role=role, name=str(who), email=str(email), single_use=False,
            days=365, created_by=host.account_id, now=now, holder=holder,
        )  # fmt: skip
        url = invite_url(settings, sign_invite(settings, invite))
        links.append(f"    {role:<9} {who}:\n              {url}")
    rooms = [
        line
        for kind in (Kind.MEETING, Kind.CLASS)
        for line in await _breakout_links(
            store, settings, sessions[kind], by=host.account_id, now=now
        )
    ]
    follow_up = await demo_follow_up(store, settings, session=sessions[Kind.ROADSHOW], now=now)
    log.info("seeded the demo organization %s", org.org_id)
    listeners = await _listener_links(store, settings, sessions, by=host.account_id, now=now)
    judges = await demo_judges(
        store, settings, sessions[Kind.ROADSHOW], rubric=RUBRIC, by=host.account_id, now=now
    )
    ceremony = await demo_signing(
        store, settings, sessions[Kind.SIGNING], by=host.account_id, now=now
    )
    return (
        "\n  Demo organization 示范学会 (seeded on first start):\n"
        f"    host      {HOST_EMAIL} / {password}   sign in at {settings.base_url}/login\n"
        "  The review session (open now; Chen Ming is conflicted on item 2), personal links:\n"
        + "\n".join(links)
        + "\n  Invitations to speak: the host invites a listener from the room's people list;\n"
        "  listeners' links 听众链接:\n"
        + "\n".join(listeners)
        + "\n"
        + "\n  Breakout groups 分组讨论: the host opens them in the room's panel; attendees' links"
        " (the meeting's lobby: the host admits them):\n"
        + "\n".join(rooms)
        + "\n"
        + "\n  The roadshow (open now; the show starts at the session's start, or when the host"
        " clicks Start the show): founders wait in the lobby until their pitch:\n"
        + "\n".join(show)
        + "\n"
        + "\n  A class held yesterday, its attendance and certificates "
        "(console: the event's Attendance and certificates):\n"
        + held
        + "\n"
        + "\n  The roadshow's judges 路演评委 (score each pitch once it starts, sealed until the"
        " host closes it; the host sees the ranking):\n"
        + "\n".join(judges)
        + "\n"
        + (
            "\n  Follow-up meetings 后续会谈 (the roadshow):\n" + "\n".join(follow_up) + "\n"
            if follow_up
            else ""
        )
        + (
            "\n  The signing ceremony 云签约 (open now; the host fixes the document and calls"
            " each signer in turn; each signer's link also shows the agreement):\n"
            + "\n".join(ceremony)
            + "\n"
            if ceremony
            else ""
        )
    )


# listeners (roles that speak only when invited, rooms.speaking) with a link each: a
# student of the class, and an observer of the opening meeting (open now)
LISTENERS = (
    (Kind.CLASS, Role.ATTENDEE, "示范学生 Demo Student", "the class, open now"),
    (Kind.MEETING, Role.OBSERVER, "示范听众 Demo Listener", "the opening meeting, open now"),
)


async def _listener_links(
    store: Store, settings: Settings, sessions: dict[Kind, Session], *, by: str, now: datetime
) -> list[str]:
    links = []
    for kind, role, who, where in LISTENERS:
        invite = await issue_invite(
            store, session=sessions[kind], role=role, name=who, email="", single_use=False,
            days=365, created_by=by, now=now,
        )  # fmt: skip
        url = invite_url(settings, sign_invite(settings, invite))
        links.append(f"    {role:<9} {who} ({where}):\n              {url}")
    return links


async def _breakout_links(
    store: Store, settings: Settings, session: Session, *, by: str, now: datetime
) -> list[str]:
    """The session's room for the host, and attendee links to try breakout groups with."""
    room = f"{settings.base_url}/sessions/{session.session_id}/room"
    lines = [f"    {session.kind:<9} {session.title} (host: {room})"]
    for name, email in GROUP_MEMBERS:
        invite = await issue_invite(
            store, session=session, role=Role.ATTENDEE, name=name, email=email, single_use=False,
            days=365, created_by=by, now=now,
        )  # fmt: skip
        lines.append(f"      {name}: {invite_url(settings, sign_invite(settings, invite))}")
    return lines


async def _review(store: Store, session: Session, *, now: datetime) -> None:
    """The demo review's items and rubric."""
    for fields in ITEMS:
        await reviews.add_item(store, session=session, fields=fields, now=now)
    await reviews.set_rubric(store, session=session, fields=RUBRIC)


DECK = Report(
    title="科研数据管理 Research data management",
    subtitle="云课堂示范幻灯片 A demo deck for the cloud class",
    sections=(
        Heading("1. 为什么要管理数据 Why manage data"),
        Paragraph("可重复、可共享、可长期保存。\nReproducible, shareable, kept for the long term."),
        PageBreak(),
        Heading("2. 数据管理计划 A data management plan"),
        Paragraph("数据类型、格式、元数据、存储与备份、共享与许可。\n"
                  "Kinds and formats, metadata, storage and backups, sharing and licences."),
        PageBreak(),
        Heading("3. 练习 Exercise"),
        Paragraph("为你的课题写一页数据管理计划。\nWrite a one-page plan for your project."),
    ),
)  # fmt: skip


async def _class_deck(
    store: Store, settings: Settings, session: Session, *, by: str, now: datetime
) -> None:
    """The demo class's slides, ready on its stage (made with the reports' builder; none
    when no CJK font is installed)."""
    font = find_font(settings.report_font)
    if font.path is None:
        log.warning("the demo class has no slides: %s", font.missing_message())
        return
    pdf = await asyncio.to_thread(render_pdf, DECK, font=font)
    stored = await save_bytes(
        store, files_root(settings), pdf, name="科研数据管理 Research data.pdf",
        org_id=session.org_id, scope_id=session.session_id, purpose=FilePurpose.SLIDES,
        created_by=by, now=now,
    )  # fmt: skip
    deck = Deck(stored.file_id, stored.name, pages=count_pages(pdf), downloadable=True)
    await store.slides.put(session.session_id, SlideShow(deck=deck, page=1))


async def _held_class(
    store: Store, settings: Settings, *, org_id: str, by: str, now: datetime
) -> str:
    """An unlisted event of yesterday with one class, its attendance (two attendees reached
    the certificate threshold, one did not) and one certificate issued: the lines to print."""
    day = now.astimezone(ZoneInfo(ZONE)).date() - timedelta(days=1)
    fields = {
        "title_zh": "云会示范培训班", "title_en": "Yunhui Demo Training", "zone": ZONE,
        "description": "A demo class held yesterday. 昨天举办的示范课程。",
        "start_date": day.isoformat(), "end_date": day.isoformat(), "visibility": "unlisted",
    }  # fmt: skip
    event = await agenda.create_event(store, org_id=org_id, organizer=by, fields=fields, now=now)
    start = f"{day.isoformat()}T09:00"
    lesson = await agenda.create_session(
        store, event=event, now=now,
        fields={"kind": "class", "title": HELD_CLASS, "description": "", "start": start,
                "end": f"{day.isoformat()}T10:30"},
    )  # fmt: skip
    for who, email, joined, active, left in ATTENDEES:
        key = person_key(PersonType.GUEST, email)
        await store.attendance.record(
            lesson.session_id, _stay(lesson, key, who, joined, active, left)
        )
    for scope, scope_id in ((Scope.SESSION, lesson.session_id), (Scope.EVENT, event.event_id)):
        await store.certificates.set_threshold(scope, scope_id, THRESHOLD_MINUTES)
    name, email = ATTENDEES[0][:2]
    invite = await issue_invite(  # sent the day before the class
        store, session=lesson, role=Role.ATTENDEE, name=name, email=email, single_use=False,
        days=365, created_by=by, now=lesson.start - timedelta(days=1),
    )  # fmt: skip
    attendance = await certificates.event_attendance(store, event, now=now)
    issued = await certificates.issue(
        store, attendance, scope=Scope.SESSION, scope_id=lesson.session_id,
        person_key=invite.person_key, now=now,
    )  # fmt: skip
    token = sign_invite(settings, invite)
    replay = await demo_recording(store, settings, lesson, invite_token=token)
    return (
        f"    {name}'s attendance: {settings.base_url}/invite/{token}/attendance\n"
        f"    certificate {issued.number}: {certificates.verification_url(settings, issued)}\n"
        + replay
    )


def _stay(
    session: Session, key: str, name: str, joined: int, active: int, left: int
) -> list[Passage]:
    """A stay from minute ``joined`` to ``left`` of the session, the page seen (a heartbeat
    every 30 s) for its first ``active`` minutes."""

    def at(seconds: int) -> datetime:
        return session.start + timedelta(seconds=joined * 60 + seconds)

    def passage(movement: Movement, seconds: int) -> Passage:
        return Passage(movement, key, f"demo-{key}", name, "attendee", at(seconds))

    beats = [passage(Movement.ACTIVE, s) for s in range(0, active * 60 + 1, 30)]
    ends = [passage(Movement.IDLE, active * 60), passage(Movement.LEAVE, (left - joined) * 60)]
    return [passage(Movement.JOIN, 0), *beats, *ends]
