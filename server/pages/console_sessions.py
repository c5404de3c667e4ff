"""The console's page of one session: edit or cancel it, its roster, its invites.

Each form posts to its own URL; an action returns where to go next (303). A refused form is
shown again on the same page with its message next to it and its input kept.
"""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from rooms.accounts import Account
from rooms.agenda import Event, PersonType, RosterEntry, Session, person_key
from rooms.disciplines import DISCIPLINES
from rooms.errors import DomainError
from rooms.invites import Invite, InviteStatus
from rooms.kinds import has_items, rules_of
from rooms.polls import Polls
from rooms.roles import Kind, Role, roles_for
from rooms.slides import Slides
from server import agenda, i18n, invitations
from server.appkeys import SETTINGS, STORE
from server.auth import require_account
from server.flash import flash
from server.pages import console_polls, console_review, forms
from server.pages.console import refused
from server.pages.people import chosen_role, roster_entry
from server.pages.visibility import visible_roster

TEMPLATE = "console/session.html"
MAX_EXPERTS = 50
INVITE_DAYS = 7
SLOTS = ("session", "cancel", "person", "remove", "invite", "revoke", *console_polls.SLOTS)
MAILED_MESSAGES = {
    "sent": "The invite link was e-mailed.",
    "failed": "The invite link could not be e-mailed; send it yourself.",
}


Action = Callable[[web.Request, Account, Session, Event, forms.Form], Awaitable[str]]


def _page(session: Session) -> str:
    return f"/console/sessions/{session.session_id}"


KIND_ROLES = {Kind.REVIEW: Role.REVIEWER, Kind.SIGNING: Role.SIGNER}  # what the kind is for


def default_role(session: Session) -> str:
    """The role the roster and invite forms start with: the one people of this kind are
    usually added as (a review's reviewer, a signing's signer), else its audience."""
    if session.kind in KIND_ROLES:
        return str(KIND_ROLES[session.kind])
    roles = roles_for(session.kind)
    return str(Role.ATTENDEE if Role.ATTENDEE in roles else Role.OBSERVER)


def blank_forms(session: Session, event: Event) -> dict[str, forms.Form]:
    role = default_role(session)
    return {
        "session": forms.session_form_of(session, event.zone),
        "person": forms.Form(role=role),
        "invite": forms.Form(role=role, single_use="on", days=str(INVITE_DAYS)),
    }


async def own_session(request: web.Request, account: Account) -> tuple[Session, Event]:
    """The session named in the URL and its event, if the account's organization's."""
    session_id, store = request.match_info["session_id"], request.app[STORE]
    session = await agenda.own_session(store, session_id, org_id=account.org_id)
    i18n.about_kind(request, session.kind)  # 编辑会议, 取消课堂...: the kind's own noun
    return session, await agenda.load_event(store, session.event_id)


async def invite_links(request: web.Request, session: Session) -> dict[str, Any]:
    """The session's invites with their status, and each active one's link and token."""
    store, settings = request.app[STORE], request.app[SETTINGS]
    listed = await invitations.invites_of(store, session=session, now=datetime.now(UTC))
    tokens = {
        item.invite.invite_id: invitations.sign_invite(settings, item.invite)
        for item in listed
        if item.status is InviteStatus.ACTIVE
    }
    links = {invite_id: invitations.invite_url(settings, t) for invite_id, t in tokens.items()}
    return {"invites": listed, "invite_tokens": tokens, "invite_links": links}


async def expert_choices(
    request: web.Request, org_id: str, *, roster: list[RosterEntry]
) -> dict[str, Any]:
    """The pool's experts matching the page's search (?expert_q=&expert_discipline=), but
    for those already on the roster."""
    text = request.query.get("expert_q", "").strip()[:100]
    discipline = request.query.get("expert_discipline", "").strip()[:40]
    found = await request.app[STORE].experts.search(org_id, text=text, discipline=discipline)
    listed = {entry.person_key for entry in roster}
    experts = [e for e in found if person_key(PersonType.EXPERT, e.expert_id) not in listed]
    return {
        "experts": experts[:MAX_EXPERTS],
        "more_experts": len(experts) > MAX_EXPERTS,
        "expert_q": text,
        "expert_discipline": discipline,
        "discipline_names": {d.code: d.label(i18n.language(request)) for d in DISCIPLINES},
    }


async def session_context(
    request: web.Request, session: Session, event: Event, *, kept: dict[str, forms.Form]
) -> dict[str, Any]:
    store = request.app[STORE]
    roster = await store.agenda.roster_of(session.session_id)
    choices = await expert_choices(request, session.org_id, roster=roster)
    context = {
        "session": session,
        "event": event,
        "roster": visible_roster(roster, session=session, staff=True),
        "accounts": await store.accounts.accounts_of_org(session.org_id),
        "forms": blank_forms(session, event) | kept,
        "created_invite": request.query.get("invite", ""),
        "mailed_message": MAILED_MESSAGES.get(request.query.get("mailed", ""), ""),
        "review": None,
        "poll_kinds": None,  # a session whose room runs polls: console_polls.polls_context
        "slides": None,
        **{f"{slot}_error": None for slot in SLOTS},
        **choices,
        **await invite_links(request, session),
    }
    if Polls in rules_of(session.kind).workflows:
        context |= await console_polls.polls_context(request, session, kept=kept)
    if Slides in rules_of(session.kind).workflows:  # the deck its room's stage shows
        context["slides"] = await store.slides.show(session.session_id)
    if has_items(session.kind):  # a review's items, a roadshow's pitches
        context |= await console_review.review_context(
            request, session, experts=choices["experts"], kept=kept
        )
    return context


async def session_console(request: web.Request) -> web.Response:
    account = await require_account(request)
    session, event = await own_session(request, account)
    context = await session_context(request, session, event, kept={})
    return aiohttp_jinja2.render_template(TEMPLATE, request, context)


async def _post(request: web.Request, slot: str, action: Action) -> web.Response:
    """Run one form's action; redirect where it says, or show its form again refused."""
    account = await require_account(request)
    session, event = await own_session(request, account)
    form = await forms.read_form(request)
    try:
        location = await action(request, account, session, event, form)
    except DomainError as error:
        context = await session_context(request, session, event, kept={slot: form})
        return refused(request, TEMPLATE, context, error, slot=f"{slot}_error")
    if "done=" not in location:  # a review's actions name their own message (console_review)
        await flash(request, DONE_MESSAGES.get(action.__name__, SAVED))
    raise web.HTTPSeeOther(location)


async def _update(
    request: web.Request, _a: Account, session: Session, _e: Event, form: forms.Form
) -> str:
    fields = forms.session_fields(form, with_kind=False)
    await agenda.update_session(
        request.app[STORE], session=session, fields=fields, now=datetime.now(UTC)
    )
    return _page(session)


async def _cancel(
    request: web.Request, _a: Account, session: Session, _e: Event, form: forms.Form
) -> str:
    if not forms.checked(form, "confirm"):
        raise DomainError("Tick the box to confirm that the session is cancelled.")
    await agenda.cancel_session(request.app[STORE], session=session, now=datetime.now(UTC))
    return _page(session)


async def _add(
    request: web.Request, _a: Account, session: Session, _e: Event, form: forms.Form
) -> str:
    store = request.app[STORE]
    entry = await roster_entry(store, session=session, form=form)
    await agenda.add_to_roster(store, session=session, entry=entry, now=datetime.now(UTC))
    return f"{_page(session)}#roster"


async def _remove(
    request: web.Request, _a: Account, session: Session, _e: Event, form: forms.Form
) -> str:
    await agenda.remove_from_roster(
        request.app[STORE],
        session=session,
        person_key=form["person_key"],
        now=datetime.now(UTC),
    )
    return f"{_page(session)}#roster"


async def _invite(
    request: web.Request, account: Account, session: Session, _e: Event, form: forms.Form
) -> str:
    invite = await invitations.issue_invite(
        request.app[STORE],
        session=session,
        role=chosen_role(form, session),
        name=form["name"],
        email=form["email"],
        single_use=forms.checked(form, "single_use"),
        days=forms.whole_number(form, "days", "The number of days must be a whole number."),
        created_by=account.account_id,
        now=datetime.now(UTC),
    )
    return await _shown_invite(request, session, invite)


async def _personal_invite(
    request: web.Request, account: Account, session: Session, _e: Event, form: forms.Form
) -> str:
    invite = await invitations.issue_personal_invite(
        request.app[STORE],
        session=session,
        person_key=form["person_key"],
        created_by=account.account_id,
        now=datetime.now(UTC),
    )
    return await _shown_invite(request, session, invite)


async def _shown_invite(request: web.Request, session: Session, invite: Invite) -> str:
    """Mail the new invite when it has an address and e-mail is on; where its link shows."""
    mailed = await invitations.mail_invite(request.app[SETTINGS], session, invite)
    query = f"invite={invite.invite_id}" + (f"&mailed={mailed}" if mailed else "")
    return f"{_page(session)}?{query}#invite-{invite.invite_id}"


async def _revoke(
    request: web.Request, _a: Account, session: Session, _e: Event, form: forms.Form
) -> str:
    invite_id = request.match_info["invite_id"]
    await invitations.revoke_invite(request.app[STORE], session=session, invite_id=invite_id)
    return f"{_page(session)}#invites"


SAVED = "Your change was saved."
DONE_MESSAGES = {  # an action's success message, by the action's name
    _update.__name__: "The session was saved.",
    _cancel.__name__: "The session was cancelled.",
    _add.__name__: "Added to the roster.",
    _remove.__name__: "Removed from the roster.",
    _invite.__name__: "The invite was created: its link is below.",
    _personal_invite.__name__: "The invite was created: its link is below.",
    _revoke.__name__: "The invite was withdrawn.",
}


async def update_session(request: web.Request) -> web.Response:
    return await _post(request, "session", _update)


async def cancel_session(request: web.Request) -> web.Response:
    return await _post(request, "cancel", _cancel)


async def add_person(request: web.Request) -> web.Response:
    return await _post(request, "person", _add)


async def remove_person(request: web.Request) -> web.Response:
    return await _post(request, "remove", _remove)


async def create_invite(request: web.Request) -> web.Response:
    return await _post(request, "invite", _invite)


async def revoke_invite(request: web.Request) -> web.Response:
    return await _post(request, "revoke", _revoke)


async def personal_invite(request: web.Request) -> web.Response:
    return await _post(request, "remove", _personal_invite)


def _review_handler(slot: str, action: Action) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        return await _post(request, slot, action)

    return handle


def setup_session_console(app: web.Application) -> None:
    base = "/console/sessions/{session_id}"
    app.router.add_get(base, session_console, name="console_session")
    app.router.add_post(base, update_session)
    app.router.add_post(f"{base}/cancel", cancel_session)
    app.router.add_post(f"{base}/roster", add_person)
    app.router.add_post(f"{base}/roster/remove", remove_person)
    app.router.add_post(f"{base}/roster/invite", personal_invite)
    app.router.add_post(f"{base}/invites", create_invite)
    app.router.add_post(f"{base}/invites/{{invite_id}}/revoke", revoke_invite)
    for path, slot, action in (*console_review.ACTIONS, *console_polls.ACTIONS):
        app.router.add_post(base + path, _review_handler(slot, action))
    app.router.add_get(f"{base}/materials/{{file_id}}", console_review.view_material)
