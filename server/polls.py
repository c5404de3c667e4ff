"""A session's polls outside the room: its bank of prepared polls (the console's API) and
the results of the polls it ran (JSON, and CSV for a spreadsheet).

Polls run only in the kinds whose rooms run them (``rooms.kinds``). A draft is checked as a
poll launched in the room is (``rooms.poll_spec.poll_spec``); its correct answers are named
by their option's text.
"""

from collections.abc import Mapping

from rooms.agenda import Session
from rooms.chat import defuse
from rooms.errors import Conflict, DomainError
from rooms.kinds import rules_of
from rooms.poll_spec import PollSpec, poll_spec, spec_fields, tally
from rooms.polls import Polls
from server.store import Store

CSV_HEADER = ("poll", "question", "kind", "option", "correct", "votes", "voters", "names")


def check_polls(session: Session) -> None:
    if Polls not in rules_of(session.kind).workflows:
        raise Conflict("This kind of session has no polls.", code="no_polls")


def draft_spec(fields: Mapping[str, object]) -> PollSpec:
    """A bank's draft from the API's fields; its correct answers given as option texts."""
    options = fields.get("options") or []
    wanted = fields.get("correct") or []
    assert isinstance(options, list) and isinstance(wanted, list)
    texts = [str(o).strip() for o in options]
    missing = [w for w in wanted if str(w).strip() not in texts]
    if missing:
        raise DomainError(
            "The correct answers must be among the options (one for a single choice).",
            code="invalid_poll",
        )
    correct = [texts.index(str(w).strip()) for w in wanted]
    return poll_spec({**fields, "correct": correct})


async def add_draft(store: Store, *, session: Session, fields: Mapping[str, object]) -> str:
    check_polls(session)
    draft_id = await store.polls.add_draft(session.session_id, draft_spec(fields))
    if draft_id is None:
        raise Conflict("The poll bank is full.", code="bank_full")
    return draft_id


async def results(store: Store, *, session: Session) -> list[dict[str, object]]:
    """Every poll the session ran, with its results (none in a kind without polls)."""
    ballots = await store.polls.ballots(session.session_id)
    out = []
    for poll in await store.polls.launched(session.session_id):
        mine = [b for b in ballots if b.poll_id == poll.poll_id]
        out.append(
            {
                "poll_id": poll.poll_id,
                **spec_fields(poll.spec),
                "opened_at": poll.opened_at.isoformat(),
                "closed_at": poll.closed_at.isoformat() if poll.closed_at else None,
                "shared": poll.shared,
                "results": tally(poll.spec, mine),
            }
        )
    return out


def csv_rows(polls: list[dict[str, object]]) -> list[tuple[str, ...]]:
    """One row per option of each poll (header first), every cell defused."""
    rows: list[tuple[str, ...]] = [CSV_HEADER]
    for poll in polls:
        result = poll["results"]
        assert isinstance(result, dict)
        options, correct = poll["options"], poll["correct"]
        assert isinstance(options, list) and isinstance(correct, list)
        names = result.get("names")
        for n, option in enumerate(options):
            who = "; ".join(names[n]) if isinstance(names, list) else ""
            cells = (
                str(poll["poll_id"]), str(poll["question"]), str(poll["kind"]), str(option),
                "yes" if n in correct else "", str(result["counts"][n]),  # type: ignore[index]
                str(result["voters"]), who,
            )  # fmt: skip
            rows.append(tuple(defuse(c) for c in cells))
    return rows
