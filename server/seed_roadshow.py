"""The demo roadshow (server.seed): five pitches, each by a founder on the roster with a link
of their own and each the pitch of an achievement of the demo library; an investor's link; the
judges who score the pitches on stage."""

from datetime import datetime

from rooms.agenda import PersonType, RosterEntry, Session, person_key
from rooms.listings import Achievement
from rooms.roles import Role
from server import agenda, reviews
from server.invitations import invite_url, issue_invite, sign_invite
from server.settings import Settings
from server.store import Store

# the demo roadshow: five pitches (its items), each by a founder with a link of their own,
# each the pitch of an achievement of the demo library (by its title)
PITCHES = (
    {"title_zh": "锂电池正极材料直接再生",
     "title_en": "Direct regeneration of spent battery cathodes",
     "applicant_name": "刘洋 Liu Yang", "applicant_org": "锂芯科技 LiCore Tech",
     "applicant_email": "liu.yang@example.org", "disciplines": ["0805"],
     "present_minutes": 5, "qa_minutes": 3, "achievement": "废旧锂电池正极材料直接再生技术"},
    {"title_zh": "农作物病害手机识别", "title_en": "Crop disease detection from phone photos",
     "applicant_name": "Sarah Chen", "applicant_org": "GreenEye AI",
     "applicant_email": "sarah.chen@example.org", "disciplines": ["0812"],
     "present_minutes": 5, "qa_minutes": 3, "achievement": "作物病害图像识别手机应用"},
    {"title_zh": "工业表面缺陷视觉检测",
     "title_en": "Visual inspection of industrial surface defects",
     "applicant_name": "王磊 Wang Lei", "applicant_org": "慧眼智造 SmartEye",
     "applicant_email": "wang.lei@example.org", "disciplines": ["0812"],
     "present_minutes": 5, "qa_minutes": 3, "achievement": "基于深度学习的工业表面缺陷检测系统"},
    {"title_zh": "石墨烯导热界面材料", "title_en": "Graphene thermal interface material",
     "applicant_name": "周婷 Zhou Ting", "applicant_org": "烯热科技 GrapheneHeat",
     "applicant_email": "zhou.ting@example.org", "disciplines": ["0805"],
     "present_minutes": 5, "qa_minutes": 3, "achievement": "Graphene thermal interface material"},
    {"title_zh": "眼底图像智能筛查", "title_en": "Fundus image screening with deep learning",
     "applicant_name": "Ahmed Rahimi", "applicant_org": "ClearView Health",
     "applicant_email": "ahmed.rahimi@example.org", "disciplines": ["0812"],
     "present_minutes": 5, "qa_minutes": 3,
     "achievement": "Fundus image screening with deep learning"},
)  # fmt: skip
SHOW_BUFFER_MINUTES = 1


async def demo_roadshow(
    store: Store, settings: Settings, session: Session, *, by: str, now: datetime
) -> list[str]:
    """The demo roadshow's pitches and buffer; each founder's link (they wait in the lobby
    until their pitch), and an investor's."""
    found = await store.achievements.many(await store.achievements.ids_of(session.org_id))
    achievements = {a.title: a.achievement_id for a in found if isinstance(a, Achievement)}
    for fields in PITCHES:  # each founder on the roster as a presenter, named on their pitch
        email, name = str(fields["applicant_email"]), str(fields["applicant_name"])
        founder = RosterEntry(person_key(PersonType.GUEST, email), Role.PRESENTER, name, email)
        await agenda.add_to_roster(store, session=session, entry=founder, now=now)
        linked = {
            **fields,
            "achievement_id": achievements.get(str(fields["achievement"]), ""),
            "founders": [founder.person_key],
        }
        await reviews.add_item(store, session=session, fields=linked, now=now)
    await store.shows.set_buffer(session, SHOW_BUFFER_MINUTES, now=now)
    lines = [f"    host: {settings.base_url}/sessions/{session.session_id}/room"]
    people = [
        (str(f["applicant_name"]), Role.PRESENTER, str(f["applicant_email"])) for f in PITCHES
    ]
    people.append(("投资人 Demo Investor", Role.ATTENDEE, "investor@example.org"))
    for name, role, email in people:
        invite = await issue_invite(
            store, session=session, role=role, name=name, email=email, single_use=False,
            days=365, created_by=by, now=now,
        )  # fmt: skip
        lines.append(f"    {role:<9} {name}: {invite_url(settings, sign_invite(settings, invite))}")
    return lines


# the roadshow's judges (rooms.judging): guests by e-mail, not the seeded experts (who are
# on the review panel, and a reviewer cannot be booked twice)
JUDGES = (
    ("林评委 Judge Lin", "judge.lin@example.org"),
    ("高评委 Judge Gao", "judge.gao@example.org"),
)


async def demo_judges(
    store: Store,
    settings: Settings,
    session: Session,
    *,
    rubric: dict[str, object],
    by: str,
    now: datetime,
) -> list[str]:
    """The roadshow's rubric (the review's, given) and two judges on its roster, a link each."""
    await reviews.set_rubric(store, session=session, fields=rubric)
    links = []
    for name, email in JUDGES:
        entry = RosterEntry(person_key(PersonType.GUEST, email), Role.REVIEWER, name, email)
        await agenda.add_to_roster(store, session=session, entry=entry, now=now)
        invite = await issue_invite(
            store, session=session, role=Role.REVIEWER, name=name, email=email,
            single_use=False, days=365, created_by=by, now=now,
        )  # fmt: skip
        links.append(f"    reviewer  {name}: {invite_url(settings, sign_invite(settings, invite))}")
    return links
