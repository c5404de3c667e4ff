"""The console's poll bank, on the page of a session whose room runs polls (a class, a
meeting, a roadshow): the polls prepared for it (add, remove), which its hosts launch in the
room, and the results of the polls it ran (with a CSV download).

``polls_context`` gives the page what it shows; each ``ACTIONS`` entry is one form's action,
run by the session page's form machinery (server/pages/console_sessions.py).
"""

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from rooms.accounts import Account
from rooms.agenda import Event, Session
from rooms.errors import Conflict
from rooms.poll_spec import PollSpec, poll_spec
from server import polls
from server.appkeys import STORE
from server.pages.forms import Form, whole_number

Action = Callable[[web.Request, Account, Session, Event, Form], Awaitable[str]]
SLOTS = ("poll", "poll_remove")
KIND_LABELS = {"single": "Single choice", "multiple": "Multiple choice", "rating": "Rating"}


def _page(session: Session) -> str:
    return f"/console/sessions/{session.session_id}#polls"


async def polls_context(
    request: web.Request, session: Session, *, kept: dict[str, Form]
) -> dict[str, Any]:
    store = request.app[STORE]
    return {
        "poll_bank": list((await store.polls.bank(session.session_id)).items()),
        "poll_results": await polls.results(store, session=session),
        "poll_form": kept.get("poll") or Form(kind="single"),
        "poll_kinds": KIND_LABELS,
    }


def spec_of(form: Form) -> PollSpec:
    """A draft from the console's form: options one a line, correct ones by their numbers."""
    seconds = form["seconds"].strip()
    correct = [n for n in form["correct"].replace(",", " ").replace("，", " ").split() if n]
    numbers = [whole_number(Form(n=n), "n", "Name correct options by their numbers.") - 1
               for n in correct]  # fmt: skip
    return poll_spec(
        {
            "question": form["question"],
            "kind": form["kind"],
            "options": [line.strip() for line in form["options"].splitlines() if line.strip()],
            "correct": numbers,
            "anonymous": form["anonymous"] not in ("", "off"),
            "seconds": whole_number(form, "seconds", "The seconds must be a whole number.")
            if seconds
            else None,
        }
    )


async def _add(request: web.Request, _a: Account, session: Session, _e: Event, form: Form) -> str:
    polls.check_polls(session)
    if await request.app[STORE].polls.add_draft(session.session_id, spec_of(form)) is None:
        raise Conflict("The poll bank is full.", code="bank_full")
    return _page(session)


async def _remove(
    request: web.Request, _a: Account, session: Session, _e: Event, form: Form
) -> str:
    await request.app[STORE].polls.remove_draft(session.session_id, form["draft_id"])
    return _page(session)


ACTIONS: tuple[tuple[str, str, Action], ...] = (
    ("/polls", "poll", _add),
    ("/polls/remove", "poll_remove", _remove),
)
