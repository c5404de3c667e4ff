"""rooms.items.new_settings: a review's settings from plain values."""

import pytest

from rooms.errors import DomainError
from rooms.items import ReviewSettings, new_settings


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
