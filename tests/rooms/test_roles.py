"""rooms.roles: the capability table, spelled out here so any change to it is deliberate."""

import pytest

from rooms.roles import (
    BOOKED_ROLES,
    CAPABILITIES,
    Capability,
    Kind,
    Role,
    capabilities,
    is_allowed,
    lobby_skippers,
    roles_for,
)

MEETING, CLASS, REVIEW, ROADSHOW, SIGNING = Kind
HOST, COHOST, PRESENTER, REVIEWER, ATTENDEE, OBSERVER, SIGNER, WITNESS = Role

# (kind, role) -> exactly what the role may do there. A pair missing here has no role at all.
EXPECTED: dict[tuple[Kind, Role], set[str]] = {
    # meeting
    (MEETING, HOST): set(
        "run_polls bypass_lobby chat chat_private end_session join manage_roles moderate "
        "publish_audio publish_screen publish_video raise_hand react see_roster".split()
    ),
    (MEETING, COHOST): set(
        "run_polls bypass_lobby chat chat_private join manage_roles moderate publish_audio "
        "publish_screen publish_video raise_hand react see_roster".split()
    ),
    (MEETING, PRESENTER): set(
        "run_polls bypass_lobby chat chat_private join publish_audio publish_screen publish_video "
        "raise_hand react see_roster".split()
    ),
    (MEETING, ATTENDEE): set(
        "vote ask_question chat chat_private join publish_audio publish_video raise_hand react "
        "see_roster".split()
    ),
    (MEETING, OBSERVER): set("join react see_roster".split()),
    # class
    (CLASS, HOST): set(
        "run_polls bypass_lobby chair chat chat_private end_session join manage_roles moderate "
        "publish_audio publish_screen publish_video raise_hand react see_roster".split()
    ),
    (CLASS, COHOST): set(
        "run_polls bypass_lobby chat chat_private join manage_roles moderate publish_audio "
        "publish_screen publish_video raise_hand react see_roster".split()
    ),
    (CLASS, PRESENTER): set(
        "run_polls bypass_lobby chat chat_private join publish_audio publish_screen publish_video "
        "raise_hand react see_roster".split()
    ),
    (CLASS, ATTENDEE): set(
        "vote ask_question chat chat_private join raise_hand react see_roster".split()
    ),
    (CLASS, OBSERVER): set("join react see_roster".split()),
    # review
    (REVIEW, HOST): set(
        "bypass_lobby chair chat chat_private end_session join manage_roles moderate "
        "publish_audio publish_screen publish_video raise_hand react see_roster".split()
    ),
    (REVIEW, COHOST): set(
        "bypass_lobby chat chat_private join manage_roles moderate publish_audio "
        "publish_screen publish_video raise_hand react see_roster".split()
    ),
    (REVIEW, REVIEWER): set(
        "bypass_lobby chat chat_private join publish_audio publish_screen publish_video "
        "raise_hand react score see_roster".split()
    ),
    (REVIEW, PRESENTER): set(
        "chat chat_private join publish_audio publish_screen publish_video raise_hand react".split()
    ),
    (REVIEW, OBSERVER): set("join react".split()),
    # roadshow
    (ROADSHOW, HOST): set(
        "run_polls bypass_lobby chair chat chat_private end_session join manage_roles moderate "
        "publish_audio publish_screen publish_video raise_hand react see_roster".split()
    ),
    (ROADSHOW, COHOST): set(
        "run_polls bypass_lobby chat chat_private join manage_roles moderate publish_audio "
        "publish_screen publish_video raise_hand react see_roster".split()
    ),
    (ROADSHOW, PRESENTER): set(
        "run_polls bypass_lobby chat chat_private join publish_audio publish_screen publish_video "
        "raise_hand react see_roster".split()
    ),
    (ROADSHOW, REVIEWER): set(
        "vote ask_question bypass_lobby chat chat_private join mark_interest publish_audio "
        "publish_video raise_hand react score see_roster".split()
    ),
    (ROADSHOW, ATTENDEE): set(
        "vote ask_question chat chat_private join mark_interest raise_hand react see_roster".split()
    ),
    (ROADSHOW, OBSERVER): set("join react see_roster".split()),
    # signing
    (SIGNING, HOST): set(
        "bypass_lobby chair chat chat_private end_session join manage_roles moderate "
        "publish_audio publish_screen publish_video raise_hand react see_roster".split()
    ),
    (SIGNING, COHOST): set(
        "bypass_lobby chat chat_private join manage_roles moderate publish_audio "
        "publish_screen publish_video raise_hand react see_roster".split()
    ),
    (SIGNING, SIGNER): set(
        "bypass_lobby chat chat_private join publish_audio publish_video raise_hand react "
        "see_roster sign".split()
    ),
    (SIGNING, WITNESS): set(
        "bypass_lobby chat chat_private join publish_audio publish_video raise_hand react "
        "see_roster witness".split()
    ),
    (SIGNING, ATTENDEE): set(
        "ask_question chat chat_private join raise_hand react see_roster".split()
    ),
    (SIGNING, OBSERVER): set("join react see_roster".split()),
}

ROLES_OF = {
    MEETING: (HOST, COHOST, PRESENTER, ATTENDEE, OBSERVER),
    CLASS: (HOST, COHOST, PRESENTER, ATTENDEE, OBSERVER),
    REVIEW: (HOST, COHOST, REVIEWER, PRESENTER, OBSERVER),
    ROADSHOW: (HOST, COHOST, PRESENTER, REVIEWER, ATTENDEE, OBSERVER),
    SIGNING: (HOST, COHOST, SIGNER, WITNESS, ATTENDEE, OBSERVER),
}
EVERY_PAIR = [(kind, role) for kind in Kind for role in Role]


@pytest.mark.parametrize(("kind", "role"), EVERY_PAIR)
def test_capabilities_are_exactly_the_table(kind: Kind, role: Role) -> None:
    assert {str(c) for c in capabilities(kind, role)} == EXPECTED.get((kind, role), set())


@pytest.mark.parametrize(("kind", "role"), EVERY_PAIR)
def test_is_allowed_agrees_with_the_table_for_every_capability(kind: Kind, role: Role) -> None:
    allowed = {str(c) for c in Capability if is_allowed(kind, role, c)}

    assert allowed == EXPECTED.get((kind, role), set())


@pytest.mark.parametrize("kind", list(Kind))
def test_roles_for_lists_the_roles_of_a_kind_in_table_order(kind: Kind) -> None:
    assert roles_for(kind) == ROLES_OF[kind]


def test_the_table_has_no_pair_beyond_the_expected_ones() -> None:
    pairs = {(kind, role) for kind, roles in CAPABILITIES.items() for role in roles}

    assert pairs == set(EXPECTED)


@pytest.mark.parametrize(
    ("kind", "role"),
    [
        (CLASS, REVIEWER),
        (MEETING, SIGNER),
        (REVIEW, ATTENDEE),
        (ROADSHOW, WITNESS),
        (SIGNING, PRESENTER),
    ],
)
def test_a_role_missing_from_a_kind_may_do_nothing(kind: Kind, role: Role) -> None:
    assert capabilities(kind, role) == frozenset()
    assert [c for c in Capability if is_allowed(kind, role, c)] == []


def test_every_capability_is_granted_somewhere() -> None:
    granted = set().union(*EXPECTED.values())

    assert granted == {str(c) for c in Capability}


def test_booked_roles_are_the_ones_that_must_be_present_throughout() -> None:
    assert BOOKED_ROLES == {HOST, COHOST, PRESENTER, REVIEWER, SIGNER}


def test_lobby_skippers_are_the_roles_that_bypass_the_lobby_in_table_order() -> None:
    found = {kind: lobby_skippers(kind) for kind in Kind}

    assert found == {
        MEETING: (HOST, COHOST, PRESENTER),
        CLASS: (HOST, COHOST, PRESENTER),
        REVIEW: (HOST, COHOST, REVIEWER),
        ROADSHOW: (HOST, COHOST, PRESENTER, REVIEWER),
        SIGNING: (HOST, COHOST, SIGNER, WITNESS),
    }
