"""Terms from tokens, and BM25 ranking over given token lists (no segmenter here)."""

import pytest

from rooms.errors import DomainError
from rooms.relevance import Document, query_terms, rank, stem, terms_of


@pytest.mark.parametrize(
    ("word", "stemmed"),
    [
        ("batteries", "battery"), ("battery", "battery"), ("recycling", "recycl"),
        ("recycled", "recycl"), ("recycle", "recycl"), ("processes", "process"),
        ("sensors", "sensor"), ("cells", "cell"), ("analysis", "analysis"), ("gas", "gas"),
        ("co2", "co2"),
    ],
)  # fmt: skip
def test_stem_brings_word_forms_together(word: str, stemmed: str) -> None:
    assert stem(word) == stemmed


def test_terms_drop_stop_words_punctuation_and_spaces() -> None:
    tokens = ["The", " ", "Lithium-ion", "batteries", "，", "的", "锂电池", "回收", "A", "5"]

    assert terms_of(tokens) == ["lithium-ion", "battery", "锂电池", "回收", "5"]


@pytest.mark.parametrize("tokens", [[], [" "], ["the", "of"], ["的", "，", "。"]])
def test_an_empty_query_is_refused(tokens: list[str]) -> None:
    with pytest.raises(DomainError) as caught:
        query_terms(tokens)

    assert caught.value.code == "empty_search"


def test_query_terms_are_distinct() -> None:
    assert query_terms(["电池", "battery", "batteries", "电池"]) == ["电池", "battery"]


def doc(key: str, title: str, body: str) -> Document:
    return Document(key, tuple(title.split()), tuple(body.split()))


def test_rank_puts_title_hits_and_rare_terms_first() -> None:
    documents = [
        doc("body", "solar panel", "battery cooling battery"),
        doc("title", "battery cooling", "fans"),
        doc("common", "cooling", "cooling water"),
        doc("none", "chips", "wafers"),
    ]

    ranked = rank(documents, ["battery", "cooling"])

    assert [r.key for r in ranked] == ["title", "body", "common"]
    assert ranked[0].terms == ("battery", "cooling")
    assert ranked[2].terms == ("cooling",)


def test_rank_of_an_empty_library_is_empty() -> None:
    assert rank([], ["x"]) == []
