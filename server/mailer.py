"""Optional e-mail (EMAIL_ENABLED=yes): reminders and personal invites sent over SMTP from a
worker thread."""

import asyncio
import logging
import smtplib
from datetime import UTC
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from rooms.agenda import Session
from server.kind_nouns import KIND_NOUNS
from server.settings import Settings

log = logging.getLogger(__name__)


def subject_of(session: Session, english: str, chinese: str) -> str:
    """A mail's bilingual subject naming the session's kind: "Reminder of the review /
    评审提醒: <title>"."""
    noun_en, noun_zh = KIND_NOUNS[session.kind]
    return f"{english} the {noun_en} / {noun_zh}{chinese}: {session.title}"


def when(session: Session) -> str:
    """The session's start as its event's people read it, and in UTC: "2026-12-05 21:40
    (Asia/Shanghai) · 13:40 UTC"."""
    local = session.start.astimezone(ZoneInfo(session.zone))
    utc = session.start.astimezone(UTC)
    return f"{local:%Y-%m-%d %H:%M} ({session.zone}) · {utc:%H:%M} UTC"


def reminder_message(settings: Settings, session: Session, to: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject_of(session, "Reminder of", "提醒")
    link = f"{settings.base_url}/sessions/{session.session_id}"
    message.set_content(f"{session.title}\n{when(session)}\n{link}\n")
    return message


def invite_message(
    settings: Settings, session: Session, *, to: str, name: str, link: str
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject_of(session, "Invitation to", "邀请")
    noun_en, noun_zh = KIND_NOUNS[session.kind]
    message.set_content(
        f"{name}:\n\n您受邀参加{noun_zh}：{session.title}\n"
        f"You are invited to the {noun_en}: {session.title}\n\n{when(session)}\n\n"
        f"打开链接加入 / Open the link to join:\n{link}\n"
    )
    return message


class Mailer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send_reminders(self, session: Session, recipients: list[str]) -> None:
        messages = [reminder_message(self.settings, session, to) for to in recipients]
        if messages:
            await asyncio.to_thread(self._send, messages)

    async def send_invite(self, session: Session, *, to: str, name: str, link: str) -> bool:
        """Send a personal invite's link; whether the SMTP server took it."""
        message = invite_message(self.settings, session, to=to, name=name, link=link)
        return await asyncio.to_thread(self._send, [message])

    async def send(self, message: EmailMessage) -> bool:
        """Send one message; whether the SMTP server took it."""
        return await asyncio.to_thread(self._send, [message])

    def _send(self, messages: list[EmailMessage]) -> bool:
        try:
            with smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port, timeout=10) as smtp:
                for message in messages:
                    smtp.send_message(message)
        except (OSError, smtplib.SMTPException):
            log.exception("could not send %d e-mails", len(messages))
            return False
        return True


def follow_up_message(
    settings: Settings, *, to: str, subject: str, body: str, ics: bytes | None = None
) -> EmailMessage:
    """A follow-up request's mail (``server/followups.py``), with the meeting's ICS
    invitation attached when there is one."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    if ics is not None:
        message.add_attachment(
            ics, maintype="text", subtype="calendar", filename="follow-up.ics",
            params={"method": "PUBLISH"},
        )  # fmt: skip
    return message
