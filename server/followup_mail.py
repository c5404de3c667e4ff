"""The mails of follow-up requests (``server/followups.py``), in English and Chinese: a
founder's request with their own link, and each booked person's invitation with the
meeting's ICS attached."""

from datetime import datetime
from email.message import EmailMessage

from rooms import followups as rules
from rooms.agenda import Session
from rooms.followups import FollowUp, Party
from rooms.timing import parse_zone, utc_to_local
from server.calendar import calendar_of
from server.mailer import follow_up_message
from server.settings import Settings


def meeting_ics(settings: Settings, meeting: Session, *, now: datetime) -> bytes:
    return calendar_of(
        [meeting], name=meeting.title, uid=f"{meeting.session_id}-invitation@yunhui",
        settings=settings, join_label="Join", now=now,
    )  # fmt: skip


def local_time(follow_up: FollowUp, moment: datetime) -> str:
    local = utc_to_local(moment, parse_zone(follow_up.zone))
    return f"{local.strftime('%Y-%m-%d %H:%M')} ({follow_up.zone})"


def request_mail(
    settings: Settings, follow_up: FollowUp, founder: Party, link: str
) -> EmailMessage:
    """One founder's mail: who asks, the proposed times, and their own link."""
    times = "\n".join(f"  - {local_time(follow_up, t)}" for t in follow_up.times)
    contact = rules.investor_contact(follow_up)
    body = (
        f"{founder.name}:\n\n"
        f"{follow_up.investor.name}{f' <{contact}>' if contact else ''} asks for a follow-up "
        f"meeting about “{follow_up.project}” ({follow_up.minutes} min).\n"
        f"投资人 {follow_up.investor.name} 希望就“{follow_up.project}”与您约一次后续会谈。\n\n"
        f"{follow_up.message}\n\n{times}\n\n"
        f"Pick a time or decline 选择时间或谢绝:\n{link}\n"
    )
    return follow_up_message(
        settings, to=founder.email,
        subject=f"Follow-up request / 后续会谈邀约: {follow_up.project}", body=body,
    )  # fmt: skip


def booked_mail(
    settings: Settings,
    follow_up: FollowUp,
    party: Party,
    meeting: Session,
    *,
    title: str,
    link: str,
    now: datetime,
) -> EmailMessage:
    """A booked person's invitation: the meeting, its time, their invite link, the ICS."""
    when = local_time(follow_up, meeting.start)
    body = f"{party.name}:\n\n{meeting.title}\n{when}\n\n{link}\n"
    ics = meeting_ics(settings, meeting, now=now)
    return follow_up_message(settings, to=party.email, subject=title, body=body, ics=ics)
