"""The investor directory's records: checks, and the list's filters."""

from datetime import UTC, datetime

import pytest

from rooms.errors import DomainError
from rooms.investors import (
    Investor,
    InvestorFilters,
    InvestorKind,
    Stage,
    build_investor,
    edit_investor,
    passes,
)

NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


def investor(**fields: object) -> Investor:
    base: dict[str, object] = {"name": "赵敏", "email": "Zhao@Fund.example.com"}
    return build_investor({**base, **fields}, investor_id="i1", org_id="o1", created=NOW, now=NOW)


def test_fields_are_normalized() -> None:
    made = investor(kind="Enterprise", industries="新能源, 储能；新能源",
                    stages=["series_a", "ANGEL"], disciplines="材料科学与工程",
                    notes="line one\nline two")  # fmt: skip

    assert (made.email, made.kind, made.industries) == (
        "zhao@fund.example.com", InvestorKind.ENTERPRISE, ("新能源", "储能"),
    )  # fmt: skip
    assert (made.stages, made.disciplines) == ((Stage.ANGEL, Stage.SERIES_A), ("0805",))
    assert made.notes == "line one line two"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"name": ""}, "missing_field"),
        ({"email": "not an address"}, "invalid_email"),
        ({"kind": "bank"}, "unknown_kind"),
        ({"stages": ["pre-ipo"]}, "unknown_stage"),
        ({"disciplines": ["9999"]}, "unknown_discipline"),
        ({"industries": [f"i{n}" for n in range(11)]}, "too_many"),
        ({"wealth": "yes"}, "unknown_field"),
    ],
)
def test_bad_fields_are_refused_by_code(fields: dict[str, object], code: str) -> None:
    with pytest.raises(DomainError) as caught:
        investor(**fields)

    assert caught.value.code == code


def test_edit_keeps_the_other_fields() -> None:
    edited = edit_investor(investor(stages=["seed"]), fields={"title": "合伙人"}, now=NOW)

    assert (edited.title, edited.stages, edited.name) == ("合伙人", (Stage.SEED,), "赵敏")


def test_filters_by_focus_kind_and_words() -> None:
    made = investor(organization="示范创投", disciplines=["0805"], industries=["新能源"],
                    stages=["angel"])  # fmt: skip

    assert passes(made, InvestorFilters(text="示范", discipline="0805", industry="新能源",
                                        stage="angel", kind="investor"))  # fmt: skip
    assert not passes(made, InvestorFilters(stage="growth"))
    assert not passes(made, InvestorFilters(kind="enterprise"))
    assert not passes(made, InvestorFilters(industry="医疗"))
    assert not passes(made, InvestorFilters(text="其他"))
