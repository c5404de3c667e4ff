"""Matching: disciplines plus text similarity, with the reasons."""

import pytest

from rooms.matching import Profile, discipline_fit, match


def profile(key: str, disciplines: tuple[str, ...], text: str) -> Profile:
    words = tuple(text.split())
    return Profile(key, disciplines, words[:2], words[2:])


@pytest.mark.parametrize(
    ("wanted", "offered", "fit"),
    [
        (("0805", "0817"), ("0805",), (0.625, ("0805",), ("08",))),
        (("0805",), ("0807",), (0.25, (), ("08",))),
        (("0805",), ("1002",), (0.0, (), ())),
        ((), ("0805",), (0.0, (), ())),
    ],
)
def test_discipline_fit_counts_shared_codes_and_a_quarter_for_the_same_group(
    wanted: tuple[str, ...], offered: tuple[str, ...], fit: tuple[float, tuple, tuple]
) -> None:
    assert discipline_fit(wanted, offered) == fit


def test_match_ranks_by_disciplines_and_alike_text_with_reasons() -> None:
    demand = profile("d", ("0805",), "电池 回收 正极 材料 回收")
    candidates = [
        profile("both", ("0805",), "电池 回收 再生 技术"),
        profile("words", ("1002",), "电池 回收 工艺"),
        profile("group", ("0807",), "涂层 抗菌 正极"),
        profile("group only", ("0807",), "水泥 混凝土"),
        profile("nothing", ("1002",), "眼底 图像"),
    ]

    found = match(demand, candidates)

    assert [m.key for m in found] == ["both", "words", "group"]
    assert found[0].disciplines == ("0805",) and set(found[0].terms) == {"电池", "回收"}
    assert found[1].disciplines == () and found[1].terms[0] in ("电池", "回收")
    assert (found[2].groups, found[2].terms) == (("08",), ("正极",))
    assert all(0 < m.score <= 1 for m in found)


def test_match_leaves_the_source_out_and_keeps_the_limit() -> None:
    source = profile("s", ("0812",), "a b c")
    many = [profile(f"c{n:02}", ("0812",), "x y z") for n in range(15)]

    found = match(source, [source, *many], limit=10)

    assert [m.key for m in found] == [f"c{n:02}" for n in range(10)]
