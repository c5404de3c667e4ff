"""The demand and achievement libraries as the pages and the API use them: writes that keep
each entry's search terms, search with BM25 relevance, matching with reasons, and an
achievement's pitch card for a roadshow slot.

Search and matching read a whole library from Redis (entries and their stored terms) and
rank in the process; jieba runs only when an entry is written and on the query.
"""

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from rooms.experts import Expert
from rooms.investors import Investor
from rooms.listing_csv import format_csv, parse_csv
from rooms.listings import (
    Achievement,
    Demand,
    Filters,
    Listing,
    PitchCard,
    listing_id,
    newest_first,
    passes,
    pitch_card,
    search_text,
)
from rooms.matching import Match, Profile, match
from rooms.relevance import Document, query_terms, rank, terms_of
from server.store import Store
from server.store.listings import ImportSummary, Listings, Terms
from server.terms import text_terms, text_tokens

KINDS = ("demand", "achievement")
MAX_QUERY = 200
NO_FILTERS = Filters()


@dataclass(frozen=True, slots=True)
class Found:
    listing: Listing
    score: float  # 0 when listed without a query
    terms: tuple[str, ...]  # the query's terms it holds, best first


@dataclass(frozen=True, slots=True)
class Matched:
    """A candidate with its match: an achievement, a demand or an expert."""

    candidate: Listing | Expert | Investor
    match: Match


@dataclass(frozen=True, slots=True)
class Matches:
    listings: list[Matched]  # achievements for a demand, demands for an achievement
    experts: list[Matched]
    investors: list[Matched]  # investors and enterprises whose focus fits


def library(store: Store, kind: str) -> Listings:
    return store.demands if kind == "demand" else store.achievements


def surface_words(text: str) -> dict[str, str]:
    """term -> the first word of text it comes from ("imag" -> "images"), for display."""
    words: dict[str, str] = {}
    for token in text_tokens(text):
        for term in terms_of([token]):
            words.setdefault(term, token.strip().casefold())
    return words


def _shown(terms: tuple[str, ...], words: dict[str, str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(words.get(term, term) for term in terms))


def listing_terms(listing: Listing) -> Terms:
    title, body = search_text(listing)
    return text_terms(title), text_terms(body)


async def create(
    store: Store, kind: str, *, org_id: str, fields: Mapping[str, object], now: datetime
) -> Listing:
    return await library(store, kind).create(
        org_id=org_id, fields=fields, now=now, terms_of=listing_terms
    )


async def update(
    store: Store,
    kind: str,
    org_id: str,
    wanted: str,
    *,
    fields: Mapping[str, object],
    now: datetime,
) -> Listing:
    return await library(store, kind).update(
        org_id, wanted, fields=fields, now=now, terms_of=listing_terms
    )


async def set_status(
    store: Store, org_id: str, demand_id: str, status: object, *, now: datetime
) -> Demand:
    return await store.demands.set_status(
        org_id, demand_id, status, now=now, terms_of=listing_terms
    )


async def import_csv(
    store: Store, kind: str, org_id: str, data: bytes, *, now: datetime
) -> ImportSummary:
    """All rows or none; CsvError lists every bad row by line."""
    rows = parse_csv(data, kind=kind)
    return await library(store, kind).import_rows(org_id, rows, now=now, terms_of=listing_terms)


async def export_csv(store: Store, kind: str, org_id: str) -> str:
    shelf = library(store, kind)
    return format_csv(newest_first(await shelf.many(await shelf.ids_of(org_id))), kind=kind)


async def search(
    store: Store, kind: str, *, org_id: str | None, query: str | None, filters: Filters = NO_FILTERS
) -> list[Found]:
    """The organization's entries (or, org_id None, the public ones) that pass the filters:
    newest first without a query, by relevance with one (BM25 over the whole library's
    stored terms; only the hits are loaded). A blank query (or one of stop words only) is
    refused: DomainError ``empty_search``."""
    shelf = library(store, kind)
    ids = await shelf.ids_of(org_id)
    if query is None:
        listings = [e for e in await shelf.many(ids) if passes(e, filters)]
        return [Found(entry, 0.0, ()) for entry in newest_first(listings)]
    terms = query_terms(text_tokens(query[:MAX_QUERY]))
    stored = await shelf.terms(ids)
    ranked = rank([Document(k, tuple(t[0]), tuple(t[1])) for k, t in stored.items()], terms)
    hits = {listing_id(e): e for e in await shelf.many(r.key for r in ranked)}
    words = surface_words(query)
    return [
        Found(hits[r.key], r.score, _shown(r.terms, words))
        for r in ranked
        if r.key in hits and passes(hits[r.key], filters)
    ]


def _profile(key: str, disciplines: tuple[str, ...], terms: Terms) -> Profile:
    return Profile(key, disciplines, tuple(terms[0]), tuple(terms[1]))


def expert_profile(expert: Expert) -> Profile:
    title = text_terms(" ".join(expert.tags))
    body = text_terms("\n".join((expert.title, expert.affiliation)))
    return Profile(expert.expert_id, expert.disciplines, tuple(title), tuple(body))


def investor_profile(investor: Investor) -> Profile:
    title = text_terms(" ".join(investor.industries))
    body = text_terms("\n".join((investor.organization, investor.title, investor.notes)))
    return Profile(investor.investor_id, investor.disciplines, tuple(title), tuple(body))


async def _profiles(shelf: Listings, listings: list[Listing]) -> list[Profile]:
    stored = await shelf.terms(listing_id(e) for e in listings)
    return [
        _profile(listing_id(e), e.disciplines, stored.get(listing_id(e), ([], [])))
        for e in listings
    ]


async def matches_of(store: Store, kind: str, org_id: str, wanted: str) -> Matches:
    """For a demand: the organization's achievements, experts and investors that fit it,
    best first, with reasons; for an achievement: its demands, experts and investors.
    Closed demands are left out of an achievement's matches."""
    shelf = library(store, kind)
    source = await shelf.of_org(org_id, wanted)
    (mine,) = await _profiles(shelf, [source])
    other = library(store, "achievement" if kind == "demand" else "demand")
    candidates = [
        e for e in await other.many(await other.ids_of(org_id))
        if not (isinstance(e, Demand) and e.status.value == "closed")
    ]  # fmt: skip
    by_id = {listing_id(e): e for e in candidates}
    found = match(mine, await _profiles(other, candidates))
    experts = {e.expert_id: e for e in await store.experts.search(org_id)}
    fits = match(mine, [expert_profile(e) for e in experts.values()])
    investors = {i.investor_id: i for i in await store.investors.search(org_id)}
    backers = match(mine, [investor_profile(i) for i in investors.values()])
    words = surface_words("\n".join(search_text(source)))
    return Matches(
        listings=[Matched(by_id[m.key], _worded(m, words)) for m in found],
        experts=[Matched(experts[m.key], _worded(m, words)) for m in fits],
        investors=[Matched(investors[m.key], _worded(m, words)) for m in backers],
    )


def _worded(found: Match, words: dict[str, str]) -> Match:
    return dataclasses.replace(found, terms=_shown(found.terms, words))


async def get_achievement(store: Store, achievement_id: str, *, org_id: str) -> Achievement:
    """An achievement of the organization, as a roadshow slot links to it."""
    found = await store.achievements.of_org(org_id, achievement_id)
    assert isinstance(found, Achievement)
    return found


async def achievement_pitch_card(store: Store, achievement_id: str, *, org_id: str) -> PitchCard:
    return pitch_card(await get_achievement(store, achievement_id, org_id=org_id))
