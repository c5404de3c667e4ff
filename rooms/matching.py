"""Matching: for a listing, the candidates (achievements, demands, experts) that fit it best,
each with its reasons.

A **profile** is what matching knows of anything: its disciplines and its terms (from
``rooms.relevance.terms_of``). A candidate's score is half its discipline fit and half its
text similarity, both from 0 to 1:

- discipline fit: each of the listing's disciplines the candidate has counts 1, one only in
  the same 学科门类 (first two digits) counts ``NEAR``; divided by the listing's disciplines;
- text similarity: the cosine of the two TF-IDF vectors (IDF over the listing and every
  candidate), the title's terms counted ``TITLE_WEIGHT`` times; a cosine of ``ALIKE`` or
  more (texts about the same thing, measured on the demo's libraries) counts as 1.

The reasons name the shared disciplines, the shared discipline groups and the shared terms
that weigh most; a candidate that shares neither a discipline nor a term is no match (a
discipline group alone is too broad: 工学 holds half the list).
"""

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rooms.relevance import TITLE_WEIGHT

DISCIPLINE_SHARE, TEXT_SHARE = 0.5, 0.5
SHOWN_TERMS = 5
NEAR = 0.25  # a discipline only in the same group
ALIKE = 0.3
MIN_SIMILARITY = 0.02  # below this, shared words are noise, not a reason
LIMIT = 10


@dataclass(frozen=True, slots=True)
class Profile:
    key: str
    disciplines: tuple[str, ...]
    title: tuple[str, ...]  # terms
    body: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Match:
    key: str
    score: float  # 0..1
    disciplines: tuple[str, ...]  # discipline codes both have
    groups: tuple[str, ...]  # 学科门类 codes both have, beyond the shared disciplines
    terms: tuple[str, ...]  # shared terms, weightiest first
    similarity: float  # the text part, 0..1


def discipline_fit(
    wanted: Sequence[str], offered: Sequence[str]
) -> tuple[float, tuple[str, ...], tuple[str, ...]]:
    """(fit 0..1, shared codes, shared groups of the codes not shared)."""
    if not wanted:
        return 0.0, (), ()
    shared = tuple(code for code in wanted if code in offered)
    offered_groups = {code[:2] for code in offered}
    groups = tuple(
        dict.fromkeys(c[:2] for c in wanted if c not in shared and c[:2] in offered_groups)
    )
    near = sum(1 for c in wanted if c not in shared and c[:2] in offered_groups)
    return (len(shared) + NEAR * near) / len(wanted), shared, groups


def _weights(profile: Profile, idf: dict[str, float]) -> dict[str, float]:
    counts: dict[str, float] = {}
    for term in profile.title:
        counts[term] = counts.get(term, 0.0) + TITLE_WEIGHT
    for term in profile.body:
        counts[term] = counts.get(term, 0.0) + 1.0
    return {term: (1 + math.log(n)) * idf[term] for term, n in counts.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> tuple[float, dict[str, float]]:
    shared = {t: a[t] * b[t] for t in a.keys() & b.keys()}
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return (sum(shared.values()) / norm if norm else 0.0), shared


def match(source: Profile, candidates: Sequence[Profile], *, limit: int = LIMIT) -> list[Match]:
    """The candidates that fit source, best first (ties by key), at most limit."""
    everyone = [source, *candidates]
    seen = Counter(t for p in everyone for t in set(p.title) | set(p.body))
    idf = {t: math.log(1 + len(everyone) / n) for t, n in seen.items()}
    mine = _weights(source, idf)
    found = []
    for candidate in candidates:
        if candidate.key == source.key:
            continue
        fit, codes, groups = discipline_fit(source.disciplines, candidate.disciplines)
        similarity, shared = _cosine(mine, _weights(candidate, idf))
        if similarity < MIN_SIMILARITY:
            similarity, shared = 0.0, {}
        if codes or shared:
            terms = tuple(sorted(shared, key=lambda t: (-shared[t], t))[:SHOWN_TERMS])
            score = DISCIPLINE_SHARE * fit + TEXT_SHARE * min(1.0, similarity / ALIKE)
            found.append(Match(candidate.key, score, codes, groups, terms, similarity))
    return sorted(found, key=lambda m: (-m.score, m.key))[:limit]
