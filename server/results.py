"""A review session's results and audit log, for its staff and its chair: who may see them,
and what the store holds put together (``rooms.results``).

Who may see them (``results_session``): staff of the session's organization, and the
session's chair — a person whose role in this session has the ``chair`` capability (their
roster entry's, or the role given live in the room, which wins), found as the signed-in
account or an invite this browser accepted. An accepted invite counts here until it is
revoked, after the session's end too: results outlive the room. Reviewers see results in the
room, where released (``rooms.panel.Panel.may_read_results``), never here unless they are
staff. Signed in as anyone else: another organization's staff are told the session is not
found, as for any of its records; someone on the roster, forbidden. Nobody: the sign-in page
(401 under /api/).
"""

from dataclasses import dataclass

from aiohttp import web

from rooms.accounts import Account
from rooms.agenda import PersonType, Session, person_key
from rooms.errors import Forbidden, NotFound
from rooms.results import AuditLine, SessionResults, audit_lines, session_results
from rooms.review_book import Phase
from rooms.roles import Capability, Role, capabilities
from server import i18n
from server.agenda import load_session
from server.appkeys import STORE
from server.auth import current_account, require_account
from server.invitations import accepted_invites
from server.reviews import check_review, load_book
from server.store import Store


@dataclass(frozen=True, slots=True)
class SessionReview:
    """Everything a results page, file or API answer is made from."""

    session: Session
    results: SessionResults
    names: dict[str, str]  # person key -> name, for everyone the results mention


def _not_found(session_id: str) -> NotFound:
    return NotFound("No session {session_id}.", session_id=session_id[:40])


def _refused() -> Forbidden:
    return Forbidden(
        "Only the session's staff and its chair can see its results.", code="not_chair"
    )


async def _role(store: Store, session: Session, key: str, default: Role | None) -> Role | None:
    """A person's role in the session: given live, else on the roster, else ``default``."""
    flags = await store.rooms.flags(session.session_id)
    if key in flags.roles:
        return flags.roles[key]
    entry = await store.agenda.roster_entry(session.session_id, key)
    return entry.role if entry is not None else default


def _chairs(session: Session, role: Role | None) -> bool:
    return role is not None and Capability.CHAIR in capabilities(session.kind, role)


async def _invited_roles(request: web.Request, session: Session) -> list[Role | None]:
    """The roles of the invites to this session this browser accepted and still holds."""
    store, roles = request.app[STORE], []
    for noted in await accepted_invites(request):
        if noted.get("session_id") != session.session_id:
            continue
        invite = await store.invites.get(str(noted.get("invite_id", "")))
        if invite is None or invite.revoked or invite.session_id != session.session_id:
            continue
        roles.append(await _role(store, session, invite.person_key, invite.role))
    return roles


async def _account_may(request: web.Request, session: Session, account: Account) -> bool:
    if account.org_id == session.org_id:
        return True
    key = person_key(PersonType.ACCOUNT, account.account_id)
    role = await _role(request.app[STORE], session, key, None)
    if role is None and not await _invited_roles(request, session):
        raise _not_found(session.session_id)  # another organization's, and not theirs
    return _chairs(session, role)


async def results_session(request: web.Request) -> Session:
    """The review session named in the URL, if the requester may see its results."""
    session = await load_session(request.app[STORE], request.match_info["session_id"])
    i18n.about_kind(request, session.kind)  # its refusals name it by its kind
    account = await current_account(request)
    if account is not None and await _account_may(request, session, account):
        check_review(session)
        return session
    invited = await _invited_roles(request, session)
    if any(_chairs(session, role) for role in invited):
        check_review(session)
        return session
    if account is None and not invited:
        await require_account(request)  # to the sign-in page; 401 under /api/
    raise _refused()


async def person_names(store: Store, session: Session) -> dict[str, str]:
    """Names of the people a session's results mention: its roster, and its
    organization's staff (who act as hosts without being on it)."""
    staff = await store.accounts.accounts_of_org(session.org_id)
    names = {person_key(PersonType.ACCOUNT, a.account_id): a.name for a in staff}
    roster = await store.agenda.roster_of(session.session_id)
    return names | {entry.person_key: entry.name for entry in roster}


async def load_review(store: Store, session: Session) -> SessionReview:
    """The session's results as its staff and chair see them."""
    book = await load_book(store, session)
    runs = await store.panel.runs(session.session_id)
    closed = {item_id for item_id, run in runs.items() if run.phase is Phase.CLOSED}
    cards = [c for c in await store.panel.cards(session.session_id) if c.item_id in closed]
    results = session_results(book=book, runs=runs, cards=cards)
    return SessionReview(session, results, await person_names(store, session))


async def load_audit(store: Store, session: Session) -> tuple[AuditLine, ...]:
    """The session's audit log: the room's entries and the conflict notes made outside it."""
    entries = await store.panel.audit(session.session_id)
    return audit_lines(entries, await store.review.notes(session.session_id))
