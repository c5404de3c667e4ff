"""/api/ results: a review session's results (ranking, each item's table once closed, the
conflict record) and its audit log, for its staff and its chair
(``server.results.results_session``: another organization's staff get 404, anyone else
signed in 403, nobody 401).

An item not closed has ``result: null``: no values, not even a count. A reviewer who did not
score a closed item is a row with ``submitted: false`` and ``values: null``, never zeros.
Audit entries never carry score values.
"""

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from rooms.results import AuditLine, ConflictRecord, ItemOutcome, anonymous_name
from rooms.rubric import rubric_fields
from rooms.scores import ItemResult
from server.api.review_views import NOTE, REVIEW_SETTINGS, TEMPLATE, note_json, settings_json
from server.api.routes import ApiRoutes, json_response
from server.api.schema import list_of, response_schema
from server.api.views import utc_text
from server.appkeys import STORE
from server.results import (
    SessionReview,
    load_audit,
    load_review,
    person_names,
    results_session,
)

routes = ApiRoutes()
TAG = "reviews"

_TEXT = {"type": "string"}
_TEXTS = {"type": "array", "items": _TEXT}
_INT = {"type": "integer"}
_BOOL = {"type": "boolean"}
_NUMBER = {"type": "number"}
_MAYBE_NUMBER = {"type": ["number", "null"]}
_INSTANT = {"type": "string", "format": "date-time"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


SCORE_ROW = response_schema(
    "ScoreRow",
    {
        "reviewer_key": _TEXT,
        "reviewer": {**_TEXT, "description": "the reviewer's name"},
        "submitted": {**_BOOL, "description": "false: missing (not counted, never zero)"},
        "values": {
            "type": ["object", "null"],
            "additionalProperties": _NUMBER,
            "description": "criterion_id -> value; null when missing",
        },
        "total": {**_MAYBE_NUMBER, "description": "weighted score, 0–100"},
        "recommendation": {"type": ["string", "null"]},
        "comment": {"type": ["string", "null"]},
        "outlier": _BOOL,
    },
)
ITEM_RESULT = response_schema(
    "ItemResult",
    {
        "rows": list_of(SCORE_ROW),
        "criterion_means": {"type": "object", "additionalProperties": _MAYBE_NUMBER},
        "mean": _MAYBE_NUMBER,
        "median": _MAYBE_NUMBER,
        "spread": _MAYBE_NUMBER,
        "stdev": _MAYBE_NUMBER,
        "submitted": _INT,
        "expected": _INT,
        "missing": {**_TEXTS, "description": "person keys of reviewers who did not score"},
        "recommendations": {"type": "object", "additionalProperties": _INT},
    },
)
CONFLICT_RECORD = response_schema(
    "ConflictRecord",
    {
        "person_key": _TEXT,
        "reviewer": _TEXT,
        "reasons": {**_TEXTS, "description": "org:…, project:…, expert:…, email:…, declared:…"},
        "waived": _BOOL,
        "conflicted": {**_BOOL, "description": "kept out of the item"},
        "notes": list_of(NOTE),
    },
)
ITEM_OUTCOME = response_schema(
    "ItemOutcome",
    {
        "item_id": _TEXT,
        "position": _INT,
        "title_zh": _TEXT,
        "title_en": _TEXT,
        "applicant_name": _TEXT,
        "applicant_org": _TEXT,
        "founders": {
            **list_of(_TEXT),
            "description": "a roadshow pitch's founders: their names on the roster",
        },
        "phase": _TEXT,
        "closed": _BOOL,
        "released": {**_BOOL, "description": "released to the panel"},
        "rank": {"type": ["integer", "null"], "description": "null unless closed and scored"},
        "result": {**_nullable(ITEM_RESULT), "description": "null until the item is closed"},
        "conflicts": list_of(CONFLICT_RECORD),
    },
)
RESULTS = response_schema(
    "ReviewResults",
    {
        "session_id": _TEXT,
        "settings": REVIEW_SETTINGS,
        "rubric": _nullable(TEMPLATE["properties"]["rubric"]),  # RubricValues, as a template's
        "ranking": {**_TEXTS, "description": "item ids, best first; items not closed last"},
        "items": {**list_of(ITEM_OUTCOME), "description": "in the session's order"},
    },
)
AUDIT_LINE = response_schema(
    "AuditLine",
    {
        "at": _INSTANT,
        "action": {
            **_TEXT,
            "description": "item_started, phase_qa, phase_deliberation, phase_scoring, "
            "phase_closed, extended, skipped, reordered, results_released, moved_out, "
            "brought_back, score_submitted, score_revised, conflict_declared, "
            "conflict_added, conflict_waived",
        },
        "actor": {**_TEXT, "description": "person key; empty for the server"},
        "actor_name": _TEXT,
        "item_id": _TEXT,
        "person": {**_TEXT, "description": "whom the line is about (a person key), or empty"},
        "person_name": _TEXT,
        "reason": _TEXT,
    },
)


def _name(names: Mapping[str, str], key: str) -> str:
    return names.get(key) or (anonymous_name(key) if key else "")


def result_json(review: SessionReview, result: ItemResult) -> dict[str, Any]:
    rows = [
        {
            "reviewer_key": row.reviewer_key,
            "reviewer": _name(review.names, row.reviewer_key),
            "submitted": row.card is not None,
            "values": dict(row.card.values) if row.card else None,
            "total": row.total,
            "recommendation": row.card.recommendation if row.card else None,
            "comment": row.card.comment if row.card else None,
            "outlier": row.outlier,
        }
        for row in result.rows
    ]
    return {
        "rows": rows,
        "criterion_means": dict(result.criterion_means),
        "mean": result.mean,
        "median": result.median,
        "spread": result.spread,
        "stdev": result.stdev,
        "submitted": result.submitted,
        "expected": len(result.rows),
        "missing": list(result.missing),
        "recommendations": dict(result.recommendations),
    }


def conflict_json(review: SessionReview, record: ConflictRecord) -> dict[str, Any]:
    return {
        "person_key": record.person_key,
        "reviewer": _name(review.names, record.person_key),
        "reasons": list(record.reasons),
        "waived": record.waived,
        "conflicted": record.conflicted,
        "notes": [note_json(note) for note in record.notes],
    }


def outcome_json(review: SessionReview, outcome: ItemOutcome) -> dict[str, Any]:
    item, result = outcome.item, outcome.result
    return {
        "item_id": item.item_id,
        "position": outcome.position,
        "title_zh": item.title_zh,
        "title_en": item.title_en,
        "applicant_name": item.applicant_name,
        "applicant_org": item.applicant_org,
        "founders": [_name(review.names, key) for key in item.founders],
        "phase": str(outcome.run.phase),
        "closed": outcome.closed,
        "released": outcome.run.released,
        "rank": outcome.rank,
        "result": result_json(review, result) if result is not None else None,
        "conflicts": [conflict_json(review, record) for record in outcome.conflicts],
    }


def results_json(review: SessionReview) -> dict[str, Any]:
    results = review.results
    return {
        "session_id": review.session.session_id,
        "settings": settings_json(results.settings),
        "rubric": rubric_fields(results.rubric) if results.rubric is not None else None,
        "ranking": [outcome.item.item_id for outcome in results.ranking],
        "items": [outcome_json(review, outcome) for outcome in results.items],
    }


def audit_json(names: Mapping[str, str], line: AuditLine) -> dict[str, Any]:
    return {
        "at": utc_text(line.at),
        "action": line.action,
        "actor": line.actor,
        "actor_name": _name(names, line.actor),
        "item_id": line.item_id,
        "person": line.person,
        "person_name": line.person_name or _name(names, line.person),
        "reason": line.reason,
    }


@routes.route(
    "GET",
    "/api/sessions/{session_id}/results",
    summary="A review's results: the ranking and each item's scores once it is closed, with "
    "its conflict record (the session's staff and chair)",
    tag=TAG,
    returns=RESULTS,
)
async def get_results(request: web.Request) -> web.Response:
    session = await results_session(request)
    review = await load_review(request.app[STORE], session)
    return json_response(results_json(review))


@routes.route(
    "GET",
    "/api/sessions/{session_id}/audit",
    summary="A review's audit log, oldest first: phases, moves, conflicts, scores submitted "
    "and revised (never their values), results released",
    tag=TAG,
    returns=list_of(AUDIT_LINE),
)
async def get_audit(request: web.Request) -> web.Response:
    session = await results_session(request)
    store = request.app[STORE]
    names = await person_names(store, session)
    lines = await load_audit(store, session)
    return json_response([audit_json(names, line) for line in lines])
