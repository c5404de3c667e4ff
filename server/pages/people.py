"""Who the console can put on a session's roster: a staff account of the organization, an
expert of its pool, or a guest by name and email; and the role they get.
"""

import re

from rooms.agenda import PersonType, RosterEntry, Session, person_key
from rooms.errors import DomainError, NotFound
from rooms.limits import NAME_MAX
from rooms.roles import Role, roles_for
from server.pages.forms import Form
from server.store import Store

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def chosen_role(form: Form, session: Session) -> Role:
    """The role picked in the form, one the session's kind has."""
    value = form["role"]
    if value not in {str(role) for role in roles_for(session.kind)}:
        raise DomainError("Choose one of the roles of this session.", code="invalid_role")
    return Role(value)


def guest_identity(form: Form) -> tuple[str, str]:
    """A guest's (name, email), checked."""
    name, email = form["name"].strip(), form["email"].strip()
    if not name or len(name) > NAME_MAX:
        raise DomainError("Enter the guest's name.", code="invalid_name")
    if not EMAIL.match(email):
        raise DomainError("Enter the guest's email address, like name@example.org.")
    return name, email


async def _account_entry(store: Store, org_id: str, account_id: str, role: Role) -> RosterEntry:
    account = await store.accounts.get(account_id) if account_id else None
    if account is None or account.org_id != org_id:
        raise NotFound("Choose a staff member of your organization.")
    key = person_key(PersonType.ACCOUNT, account.account_id)
    return RosterEntry(person_key=key, role=role, name=account.name, email=account.email)


async def _expert_entry(store: Store, org_id: str, expert_id: str, role: Role) -> RosterEntry:
    expert = await store.experts.get(expert_id) if expert_id else None
    if expert is None or expert.org_id != org_id:
        raise NotFound("Choose an expert of your organization's pool.")
    key = person_key(PersonType.EXPERT, expert.expert_id)
    return RosterEntry(person_key=key, role=role, name=expert.name, email=expert.email)


async def roster_entry(store: Store, *, session: Session, form: Form) -> RosterEntry:
    """The roster entry the add-person form describes; DomainError if it describes none."""
    role = chosen_role(form, session)
    person_type = form["person_type"]
    if person_type == PersonType.ACCOUNT:
        return await _account_entry(store, session.org_id, form["account_id"], role)
    if person_type == PersonType.EXPERT:
        return await _expert_entry(store, session.org_id, form["expert_id"], role)
    if person_type != PersonType.GUEST:
        raise DomainError("Choose whom to add: a staff member, an expert or a guest.")
    name, email = guest_identity(form)
    return RosterEntry(
        person_key=person_key(PersonType.GUEST, email), role=role, name=name, email=email
    )
