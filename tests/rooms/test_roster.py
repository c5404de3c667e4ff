"""rooms.roster: who can be put on a roster, and as whom."""

from dataclasses import dataclass

import pytest

from rooms.agenda import PersonType, RosterEntry
from rooms.errors import DomainError, NotFound
from rooms.limits import NAME_MAX
from rooms.roles import Role
from rooms.roster import guest_entry, member_entry


@dataclass(frozen=True)
class Member:
    org_id: str
    name: str
    email: str


WANG = Member(org_id="o1", name="Wang Fang", email="wang@example.org")


@pytest.mark.parametrize(
    ("email", "name", "address", "shown"),
    [
        ("li@example.org", "Li Wei", "li@example.org", "Li Wei"),
        (" Li.Wei@Example.ORG ", "  Li   Wei ", "li.wei@example.org", "Li Wei"),
        ("li@example.org", "", "li@example.org", "li@example.org"),
        ("li@example.org", "   ", "li@example.org", "li@example.org"),
        ("li@example.org", "王" * NAME_MAX, "li@example.org", "王" * NAME_MAX),
        ("o'brien+talk@mail.cast.org.cn", "", *["o'brien+talk@mail.cast.org.cn"] * 2),
    ],
)
def test_guest_entry_names_a_guest_by_their_address(
    email: str, name: str, address: str, shown: str
) -> None:
    entry = guest_entry(email=email, role=Role.ATTENDEE, name=name)

    assert entry == RosterEntry(
        person_key=f"guest:{address}", role=Role.ATTENDEE, name=shown, email=address
    )


@pytest.mark.parametrize(
    ("email", "name", "code"),
    [
        ("li/ops@example.org", "Li", "invalid_email"),  # a person key goes in URL paths
        ("li@example.org/x", "Li", "invalid_email"),
        ("", "Li", "invalid_email"),
        ("li", "Li", "invalid_email"),
        ("li@localhost", "Li", "invalid_email"),
        ("li wei@example.org", "Li", "invalid_email"),
        ("li\u3000@example.org", "Li", "invalid_email"),  # an ideographic space
        ("li\u00a0@example.org", "Li", "invalid_email"),  # a no-break space
        ("<li@example.org>", "Li", "invalid_email"),
        ("li@example.org", "x" * (NAME_MAX + 1), "invalid_name"),
    ],
)
def test_guest_entry_refuses_what_is_no_address_or_name(email: str, name: str, code: str) -> None:
    with pytest.raises(DomainError) as refused:
        guest_entry(email=email, role=Role.ATTENDEE, name=name)

    assert refused.value.code == code


@pytest.mark.parametrize(
    ("person_type", "name", "key", "shown"),
    [
        (PersonType.ACCOUNT, "", "account:a1", "Wang Fang"),
        (PersonType.EXPERT, "", "expert:a1", "Wang Fang"),
        (PersonType.ACCOUNT, " Prof.  Wang ", "account:a1", "Prof. Wang"),
    ],
)
def test_member_entry_names_the_organizations_own_people(
    person_type: PersonType, name: str, key: str, shown: str
) -> None:
    entry = member_entry(person_type, "a1", WANG, org_id="o1", role=Role.HOST, name=name)

    assert entry == RosterEntry(person_key=key, role=Role.HOST, name=shown, email=WANG.email)


@pytest.mark.parametrize("member", [None, Member("o2", "Rival", "r@example.org")])
def test_member_entry_finds_nobody_outside_the_organization(member: Member | None) -> None:
    with pytest.raises(NotFound) as refused:
        member_entry(PersonType.EXPERT, "e1", member, org_id="o1", role=Role.REVIEWER)

    assert (refused.value.code, refused.value.message) == (
        "unknown_person",
        "No such person in your organization.",
    )


def test_member_entry_refuses_an_overlong_name() -> None:
    with pytest.raises(DomainError) as refused:
        member_entry(PersonType.ACCOUNT, "a1", WANG, org_id="o1", role=Role.HOST, name="x" * 101)

    assert refused.value.code == "invalid_name"


def test_member_entry_is_not_for_guests() -> None:
    with pytest.raises(ValueError):
        member_entry(PersonType.GUEST, "li@example.org", WANG, org_id="o1", role=Role.ATTENDEE)
