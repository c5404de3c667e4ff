"""Demands and achievements: their checks, a demand's status, who sees a contact, filters,
the pitch card."""

from datetime import UTC, date, datetime, timedelta

import pytest

from rooms.errors import DomainError
from rooms.listings import (
    Achievement,
    Demand,
    DemandStatus,
    Filters,
    TransferMode,
    build_achievement,
    build_demand,
    change_status,
    edit_listing,
    passes,
    pitch_card,
    shown_contact,
)

NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


def demand(**fields: object) -> Demand:
    base: dict[str, object] = {"title": "电池回收", "description": "需要回收技术"}
    return build_demand({**base, **fields}, demand_id="d1", org_id="o1", created=NOW, now=NOW)


def achievement(**fields: object) -> Achievement:
    base: dict[str, object] = {"title": "Catalyst", "description": "Less platinum.", "trl": 5,
                               "transfer_modes": ["license"]}  # fmt: skip
    return build_achievement(
        {**base, **fields}, achievement_id="a1", org_id="o1", created=NOW, now=NOW
    )


def test_demand_fields_are_normalized() -> None:
    made = demand(
        title="  退役  电池 ",
        description="第一段  文字\r\n\r\n\r\n\r\n第二段",
        disciplines="材料科学与工程; 0817",
        budget_min="50",
        budget_max=200,
        deadline="2027-06-30",
        public="yes",
        contact_public="否",
    )

    assert (made.title, made.description) == ("退役 电池", "第一段 文字\n\n第二段")
    assert made.disciplines == ("0805", "0817")
    assert (made.budget_min, made.budget_max, made.deadline) == (50, 200, date(2027, 6, 30))
    assert (made.public, made.contact_public, made.status) == (True, False, DemandStatus.OPEN)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"title": ""}, "missing_field"),
        ({"description": "  "}, "missing_field"),
        ({"disciplines": ["9999"]}, "unknown_discipline"),
        ({"budget_min": "-3"}, "out_of_range"),
        ({"budget_min": "lots"}, "out_of_range"),
        ({"budget_min": 300, "budget_max": 100}, "invalid_budget"),
        ({"deadline": "next week"}, "invalid_date"),
        ({"public": "maybe"}, "invalid_flag"),
        ({"title": "a\x00b"}, "invalid"),
        ({"colour": "red"}, "unknown_field"),
    ],
)
def test_bad_demand_fields_are_refused_by_code(fields: dict[str, object], code: str) -> None:
    with pytest.raises(DomainError) as caught:
        demand(**fields)

    assert caught.value.code == code


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"trl": 0}, "out_of_range"),
        ({"trl": "10"}, "out_of_range"),
        ({"trl": ""}, "missing_field"),
        ({"transfer_modes": []}, "missing_field"),
        ({"transfer_modes": ["sale"]}, "unknown_transfer_mode"),
        ({"patents": ["CN1"] * 21}, "too_many"),
    ],
)
def test_bad_achievement_fields_are_refused_by_code(fields: dict[str, object], code: str) -> None:
    with pytest.raises(DomainError) as caught:
        achievement(**fields)

    assert caught.value.code == code


def test_transfer_modes_take_chinese_names_and_keep_their_order() -> None:
    made = achievement(transfer_modes="合作开发;许可;license", patents="CN1\nCN2\nCN1")

    assert made.transfer_modes == (TransferMode.LICENSE, TransferMode.JOINT)
    assert made.patents == ("CN1", "CN2")


def test_edit_keeps_the_other_fields_and_the_status() -> None:
    later = NOW + timedelta(hours=1)
    matched = change_status(demand(industry="汽车"), "matched", now=NOW)

    edited = edit_listing(matched, fields={"title": "新标题"}, now=later)

    assert isinstance(edited, Demand)
    assert (edited.title, edited.industry, edited.status) == (
        "新标题",
        "汽车",
        DemandStatus.MATCHED,
    )
    assert (edited.created_at, edited.updated_at) == (NOW, later)


@pytest.mark.parametrize(
    ("steps", "refused"),
    [
        (["matched", "closed"], None),
        (["closed"], None),
        (["closed", "open"], "open"),
        (["matched", "open"], "open"),
        (["matched", "matched"], "matched"),
        (["done"], "done"),
    ],
)
def test_a_demand_moves_open_matched_closed_only_forward(
    steps: list[str], refused: str | None
) -> None:
    current = demand()
    try:
        for step in steps:
            current = change_status(current, step, now=NOW)
    except DomainError as error:
        assert refused == step and error.code in ("invalid_status_change", "unknown_status")
    else:
        assert refused is None and current.status.value == steps[-1]


def test_contact_shows_to_staff_and_to_everyone_only_when_public() -> None:
    hidden, shown = demand(contact="王工 138"), demand(contact="王工 138", contact_public=True)

    assert [shown_contact(hidden, staff=True), shown_contact(hidden, staff=False)] == [
        "王工 138",
        "",
    ]
    assert shown_contact(shown, staff=False) == "王工 138"


def test_filters_narrow_by_discipline_industry_status_maturity_and_mode() -> None:
    car = demand(disciplines=["0805"], industry="新能源汽车")
    ripe = achievement(trl=7, transfer_modes=["transfer", "joint"])

    assert passes(car, Filters(discipline="0805", industry="新能源汽车", status="open"))
    assert not passes(car, Filters(status="closed"))
    assert not passes(car, Filters(discipline="0812"))
    assert passes(ripe, Filters(trl_min=7, transfer_mode="joint"))
    assert not passes(ripe, Filters(trl_min=8))
    assert not passes(ripe, Filters(transfer_mode="license"))


def test_pitch_card_sums_an_achievement_up() -> None:
    long = "长" * 200 + "\n\n第二段"
    card = pitch_card(achievement(description=long, holder="示范大学", patents=["CN1", "CN2"]))

    assert (card.achievement_id, card.holder, card.trl, card.patents) == ("a1", "示范大学", 5, 2)
    assert len(card.summary) == 140 and card.summary.endswith("…")
