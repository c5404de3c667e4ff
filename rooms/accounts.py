"""Organizations and their staff accounts: the records, the rules for their fields, and the
rule that another organization's record is not found (``of_org``).

Passwords never appear here: the server hashes them (argon2) and the store keeps the hash
beside the account, so an ``Account`` can be shown, logged or serialized safely.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol, TypeVar

from rooms.errors import DomainError, NotFound
from rooms.limits import EMAIL_LOCAL_MAX, EMAIL_MAX, NAME_MAX, PASSWORD_MAX

PASSWORD_MIN = 10
_EMAIL_FORBIDDEN = set('"(),:;<>[]\\/')  # "/" too: a guest's person key travels in URL paths
# A pattern every address normalize_email accepts matches (for documents such as OpenAPI).
EMAIL_PATTERN = rf"[^@\s/]{{1,{EMAIL_LOCAL_MAX}}}@[^@\s/]+\.[^@\s/]+"


class OrgRole(StrEnum):
    ADMIN = "admin"  # manages the organization's staff accounts
    STAFF = "staff"


@dataclass(frozen=True, slots=True)
class Organization:
    org_id: str
    name_zh: str
    name_en: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Account:
    account_id: str
    org_id: str
    email: str  # normalized: see normalize_email
    name: str
    org_role: OrgRole
    created_at: datetime

    @property
    def is_admin(self) -> bool:
        return self.org_role is OrgRole.ADMIN


class OfAnOrganization(Protocol):
    """A record that belongs to one organization: an event, a session, an account, an expert."""

    @property
    def org_id(self) -> str: ...


_Record = TypeVar("_Record", bound=OfAnOrganization)


def of_org(record: _Record | None, org_id: str, missing: NotFound) -> _Record:
    """The record if it is the organization's; else ``missing`` is raised. Another
    organization's record is not found, exactly as one that does not exist, so an id tried
    from outside reveals nothing."""
    if record is None or record.org_id != org_id:
        raise missing
    return record


def _invalid_email(raw: str) -> DomainError:
    return DomainError(
        "{email} is not a valid email address.", code="invalid_email", email=raw.strip()[:80]
    )


def normalize_email(raw: str) -> str:
    """The one spelling of an address: trimmed, lower-case; DomainError if it is not one.

    The one e-mail rule of the site: staff accounts, guests on rosters, invitees, the
    console and the API alike."""
    email = raw.strip().lower()
    local, at, domain = email.rpartition("@")
    labels = domain.split(".")
    if (
        not at
        or not local
        or len(local) > EMAIL_LOCAL_MAX
        or len(email) > EMAIL_MAX
        or "@" in local
        or set(email) & _EMAIL_FORBIDDEN
        or any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in email)
        or len(labels) < 2
        or any(not label or label.startswith("-") or label.endswith("-") for label in labels)
        or ".." in local
        or local.startswith(".")
        or local.endswith(".")
    ):
        raise _invalid_email(raw)
    return email


def check_name(name: str) -> str:
    """A display or organization name: one line, 1 to NAME_MAX characters, spaces tidied."""
    clean = " ".join(name.split())
    if not 1 <= len(clean) <= NAME_MAX:
        raise DomainError(
            "A name must have between 1 and {limit} characters.",
            code="invalid_name",
            limit=NAME_MAX,
        )
    return clean


def parse_org_role(value: str) -> OrgRole:
    try:
        return OrgRole(value)
    except ValueError:
        raise DomainError(
            "{role} is not an organization role; choose admin or staff.",
            code="invalid_role",
            role=str(value)[:40],
        ) from None


def check_password(password: str) -> None:
    """The password policy for new passwords: long enough, not absurdly long."""
    if len(password) < PASSWORD_MIN:
        raise DomainError(
            "A password needs at least {n} characters.", code="weak_password", n=PASSWORD_MIN
        )
    if len(password) > PASSWORD_MAX:
        raise DomainError(
            "A password may have at most {n} characters.", code="long_password", n=PASSWORD_MAX
        )


def new_organization(*, org_id: str, name_zh: str, name_en: str, now: datetime) -> Organization:
    return Organization(
        org_id=org_id,
        name_zh=check_name(name_zh),
        name_en=check_name(name_en),
        created_at=now,
    )


def new_account(
    *, account_id: str, org_id: str, email: str, name: str, org_role: str, now: datetime
) -> Account:
    return Account(
        account_id=account_id,
        org_id=org_id,
        email=normalize_email(email),
        name=check_name(name),
        org_role=parse_org_role(org_role),
        created_at=now,
    )
