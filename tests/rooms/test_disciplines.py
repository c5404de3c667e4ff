"""The discipline list: codes in known groups, looked up by code or by label."""

import pytest

from rooms.disciplines import DISCIPLINES, GROUPS, discipline_code
from rooms.errors import DomainError


def test_discipline_codes_are_unique_and_in_a_known_group() -> None:
    codes = [d.code for d in DISCIPLINES]

    assert len(codes) == len(set(codes))
    assert all(len(code) == 4 and code[:2] in GROUPS for code in codes)
    assert 20 <= len(codes) <= 50


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("0812", "0812"),
        ("数学", "0701"),
        ("mathematics", "0701"),
        (" Computer  Science and Technology ", "0812"),
    ],
)
def test_discipline_code_accepts_codes_and_labels(text: str, code: str) -> None:
    assert discipline_code(text) == code


def test_discipline_code_refuses_unknown_names() -> None:
    with pytest.raises(DomainError) as caught:
        discipline_code("Alchemy")

    assert caught.value.code == "unknown_discipline"
    assert caught.value.message == (
        "Unknown discipline 'Alchemy'; use a code or a name from the discipline list."
    )
