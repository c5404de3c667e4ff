"""rooms.items.new_settings: a review's settings from plain values; names shown in either
language."""

from datetime import UTC, datetime

import pytest

from rooms.errors import DomainError
from rooms.items import ReviewSettings, new_item, new_settings
from rooms.rubric import new_rubric


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, ReviewSettings()),
        ({"blind": True}, ReviewSettings(blind=True)),
        ({"double_blind": "on"}, ReviewSettings(blind=True, double_blind=True)),
        ({"blind": "off", "downloads_allowed": "1"}, ReviewSettings(downloads_allowed=True)),
        ({"blind": False, "double_blind": True}, ReviewSettings(blind=True, double_blind=True)),
    ],
)
def test_new_settings_reads_flags_and_double_blind_is_blind(fields, expected) -> None:
    assert new_settings(fields) == expected


def test_new_settings_refuses_what_is_no_flag() -> None:
    with pytest.raises(DomainError) as refused:
        new_settings({"blind": "maybe"})

    assert refused.value.params == {"field": "blind"}


def test_an_item_and_a_criterion_fall_back_to_the_other_languages_name() -> None:
    item = new_item({"title_en": "Chip"}, item_id="i", session_id="s", now=datetime.now(UTC))
    rubric = new_rubric(
        {"criteria": [{"name_en": "Team", "weight": 1, "scale_min": 1, "scale_max": 5}]}
    )

    assert (item.title("zh_CN"), item.title("en")) == ("Chip", "Chip")
    assert rubric.criteria[0].name("zh_CN") == "Team"
