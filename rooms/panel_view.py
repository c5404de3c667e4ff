"""What each person is shown of a review panel (the ``review`` payload of PROTOCOL.md):
hosts and reviewers every item, others only the running one; blind reviews without
applicants (and with neutral material names) for reviewers; a reviewer's conflicted items
by their label alone; the rubric to hosts and reviewers; a reviewer's own revisions; the
chair's counts of scores."""

from typing import TYPE_CHECKING

from rooms.items import shown_item
from rooms.presence import Participant
from rooms.review_book import material_name
from rooms.roles import Capability
from rooms.rubric import rubric_fields
from rooms.sealed import progress

if TYPE_CHECKING:
    from rooms.panel import Panel

C = Capability


def view_for(panel: "Panel", p: Participant) -> dict[str, object]:
    """The review as this person may see it (PROTOCOL.md, the ``review`` payload)."""
    caps = panel.room.caps(p)
    staff, reviewer = C.MODERATE in caps or C.CHAIR in caps, C.SCORE in caps
    run = panel.current
    items = []
    for item in panel.book.items:
        state = item_state(panel, item.item_id)
        if reviewer and not staff and panel.conflicted(p.key, item.item_id):
            position = panel.position(item.item_id)
            items.append({"item_id": item.item_id, "position": position, **state,
                          "label": f"#{position}", "conflict": True})  # fmt: skip
        elif staff or reviewer or (run is not None and run.item_id == item.item_id):
            blind = panel.book.settings.blind and not staff
            shown = shown_item(item, position=panel.position(item.item_id), blind=blind)
            files = materials_of(panel, item.item_id, blind=blind) if staff or reviewer else []
            items.append({**shown, **state, "conflict": False, "materials": files})
    view: dict[str, object] = {
        "items": items,
        "current": run.item_id if run else None,
        "settings": {
            "blind": panel.book.settings.blind,
            "double_blind": panel.book.settings.double_blind,
            "downloads_allowed": panel.book.settings.downloads_allowed,
        },  # fmt: skip
        "chair": C.CHAIR in caps,
        "reviewer": reviewer,
    }
    if (staff or reviewer) and panel.book.rubric is not None:
        view["rubric"] = rubric_fields(panel.book.rubric)
    if reviewer:
        view["my_scores"] = {i: keys[p.key] for i, keys in panel.scored.items() if p.key in keys}
    if C.CHAIR in caps:
        view["progress"] = {i.item_id: progress_of(panel, i.item_id) for i in panel.book.items}
    return view


def materials_of(panel: "Panel", item_id: str, *, blind: bool) -> list[dict[str, str]]:
    """An item's materials for the panel: under neutral names in a blind review."""
    position = panel.position(item_id)
    return [
        {"file_id": file_id, "name": material_name(name, position, n) if blind else name}
        for n, (file_id, name) in enumerate(panel.book.materials.get(item_id, ()), start=1)
    ]


def item_state(panel: "Panel", item_id: str) -> dict[str, object]:
    run = panel.runs[item_id]
    return {
        "phase": str(run.phase),
        "since": run.since.isoformat() if run.since else None,
        "ends_at": run.ends_at.isoformat() if run.ends_at else None,
        "released": run.released,
    }


def progress_of(panel: "Panel", item_id: str) -> dict[str, int]:
    return progress(panel.book, panel.scored, item_id)
