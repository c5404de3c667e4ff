"""/api/ interest and follow-ups: a roadshow's investors mark interest in its pitches with a
private note, and ask a pitch's founder for a follow-up meeting; the founder picks one of the
proposed times (both are booked on a private meeting: ``server/followups.py``) or declines.

Who may see what follows the room (``rooms.interest``) and the follow-up pages:

- an investor (anyone in the roadshow by their invite whose role may ``mark_interest``: the
  roadshow's attendees and judges) sees and changes only their own marks and notes, and asks
  for follow-ups;
- a founder sees the requests addressed to them (in by their invite to the roadshow, or
  signed in when the request names their account) and answers them: a pitch with several
  founders is addressed to each, and the first answer wins;
- the staff of the roadshow's organization see how many are interested in each pitch (not
  who, not the notes) and every follow-up of the roadshow.

Investors and founders are not staff accounts, so these operations need no staff sign-in
(the OpenAPI document shows no ``session`` security): the browser's accepted invite (or its
account) says who it is, and anyone else is refused (403 ``not_invited``; a request that is
not theirs is "not found").
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from rooms import followups as rules
from rooms.agenda import PersonType, Session, person_key
from rooms.errors import DomainError, Forbidden, NotFound
from rooms.followups import MINUTES, TIMES_MAX, FollowUp, Party
from rooms.interest import Interest, check_note, counts
from rooms.limits import FOLLOW_UP_MESSAGE_MAX, INTEREST_NOTE_MAX
from server import followups, i18n
from server.agenda import load_session
from server.api.routes import ApiRoutes, json_response, read_body
from server.api.schema import Body, Bool, Int, Str, StrList, list_of, response_schema
from server.api.shows import check_roadshow
from server.api.views import utc_text
from server.appkeys import SETTINGS, STORE
from server.auth import current_account
from server.invitations import accepted_invites
from server.reviews import check_review

routes = ApiRoutes()
TAG = "follow-ups"
INTEREST = "/api/sessions/{session_id}/interest"
FOLLOW_UPS = "/api/sessions/{session_id}/follow-ups"
ONE = "/api/follow-ups/{follow_up_id}"
ID_MAX = 40
MARKS_PER_MINUTE = 60  # interest marks one person may make through the API

_TEXT = {"type": "string"}
_INSTANT = {"type": "string", "format": "date-time"}
_MAYBE_INSTANT = {"type": ["string", "null"], "format": "date-time"}
MARK = response_schema(
    "InterestMark",
    {"item_id": _TEXT, "interested": {"type": "boolean"}, "note": _TEXT, "at": _INSTANT},
)
INTEREST_VIEW = response_schema(
    "Interest",
    {
        "mine": {**list_of(MARK), "description": "the caller's own marks and notes"},
        "counts": {
            "type": ["object", "null"],
            "additionalProperties": {"type": "integer"},
            "description": "staff: how many are interested in each pitch (null for others)",
        },
    },
)
PARTY = response_schema(
    "FollowUpParty",
    {"name": _TEXT, "email": {**_TEXT, "description": '"" when not theirs to see'}},
)
FOLLOW_UP = response_schema(
    "FollowUp",
    {
        "follow_up_id": _TEXT, "session_id": _TEXT, "item_id": _TEXT, "project": _TEXT,
        "state": {"enum": [str(s) for s in rules.FollowUpState]},
        "investor": PARTY,
        "founder": PARTY,  # the pitch's first founder
        "founders": list_of(PARTY),  # every founder it is addressed to
        "picked_by": {**_TEXT, "description": "the founder who picked (name), once booked"},
        "left_out": {**list_of(_TEXT), "description": "founders not booked (busy then)"},
        "times": list_of(_INSTANT),
        "minutes": {"type": "integer"}, "zone": _TEXT, "message": _TEXT,
        "share_contact": {"type": "boolean"}, "created_at": _INSTANT,
        "picked": _MAYBE_INSTANT, "meeting_id": _TEXT,
        "yours": {"enum": ["sent", "received", "staff"], "description": "how the caller sees it"},
    },
)  # fmt: skip
MARK_BODY = Body(
    {
        "interested": Bool(description="interested in the pitch or not", example=True),
        "note": Str(
            required=False,
            max_length=INTEREST_NOTE_MAX,
            description="a private note: no one else sees it, staff included",
            example="Strong team; ask about the patents.",
        ),
    }
)
REQUEST_BODY = Body(
    {
        "item_id": Str(min_length=1, max_length=ID_MAX, description="the pitch", example="i1"),
        "times": StrList(
            max_items=TIMES_MAX,
            item_max_length=40,
            description="one to five proposed starts, local times in the event's zone",
            example=["2030-05-02T10:00"],
        ),
        "minutes": Int(
            required=False,
            minimum=min(MINUTES),
            maximum=max(MINUTES),
            description=f"how long: one of {', '.join(map(str, MINUTES))}",
            example=30,
        ),  # fmt: skip
        "message": Str(required=False, max_length=FOLLOW_UP_MESSAGE_MAX, example="Let us talk"),
        "share_contact": Bool(
            required=False, description="the founder may see my e-mail address", example=True
        ),
    }
)
PICK_BODY = Body(
    {
        "time": Str(
            min_length=1,
            max_length=40,
            description="one of the request's times, as the request gives it (UTC)",
            example="2030-05-02T02:00:00Z",
        )
    }
)


@dataclass(frozen=True)
class Caller:
    """Who asks about a roadshow: their party by invite (and whether they may mark
    interest), and whether they are staff of its organization."""

    party: Party | None
    may_mark: bool
    staff: bool

    def investor(self) -> Party:
        if self.party is None:
            raise _not_invited()
        if not self.may_mark:
            raise Forbidden(
                "Your role may not mark interest or request follow-up meetings.",
                code="forbidden",
            )
        return self.party


def _not_invited() -> Forbidden:
    return Forbidden(
        "Open your invite link to the roadshow first: follow-ups are for invited investors.",
        code="not_invited",
    )


async def _caller(request: web.Request, session: Session) -> Caller:
    store = request.app[STORE]
    found = await followups.invited_party(store, session, await accepted_invites(request))
    account = await current_account(request)
    staff = account is not None and account.org_id == session.org_id
    party, may = found if found is not None else (None, False)
    return Caller(party, may, staff)


async def _roadshow(request: web.Request, *, reading: bool = False) -> Session:
    """The roadshow named in the path (reading: any session with items, whose answer is
    then empty)."""
    session = await load_session(request.app[STORE], request.match_info["session_id"])
    i18n.about_kind(request, session.kind)
    if reading:
        check_review(session)
    else:
        check_roadshow(session)
    return session


def _instant(moment: datetime | None) -> str | None:
    return utc_text(moment) if moment is not None else None


def follow_up_json(f: FollowUp, yours: str) -> dict[str, Any]:
    """A request as the caller sees it: the investor's e-mail only to themselves, to staff,
    and to the founder when shared; the founder's to themselves and staff."""
    investor_email = f.investor.email if yours in ("sent", "staff") else rules.investor_contact(f)

    def party(p: Party) -> dict[str, str]:
        return {"name": p.name, "email": p.email if yours in ("received", "staff") else ""}

    picker = f.founder_of(f.picked_by) if f.picked_by else None
    return {
        "follow_up_id": f.follow_up_id, "session_id": f.session_id, "item_id": f.item_id,
        "project": f.project, "state": str(f.state),
        "investor": {"name": f.investor.name, "email": investor_email or ""},
        "founder": party(f.founder), "founders": [party(p) for p in f.founders],
        "picked_by": picker.name if picker else "", "left_out": list(f.left_out),
        "times": [utc_text(t) for t in f.times], "minutes": f.minutes, "zone": f.zone,
        "message": f.message, "share_contact": f.share_contact,
        "created_at": utc_text(f.created_at), "picked": _instant(f.picked),
        "meeting_id": f.meeting_id, "yours": yours,
    }  # fmt: skip


def _mark_json(interest: Interest) -> dict[str, Any]:
    return {
        "item_id": interest.item_id,
        "interested": interest.interested,
        "note": interest.note,
        "at": utc_text(interest.at),
    }


# interest ---------------------------------------------------------------------------------


@routes.route(
    "GET",
    INTEREST,
    summary="Interest in a roadshow's pitches: an investor's own marks and notes; for its "
    "staff, how many are interested in each pitch",
    tag=TAG,
    auth=False,
    responses={"200": "OK", "403": "not_invited: neither invited to the roadshow nor its staff"},
    returns=INTEREST_VIEW,
)
async def get_interest(request: web.Request) -> web.Response:
    session = await _roadshow(request, reading=True)
    caller = await _caller(request, session)
    if not caller.staff and not (caller.party and caller.may_mark):
        caller.investor()  # the reason it is refused
    store = request.app[STORE]
    marks = await store.interest.interests(session.session_id)
    key = caller.party.person_key if caller.party and caller.may_mark else None
    mine = [_mark_json(i) for i in marks if i.person_key == key]
    by_key = {(i.person_key, i.item_id): i for i in marks}
    return json_response({"mine": mine, "counts": counts(by_key) if caller.staff else None})


@routes.route(
    "PUT",
    INTEREST + "/{item_id}",
    summary="Mark my interest in a pitch, with a private note (an investor in by their invite)",
    tag=TAG,
    auth=False,
    body=MARK_BODY,
    responses={"200": "OK", "403": "not_invited or forbidden", "404": "no_pitch"},
    returns=MARK,
)
async def put_interest(request: web.Request) -> web.Response:
    fields = await read_body(request, MARK_BODY)
    session = await _roadshow(request)
    me = (await _caller(request, session)).investor()
    store, item_id = request.app[STORE], request.match_info["item_id"]
    if not await store.interest.take(me.person_key, per_minute=MARKS_PER_MINUTE):
        raise DomainError("You are sending too fast; wait a moment.", code="rate_limited")
    if await store.review.item(session.session_id, item_id) is None:
        raise NotFound("There is no such pitch.", code="no_pitch")
    interest = Interest(
        me.person_key, item_id, fields["interested"], check_note(fields.get("note", "")),
        datetime.now(UTC),
    )  # fmt: skip
    await store.interest.mark(session.session_id, interest)
    return json_response(_mark_json(interest))


# follow-ups -------------------------------------------------------------------------------


@routes.route(
    "GET",
    FOLLOW_UPS,
    summary="A roadshow's follow-up requests: its staff see them all; an investor or founder "
    "in by their invite, those they sent or that are addressed to them",
    tag=TAG,
    auth=False,
    responses={"200": "OK", "403": "not_invited"},
    returns=list_of(FOLLOW_UP),
)
async def list_follow_ups(request: web.Request) -> web.Response:
    session = await _roadshow(request, reading=True)
    caller = await _caller(request, session)
    store = request.app[STORE]
    if caller.staff:
        found = await store.follow_ups.of_session(session.session_id)
        return json_response([follow_up_json(f, "staff") for f in found])
    if caller.party is None:
        raise _not_invited()
    me = caller.party.person_key
    mine = [f for f in await store.follow_ups.of_person(me) if f.session_id == session.session_id]
    return json_response([follow_up_json(f, _side(f, me)) for f in mine])


def _side(f: FollowUp, me: str) -> str:
    return "sent" if f.investor.person_key == me else "received"


async def _caller_keys(request: web.Request, found: FollowUp) -> set[str]:
    """The person keys this browser is, for a request: its account's, and its invite's
    to the request's roadshow."""
    store, keys = request.app[STORE], set()
    account = await current_account(request)
    if account is not None:
        keys.add(person_key(PersonType.ACCOUNT, account.account_id))
    session = await store.agenda.get_session(found.session_id) if found.session_id else None
    if session is not None:
        invited = await followups.invited_party(store, session, await accepted_invites(request))
        if invited is not None:
            keys.add(invited[0].person_key)
    return keys


@routes.route(
    "POST",
    FOLLOW_UPS,
    summary="Ask a pitch's founder for a follow-up meeting at one of the proposed times (an "
    "investor in by their invite); the founder is notified (and e-mailed when e-mail is on)",
    tag=TAG,
    auth=False,
    body=REQUEST_BODY,
    responses={
        "201": "Created",
        "400": "a time in the past, outside the event's dates or when either is booked",
        "403": "not_invited or forbidden",
        "404": "no_pitch",
    },
    returns=FOLLOW_UP,
)
async def create_follow_up(request: web.Request) -> web.Response:
    fields = await read_body(request, REQUEST_BODY)
    session = await _roadshow(request)
    me = (await _caller(request, session)).investor()
    follow_up = await followups.request_follow_up(
        request.app[STORE], request.app[SETTINGS], session=session, item_id=fields["item_id"],
        investor=me, now=datetime.now(UTC),
        fields={"times": fields["times"], "minutes": fields.get("minutes", rules.DEFAULT_MINUTES),
                "message": fields.get("message", ""),
                "share_contact": fields.get("share_contact", False)},
    )  # fmt: skip
    return json_response(follow_up_json(follow_up, "sent"), status=201)


async def _theirs(request: web.Request) -> tuple[FollowUp, str, str]:
    """The request named in the path, how the caller sees it and, for a founder, their
    person key; "not found" unless they sent it, it is addressed to them, or they are
    staff of its organization."""
    store = request.app[STORE]
    follow_up_id = request.match_info["follow_up_id"][:ID_MAX]
    found = await store.follow_ups.get(follow_up_id)
    if found is None:
        raise NotFound("There is no such follow-up request.", code="no_follow_up")
    keys = await _caller_keys(request, found)
    if found.investor.person_key in keys:
        return found, "sent", ""
    founder = next((p for p in found.founders if p.person_key in keys), None)
    if founder is not None:
        return found, "received", founder.person_key
    account = await current_account(request)
    if account is not None and account.org_id == found.org_id:
        return found, "staff", ""
    raise NotFound("There is no such follow-up request.", code="no_follow_up")


async def _founders(request: web.Request) -> tuple[FollowUp, str]:
    """The request and the caller's person key: one of the founders it is addressed to."""
    found, yours, founder_key = await _theirs(request)
    if yours != "received":
        raise Forbidden("Only a founder it is addressed to may answer it.", code="forbidden")
    return found, founder_key


@routes.route(
    "POST",
    ONE + "/pick",
    summary="The founder picks one of the proposed times: a private meeting is made with both "
    "booked at once (409 double_booked naming the clash, nothing written) and each gets an "
    "ICS invitation",
    tag=TAG,
    auth=False,
    body=PICK_BODY,
    responses={
        "200": "OK",
        "400": "bad_time",
        "404": "no_follow_up",
        "409": "double_booked or answered",
    },
    returns=FOLLOW_UP,
)
async def pick(request: web.Request) -> web.Response:
    fields = await read_body(request, PICK_BODY)
    found, founder_key = await _founders(request)
    try:
        start = datetime.fromisoformat(fields["time"].replace("Z", "+00:00"))
    except ValueError:
        start = None
    if start is None or start.tzinfo is None:
        raise DomainError("Pick one of the times proposed.", code="bad_time")
    booked = await followups.pick_time(
        request.app[STORE], request.app[SETTINGS], follow_up_id=found.follow_up_id,
        start=start, now=datetime.now(UTC), by=founder_key,
    )  # fmt: skip
    return json_response(follow_up_json(booked.follow_up, "received"))


@routes.route(
    "POST",
    ONE + "/decline",
    summary="The founder declines the request (the investor is notified)",
    tag=TAG,
    auth=False,
    responses={"200": "OK", "404": "no_follow_up", "409": "answered already"},
    returns=FOLLOW_UP,
)
async def decline(request: web.Request) -> web.Response:
    found, _founder_key = await _founders(request)
    declined = await followups.decline(
        request.app[STORE], follow_up_id=found.follow_up_id, now=datetime.now(UTC)
    )
    return json_response(follow_up_json(declined, "received"))
