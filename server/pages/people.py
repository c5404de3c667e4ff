"""What the console's add-person form names: whom (a staff account of the organization, an
expert of its pool, or a guest by name and email) and the role they get. Who may be put on
the roster is the agenda's rule (``server.agenda.roster_entry``, ``rooms.roster``), the same
as the REST API's.
"""

from rooms.agenda import PersonType, RosterEntry, Session
from rooms.errors import DomainError
from rooms.roles import Role, roles_for
from server import agenda
from server.pages.forms import Form
from server.store import Store

ID_FIELDS = {PersonType.ACCOUNT: "account_id", PersonType.EXPERT: "expert_id"}


def chosen_role(form: Form, session: Session) -> Role:
    """The role picked in the form, one the session's kind has."""
    value = form["role"]
    if value not in {str(role) for role in roles_for(session.kind)}:
        raise DomainError("Choose one of the roles of this session.", code="invalid_role")
    return Role(value)


def chosen_person_type(form: Form) -> PersonType:
    try:
        return PersonType(form["person_type"])
    except ValueError:
        raise DomainError("Choose whom to add: a staff member, an expert or a guest.") from None


async def roster_entry(store: Store, *, session: Session, form: Form) -> RosterEntry:
    """The roster entry the add-person form describes; DomainError if it describes none."""
    role, person_type = chosen_role(form, session), chosen_person_type(form)
    return await agenda.roster_entry(
        store,
        org_id=session.org_id,
        person_type=person_type,
        member_id=form[ID_FIELDS[person_type]] if person_type in ID_FIELDS else "",
        email=form["email"],
        role=role,
        name=form["name"],
    )
