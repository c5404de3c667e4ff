"""The console's review forms: what an item's, the rubric's and the settings' forms show
(strings, as typed) and the plain fields the review service takes.

The rubric form has numbered rows: criteria ``c<n>_name_zh``, ``c<n>_name_en``,
``c<n>_weight``, ``c<n>_min``, ``c<n>_max`` and ``c<n>_anchors`` (one anchor a line, "5 =
outstanding"); recommendations ``r<n>_code``, ``r<n>_label_zh``, ``r<n>_label_en``. A row
with no name (or no code) is left out, so the form always offers a few blank rows to fill.
"""

import re

from rooms.errors import DomainError
from rooms.items import ITEM_FIELDS, Item, ReviewSettings
from rooms.rubric import CRITERIA_MAX, DEFAULT_RECOMMENDATIONS, RECOMMENDATIONS_MAX, Rubric
from server.pages.forms import Form, checked

BLANK_ROWS = 2
ROWS_MOST = max(CRITERIA_MAX, RECOMMENDATIONS_MAX) + 5  # rows read from a posted form
_ANCHOR = re.compile(r"\s*(-?\d{1,4})\s*(?:[=:：]\s*(.*?))?\s*")


# items


def new_item_form() -> Form:
    return Form(present_minutes="10", qa_minutes="5")


FOUNDER = "founder:"  # a founder's box: ``founder:<person key>``, ticked when they pitch it


def item_form_of(item: Item) -> Form:
    form = Form({name: str(getattr(item, name)) for name in ITEM_FIELDS if name != "founders"})
    form["buffer_minutes"] = "" if item.buffer_minutes is None else str(item.buffer_minutes)
    form["disciplines"] = "; ".join(item.disciplines)
    form |= {FOUNDER + key: "on" for key in item.founders}
    return form


def item_fields(form: Form) -> dict[str, object]:
    """The item's fields as typed (``rooms.items`` reads and checks them); its founders are
    the ticked boxes of the roster's presenters (a form without them names none)."""
    fields: dict[str, object] = {
        name: form[name].strip() for name in ITEM_FIELDS if name != "founders"
    }
    fields["founders"] = [
        name.removeprefix(FOUNDER)
        for name in form
        if name.startswith(FOUNDER) and checked(form, name)
    ]
    return fields


# rubric


def _number(value: float) -> str:
    return f"{value:g}"


def rubric_form_of(rubric: Rubric | None) -> Form:
    """The rubric's rows, and blank ones after them (the usual recommendations when none)."""
    form = Form(comment_required="on" if rubric and rubric.comment_required else "")
    criteria = rubric.criteria if rubric else ()
    for n, c in enumerate(criteria, start=1):
        form |= {
            f"c{n}_name_zh": c.name_zh,
            f"c{n}_name_en": c.name_en,
            f"c{n}_weight": _number(c.weight),
            f"c{n}_min": str(c.scale_min),
            f"c{n}_max": str(c.scale_max),
            f"c{n}_anchors": "\n".join(f"{a.value} = {a.label}".strip() for a in c.anchors),
        }
    rows = min(len(criteria) + BLANK_ROWS, CRITERIA_MAX)
    for n in range(len(criteria) + 1, rows + 1):
        form |= {f"c{n}_weight": "1", f"c{n}_min": "1", f"c{n}_max": "5"}
    recommendations = rubric.recommendations if rubric else DEFAULT_RECOMMENDATIONS
    for n, r in enumerate(recommendations, start=1):
        form |= {f"r{n}_code": r.code, f"r{n}_label_zh": r.label_zh, f"r{n}_label_en": r.label_en}
    form["criteria_rows"] = str(rows)
    form["recommendation_rows"] = str(min(len(recommendations) + 1, RECOMMENDATIONS_MAX))
    return form


def _rows(form: Form, name: str) -> range:
    text = form[name].strip()
    count = int(text) if text.isdigit() else 0
    return range(1, min(count, ROWS_MOST) + 1)


def anchors_of(text: str) -> list[dict[str, object]]:
    """Anchors typed one a line, "value = label" (or "value: label", or the value alone)."""
    anchors: list[dict[str, object]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        found = _ANCHOR.fullmatch(line)
        if found is None:
            raise DomainError(
                "Write each anchor on a line of its own as value = label, e.g. 5 = outstanding.",
                code="invalid_anchor",
            )
        anchors.append({"value": int(found.group(1)), "label": found.group(2) or ""})
    return anchors


def rubric_fields(form: Form) -> dict[str, object]:
    """The rubric's fields (``rooms.rubric.new_rubric`` checks them) from the form's rows."""
    criteria = [
        {
            "name_zh": form[f"c{n}_name_zh"],
            "name_en": form[f"c{n}_name_en"],
            "weight": form[f"c{n}_weight"].strip(),
            "scale_min": form[f"c{n}_min"].strip(),
            "scale_max": form[f"c{n}_max"].strip(),
            "anchors": anchors_of(form[f"c{n}_anchors"]),
        }
        for n in _rows(form, "criteria_rows")
        if form[f"c{n}_name_zh"].strip() or form[f"c{n}_name_en"].strip()
    ]
    recommendations = [
        {
            "code": form[f"r{n}_code"],
            "label_zh": form[f"r{n}_label_zh"],
            "label_en": form[f"r{n}_label_en"],
        }
        for n in _rows(form, "recommendation_rows")
        if form[f"r{n}_code"].strip()
    ]
    return {
        "criteria": criteria,
        "recommendations": recommendations or None,
        "comment_required": checked(form, "comment_required"),
    }


# settings


def settings_form_of(settings: ReviewSettings) -> Form:
    flags = ("blind", "double_blind", "downloads_allowed")
    return Form({name: "on" if getattr(settings, name) else "" for name in flags})


def settings_fields(form: Form) -> dict[str, object]:
    return {name: checked(form, name) for name in ("blind", "double_blind", "downloads_allowed")}
