"""The follow-up pages (``server/followups.py``).

- ``/sessions/{session_id}/follow-ups``: the investor's side, for whoever entered the
  roadshow by their invite with ``mark_interest``: request a follow-up on a pitch
  (``?item=<item_id>``), and the requests they sent or received with their notifications.
- ``/follow-ups/{token}``: a founder's side, behind the signed link of their notification
  and e-mail (each founder of the pitch has their own): the proposed times, pick one or
  decline; once booked (by them or another founder), their invite to the meeting and its
  ICS invitation (``/follow-ups/{token}/meeting.ics``), or why they were left out.
"""

from datetime import UTC, datetime

import aiohttp_jinja2
from aiohttp import web

from rooms.errors import Conflict, DomainError, Forbidden
from rooms.followups import FollowUp, FollowUpState, Party
from rooms.items import pitched_by
from rooms.notifications import NotificationKind
from rooms.timing import parse_zone, utc_to_local
from server import followup_mail, followups
from server.agenda import load_session
from server.appkeys import SETTINGS, STORE
from server.auth import require_account
from server.errors import user_message
from server.invitations import accepted_invites
from server.pages.forms import Form, read_form
from server.pages.invites import unstored


async def _invited(request: web.Request, session_id: str) -> tuple[Party, bool]:
    """Who this browser is in the roadshow, by the invite it accepted (with an e-mail
    address), and whether their role may ask for follow-ups (``mark_interest``); Forbidden
    if it accepted none."""
    session = await load_session(request.app[STORE], session_id)
    found = await followups.invited_party(
        request.app[STORE], session, await accepted_invites(request)
    )
    if found is not None:
        return found
    raise Forbidden(
        "Open your invite link to the roadshow first: follow-ups are for invited investors.",
        code="not_invited",
    )


async def _investor(request: web.Request, session_id: str) -> Party:
    me, may = await _invited(request, session_id)
    if not may:
        raise Forbidden("Your role may not request follow-up meetings.", code="forbidden")
    return me


def local_label(follow_up: FollowUp, moment: datetime) -> str:
    return utc_to_local(moment, parse_zone(follow_up.zone)).strftime("%Y-%m-%d %H:%M")


async def _investor_page(
    request: web.Request, form: Form, error: str = "", status: int = 200
) -> web.Response:
    store, session_id = request.app[STORE], request.match_info["session_id"]
    session = await load_session(store, session_id)
    me, may_request = await _invited(request, session_id)
    items = await store.review.items(session_id) if may_request else []
    names = {e.person_key: e.name for e in await store.agenda.roster_of(session_id)}
    mine = await store.follow_ups.of_person(me.person_key)
    notes = [
        n for n in await store.notifications.of_person(me.person_key)
        if n.kind is NotificationKind.FOLLOW_UP
    ]  # fmt: skip
    context = {
        "session": session, "me": me, "items": items, "form": form, "error": error,
        "sent": [f for f in mine if f.investor.person_key == me.person_key],
        "received": [f for f in mine if f.founder_of(me.person_key) is not None],
        "notifications": notes, "local_label": local_label, "zone": session.zone,
        "pitched_by": {i.item_id: pitched_by(i, names) for i in items},
        "just_sent": request.query.get("sent") == "1" and not error,
        "founder_link": lambda f: followups.founder_link(
            request.app[SETTINGS], f.follow_up_id, me.person_key
        ),
    }  # fmt: skip
    return unstored(
        aiohttp_jinja2.render_template("followups/mine.html", request, context, status=status)
    )


async def mine(request: web.Request) -> web.Response:
    """GET: the request form (for ``?item=``) and this person's follow-ups."""
    return await _investor_page(request, Form(item=request.query.get("item", ""), minutes="30"))


async def send_request(request: web.Request) -> web.Response:
    """POST: a new request; the form again with the reason when refused."""
    form, session_id = await read_form(request), request.match_info["session_id"]
    store, settings = request.app[STORE], request.app[SETTINGS]
    me = await _investor(request, session_id)
    posted = await request.post()
    times = [str(t) for t in posted.getall("time", []) if isinstance(t, str)][:10]
    try:
        await followups.request_follow_up(
            store, settings, session=await load_session(store, session_id), item_id=form["item"],
            investor=me, now=datetime.now(UTC),
            fields={"times": times, "minutes": form["minutes"], "message": form["message"],
                    "share_contact": form["share_contact"]},
        )  # fmt: skip
    except DomainError as error:
        status = 409 if isinstance(error, Conflict) else 400
        return await _investor_page(request, form, user_message(request, error), status)
    raise web.HTTPSeeOther(f"/sessions/{session_id}/follow-ups?sent=1")


async def _token_founder(request: web.Request) -> tuple[FollowUp, Party]:
    """The request a founder's link names and the founder who holds it."""
    store, settings = request.app[STORE], request.app[SETTINGS]
    follow_up_id, founder_key = followups.read_founder_token(settings, request.match_info["token"])
    follow_up = await followups.load_follow_up(store, follow_up_id)
    return follow_up, followups.link_founder(follow_up, founder_key)


async def _founder_page(request: web.Request, error: str = "", status: int = 200) -> web.Response:
    follow_up, me = await _token_founder(request)
    invite_link = ""
    if follow_up.state is FollowUpState.BOOKED:
        invite_link = await _meeting_link(request, follow_up, me)
    picker = follow_up.founder_of(follow_up.picked_by) if follow_up.picked_by else None
    context = {
        "f": follow_up, "token": request.match_info["token"], "error": error, "me": me,
        "local_label": local_label, "contact": followups.rules.investor_contact(follow_up),
        "invite_link": invite_link, "picked_by": picker.name if picker else "",
    }  # fmt: skip
    return unstored(
        aiohttp_jinja2.render_template("followups/answer.html", request, context, status=status)
    )


async def _meeting_link(request: web.Request, follow_up: FollowUp, founder: Party) -> str:
    """This founder's personal invite to the booked meeting ("" when left out)."""
    store, settings = request.app[STORE], request.app[SETTINGS]
    for invite in await store.invites.of_session(follow_up.meeting_id):
        if invite.person_key == founder.person_key and not invite.revoked:
            token = followups.invitations.sign_invite(settings, invite)
            return followups.invitations.invite_url(settings, token)
    return ""


async def answer(request: web.Request) -> web.Response:
    return await _founder_page(request)


async def pick(request: web.Request) -> web.Response:
    form, token = await read_form(request), request.match_info["token"]
    store, settings = request.app[STORE], request.app[SETTINGS]
    follow_up, me = await _token_founder(request)
    try:
        start = datetime.fromisoformat(form["time"])
        if start.tzinfo is None:
            raise ValueError(form["time"])
    except ValueError:
        return await _founder_page(request, user_message(request, _bad_time()), 400)
    try:
        await followups.pick_time(
            store, settings, follow_up_id=follow_up.follow_up_id, start=start,
            now=datetime.now(UTC), by=me.person_key,
        )  # fmt: skip
    except DomainError as error:
        status = 409 if isinstance(error, Conflict) else 400
        return await _founder_page(request, user_message(request, error), status)
    raise web.HTTPSeeOther(f"/follow-ups/{token}")


def _bad_time() -> DomainError:
    return DomainError("Pick one of the times proposed.", code="bad_time")


async def decline(request: web.Request) -> web.Response:
    await read_form(request)
    token, store = request.match_info["token"], request.app[STORE]
    follow_up, _me = await _token_founder(request)
    try:
        await followups.decline(store, follow_up_id=follow_up.follow_up_id, now=datetime.now(UTC))
    except DomainError as error:
        status = 409 if isinstance(error, Conflict) else 400
        return await _founder_page(request, user_message(request, error), status)
    raise web.HTTPSeeOther(f"/follow-ups/{token}")


async def meeting_ics(request: web.Request) -> web.Response:
    """The booked meeting's ICS invitation."""
    store, settings = request.app[STORE], request.app[SETTINGS]
    follow_up, me = await _token_founder(request)
    if not follow_up.meeting_id or not await store.agenda.roster_entry(
        follow_up.meeting_id, me.person_key
    ):  # not booked yet, or this founder was left out
        raise web.HTTPNotFound()
    meeting = await load_session(store, follow_up.meeting_id)
    body = followup_mail.meeting_ics(settings, meeting, now=datetime.now(UTC))
    return unstored(web.Response(body=body, content_type="text/calendar", charset="utf-8"))


async def from_match(request: web.Request) -> web.Response:
    """POST /console/demands/{listing_id}/follow-ups (staff): a demand's matched achievement
    become a follow-up request in one step; the outcome, or the reason, on a page."""
    account = await require_account(request)
    form, posted = await read_form(request), await request.post()
    times = [str(t) for t in posted.getall("time", []) if isinstance(t, str)][:10]
    demand_id = request.match_info["listing_id"]
    context: dict[str, object] = {"demand_id": demand_id, "error": "", "follow_up": None}
    try:
        context["follow_up"] = await followups.request_from_match(
            request.app[STORE], request.app[SETTINGS], org_id=account.org_id,
            demand_id=demand_id, achievement_id=form["achievement_id"], now=datetime.now(UTC),
            fields={"times": times, "minutes": form["minutes"], "message": form["message"],
                    "share_contact": "on"},
        )  # fmt: skip
        status = 200
    except DomainError as error:
        context["error"], status = (
            user_message(request, error),
            409 if isinstance(error, Conflict) else 400,
        )
    context["local_label"] = local_label
    return aiohttp_jinja2.render_template(
        "followups/from_match.html", request, context, status=status
    )


def setup_follow_up_pages(app: web.Application) -> None:
    app.router.add_post("/console/demands/{listing_id}/follow-ups", from_match)
    app.router.add_get("/sessions/{session_id}/follow-ups", mine)
    app.router.add_post("/sessions/{session_id}/follow-ups", send_request)
    app.router.add_get("/follow-ups/{token}", answer)
    app.router.add_post("/follow-ups/{token}/pick", pick)
    app.router.add_post("/follow-ups/{token}/decline", decline)
    app.router.add_get("/follow-ups/{token}/meeting.ics", meeting_ics)
