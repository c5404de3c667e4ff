"""The console's review preparation, on a review session's page: its items (add, edit,
delete, move; dragging posts the new order to the REST API), its rubric (rows of criteria,
recommendations, templates), its settings, and its reviewers' conflicts (the grid, and a
form to add or waive one with a reason). The expert picker of the roster shows each
candidate's conflicts with the items before they are added.

``review_context`` gives the page what it shows; each ``ACTIONS`` entry is one form's
action, run by the session page's form machinery (server/pages/console_sessions.py): it
returns where to go next, with ``?done=`` naming the success message (``DONE_MESSAGES``).
"""

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from rooms.accounts import Account
from rooms.agenda import Event, PersonType, Session, person_key
from rooms.conflicts import NoteKind
from rooms.errors import DomainError
from rooms.experts import Expert
from rooms.listings import Achievement
from rooms.review_book import ReviewBook
from rooms.roles import Kind, Role
from server import agenda, materials, reviews
from server.appkeys import SETTINGS, STORE
from server.auth import require_account
from server.files import files_root, find_file, viewer_page
from server.pages import review_forms
from server.pages.forms import Form, whole_number

Action = Callable[[web.Request, Account, Session, Event, Form], Awaitable[str]]
SLOTS = ("item", "item_edit", "item_delete", "rubric", "template", "settings", "conflict")
DONE_MESSAGES = {
    "item_added": "The item was added.",
    "item_saved": "The item was saved.",
    "item_deleted": "The item was removed.",
    "item_moved": "The order was saved.",
    "buffer_saved": "The buffer between pitches was saved.",
    "material_added": "The material was uploaded.",
    "material_removed": "The material was removed.",
    "rubric_saved": "The rubric was saved.",
    "template_applied": "The template's rubric was applied.",
    "template_saved": "The rubric was saved as a template.",
    "settings_saved": "The review settings were saved.",
    "conflict_added": "The conflict was recorded.",
    "conflict_waived": "The conflict was waived.",
}
PITCH_MESSAGES = {  # a roadshow's items are its pitches
    "item_added": "The pitch was added.",
    "item_saved": "The pitch was saved.",
    "item_deleted": "The pitch was removed.",
}
NOTE_LABELS = {
    NoteKind.DECLARED: "Declared by the reviewer",
    NoteKind.ADDED: "Added by the chair",
    NoteKind.WAIVED: "Waived",
}
CONFLICT_LABELS = {
    "org": "Organization",
    "project": "Project",
    "expert": "Expert",
    "email": "Same e-mail",
    "declared": "Declared by the reviewer",
    "added": "Added by the chair",
}


def _done(session: Session, key: str, anchor: str) -> str:
    return f"/console/sessions/{session.session_id}?done={key}#{anchor}"


def blank_forms(book: ReviewBook, request: web.Request) -> dict[str, Form]:
    """The review's forms as the page first shows them; the conflict form is filled in from
    ``?conflict_item=&conflict_person=`` (the grid's links)."""
    return {
        "item": review_forms.new_item_form(),
        "rubric": review_forms.rubric_form_of(book.rubric),
        "settings": review_forms.settings_form_of(book.settings),
        "template": Form(),
        "conflict": Form(
            item_id=request.query.get("conflict_item", "")[:40],
            person_key=request.query.get("conflict_person", "")[:300],
            action="added",
        ),
    }


async def review_context(
    request: web.Request,
    session: Session,
    *,
    experts: Sequence[Expert],
    kept: dict[str, Form],
) -> dict[str, Any]:
    """What a review session's page shows beyond any session's."""
    store = request.app[STORE]
    book = await reviews.load_book(store, session)
    roster = await store.agenda.roster_of(session.session_id)
    found = await reviews.candidates(store, session=session, experts=experts)
    done = request.query.get("done", "")
    accounts = await store.accounts.accounts_of_org(session.org_id)
    names = {person_key(PersonType.ACCOUNT, a.account_id): a.name for a in accounts}
    achievements, show_buffer = [], 0
    if session.kind is Kind.ROADSHOW:  # a pitch may link to an achievement of the library
        show_buffer = (await store.shows.show(session)).plan.buffer_seconds // 60
        library = await store.achievements.many(await store.achievements.ids_of(session.org_id))
        achievements = [(a.achievement_id, a.title) for a in library if isinstance(a, Achievement)]
    return {
        "achievements": achievements,
        "show_buffer": show_buffer,
        "review": book,
        "review_forms": blank_forms(book, request) | kept,
        "editing_item": request.match_info.get("item_id", "") if "item_edit" in kept else "",
        "item_forms": {item.item_id: review_forms.item_form_of(item) for item in book.items},
        "reviewers": [entry for entry in roster if entry.role is Role.REVIEWER],
        # a roadshow pitch's founders are picked from the roster's presenters
        "presenters": [entry for entry in roster if entry.role is Role.PRESENTER]
        if session.kind is Kind.ROADSHOW
        else [],
        "frozen": await store.review.is_frozen(session.session_id),
        "templates": list(await store.review.templates(session.org_id)),
        "candidate_conflicts": {c.expert.expert_id: c.conflicts for c in found},
        "item_numbers": {item.item_id: n for n, item in enumerate(book.items, start=1)},
        "item_materials": await materials.all_materials(store, session=session),
        "done_message": (PITCH_MESSAGES.get(done) if session.kind is Kind.ROADSHOW else None)
        or DONE_MESSAGES.get(done, ""),
        "conflict_labels": CONFLICT_LABELS,
        "note_kinds": NOTE_LABELS,
        "people_names": names | {entry.person_key: entry.name for entry in roster},
        **{f"{slot}_error": None for slot in SLOTS},
    }


def _now() -> datetime:
    return datetime.now(UTC)


async def _add_item(
    request: web.Request, _a: Account, session: Session, _e: Event, form: Form
) -> str:
    fields = review_forms.item_fields(form)
    await reviews.add_item(request.app[STORE], session=session, fields=fields, now=_now())
    return _done(session, "item_added", "items")


async def _edit_item(
    request: web.Request, _a: Account, session: Session, _e: Event, form: Form
) -> str:
    item_id = request.match_info["item_id"]
    await reviews.edit_item(
        request.app[STORE],
        session=session,
        item_id=item_id,
        fields=review_forms.item_fields(form),
        now=_now(),
    )
    return _done(session, "item_saved", f"item-{item_id}")


async def _set_show_buffer(
    request: web.Request, _a: Account, session: Session, _e: Event, form: Form
) -> str:
    """A roadshow's buffer between pitches (a pitch may have its own)."""
    minutes = whole_number(form, "minutes", "Enter the buffer as a whole number of minutes.")
    await reviews.set_show_buffer(request.app[STORE], session=session, minutes=minutes, now=_now())
    return _done(session, "buffer_saved", "items")


async def _delete_item(
    request: web.Request, _a: Account, session: Session, _e: Event, _f: Form
) -> str:
    root, item_id = files_root(request.app[SETTINGS]), request.match_info["item_id"]
    await materials.delete_item(request.app[STORE], root, session=session, item_id=item_id)
    return _done(session, "item_deleted", "items")


async def _delete_material(
    request: web.Request, _a: Account, session: Session, _e: Event, _f: Form
) -> str:
    item_id = request.match_info["item_id"]
    await materials.delete_material(
        request.app[STORE],
        files_root(request.app[SETTINGS]),
        session=session,
        item_id=item_id,
        file_id=request.match_info["file_id"],
    )
    return _done(session, "material_removed", f"item-{item_id}")


async def _move_item(
    request: web.Request, _a: Account, session: Session, _e: Event, form: Form
) -> str:
    by = {"up": -1, "down": 1}.get(form["direction"])
    if by is None:
        raise DomainError("Move an item up or down.", code="invalid_direction")
    item_id = request.match_info["item_id"]
    await reviews.move_item(request.app[STORE], session=session, item_id=item_id, by=by)
    return _done(session, "item_moved", f"item-{item_id}")


async def _set_rubric(
    request: web.Request, _a: Account, session: Session, _e: Event, form: Form
) -> str:
    fields = review_forms.rubric_fields(form)
    await reviews.set_rubric(request.app[STORE], session=session, fields=fields)
    return _done(session, "rubric_saved", "rubric")


async def _template(
    request: web.Request, _a: Account, session: Session, _e: Event, form: Form
) -> str:
    """Apply a template to the session's rubric, or save the rubric as one (``save_as``)."""
    store = request.app[STORE]
    if form["save"]:
        await reviews.save_session_rubric_as(store, session=session, name=form["save_as"])
        return _done(session, "template_saved", "rubric")
    name = reviews.template_name(form["template"])
    await reviews.apply_template(store, session=session, name=name)
    return _done(session, "template_applied", "rubric")


async def _set_settings(
    request: web.Request, _a: Account, session: Session, _e: Event, form: Form
) -> str:
    fields = review_forms.settings_fields(form)
    await reviews.set_settings(request.app[STORE], session=session, fields=fields)
    return _done(session, "settings_saved", "review-settings")


async def _record_conflict(
    request: web.Request, account: Account, session: Session, _e: Event, form: Form
) -> str:
    kinds = {"added": NoteKind.ADDED, "waived": NoteKind.WAIVED}
    if form["action"] not in kinds:
        raise DomainError("Choose whether to add a conflict or waive one.", code="invalid_kind")
    await reviews.record_conflict(
        request.app[STORE],
        session=session,
        item_id=form["item_id"],
        reviewer=form["person_key"],
        kind=kinds[form["action"]],
        reason=form["reason"],
        by=person_key(PersonType.ACCOUNT, account.account_id),
        now=_now(),
    )
    return _done(session, f"conflict_{form['action']}", "conflicts")


async def view_material(request: web.Request) -> web.Response:
    """GET /console/sessions/{session_id}/materials/{file_id}: a material in the viewer,
    its bytes from the REST API (staff of the session's organization)."""
    account = await require_account(request)
    store, session_id = request.app[STORE], request.match_info["session_id"]
    session = await agenda.own_session(store, session_id, org_id=account.org_id)
    stored = await find_file(store, request.match_info["file_id"])
    item = (
        await materials.material_item(store, session=session, file_id=stored.file_id)
        if stored
        else None
    )
    if stored is None or item is None:
        raise materials.no_material(request.match_info["file_id"])
    url = f"/api/sessions/{session_id}/materials/{stored.file_id}"
    back = f"/console/sessions/{session_id}#item-{item.item_id}"
    return viewer_page(
        request, stored, file_url=url, download_url=f"{url}?download=1", back_url=back
    )


# path under the session's console page, form slot, action
ACTIONS: tuple[tuple[str, str, Action], ...] = (
    ("/items", "item", _add_item),
    ("/items/{item_id}", "item_edit", _edit_item),
    ("/items/{item_id}/delete", "item_delete", _delete_item),
    ("/show-buffer", "item_delete", _set_show_buffer),
    ("/items/{item_id}/move", "item_delete", _move_item),
    ("/items/{item_id}/materials/{file_id}/delete", "item_delete", _delete_material),
    ("/rubric", "rubric", _set_rubric),
    ("/rubric/template", "template", _template),
    ("/review-settings", "settings", _set_settings),
    ("/conflicts", "conflict", _record_conflict),
)
