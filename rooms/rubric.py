"""A review's rubric: its criteria (name, weight, scale with labelled anchors), the overall
recommendations a reviewer chooses from, and whether a comment is required.

``new_rubric`` builds one from plain values (JSON or a form) and refuses what cannot be
scored: weights that are negative, not numbers or sum to zero, scales that are empty,
anchors off their scale. ``weighted_score`` puts a reviewer's values on one 0–100 scale,
whatever each criterion's own scale, so items and reviewers compare.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rooms.errors import DomainError
from rooms.fields import flag_field, number_field, text_field, whole_field
from rooms.limits import NAME_MAX

CRITERIA_MAX = 20
RECOMMENDATIONS_MAX = 8
ANCHORS_MAX = 11
SCALE_BOUND = 1000  # a scale lies within -1000..1000
LABEL_MAX = 100


@dataclass(frozen=True, slots=True)
class Anchor:
    value: int
    label: str  # what that value means ("5 = outstanding / 杰出")


@dataclass(frozen=True, slots=True)
class Criterion:
    criterion_id: str  # "c1", "c2"… in the order given
    name_zh: str
    name_en: str
    weight: float
    scale_min: int
    scale_max: int
    anchors: tuple[Anchor, ...] = ()

    def name(self, lang: str) -> str:
        return (
            (self.name_zh if lang.startswith("zh") else self.name_en)
            or self.name_zh
            or self.name_en
        )


@dataclass(frozen=True, slots=True)
class Recommendation:
    code: str  # "fund", "revise", "reject"
    label_zh: str
    label_en: str


@dataclass(frozen=True, slots=True)
class Rubric:
    criteria: tuple[Criterion, ...]
    recommendations: tuple[Recommendation, ...]
    comment_required: bool = False

    def criterion(self, criterion_id: str) -> Criterion | None:
        return next((c for c in self.criteria if c.criterion_id == criterion_id), None)


DEFAULT_RECOMMENDATIONS = (
    Recommendation("fund", "建议资助", "Fund"),
    Recommendation("revise", "修改后再议", "Revise and resubmit"),
    Recommendation("reject", "不予资助", "Reject"),
)


def _list(value: object, name: str, *, most: int) -> Sequence[Mapping[str, object]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise DomainError("{field} must be a list of entries.", code="invalid_field", field=name)
    if len(value) > most:
        raise DomainError(
            "{field} may have at most {most} entries.", code="invalid_length", field=name, most=most
        )
    return value


def _anchors(value: object, *, low: int, high: int) -> tuple[Anchor, ...]:
    anchors = []
    for entry in _list(value or [], "anchors", most=ANCHORS_MAX):
        point = whole_field(entry, "value")
        if not low <= point <= high:
            raise DomainError(
                "An anchor's value {value} is off the scale {low}..{high}.",
                code="invalid_anchor",
                value=point,
                low=low,
                high=high,
            )
        anchors.append(Anchor(point, text_field(entry, "label", max_length=LABEL_MAX)))
    return tuple(sorted(anchors, key=lambda a: a.value))


def _criterion(entry: Mapping[str, object], position: int) -> Criterion:
    name_zh = text_field(entry, "name_zh", max_length=NAME_MAX)
    name_en = text_field(entry, "name_en", max_length=NAME_MAX)
    if not (name_zh or name_en):
        raise DomainError("Every criterion needs a name.", code="missing_field", field="name")
    weight = number_field(entry, "weight")
    if weight < 0:
        raise DomainError("A weight cannot be negative.", code="invalid_weight")
    low, high = whole_field(entry, "scale_min"), whole_field(entry, "scale_max")
    if not -SCALE_BOUND <= low < high <= SCALE_BOUND:
        raise DomainError(
            "A scale runs from a smaller to a larger whole number within ±{bound}.",
            code="invalid_scale",
            bound=SCALE_BOUND,
        )
    anchors = _anchors(entry.get("anchors"), low=low, high=high)
    return Criterion(f"c{position}", name_zh, name_en, weight, low, high, anchors)


def _recommendations(value: object) -> tuple[Recommendation, ...]:
    if value is None:
        return DEFAULT_RECOMMENDATIONS
    found = []
    for entry in _list(value, "recommendations", most=RECOMMENDATIONS_MAX):
        code = text_field(entry, "code", max_length=32, required=True)
        label_zh = text_field(entry, "label_zh", max_length=LABEL_MAX)
        label_en = text_field(entry, "label_en", max_length=LABEL_MAX)
        found.append(Recommendation(code, label_zh or label_en or code, label_en or code))
    if len({r.code for r in found}) != len(found):
        raise DomainError("Two recommendations have the same code.", code="invalid_field")
    return tuple(found)


def new_rubric(fields: Mapping[str, object]) -> Rubric:
    """A rubric from plain values: ``criteria`` (each ``name_zh``, ``name_en``, ``weight``,
    ``scale_min``, ``scale_max``, ``anchors``), ``recommendations`` (each ``code``,
    ``label_zh``, ``label_en``; the usual three when left out), ``comment_required``."""
    entries = _list(fields.get("criteria"), "criteria", most=CRITERIA_MAX)
    if not entries:
        raise DomainError("A rubric needs at least one criterion.", code="missing_field")
    criteria = tuple(_criterion(entry, n) for n, entry in enumerate(entries, start=1))
    if sum(c.weight for c in criteria) <= 0:
        raise DomainError("The weights must not all be zero.", code="invalid_weight")
    required = flag_field(fields, "comment_required") if "comment_required" in fields else False
    return Rubric(criteria, _recommendations(fields.get("recommendations")), required)


def rubric_fields(rubric: Rubric) -> dict[str, object]:
    """The rubric as plain values (``new_rubric`` takes them back)."""
    return {
        "criteria": [
            {
                "criterion_id": c.criterion_id,
                "name_zh": c.name_zh,
                "name_en": c.name_en,
                "weight": c.weight,
                "scale_min": c.scale_min,
                "scale_max": c.scale_max,
                "anchors": [{"value": a.value, "label": a.label} for a in c.anchors],
            }
            for c in rubric.criteria
        ],
        "recommendations": [
            {"code": r.code, "label_zh": r.label_zh, "label_en": r.label_en}
            for r in rubric.recommendations
        ],
        "comment_required": rubric.comment_required,
    }


def weighted_score(rubric: Rubric, values: Mapping[str, float]) -> float:
    """The values on one 0–100 scale: each criterion's place on its own scale, weighted."""
    total_weight = sum(c.weight for c in rubric.criteria)
    points = sum(
        c.weight * (values[c.criterion_id] - c.scale_min) / (c.scale_max - c.scale_min)
        for c in rubric.criteria
    )
    return round(100 * points / total_weight, 2)
