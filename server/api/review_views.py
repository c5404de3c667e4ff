"""JSON renderings of a review's preparation — items, rubric, settings, conflicts, candidate
reviewers — with their JSON Schemas, and the request bodies that write them.

The bodies check shapes and types (errors name the field, e.g. ``criteria.0.weight``); the
rules (a title, weights not negative and not all zero, anchors on their scale…) are the
domain's (``rooms.items``, ``rooms.rubric``), whose refusals are 400s with their message.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from rooms.agenda import RosterEntry
from rooms.conflicts import REASON_MAX, ConflictNote, NoteKind, Standing
from rooms.experts import MAX_DISCIPLINES
from rooms.items import (
    BUFFER_MINUTES_MAX,
    FOUNDERS_MAX,
    ITEMS_MAX,
    MINUTES_MAX,
    ORG_MAX,
    PERSON_KEY_MAX,
    SHOW_BUFFER,
    Item,
    ReviewSettings,
    founder_keys,
)
from rooms.limits import NAME_MAX, TITLE_MAX
from rooms.rubric import (
    ANCHORS_MAX,
    CRITERIA_MAX,
    LABEL_MAX,
    RECOMMENDATIONS_MAX,
    SCALE_BOUND,
    Rubric,
    rubric_fields,
)
from server.api.experts import EXPERT, expert_json
from server.api.schema import (
    Body,
    Bool,
    Email,
    Int,
    Num,
    ObjList,
    Str,
    StrList,
    list_of,
    response_schema,
)
from server.api.views import utc_text
from server.reviews import TEMPLATE_NAME_MAX, Candidate

_TEXT = {"type": "string"}
_TEXTS = {"type": "array", "items": _TEXT}
_INT = {"type": "integer"}
_BOOL = {"type": "boolean"}
_INSTANT = {"type": "string", "format": "date-time"}
ID_MAX = 40


# items ------------------------------------------------------------------------------------

ITEM_FIELDS = {
    "title_zh": Str(required=False, max_length=TITLE_MAX, example="基于RISC-V的低功耗芯片"),
    "title_en": Str(required=False, max_length=TITLE_MAX, example="A low-power RISC-V chip"),
    "applicant_name": Str(required=False, max_length=NAME_MAX, example="李明"),
    "applicant_org": Str(required=False, max_length=ORG_MAX, example="复旦大学"),
    "applicant_email": Email(required=False, example="li.ming@fudan.example.edu"),
    "disciplines": StrList(
        required=False,
        max_items=MAX_DISCIPLINES,
        item_max_length=100,
        description="codes (or names) from GET /api/disciplines",
        example=["0809"],
    ),
    "present_minutes": Int(required=False, maximum=MINUTES_MAX, example=10),
    "qa_minutes": Int(required=False, maximum=MINUTES_MAX, example=5),
    "achievement_id": Str(
        required=False,
        max_length=ID_MAX,
        description="a roadshow pitch's achievement (GET /api/achievements); empty: none",
        example="",
    ),
    "founders": StrList(
        required=False,
        max_items=FOUNDERS_MAX,
        item_max_length=PERSON_KEY_MAX,
        description="a roadshow pitch's founders: person keys of presenters on the session's "
        "roster (GET /api/sessions/{id}/roster); empty: the applicant (by e-mail) pitches",
        example=["guest:li.ming@fudan.example.edu"],
    ),
    "buffer_minutes": Int(
        required=False,
        minimum=SHOW_BUFFER,
        maximum=BUFFER_MINUTES_MAX,
        description="a roadshow pitch's break after it, in minutes; -1: the show's buffer "
        "(PUT /api/sessions/{id}/show/buffer)",
        example=2,
    ),
}
NEW_ITEM = Body(ITEM_FIELDS)
ITEM_CHANGES = Body(ITEM_FIELDS, partial=True)
ORDER = Body(
    {
        "item_ids": StrList(
            max_items=ITEMS_MAX,
            item_max_length=ID_MAX,
            description="every item of the review, each once, in the new order",
            example=["4f2a9c1d7e3b5a60", "a1b2c3d4e5f60718"],
        )
    }
)

ITEM = response_schema(
    "ReviewItem",
    {
        "item_id": _TEXT,
        "session_id": _TEXT,
        "position": {**_INT, "description": "1-based place in the order"},
        "title_zh": _TEXT,
        "title_en": _TEXT,
        "applicant_name": _TEXT,
        "applicant_org": _TEXT,
        "applicant_email": _TEXT,
        "disciplines": _TEXTS,
        "present_minutes": _INT,
        "qa_minutes": _INT,
        "achievement_id": _TEXT,
        "founders": {**_TEXTS, "description": "person keys of the founders named on the item"},
        "buffer_minutes": {
            "type": "integer",
            "description": "the pitch's own buffer; -1: the show's buffer",
        },
        "pitched_by": {
            **_TEXTS,
            "description": "who pitches it: the founders, or else the applicant by e-mail",
        },
        "created_at": _INSTANT,
        "updated_at": _INSTANT,
    },
)


def item_json(item: Item, position: int) -> dict[str, Any]:
    return {
        "item_id": item.item_id,
        "session_id": item.session_id,
        "position": position,
        "title_zh": item.title_zh,
        "title_en": item.title_en,
        "applicant_name": item.applicant_name,
        "applicant_org": item.applicant_org,
        "applicant_email": item.applicant_email,
        "disciplines": list(item.disciplines),
        "present_minutes": item.present_minutes,
        "qa_minutes": item.qa_minutes,
        "achievement_id": item.achievement_id,
        "founders": list(item.founders),
        "pitched_by": list(founder_keys(item)),
        "buffer_minutes": SHOW_BUFFER if item.buffer_minutes is None else item.buffer_minutes,
        "created_at": utc_text(item.created_at),
        "updated_at": utc_text(item.updated_at),
    }


def items_json(items: Sequence[Item]) -> list[dict[str, Any]]:
    return [item_json(item, n) for n, item in enumerate(items, start=1)]


# rubric -----------------------------------------------------------------------------------

ANCHOR_FIELDS = {
    "value": Int(minimum=-SCALE_BOUND, maximum=SCALE_BOUND, example=5),
    "label": Str(required=False, max_length=LABEL_MAX, example="杰出 Outstanding"),
}
CRITERION_FIELDS = {
    "criterion_id": Str(
        required=False, max_length=10, description="ignored: criteria are c1, c2… as given"
    ),
    "name_zh": Str(required=False, max_length=NAME_MAX, example="创新性"),
    "name_en": Str(required=False, max_length=NAME_MAX, example="Novelty"),
    "weight": Num(description="not negative; the weights must not all be zero", example=30),
    "scale_min": Int(minimum=-SCALE_BOUND, maximum=SCALE_BOUND, example=1),
    "scale_max": Int(minimum=-SCALE_BOUND, maximum=SCALE_BOUND, example=5),
    "anchors": ObjList(
        required=False,
        fields=ANCHOR_FIELDS,
        max_items=ANCHORS_MAX,
        description="labelled points of the scale, each within it",
    ),
}
RECOMMENDATION_FIELDS = {
    "code": Str(min_length=1, max_length=32, example="fund"),
    "label_zh": Str(required=False, max_length=LABEL_MAX, example="建议资助"),
    "label_en": Str(required=False, max_length=LABEL_MAX, example="Fund"),
}
_EXAMPLE_CRITERION = {"name_zh": "创新性", "name_en": "Novelty", "weight": 30, "scale_min": 1}
RUBRIC_BODY = Body(
    {
        "criteria": ObjList(
            fields=CRITERION_FIELDS,
            max_items=CRITERIA_MAX,
            example=[{**_EXAMPLE_CRITERION, "scale_max": 5}],
        ),
        "recommendations": ObjList(
            required=False,
            fields=RECOMMENDATION_FIELDS,
            max_items=RECOMMENDATIONS_MAX,
            description="the reviewer's overall choice; fund / revise / reject when left out",
        ),
        "comment_required": Bool(required=False, example=True),
    }
)
_ANCHOR = response_schema("Anchor", {"value": _INT, "label": _TEXT})
_CRITERION = response_schema(
    "Criterion",
    {
        "criterion_id": _TEXT,
        "name_zh": _TEXT,
        "name_en": _TEXT,
        "weight": {"type": "number"},
        "scale_min": _INT,
        "scale_max": _INT,
        "anchors": list_of(_ANCHOR),
    },
)
_RECOMMENDATION = response_schema(
    "Recommendation", {"code": _TEXT, "label_zh": _TEXT, "label_en": _TEXT}
)
_RUBRIC_PROPERTIES = {
    "criteria": list_of(_CRITERION),
    "recommendations": list_of(_RECOMMENDATION),
    "comment_required": _BOOL,
}
RUBRIC = response_schema(
    "Rubric",
    {**_RUBRIC_PROPERTIES, "frozen": {**_BOOL, "description": "an item has scores"}},
)
TEMPLATE = response_schema(
    "RubricTemplate", {"name": _TEXT, "rubric": response_schema("RubricValues", _RUBRIC_PROPERTIES)}
)
TEMPLATE_NAME = Str(min_length=1, max_length=TEMPLATE_NAME_MAX)


def rubric_json(rubric: Rubric, *, frozen: bool) -> dict[str, Any]:
    return {**rubric_fields(rubric), "frozen": frozen}


def template_json(name: str, rubric: Rubric) -> dict[str, Any]:
    return {"name": name, "rubric": rubric_fields(rubric)}


# settings ---------------------------------------------------------------------------------

SETTINGS_BODY = Body(
    {
        "blind": Bool(required=False, description="reviewers do not see applicants"),
        "double_blind": Bool(
            required=False, description="reviewers are Reviewer A, B… to each other (and blind)"
        ),
        "downloads_allowed": Bool(required=False, description="materials may be downloaded"),
    }
)
REVIEW_SETTINGS = response_schema(
    "ReviewSettings", {"blind": _BOOL, "double_blind": _BOOL, "downloads_allowed": _BOOL}
)


def settings_json(settings: ReviewSettings) -> dict[str, Any]:
    return {
        "blind": settings.blind,
        "double_blind": settings.double_blind,
        "downloads_allowed": settings.downloads_allowed,
    }


# conflicts --------------------------------------------------------------------------------

CONFLICT_BODY = Body(
    {
        "item_id": Str(min_length=1, max_length=ID_MAX, example="4f2a9c1d7e3b5a60"),
        "person_key": Str(
            min_length=1, max_length=300, description="a reviewer", example="expert:5c1f0e2a"
        ),
        "action": Str(
            choices=(NoteKind.ADDED.value, NoteKind.WAIVED.value),
            description="added: the reviewer is conflicted on the item; waived: their "
            "conflicts on it no longer keep them out",
            example="added",
        ),
        "reason": Str(min_length=1, max_length=REASON_MAX, example="Co-authored a paper in 2025"),
    }
)
NOTE = response_schema(
    "ConflictNote",
    {
        "item_id": _TEXT,
        "person_key": _TEXT,
        "kind": {"type": "string", "enum": [str(kind) for kind in NoteKind]},
        "reason": _TEXT,
        "by": {**_TEXT, "description": "person key of who wrote it"},
        "at": _INSTANT,
    },
)
STANDING = response_schema(
    "ConflictStanding",
    {
        "item_id": _TEXT,
        "person_key": _TEXT,
        "reasons": {**_TEXTS, "description": "org:…, project:…, expert:…, email:…, declared:…"},
        "waived": _BOOL,
        "conflicted": {**_BOOL, "description": "must stay out of the item"},
    },
)
REVIEWER = response_schema("Reviewer", {"person_key": _TEXT, "name": _TEXT})
CONFLICTS = response_schema(
    "ReviewConflicts",
    {
        "reviewers": list_of(REVIEWER),
        "items": list_of(ITEM),
        "standings": list_of(STANDING),
        "notes": list_of(NOTE),
    },
)
CANDIDATE = response_schema(
    "ReviewerCandidate",
    {
        "expert": EXPERT,
        "conflicts": list_of(
            response_schema("CandidateConflict", {"item_id": _TEXT, "reasons": _TEXTS})
        ),
    },
)


def note_json(note: ConflictNote) -> dict[str, Any]:
    return {
        "item_id": note.item_id,
        "person_key": note.person_key,
        "kind": str(note.kind),
        "reason": note.reason,
        "by": note.by,
        "at": utc_text(note.at),
    }


def conflicts_json(
    *,
    items: Sequence[Item],
    reviewers: Sequence[RosterEntry],
    table: Mapping[str, Mapping[str, Standing]],
    notes: Sequence[ConflictNote],
) -> dict[str, Any]:
    standings = [
        {
            "item_id": item.item_id,
            "person_key": entry.person_key,
            "reasons": list(table[item.item_id][entry.person_key].reasons),
            "waived": table[item.item_id][entry.person_key].waived,
            "conflicted": table[item.item_id][entry.person_key].conflicted,
        }
        for item in items
        for entry in reviewers
    ]
    return {
        "reviewers": [{"person_key": e.person_key, "name": e.name} for e in reviewers],
        "items": items_json(items),
        "standings": standings,
        "notes": [note_json(note) for note in notes],
    }


def candidate_json(candidate: Candidate) -> dict[str, Any]:
    conflicts = [
        {"item_id": item_id, "reasons": list(standing.reasons)}
        for item_id, standing in candidate.conflicts.items()
    ]
    return {"expert": expert_json(candidate.expert), "conflicts": conflicts}
