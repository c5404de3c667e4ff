"""Who can be put on a session's roster, and as whom: a staff account or an expert of the
session's organization, or a guest by e-mail address. One rule for the console's form and
the REST API alike; the server looks the account or expert up, this module decides.

A guest is named by their address, spelled as ``rooms.accounts.normalize_email`` spells it
(trimmed, lower case; no ``/``, as a person key travels in URL paths), and shown by the name
given or else by that address. An account or expert must be the organization's: another
organization's is not found (``of_org``). A name given replaces theirs on this roster; any
name is a name by ``check_name``. Whether the role suits the session's kind, and whether the
session still takes people, is checked when the entry is written (``agenda.check_entry``).
"""

from typing import Protocol

from rooms.accounts import check_name, normalize_email, of_org
from rooms.agenda import PersonType, RosterEntry, person_key
from rooms.errors import NotFound
from rooms.roles import Role


class Member(Protocol):
    """An account or an expert, as a roster sees them."""

    @property
    def org_id(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def email(self) -> str: ...


def guest_entry(*, email: str, role: Role, name: str = "") -> RosterEntry:
    """A guest by e-mail address; DomainError ``invalid_email`` or ``invalid_name``."""
    address = normalize_email(email)
    key = person_key(PersonType.GUEST, address)
    return RosterEntry(person_key=key, role=role, name=_given(name) or address, email=address)


def member_entry(
    person_type: PersonType,
    member_id: str,
    member: Member | None,
    *,
    org_id: str,
    role: Role,
    name: str = "",
) -> RosterEntry:
    """An account or expert (``member``, looked up by ``member_id``) of the organization;
    NotFound ``unknown_person`` if there is none or it is another organization's."""
    if person_type is PersonType.GUEST:
        raise ValueError("a guest is no member: use guest_entry")
    unknown = NotFound("No such person in your organization.", code="unknown_person")
    found = of_org(member, org_id, unknown)
    key = person_key(person_type, member_id)
    return RosterEntry(
        person_key=key, role=role, name=_given(name) or found.name, email=found.email
    )


def _given(name: str) -> str:
    """The name given, tidied and checked; "" when none is."""
    return check_name(name) if name.strip() else ""
