"""/api/ reviewers' conflicts: every reviewer's standing on every item of a review, the
chair's and staff's added and waived conflicts (each with a reason, kept with who and when),
and the pool's experts as candidate reviewers with their conflicts shown before they join.

Staff of the session's organization only; the session must be a review.
"""

from aiohttp import web

from rooms.agenda import PersonType, person_key
from rooms.conflicts import NoteKind
from rooms.disciplines import discipline_code
from rooms.roles import Role
from server import reviews
from server.api.events import now
from server.api.experts import query_param
from server.api.review_views import (
    CANDIDATE,
    CONFLICT_BODY,
    CONFLICTS,
    NOTE,
    candidate_json,
    conflicts_json,
    note_json,
)
from server.api.reviews import own_review
from server.api.routes import ApiRoutes, json_response, read_body
from server.api.views import listed
from server.appkeys import STORE
from server.auth import require_account

routes = ApiRoutes()
TAG = "reviews"
CONFLICTS_PATH = "/api/sessions/{session_id}/conflicts"
CANDIDATES_MAX = 200


@routes.route(
    "GET",
    CONFLICTS_PATH,
    summary="Every reviewer's standing on every item (the pool's conflicts, declared, added "
    "and waived ones) and the notes that decided it",
    tag=TAG,
    returns=CONFLICTS,
)
async def list_conflicts(request: web.Request) -> web.Response:
    session, store = await own_review(request), request.app[STORE]
    book = await reviews.load_book(store, session)
    roster = await store.agenda.roster_of(session.session_id)
    return json_response(
        conflicts_json(
            items=book.items,
            reviewers=[entry for entry in roster if entry.role is Role.REVIEWER],
            table=book.table,
            notes=book.notes,
        )
    )


@routes.route(
    "POST",
    CONFLICTS_PATH,
    summary="Add a reviewer's conflict with an item, or waive their conflicts on it, with a reason",
    tag=TAG,
    body=CONFLICT_BODY,
    responses={"201": "The note written"},
    returns=NOTE,
)
async def record_conflict(request: web.Request) -> web.Response:
    account = await require_account(request)
    session = await own_review(request)
    fields = await read_body(request, CONFLICT_BODY)
    note = await reviews.record_conflict(
        request.app[STORE],
        session=session,
        item_id=fields["item_id"],
        reviewer=fields["person_key"],
        kind=NoteKind(fields["action"]),
        reason=fields["reason"],
        by=person_key(PersonType.ACCOUNT, account.account_id),
        now=now(),
    )
    return json_response(note_json(note), status=201)


@routes.route(
    "GET",
    "/api/sessions/{session_id}/candidates",
    summary="My organization's experts as reviewers of this review, each with the items they "
    "would be conflicted on; filters: ?q=words&discipline=code",
    tag=TAG,
    returns=listed(CANDIDATE),
)
async def list_candidates(request: web.Request) -> web.Response:
    session, store = await own_review(request), request.app[STORE]
    discipline = query_param(request, "discipline")
    experts = await store.experts.search(
        session.org_id,
        text=query_param(request, "q"),
        discipline=discipline_code(discipline) if discipline else "",
    )
    found = await reviews.candidates(store, session=session, experts=experts[:CANDIDATES_MAX])
    return json_response([candidate_json(candidate) for candidate in found])
