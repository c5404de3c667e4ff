import re
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime

import pytest

from rooms.accounts import (
    EMAIL_PATTERN,
    Account,
    OrgRole,
    check_name,
    check_password,
    new_account,
    new_organization,
    normalize_email,
    of_org,
    parse_org_role,
)
from rooms.errors import DomainError, NotFound

NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


GOOD_EMAILS = [
    ("wang.fang@example.org", "wang.fang@example.org"),
    ("  Wang.Fang@Example.ORG ", "wang.fang@example.org"),
    ("li+review@mail.cast.org.cn", "li+review@mail.cast.org.cn"),
    ("o'brien@example.ie", "o'brien@example.ie"),
    ("x@a-b.example", "x@a-b.example"),
    ("王芳@例子.中国", "王芳@例子.中国"),
    ("a" * 64 + "@example.org", "a" * 64 + "@example.org"),
]
BAD_EMAILS = [
    "",
    "   ",
    "no-at-sign.example.org",
    "@example.org",
    "wang@",
    "wang@localhost",
    "wang@@example.org",
    "wang@exa mple.org",
    "wang fang@example.org",
    "wang\u3000fang@example.org",  # an ideographic space
    "wang\u00a0@example.org",  # a no-break space
    "wang/ops@example.org",  # a guest's person key goes in URL paths
    "wang@example.org/x",
    "wang@example..org",
    "wang@-example.org",
    "wang@example-.org",
    "wang..fang@example.org",
    ".wang@example.org",
    "wang.@example.org",
    "wang@exam\nple.org",
    "wang\x00@example.org",
    "<wang@example.org>",
    "a" * 65 + "@example.org",
    "a@" + "b" * 250 + ".org",
]


@pytest.mark.parametrize(("raw", "expected"), GOOD_EMAILS)
def test_normalize_email_trims_and_lowercases(raw: str, expected: str) -> None:
    assert normalize_email(raw) == expected


@pytest.mark.parametrize("raw", BAD_EMAILS)
def test_normalize_email_refuses_what_is_not_an_address(raw: str) -> None:
    with pytest.raises(DomainError) as refused:
        normalize_email(raw)

    assert refused.value.code == "invalid_email"


@pytest.mark.parametrize(("raw", "expected"), GOOD_EMAILS)
def test_the_documented_pattern_matches_every_address_normalize_email_takes(
    raw: str, expected: str
) -> None:
    assert re.fullmatch(EMAIL_PATTERN, raw.strip()) is not None
    assert re.fullmatch(EMAIL_PATTERN, expected) is not None


def test_normalize_email_names_the_address_in_its_message() -> None:
    with pytest.raises(DomainError) as refused:
        normalize_email(" nobody ")

    assert refused.value.message == "nobody is not a valid email address."


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Wang Fang", "Wang Fang"), ("  王芳 ", "王芳"), ("Li\t \n Wei", "Li Wei")],
)
def test_check_name_tidies_spaces(raw: str, expected: str) -> None:
    assert check_name(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "x" * 101])
def test_check_name_refuses_empty_and_overlong_names(raw: str) -> None:
    with pytest.raises(DomainError) as refused:
        check_name(raw)

    assert refused.value.code == "invalid_name"


@pytest.mark.parametrize(
    ("password", "code"), [("short", "weak_password"), ("x" * 1025, "long_password")]
)
def test_check_password_refuses_short_and_absurd_passwords(password: str, code: str) -> None:
    with pytest.raises(DomainError) as refused:
        check_password(password)

    assert refused.value.code == code


def test_check_password_accepts_ten_characters() -> None:
    assert check_password("0123456789") is None


def test_parse_org_role_knows_admin_and_staff_only() -> None:
    assert [parse_org_role("admin"), parse_org_role("staff")] == [OrgRole.ADMIN, OrgRole.STAFF]
    with pytest.raises(DomainError) as refused:
        parse_org_role("owner")
    assert refused.value.code == "invalid_role"


def test_new_account_normalizes_its_fields() -> None:
    account = new_account(
        account_id="a1",
        org_id="o1",
        email=" Wang@Example.org",
        name=" Wang  Fang ",
        org_role="admin",
        now=NOW,
    )

    assert account == Account(
        account_id="a1",
        org_id="o1",
        email="wang@example.org",
        name="Wang Fang",
        org_role=OrgRole.ADMIN,
        created_at=NOW,
    )
    assert account.is_admin is True


def test_accounts_and_organizations_are_frozen() -> None:
    org = new_organization(org_id="o1", name_zh=" 中国学会 ", name_en="Society", now=NOW)
    account = new_account(
        account_id="a1", org_id="o1", email="a@example.org", name="A", org_role="staff", now=NOW
    )

    assert (org.name_zh, account.is_admin) == ("中国学会", False)
    with pytest.raises(FrozenInstanceError):
        account.org_role = OrgRole.ADMIN  # type: ignore[misc]


def _account(org_id: str) -> Account:
    return new_account(
        account_id="a1", org_id=org_id, email="a@example.org", name="A", org_role="staff", now=NOW
    )


def test_of_org_gives_the_organizations_own_record() -> None:
    mine = _account("o1")

    assert of_org(mine, "o1", NotFound("No account a1.")) is mine


@pytest.mark.parametrize("record", [None, _account("o2")], ids=["missing", "another org's"])
def test_of_org_finds_another_organizations_record_as_missing(record: Account | None) -> None:
    missing = NotFound("No account {account_id}.", account_id="a1")

    with pytest.raises(NotFound) as refused:
        of_org(record, "o1", missing)

    assert refused.value is missing
