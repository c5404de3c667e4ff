from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from rooms.agenda import Session
from rooms.errors import DomainError
from rooms.invites import (
    Invite,
    InviteRefused,
    InviteStatus,
    Refusal,
    check_admission,
    new_invite,
    refusal,
    status_of,
)
from rooms.lifecycle import State
from rooms.limits import NAME_MAX
from rooms.roles import Kind, Role

NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


def _session(**changes: object) -> Session:
    session = Session(
        session_id="s1",
        event_id="e1",
        org_id="o1",
        kind=Kind.REVIEW,
        title="Panel A",
        description="",
        start=NOW + timedelta(days=2),
        end=NOW + timedelta(days=2, hours=2),
        zone="Asia/Shanghai",
        capacity=50,
        lobby=True,
        lobby_minutes=15,
        recording_allowed=False,
        state=State.SCHEDULED,
        created_at=NOW,
        updated_at=NOW,
    )
    return replace(session, **changes)


def _invite(**changes: object) -> Invite:
    invite = new_invite(
        invite_id="i1",
        session=_session(),
        role=Role.REVIEWER,
        name=" Li Wei ",
        email="Li.Wei@Example.org",
        single_use=True,
        days=30,
        created_by="a1",
        now=NOW,
    )
    return replace(invite, **changes)


def test_new_invite_expires_after_the_given_days_and_normalizes_name_and_email() -> None:
    invite = _invite()

    assert (invite.name, invite.email) == ("Li Wei", "li.wei@example.org")
    assert invite.expires_at == NOW + timedelta(days=30)
    assert invite.revoked is False


def test_new_invite_refuses_a_role_the_session_kind_does_not_have() -> None:
    with pytest.raises(DomainError) as caught:
        new_invite(
            invite_id="i1",
            session=_session(kind=Kind.CLASS),
            role=Role.REVIEWER,
            name="Li Wei",
            email="",
            single_use=False,
            days=30,
            created_by="a1",
            now=NOW,
        )

    assert caught.value.code == "invalid_role"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"days": 0}, "invalid_expiry"),
        ({"days": 366}, "invalid_expiry"),
        ({"name": "  "}, "invalid_name"),
        ({"name": "x" * (NAME_MAX + 1)}, "invalid_name"),
        ({"email": "li/ops@example.org"}, "invalid_email"),
        ({"email": "li@localhost"}, "invalid_email"),
        ({"session": _session(state=State.CANCELLED)}, "session_over"),
        ({"now": NOW + timedelta(days=3)}, "session_over"),
    ],
)
def test_new_invite_refuses_bad_input(changes: dict[str, object], code: str) -> None:
    arguments: dict[str, object] = {
        "invite_id": "i1",
        "session": _session(),
        "role": Role.REVIEWER,
        "name": "Li Wei",
        "email": "",
        "single_use": False,
        "days": 30,
        "created_by": "a1",
        "now": NOW,
    }

    with pytest.raises(DomainError) as caught:
        new_invite(**(arguments | changes))  # type: ignore[arg-type]

    assert caught.value.code == code


def test_person_key_is_the_guest_email_when_known_else_the_invite() -> None:
    assert _invite().person_key == "guest:li.wei@example.org"
    assert _invite(email="").person_key == "invite:i1"


def test_a_personal_invite_is_its_rostered_persons() -> None:
    invite = new_invite(
        invite_id="i1", session=_session(), role=Role.REVIEWER, name="Wang", email="w@x.org",
        single_use=False, days=30, created_by="a1", now=NOW, holder="expert:e1",
    )  # fmt: skip

    assert (invite.holder, invite.person_key) == ("expert:e1", "expert:e1")


@pytest.mark.parametrize(
    ("invite_changes", "session_changes", "named", "spent", "now", "expected"),
    [
        ({}, {}, None, False, NOW, None),
        ({}, {}, "s1", False, NOW, None),
        ({}, {}, "s2", False, NOW, Refusal.WRONG_SESSION),
        ({"revoked": True}, {}, None, False, NOW, Refusal.REVOKED),
        ({}, {}, None, False, NOW + timedelta(days=30), Refusal.EXPIRED),
        ({}, {"state": State.CANCELLED}, None, False, NOW, Refusal.CANCELLED),
        ({}, {"state": State.ENDED}, None, False, NOW, Refusal.ENDED),
        ({}, {}, None, False, NOW + timedelta(days=2, hours=2), Refusal.ENDED),
        ({}, {}, None, True, NOW, Refusal.USED),
        ({"single_use": False}, {}, None, True, NOW, None),
        ({}, {"state": State.LIVE}, None, False, NOW + timedelta(days=2, hours=1), None),
    ],
)
def test_refusal_says_why_an_invite_does_not_admit(
    invite_changes: dict[str, object],
    session_changes: dict[str, object],
    named: str | None,
    spent: bool,
    now: datetime,
    expected: Refusal | None,
) -> None:
    reason = refusal(
        _invite(**invite_changes),
        session=_session(**session_changes),
        named_session_id=named,
        spent=spent,
        now=now,
    )

    assert reason == expected


def test_check_admission_raises_the_refusal_with_its_own_code() -> None:
    with pytest.raises(InviteRefused) as caught:
        check_admission(
            _invite(revoked=True), session=_session(), named_session_id=None, spent=False, now=NOW
        )

    assert (caught.value.reason, caught.value.code) == (Refusal.REVOKED, "invite_revoked")


@pytest.mark.parametrize(
    ("changes", "spent", "now", "expected"),
    [
        ({}, False, NOW, InviteStatus.ACTIVE),
        ({}, True, NOW, InviteStatus.USED),
        ({"single_use": False}, True, NOW, InviteStatus.ACTIVE),
        ({}, False, NOW + timedelta(days=31), InviteStatus.EXPIRED),
        ({"revoked": True}, True, NOW, InviteStatus.REVOKED),
    ],
)
def test_status_of_an_invite_for_its_organizer(
    changes: dict[str, object], spent: bool, now: datetime, expected: InviteStatus
) -> None:
    assert status_of(_invite(**changes), spent=spent, now=now) == expected
