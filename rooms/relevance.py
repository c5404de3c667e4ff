"""Full-text relevance over given token lists: terms from tokens, and BM25 ranking.

The server splits text into tokens (Chinese with a real segmenter, ``server/terms.py``);
here tokens become **terms**: English words lower-cased, stop words dropped and a light
suffix stemming applied ("batteries" and "battery" meet), Chinese words kept unless they
are function words, punctuation and spaces dropped. ``rank`` scores documents with BM25
over two fields, the title weighted above the body (BM25F's summed term frequencies).
"""

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rooms.errors import DomainError

K1, B = 1.2, 0.75
TITLE_WEIGHT = 3.0
MAX_QUERY_TERMS = 40
_WORD = re.compile(r"[0-9a-z]+(?:[-'.][0-9a-z]+)*")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
ENGLISH_STOP = frozenset(
    "a an and are as at be been but by can for from has have in into is it its of on or our "
    "that the their this to was we were which with within without will via using use based "
    "new more most than such these those they".split()
)
CHINESE_STOP = frozenset(
    "的 了 和 与 及 或 在 是 等 对 为 以 于 中 将 把 被 其 之 并 也 上 下 个 一 一种 "
    "我们 进行 技术 基于 系统 用于 通过 以及 需要 实现 可以 能够 方法 百分 百分之".split()
)


@dataclass(frozen=True, slots=True)
class Document:
    key: str
    title: tuple[str, ...]  # terms
    body: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Ranked:
    key: str
    score: float
    terms: tuple[str, ...]  # the query's terms the document holds, best first


def stem(word: str) -> str:
    """A light English stemmer: plurals, -ing, -ed, -ly, a final e ("recycled",
    "recycling" and "recycle" meet); short words left alone."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, repl, shortest in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= shortest:
            word = word[: len(word) - len(suffix)] + repl
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


_SUFFIXES = (
    ("ies", "y", 2), ("sses", "ss", 2), ("ness", "", 3), ("ing", "", 4), ("edly", "", 3),
    ("ed", "", 4), ("ly", "", 4), ("es", "e", 4), ("ss", "ss", 2), ("us", "us", 2),
    ("is", "is", 2), ("s", "", 3),
)  # fmt: skip


def terms_of(tokens: Iterable[str]) -> list[str]:
    """The search terms of a segmenter's tokens, in order (repeats kept)."""
    terms: list[str] = []
    for token in tokens:
        token = token.strip().casefold()
        if _CJK.search(token):
            if token not in CHINESE_STOP and _CJK.fullmatch(token[0]):
                terms.append(token)
            continue
        for word in _WORD.findall(token):
            if word not in ENGLISH_STOP and (len(word) > 1 or word.isdigit()):
                terms.append(stem(word))
    return terms


def query_terms(tokens: Iterable[str]) -> list[str]:
    """A query's distinct terms; an empty query (or only stop words) is refused."""
    terms = list(dict.fromkeys(terms_of(tokens)))[:MAX_QUERY_TERMS]
    if not terms:
        raise DomainError(
            "Type a word to search for (common words like “the” or “的” are left out).",
            code="empty_search",
        )
    return terms


def _idf(documents: Sequence[Document], terms: Iterable[str]) -> dict[str, float]:
    count = len(documents)
    seen = Counter(t for d in documents for t in set(d.title) | set(d.body))
    return {t: math.log(1 + (count - seen[t] + 0.5) / (seen[t] + 0.5)) for t in terms}


def rank(
    documents: Sequence[Document], terms: Sequence[str], *, title_weight: float = TITLE_WEIGHT
) -> list[Ranked]:
    """The documents holding any of the terms, best first (ties by key), with BM25 scores."""
    idf = _idf(documents, terms)
    lengths = [title_weight * len(d.title) + len(d.body) for d in documents]
    average = (sum(lengths) / len(lengths)) if lengths else 1.0
    ranked = []
    for document, length in zip(documents, lengths, strict=True):
        title, body = Counter(document.title), Counter(document.body)
        parts = {}
        for term in terms:
            tf = title_weight * title[term] + body[term]
            if tf:
                norm = K1 * (1 - B + B * length / (average or 1.0))
                parts[term] = idf[term] * tf * (K1 + 1) / (tf + norm)
        if parts:
            best = tuple(sorted(parts, key=lambda t: (-parts[t], t)))
            ranked.append(Ranked(document.key, sum(parts.values()), best))
    return sorted(ranked, key=lambda r: (-r.score, r.key))
