"""The review service: preparing a review session (its items, rubric, settings, reviewers'
conflicts) for the console and the REST API, what a review room is prepared with
(``load_book``), and what an expert sees of the panels they are on.

Every function takes the store first and keyword-only arguments after it, and raises
DomainError subclasses a user may see. The session passed in has been found by the caller
(``server.agenda.own_session``: another organization's is not found); it must be a review.
"""

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from rooms import items as rules
from rooms.agenda import PersonType, RosterEntry, Session, person_key, split_person_key
from rooms.conflicts import (
    ConflictNote,
    NoteKind,
    Standing,
    check_reviewer,
    conflict_table,
    new_note,
)
from rooms.errors import Conflict, DomainError, NotFound
from rooms.experts import Expert
from rooms.fields import text_field
from rooms.items import Item, ReviewSettings
from rooms.kinds import has_items
from rooms.lifecycle import State
from rooms.review_book import ReviewBook
from rooms.roles import Kind, Role
from rooms.rubric import Rubric, new_rubric
from rooms.run_of_show import check_edit, started_slots
from server.store import Store

TEMPLATE_NAME_MAX = 100
TEMPLATES_MAX = 100  # rubric templates per organization
STAFF_KINDS = (NoteKind.ADDED, NoteKind.WAIVED)  # what the chair and staff record


def new_item_id() -> str:
    return secrets.token_hex(8)


def no_item(item_id: str) -> NotFound:
    return NotFound("No item {item_id} in this review.", code="unknown_item", item_id=item_id[:40])


def check_review(session: Session) -> None:
    """Items, a rubric and materials belong to reviews and roadshows (a roadshow's items are
    its pitch slots: ``rooms.run_of_show``)."""
    if not has_items(session.kind):
        raise Conflict("Only reviews and roadshows have items.", code="not_a_review")


async def check_not_started(store: Store, session: Session, item_ids: Iterable[str]) -> None:
    """A roadshow's pitch that has started can no longer change, move or go."""
    if session.kind is Kind.ROADSHOW:
        show = await store.shows.show(session)
        for item_id in item_ids:
            check_edit(show, item_id)


async def check_achievement(store: Store, session: Session, achievement_id: object) -> None:
    """A pitch links to an achievement of the session's own organization's library."""
    if isinstance(achievement_id, str) and achievement_id:
        await store.achievements.of_org(session.org_id, achievement_id)


async def check_founders(store: Store, session: Session, founders: Sequence[str]) -> None:
    """A pitch's founders are people on the session's roster as presenters (founders)."""
    for key in founders:
        entry = await store.agenda.roster_entry(session.session_id, key)
        if entry is None or entry.role is not Role.PRESENTER:
            raise DomainError(
                "{person} is not on this session's roster as a presenter: add them to the "
                "roster first.",
                code="not_a_founder",
                person=(entry.name if entry else str(key))[:80],
            )


async def set_show_buffer(store: Store, *, session: Session, minutes: int, now: datetime) -> None:
    """A roadshow's buffer between pitches, 0 to ``BUFFER_MINUTES_MAX`` minutes."""
    if session.kind is not Kind.ROADSHOW:
        raise Conflict("This is not a roadshow.", code="not_a_roadshow")
    if not 0 <= minutes <= rules.BUFFER_MINUTES_MAX:
        raise DomainError(
            "{field} must be between 0 and {most} minutes.", code="invalid_field",
            field="minutes", most=rules.BUFFER_MINUTES_MAX,
        )  # fmt: skip
    await store.shows.set_buffer(session, minutes, now=now)


async def plan_changed(store: Store, session: Session, *, now: datetime) -> None:
    """A roadshow's run of show follows its items' new minutes and order."""
    if session.kind is Kind.ROADSHOW:
        await store.shows.track(session, now=now)


def reviewer_keys(roster: Iterable[RosterEntry]) -> tuple[str, ...]:
    """The person keys of the roster's reviewers, in roster order."""
    return tuple(entry.person_key for entry in roster if entry.role is Role.REVIEWER)


async def experts_by_key(store: Store, person_keys: Iterable[str]) -> dict[str, Expert]:
    """The pool's record of each person key that names an expert (``expert:<id>``)."""
    ids = {}
    for key in person_keys:
        person_type, ident = split_person_key(key)
        if person_type is PersonType.EXPERT:
            ids[ident] = key
    experts = await store.experts.many(ids)
    return {person_key(PersonType.EXPERT, e.expert_id): e for e in experts}


async def load_book(store: Store, session: Session) -> ReviewBook:
    """What a review room is prepared with: items in order, rubric, settings, the roster's
    reviewers, the conflict notes and every reviewer's standing on every item."""
    sid = session.session_id
    items = await store.review.items(sid)
    reviewers = reviewer_keys(await store.agenda.roster_of(sid))
    notes = await store.review.notes(sid)
    table = conflict_table(
        items=items,
        reviewers=reviewers,
        experts=await experts_by_key(store, reviewers),
        notes=notes,
    )
    return ReviewBook(
        items=tuple(items),
        rubric=await store.review.rubric(sid),
        settings=await store.review.settings(sid),
        reviewers=reviewers,
        table=table,
        notes=tuple(notes),
        materials={item.item_id: await _materials(store, sid, item.item_id) for item in items},
    )


async def _materials(store: Store, session_id: str, item_id: str) -> tuple[tuple[str, str], ...]:
    found = [await store.files.get(f) for f in await store.review.materials(session_id, item_id)]
    return tuple((stored.file_id, stored.name) for stored in found if stored is not None)


# reviewers' conflicts ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    """An expert who could join the panel, with the items they would be conflicted on."""

    expert: Expert
    conflicts: Mapping[str, Standing]  # item_id -> standing, conflicted items only


def candidate_conflicts(
    *, experts: Sequence[Expert], items: Sequence[Item], notes: Iterable[ConflictNote] = ()
) -> list[Candidate]:
    """Each candidate expert's conflicts with the session's items, before they are added:
    the pool's (affiliation, declared org/project/expert conflicts, same e-mail) and any
    note already written about them in this session."""
    by_key = {person_key(PersonType.EXPERT, e.expert_id): e for e in experts}
    table = conflict_table(items=items, reviewers=by_key, experts=by_key, notes=notes)
    return [
        Candidate(
            expert,
            {
                item.item_id: table[item.item_id][key]
                for item in items
                if table[item.item_id][key].conflicted
            },
        )
        for key, expert in by_key.items()
    ]


async def candidates(
    store: Store, *, session: Session, experts: Sequence[Expert]
) -> list[Candidate]:
    """The experts with their conflicts with this session's items."""
    sid = session.session_id
    items, notes = await store.review.items(sid), await store.review.notes(sid)
    return candidate_conflicts(experts=experts, items=items, notes=notes)


async def _checked_cell(
    store: Store, session: Session, *, item_id: str, reviewer: str
) -> ReviewBook:
    book = await load_book(store, session)
    if item_id not in book.table:
        raise no_item(item_id)
    check_reviewer(reviewer, book.reviewers)
    return book


async def record_conflict(
    store: Store,
    *,
    session: Session,
    item_id: str,
    reviewer: str,
    kind: NoteKind,
    reason: object,
    by: str,
    now: datetime,
) -> ConflictNote:
    """The chair or staff add a conflict of a reviewer with an item, or waive the
    reviewer's conflicts on it; a reason is required, and who and when are kept."""
    check_review(session)
    if kind not in STAFF_KINDS:
        raise DomainError("Choose whether to add a conflict or waive one.", code="invalid_kind")
    book = await _checked_cell(store, session, item_id=item_id, reviewer=reviewer)
    if kind is NoteKind.WAIVED and not book.table[item_id][reviewer].conflicted:
        raise DomainError("There is no conflict to waive.", code="no_conflict")
    note = new_note(
        {"reason": reason}, item_id=item_id, person_key=reviewer, kind=kind, by=by, now=now
    )
    return await store.review.add_note(session.session_id, note)


async def declare_conflict(
    store: Store, *, session: Session, item_id: str, reviewer: str, reason: object, now: datetime
) -> ConflictNote:
    """A reviewer declares a conflict with an item on their own page, before the session."""
    check_review(session)
    if session.state not in (State.SCHEDULED, State.OPEN) or now >= session.start:
        raise Conflict(
            "Conflicts can be declared only before the session starts; tell the chair.",
            code="session_started",
        )
    await _checked_cell(store, session, item_id=item_id, reviewer=reviewer)
    note = new_note(
        {"reason": reason},
        item_id=item_id,
        person_key=reviewer,
        kind=NoteKind.DECLARED,
        by=reviewer,
        now=now,
    )
    return await store.review.add_note(session.session_id, note)


# items ------------------------------------------------------------------------------------


async def add_item(
    store: Store, *, session: Session, fields: Mapping[str, object], now: datetime
) -> Item:
    check_review(session)
    item = rules.new_item(fields, item_id=new_item_id(), session_id=session.session_id, now=now)
    await check_achievement(store, session, item.achievement_id)
    await check_founders(store, session, item.founders)
    added = await store.review.add_item(item)
    await plan_changed(store, session, now=now)
    return added


async def edit_item(
    store: Store, *, session: Session, item_id: str, fields: Mapping[str, object], now: datetime
) -> Item:
    check_review(session)
    await check_not_started(store, session, [item_id])
    await check_achievement(store, session, fields.get("achievement_id"))
    await check_founders(store, session, rules.clean_founders(fields.get("founders")))
    item = await store.review.edit_item(session.session_id, item_id, fields=dict(fields), now=now)
    await plan_changed(store, session, now=now)
    return item


async def reorder(store: Store, *, session: Session, item_ids: Sequence[str]) -> list[Item]:
    """Put the items in this order (Conflict ``items_changed`` if the items changed)."""
    check_review(session)
    if session.kind is Kind.ROADSHOW:  # the pitches that have started keep their places
        show = await store.shows.show(session)
        begun = [s.slot_id for s in show.plan.slots if s.slot_id in started_slots(show)]
        if list(item_ids)[: len(begun)] != begun:
            raise Conflict("This pitch has started: it can no longer change.", code="slot_started")
    await store.review.reorder(session.session_id, item_ids)
    await plan_changed(store, session, now=datetime.now(UTC))
    return await store.review.items(session.session_id)


async def move_item(store: Store, *, session: Session, item_id: str, by: int) -> list[Item]:
    """Move one item up (by < 0) or down (by > 0) the order as it is now."""
    check_review(session)
    order = await store.review.order(session.session_id)
    if item_id not in order:
        raise no_item(item_id)
    place = order.index(item_id)
    order.insert(max(0, min(len(order) - 1, place + by)), order.pop(place))
    return await reorder(store, session=session, item_ids=order)


# rubric, templates, settings --------------------------------------------------------------


async def set_rubric(store: Store, *, session: Session, fields: Mapping[str, object]) -> Rubric:
    """Check and write the session's rubric (refused once any item has a score)."""
    check_review(session)
    return await store.review.set_rubric(session.session_id, new_rubric(fields))


def template_name(name: object) -> str:
    return text_field({"name": name}, "name", max_length=TEMPLATE_NAME_MAX, required=True)


async def rubric_template(store: Store, *, org_id: str, name: str) -> Rubric:
    rubric = await store.review.template(org_id, name)
    if rubric is None:
        raise NotFound("No rubric template named {name}.", code="unknown_template", name=name[:100])
    return rubric


async def apply_template(store: Store, *, session: Session, name: str) -> Rubric:
    """Give the session the rubric of one of its organization's templates."""
    check_review(session)
    rubric = await rubric_template(store, org_id=session.org_id, name=name)
    return await store.review.set_rubric(session.session_id, rubric)


async def save_template(store: Store, *, org_id: str, name: object, rubric: Rubric) -> str:
    """Save a rubric as the organization's template of that name (replacing one)."""
    name = template_name(name)
    templates = await store.review.templates(org_id)
    if name not in templates and len(templates) >= TEMPLATES_MAX:
        raise DomainError(
            "An organization keeps at most {most} rubric templates.",
            code="too_many_templates",
            most=TEMPLATES_MAX,
        )
    await store.review.save_template(org_id, name, rubric)
    return name


async def save_session_rubric_as(store: Store, *, session: Session, name: object) -> str:
    rubric = await store.review.rubric(session.session_id)
    if rubric is None:
        raise DomainError("This review has no rubric yet to save.", code="no_rubric")
    return await save_template(store, org_id=session.org_id, name=name, rubric=rubric)


async def set_settings(
    store: Store, *, session: Session, fields: Mapping[str, object]
) -> ReviewSettings:
    check_review(session)
    return await store.review.set_settings(session.session_id, rules.new_settings(fields))


# an expert's own page ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Panel:
    """A review panel as one of its reviewers sees it before the session."""

    session: Session
    items: tuple[dict[str, object], ...]  # shown items; a conflicted one only by its label
    settings: ReviewSettings


def reviewer_items(book: ReviewBook, *, reviewer: str) -> tuple[dict[str, object], ...]:
    """The items as a reviewer may see them: without applicants in a blind review, and an
    item they are conflicted on as nothing but its place and "you have a conflict"."""
    shown = []
    for position, item in enumerate(book.items, start=1):
        standing = book.table.get(item.item_id, {}).get(reviewer)
        if standing is not None and standing.conflicted:
            label = rules.item_label(position)
            shown.append(
                {"item_id": item.item_id, "position": position, "label": label, "conflicted": True}
            )
        else:
            seen = rules.shown_item(item, position=position, blind=book.settings.blind)
            shown.append(seen | {"conflicted": False})
    return tuple(shown)


async def panels_of(store: Store, *, reviewer: str, now: datetime) -> list[Panel]:
    """The upcoming review sessions a person is a reviewer of, by start."""
    panels = []
    for session in await store.agenda.sessions_of_person(reviewer):
        if session.kind is not Kind.REVIEW or session.state is State.CANCELLED:
            continue
        if session.end <= now:
            continue
        book = await load_book(store, session)
        if reviewer in book.reviewers:
            items = reviewer_items(book, reviewer=reviewer)
            panels.append(Panel(session, items, book.settings))
    return panels
