"""A rostered expert's personal invite, e-mailed through a real SMTP server on 127.0.0.1
(aiosmtpd): the message carries a link that admits the expert as themselves."""

import re
import socket
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller

from rooms.agenda import PersonType, RosterEntry, person_key
from rooms.roles import Role
from server import agenda
from server.invitations import issue_personal_invite, mail_invite, open_invite
from server.settings import Settings
from server.store import Store
from tests.server.fixtures_login import create_staff


class Inbox:
    """aiosmtpd's handler: keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_personal_invite_is_mailed_with_a_link_that_admits_the_expert(
    store: Store, settings: Settings
) -> None:
    inbox, port = Inbox(), free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    mailing = replace(settings, email_enabled=True, smtp_host="127.0.0.1", smtp_port=port)
    _org, staff = await create_staff(store, email="host@example.org")
    now = datetime.now(UTC)
    event = await agenda.create_event(
        store, org_id=staff.org_id, organizer=staff.account_id, now=now,
        fields={"title_zh": "评审", "title_en": "Review", "description": "",
                "zone": "Asia/Shanghai",
                "start_date": f"{now:%Y-%m-%d}", "end_date": f"{now + timedelta(days=2):%Y-%m-%d}",
                "visibility": "unlisted"},
    )  # fmt: skip
    start = now.astimezone(ZoneInfo("Asia/Shanghai")) + timedelta(hours=2)
    session = await agenda.create_session(
        store, event=event, now=now,
        fields={"kind": "review", "title": "青年基金评审", "description": "", "lobby": True,
                "start": f"{start:%Y-%m-%dT%H:%M}",
                "end": f"{start + timedelta(hours=1):%Y-%m-%dT%H:%M}"},
    )  # fmt: skip
    expert = await store.experts.create(
        org_id=staff.org_id, now=now,
        fields={"name": "李伟 Li Wei", "affiliation": "清华大学", "email": "li.wei@example.org"},
    )  # fmt: skip
    key = person_key(PersonType.EXPERT, expert.expert_id)
    entry = RosterEntry(key, Role.REVIEWER, expert.name, expert.email)
    await agenda.add_to_roster(store, session=session, entry=entry, now=now)
    try:
        invite = await issue_personal_invite(
            store, session=session, person_key=key, created_by=staff.account_id, now=now
        )
        sent = await mail_invite(mailing, session, invite)
    finally:
        smtp.stop()

    [message] = inbox.messages
    body = message.get_content()
    token = re.search(r"/invite/(\S+)", body).group(1)
    opened, for_session = await open_invite(store, mailing, token=token, now=now)
    assert (sent, message["To"], str(message["Subject"])) == (
        "sent", "li.wei@example.org", f"Invitation to the review / 评审邀请: {session.title}",
    )  # fmt: skip
    utc = start.astimezone(UTC)
    assert f"{start:%Y-%m-%d %H:%M} (Asia/Shanghai) · {utc:%H:%M} UTC" in body
    assert f"您受邀参加评审：{session.title}" in body
    assert (opened.person_key, opened.role, for_session.session_id) == (
        key, Role.REVIEWER, session.session_id,
    )  # fmt: skip
