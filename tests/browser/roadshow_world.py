"""A roadshow ready for the browser tests: a staff chair, pitches with founders, invites.

The show is prepared as the console prepares it (``server.reviews``: a roadshow's items are its
pitch slots), its room is open; the chair signs in, founders and guests come with invites.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from rooms.agenda import Session
from rooms.roles import Role
from server import agenda, reviews
from server.invitations import issue_invite, sign_invite
from server.settings import Settings
from server.store import Store
from tests.server.fixtures_login import create_staff

ZONE = "Asia/Shanghai"
CHAIR_EMAIL = "chair@example.org"
FOUNDER_A, FOUNDER_B = "li.na@startup.cn", "zhou.jie@lab.cn"
PITCHES = [
    ("智能灌溉系统", "Smart Irrigation", "Li Na", FOUNDER_A),
    ("固态电池隔膜", "Solid-State Battery Separator", "Zhou Jie", FOUNDER_B),
]


async def open_roadshow(
    store: Store, *, pitch_minutes: int = 1, qa_minutes: int = 0, starts_in: int = 10
) -> Session:
    """A roadshow whose room is open, starting in ``starts_in`` minutes: two pitches."""
    org, account = await create_staff(store, email=CHAIR_EMAIL, name="Chen Chair")
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo(ZONE)).date()
    event = await agenda.create_event(
        store, org_id=org.org_id, organizer=account.account_id, now=now,
        fields={"title_zh": "科技成果路演", "title_en": "Technology Roadshow", "description": "",
                "zone": ZONE, "visibility": "unlisted",
                "start_date": str(today - timedelta(days=1)),
                "end_date": str(today + timedelta(days=1))},
    )  # fmt: skip
    start = (now + timedelta(minutes=starts_in)).astimezone(ZoneInfo(ZONE))
    fields = {
        "kind": "roadshow", "title": "Spring pitches", "description": "", "lobby": False,
        "start": f"{start:%Y-%m-%dT%H:%M}", "end": f"{start + timedelta(hours=1):%Y-%m-%dT%H:%M}",
    }  # fmt: skip
    session = await agenda.create_session(store, event=event, fields=fields, now=now)
    for title_zh, title_en, name, email in PITCHES:
        fields = {
            "title_zh": title_zh, "title_en": title_en, "applicant_name": name,
            "applicant_org": "Startup", "applicant_email": email,
            "present_minutes": pitch_minutes, "qa_minutes": qa_minutes,
        }  # fmt: skip
        await reviews.add_item(store, session=session, fields=fields, now=now)
    await store.schedule.advance(session.session_id, now)
    return session


async def invite(
    store: Store, settings: Settings, session: Session, role: Role, name: str, email: str = ""
) -> str:
    made = await issue_invite(
        store, session=session, role=role, name=name, email=email, single_use=False, days=1,
        created_by="test", now=datetime.now(UTC),
    )  # fmt: skip
    return sign_invite(settings, made)


def room_path(session: Session) -> str:
    return f"/sessions/{session.session_id}/room"
