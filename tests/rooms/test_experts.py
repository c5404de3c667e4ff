from datetime import UTC, datetime, timedelta

import pytest

from rooms.errors import DomainError
from rooms.experts import (
    Expert,
    conflict_reasons,
    edit_expert,
    has_conflict,
    matches_text,
    new_expert,
)

NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


def make(**fields: object) -> Expert:
    base: dict[str, object] = {"name": "Wang Li", "email": "wang.li@example.org"}
    return new_expert(expert_id="e1", org_id="org1", fields={**base, **fields}, now=NOW)


# validation and normalization


def test_new_expert_normalizes_every_field() -> None:
    expert = make(
        name="  Wang   Li ",
        title=" Professor ",
        affiliation="Tsinghua  University",
        disciplines="数学；Physics; 0701",
        tags=["AI", " machine learning ", "ai", ""],
        email=" Wang.Li@Example.ORG ",
        conflicts="org: Peking  University; PROJECT:Moon Base;expert:e2",
    )

    assert expert == Expert(
        expert_id="e1",
        org_id="org1",
        name="Wang Li",
        title="Professor",
        affiliation="Tsinghua University",
        disciplines=("0701", "0702"),
        tags=("AI", "machine learning"),
        email="wang.li@example.org",
        conflicts=("org:Peking University", "project:Moon Base", "expert:e2"),
        created_at=NOW,
        updated_at=NOW,
    )


def test_tags_split_on_chinese_and_latin_commas() -> None:
    assert make(tags="人工智能，机器人, 芯片").tags == ("人工智能", "机器人", "芯片")


@pytest.mark.parametrize(
    ("fields", "code", "message"),
    [
        ({"name": " "}, "missing_field", "Field name is required."),
        ({"name": "x" * 101}, "too_long", "Field name must have at most 100 characters."),
        ({"name": "a\nb"}, "invalid", "Field name must be a single line of text."),
        ({"title": 5}, "invalid", "Field title must be text."),
        ({"email": "nobody"}, "invalid_email", "nobody is not a valid email address."),
        ({"email": ""}, "missing_field", "Field email is required."),
        ({"disciplines": "0701;Alchemy"}, "unknown_discipline",
         "Unknown discipline 'Alchemy'; use a code or a name from the discipline list."),
        ({"disciplines": [1]}, "invalid", "Field disciplines must be a list of text."),
        ({"tags": ["t"] * 21}, "too_many", "Field tags takes at most 20 items."),
        ({"tags": ["x" * 41]}, "too_long", "A tag has at most 40 characters."),
        ({"conflicts": "friend:e2"}, "invalid_conflict",
         "Conflict 'friend:e2' must look like expert:<expert id>, org:<name> or project:<name>."),
        ({"conflicts": "org:"}, "invalid_conflict",
         "Conflict 'org:' must look like expert:<expert id>, org:<name> or project:<name>."),
        ({"conflicts": "expert:a b"}, "invalid_conflict", "'a b' is not an expert id."),
        ({"conflicts": "expert:e1"}, "invalid_conflict",
         "An expert cannot conflict with themselves."),
        ({"phone": "123"}, "unknown_field", "Unknown field: phone."),
        ({"tags": ["a;b"]}, "invalid_item",
         "Field tags: 'a;b' holds a separator; enter it as separate items."),
        ({"conflicts": ["org:A;B"]}, "invalid_item",
         "Field conflicts: 'org:A;B' holds a separator; enter it as separate items."),
        ({"tags": ["bell\x07"]}, "invalid", "Field tags must be a single line of text."),
    ],
)  # fmt: skip
def test_new_expert_refuses_bad_fields(fields: dict[str, object], code: str, message: str) -> None:
    with pytest.raises(DomainError) as caught:
        make(**fields)

    assert (caught.value.code, caught.value.message) == (code, message)


def test_edit_expert_replaces_only_the_given_fields_and_keeps_created_at() -> None:
    expert = make(title="Professor", tags=["AI"])

    edited = edit_expert(expert, fields={"title": "Researcher", "tags": []}, now=LATER)

    assert (edited.name, edited.title, edited.tags) == ("Wang Li", "Researcher", ())
    assert (edited.created_at, edited.updated_at) == (NOW, LATER)


def test_edit_expert_checks_the_result_again() -> None:
    with pytest.raises(DomainError) as caught:
        edit_expert(make(), fields={"email": "broken"}, now=LATER)

    assert caught.value.code == "invalid_email"


# conflicts


def test_has_conflict_with_declared_experts_orgs_and_projects() -> None:
    expert = make(conflicts=["expert:e2", "org:Peking University", "project:Moon Base"])

    assert has_conflict(expert, expert_ids=["e9", "e2"]) is True
    assert has_conflict(expert, orgs=["peking  UNIVERSITY"]) is True
    assert has_conflict(expert, projects=["moon base"]) is True
    assert has_conflict(expert, expert_ids=["e3"], orgs=["Fudan"], projects=["Mars"]) is False


def test_working_for_an_organization_is_a_conflict_with_it() -> None:
    expert = make(affiliation="Tsinghua University")

    assert conflict_reasons(expert, orgs=["tsinghua university"]) == ["org:Tsinghua University"]


def test_conflict_reasons_name_each_conflict_once() -> None:
    expert = make(affiliation="Fudan", conflicts=["org:fudan", "expert:e2"])

    assert conflict_reasons(expert, orgs="Fudan", expert_ids=["e2", "e1"]) == [
        "org:fudan",
        "expert:e2",
    ]


def test_an_expert_has_no_conflict_with_themselves() -> None:
    assert has_conflict(make(), expert_ids=["e1"]) is False


# text search


@pytest.mark.parametrize(
    ("text", "found"),
    [("", True), ("wang", True), ("WANG tsinghua", True), ("robot", True), ("清华", False),
     ("wang fudan", False), ("example.org", True)],
)  # fmt: skip
def test_matches_text_needs_every_word(text: str, found: bool) -> None:
    expert = make(affiliation="Tsinghua University", tags=["Robotics"])

    assert matches_text(expert, text) is found
