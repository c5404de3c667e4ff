"""Follow-up requests (``rooms.followups``): an investor asks a roadshow pitch's founders
for a private meeting; one of them picks a time and they are booked on a new meeting session.

The founders are the pitch's founders on the roster (``Item.founders``), or else its
applicant by e-mail (``guest:<email>``). Each is told and acts through a **signed link** of
their own (itsdangerous, salt ``follow-up``, over the request's id and their person key),
sent in their web notification and, when e-mail is on, by e-mail; the link is the founder's
authority, as an invite link is a guest's. Any founder may pick a time or decline: the first
answer wins (``FollowUps.claim``), the others then see the request answered.

The meeting is a ``meeting`` session in the roadshow event's unlisted companion event
"Follow-up meetings" (made on first use; unlisted, so a private meeting shows on no public
page). A team meeting, as Calendly's collective events and HubSpot's group meetings do it:
the proposed times must be free for the investor and **every** founder; at the pick, the
investor (host) and the founder who picks (co-host) are **required** — both booked roles, so
``server.agenda.add_to_roster`` books them atomically and a clash refuses the pick, named,
with nothing left (the one booked is unbooked, the new session discarded) — and each other
founder is booked as co-host when still free, or else left out (named on the request as an
optional attendee would be, and told). Everyone booked gets an invite and the ICS.
"""

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

from rooms import followups as rules
from rooms.agenda import Event, PersonType, RosterEntry, Session, person_key
from rooms.errors import Conflict, DomainError, NotFound
from rooms.followups import Busy, FollowUp, FollowUpState, Party
from rooms.invites import Invite
from rooms.listings import Demand
from rooms.notifications import Notification, NotificationKind
from rooms.roles import Capability, Kind, Role, capabilities
from rooms.timing import parse_zone, utc_to_local
from server import agenda, invitations, libraries
from server.followup_mail import booked_mail, request_mail
from server.mailer import Mailer
from server.settings import Settings
from server.store import Store

SALT = "follow-up"
OPEN_MAX = 20  # open requests one person may have sent
DEFAULT_ZONE = "Asia/Shanghai"  # an organization with no event yet
COMPANION_SPAN = timedelta(days=366)  # the follow-ups event: from the roadshow event's first day


def sign_follow_up(settings: Settings, follow_up_id: str, founder_key: str = "") -> str:
    """A founder's token: the request and which founder holds it ("" names the first)."""
    data = {"f": follow_up_id, "p": founder_key} if founder_key else {"f": follow_up_id}
    return URLSafeSerializer(settings.secret_key, salt=SALT).dumps(data)


def read_founder_token(settings: Settings, token: str) -> tuple[str, str]:
    """The request id a founder's link names and the founder's person key ("" for the
    first founder: links made before a pitch had several); NotFound when tampered with."""
    try:
        data = URLSafeSerializer(settings.secret_key, salt=SALT).loads(token)
    except BadSignature:
        raise NotFound("This follow-up link is not valid.", code="bad_link") from None
    if not isinstance(data, dict) or not isinstance(data.get("f"), str):
        raise NotFound("This follow-up link is not valid.", code="bad_link")
    return str(data["f"]), str(data.get("p", ""))


def read_follow_up_token(settings: Settings, token: str) -> str:
    """The request id a founder's link names; NotFound when tampered with."""
    return read_founder_token(settings, token)[0]


def founder_link(settings: Settings, follow_up_id: str, founder_key: str = "") -> str:
    return f"{settings.base_url}/follow-ups/{sign_follow_up(settings, follow_up_id, founder_key)}"


def link_founder(follow_up: FollowUp, founder_key: str) -> Party:
    """The founder a link names (its first founder for ""); NotFound if not one of them."""
    found = follow_up.founder_of(founder_key) if founder_key else follow_up.founder
    if found is None:
        raise NotFound("This follow-up link is not valid.", code="bad_link")
    return found


async def busy_of(store: Store, person_keys: Sequence[str]) -> list[Busy]:
    """What these people are booked for (live bookings), with the sessions' titles."""
    rows = [row for key in person_keys for row in await store.agenda.bookings_of(key)]
    titles = {s.session_id: s.title for s in await store.agenda.sessions([r[0] for r in rows])}
    return [Busy(start, end, titles.get(sid, sid)) for sid, start, end in rows]


async def companion_event(
    store: Store,
    key: tuple[str, str],
    *,
    org_id: str,
    zone: str,
    first_day: date,
    titles: tuple[str, str],
    now: datetime,
) -> Event:
    """The unlisted "Follow-up meetings" event of a roadshow's event (key ``("event",
    event_id)``) or of an organization (``("org", org_id)``, for library matches), made on
    first use, a year long from ``first_day``."""
    event_id, new = await store.follow_ups.companion_event(key, agenda.new_id())
    if not new:
        return await agenda.load_event(store, event_id)
    companion = agenda.rules.new_event(
        event_id=event_id, org_id=org_id, organizer="Yunhui", now=now,
        fields={
            "title_zh": titles[0], "title_en": titles[1], "zone": zone, "visibility": "unlisted",
            "start_date": first_day.isoformat(),
            "end_date": (first_day + COMPANION_SPAN).isoformat(),
        },
    )  # fmt: skip
    await store.agenda.create_event(companion)
    return companion


async def invited_party(
    store: Store, session: Session, noted: Sequence[Mapping[str, object]]
) -> tuple[Party, bool] | None:
    """Who a browser is in a roadshow, by the invite it accepted (``noted``: the browser's
    accepted invites; one with an e-mail address, not revoked), and whether their role may
    mark interest and ask for follow-ups (``mark_interest``); None if it accepted none."""
    for accepted in noted:
        if accepted.get("session_id") != session.session_id:
            continue
        invite = await store.invites.get(str(accepted.get("invite_id", "")))
        if invite is None or invite.session_id != session.session_id or invite.revoked:
            continue
        if invite.email:
            may = Capability.MARK_INTEREST in capabilities(session.kind, invite.role)
            return Party(invite.person_key, invite.name, invite.email), may
    return None


def session_follow_ups(follow_ups: Sequence[FollowUp], person_key: str) -> list[FollowUp]:
    """The requests this person sent or that are addressed to them (the others' are not
    theirs to see)."""
    return [
        f for f in follow_ups
        if f.investor.person_key == person_key or f.founder_of(person_key) is not None
    ]  # fmt: skip


async def pitch_founders(
    store: Store, session: Session, item_id: str
) -> tuple[str, tuple[Party, ...]]:
    """The pitch's title and the founders a request goes to: its founders on the roster
    (``Item.founders``, in order), or else the item's applicant, by e-mail."""
    if session.kind is not Kind.ROADSHOW:
        raise NotFound("There is no such pitch.", code="no_pitch")
    item = await store.review.item(session.session_id, item_id)
    if item is None:
        raise NotFound("There is no such pitch.", code="no_pitch")
    title = " · ".join(dict.fromkeys(t for t in (item.title_zh, item.title_en) if t))
    founders = []
    for key in item.founders:
        entry = await store.agenda.roster_entry(session.session_id, key)
        if entry is not None:
            founders.append(Party(entry.person_key, entry.name, entry.email))
    if founders:
        return title[:200], tuple(founders)
    if not item.applicant_email:
        raise DomainError("This pitch names no founder to meet.", code="no_founder")
    key = person_key(PersonType.GUEST, item.applicant_email)
    return title[:200], (Party(key, item.applicant_name, item.applicant_email),)


async def request_follow_up(
    store: Store,
    settings: Settings,
    *,
    session: Session,
    item_id: str,
    investor: Party,
    fields: Mapping[str, object],
    now: datetime,
) -> FollowUp:
    """A new open request, each founder notified (and mailed when e-mail is on)."""
    project, founders = await pitch_founders(store, session, item_id)
    roadshow_event = await agenda.load_event(store, session.event_id)
    return await _open(
        store, settings, investor=investor, founders=founders, fields=fields, now=now,
        key=keys_of_event(roadshow_event), zone=roadshow_event.zone,
        first_day=roadshow_event.start_date, titles=_titles(roadshow_event.title_zh,
                                                             roadshow_event.title_en),
        draft={"org_id": session.org_id, "session_id": session.session_id, "item_id": item_id,
               "project": project},
    )  # fmt: skip


async def request_from_match(
    store: Store,
    settings: Settings,
    *,
    org_id: str,
    demand_id: str,
    achievement_id: str,
    fields: Mapping[str, object],
    now: datetime,
) -> FollowUp:
    """A library match become a follow-up request in one step (staff): the demand's
    enterprise asks the achievement's holder, each by the e-mail address in their contact;
    the holder gets the signed link. Held in the organization's follow-ups event."""
    demand = await store.demands.of_org(org_id, demand_id)
    achievement = await libraries.get_achievement(store, achievement_id, org_id=org_id)
    assert isinstance(demand, Demand)
    asking = rules.contact_email(demand.contact, whose=demand.title)
    offering = rules.contact_email(achievement.contact, whose=achievement.title)
    events = await store.agenda.events_of_org(org_id)
    latest = max(events, key=lambda e: e.start_date, default=None)
    return await _open(
        store, settings, now=now, fields=fields,
        investor=Party(person_key(PersonType.GUEST, asking), demand.enterprise or demand.title,
                       asking),
        founders=(Party(person_key(PersonType.GUEST, offering), achievement.holder or
                        achievement.title, offering),),
        key=("org", org_id), zone=latest.zone if latest else DEFAULT_ZONE,
        first_day=utc_to_local(now, parse_zone(latest.zone if latest else DEFAULT_ZONE)).date(),
        titles=("后续会谈", "Follow-up meetings"),
        draft={"org_id": org_id, "session_id": "", "item_id": "",
               "project": f"{achievement.title} · {demand.title}"[:200],
               "demand_id": demand.demand_id, "achievement_id": achievement.achievement_id},
    )  # fmt: skip


def keys_of_event(event: Event) -> tuple[str, str]:
    return ("event", event.event_id)


def _titles(zh: str, en: str) -> tuple[str, str]:
    return (f"后续会谈 · {zh}"[:200], f"Follow-up meetings · {en}"[:200])


async def _open(
    store: Store,
    settings: Settings,
    *,
    investor: Party,
    founders: Sequence[Party],
    fields: Mapping[str, object],
    now: datetime,
    key: tuple[str, str],
    zone: str,
    first_day: date,
    titles: tuple[str, str],
    draft: dict[str, str],
) -> FollowUp:
    """Check the times (free for the investor and every founder), then write the request
    and tell each founder: nothing is written unless the times pass."""
    if any(f.person_key == investor.person_key for f in founders):
        raise DomainError("You cannot request a follow-up with yourself.", code="own_pitch")
    await _check_pending(store, investor, draft)
    minutes = rules.check_minutes(fields.get("minutes", rules.DEFAULT_MINUTES))
    raw_times = fields.get("times", ())
    times = rules.parse_times(
        list(raw_times) if isinstance(raw_times, list | tuple) else [raw_times],
        zone=zone, minutes=minutes, first_day=first_day, last_day=first_day + COMPANION_SPAN,
        busy=await busy_of(store, [investor.person_key, *(f.person_key for f in founders)]),
        now=now,
    )  # fmt: skip
    event = await companion_event(
        store, key, org_id=draft["org_id"], zone=zone, first_day=first_day, titles=titles, now=now
    )
    follow_up = FollowUp(
        follow_up_id=secrets.token_hex(8), event_id=event.event_id, investor=investor,
        founder=founders[0], co_founders=tuple(founders[1:]), times=times, minutes=minutes,
        zone=event.zone,
        message=rules.check_message(fields.get("message")),
        share_contact=fields.get("share_contact") in (True, "on", "yes", "1"),
        state=FollowUpState.OPEN, created_at=now, **draft,
    )  # fmt: skip
    await store.follow_ups.create(follow_up)
    title = f"后续会谈邀约 Follow-up request: {follow_up.project}"
    for founder in follow_up.founders:
        link = founder_link(settings, follow_up.follow_up_id, founder.person_key)
        await _notify(store, follow_up, founder.person_key, title, link, now)
        if settings.email_enabled and founder.email:
            await Mailer(settings).send(request_mail(settings, follow_up, founder, link))
    return follow_up


async def _check_pending(store: Store, investor: Party, draft: dict[str, str]) -> None:
    """One open request per person and pitch (or match), and at most ``OPEN_MAX`` open in
    all: each one mails a founder. (Two sent in the same instant may both pass.)"""
    fields = ("session_id", "item_id", "demand_id", "achievement_id")
    wanted = tuple(draft.get(name, "") for name in fields)
    sent = [
        f for f in await store.follow_ups.of_person(investor.person_key)
        if f.investor.person_key == investor.person_key and f.state is FollowUpState.OPEN
    ]  # fmt: skip
    if any(tuple(getattr(f, name) for name in fields) == wanted for f in sent):
        raise Conflict(
            "You have asked for this follow-up already; wait for the answer.",
            code="follow_up_pending",
        )
    if len(sent) >= OPEN_MAX:
        raise Conflict(
            "You have {most} requests waiting for an answer; wait for some first.",
            code="too_many_follow_ups",
            most=OPEN_MAX,
        )


@dataclass(frozen=True, slots=True)
class Booked:
    follow_up: FollowUp
    meeting: Session
    invites: dict[str, Invite]  # person key -> their personal invite


async def pick_time(
    store: Store,
    settings: Settings,
    *,
    follow_up_id: str,
    start: datetime,
    now: datetime,
    by: str = "",
) -> Booked:
    """Book the meeting at the time a founder (``by``: their person key; "" the first)
    picked; Conflict ``double_booked`` naming the clash, ``follow_up_answered`` when
    answered already (by another founder too), ``follow_up_busy`` when someone else is
    answering it this moment. Nothing is written unless all is."""
    await _claim(store, follow_up_id)
    try:
        booked = await _book(store, settings, follow_up_id, start, now, by)
    except BaseException:
        await store.follow_ups.release(follow_up_id)
        raise
    await _announce(store, settings, booked, now)
    return booked


async def _claim(store: Store, follow_up_id: str) -> None:
    """One answer at a time: the first claim wins; a later one is told the request was
    answered (when it was) or is being answered now."""
    if await store.follow_ups.claim(follow_up_id):
        return
    rules.check_open(await load_follow_up(store, follow_up_id))
    raise Conflict("This request is being answered right now.", code="follow_up_busy")


async def decline(store: Store, *, follow_up_id: str, now: datetime) -> FollowUp:
    await _claim(store, follow_up_id)
    try:
        follow_up = await load_follow_up(store, follow_up_id)
        rules.check_open(follow_up)
    except BaseException:
        await store.follow_ups.release(follow_up_id)
        raise
    follow_up = rules.declined(follow_up)
    await store.follow_ups.save(follow_up)
    title = f"Follow-up declined: {follow_up.project}"
    await _notify(store, follow_up, follow_up.investor.person_key, title, "", now)
    return follow_up


async def load_follow_up(store: Store, follow_up_id: str) -> FollowUp:
    found = await store.follow_ups.get(follow_up_id)
    if found is None:
        raise NotFound("There is no such follow-up request.", code="no_follow_up")
    return found


async def _book(
    store: Store, settings: Settings, follow_up_id: str, start: datetime, now: datetime, by: str
) -> Booked:
    follow_up = await load_follow_up(store, follow_up_id)
    rules.check_pick(follow_up, start, now=now)
    picker = link_founder(follow_up, by)
    zone = parse_zone(follow_up.zone)
    end = start + timedelta(minutes=follow_up.minutes)
    meeting = await agenda.create_session(
        store, event=await agenda.load_event(store, follow_up.event_id), now=now, lobby_minutes=5,
        fields={
            "kind": "meeting", "title": rules.meeting_title(follow_up), "capacity": 10,
            "description": follow_up.message, "lobby": False,
            "start": utc_to_local(start, zone).strftime("%Y-%m-%dT%H:%M"),
            "end": utc_to_local(end, zone).strftime("%Y-%m-%dT%H:%M"),
        },
    )  # fmt: skip
    required = [(follow_up.investor, Role.HOST), (picker, Role.COHOST)]
    others = [f for f in follow_up.founders if f.person_key != picker.person_key]
    done: list[str] = []
    try:
        for party, role in required:
            await _seat(store, meeting, party, role, now)
            done.append(party.person_key)
        left_out = await _seat_others(store, meeting, others, now, done)
    except BaseException:
        for key in done:
            await store.agenda.unbook(meeting.session_id, key)
        await store.agenda.discard_session(meeting)
        raise
    invites = {
        key: await invitations.issue_personal_invite(
            store, session=meeting, person_key=key, created_by="follow-up", now=now
        )
        for key in done
    }
    follow_up = rules.booked(
        follow_up, start, meeting.session_id, picked_by=picker.person_key, left_out=left_out
    )
    await store.follow_ups.save(follow_up)
    return Booked(follow_up, meeting, invites)


async def _seat(store: Store, meeting: Session, party: Party, role: Role, now: datetime) -> None:
    entry = RosterEntry(party.person_key, role, party.name, party.email)
    await agenda.add_to_roster(store, session=meeting, entry=entry, now=now)


async def _seat_others(
    store: Store, meeting: Session, others: Sequence[Party], now: datetime, done: list[str]
) -> list[str]:
    """The other founders booked when free (their keys appended to ``done``); those
    booked elsewhere then are left out: "Name (“the other session”)" each."""
    left_out = []
    for party in others:
        try:
            await _seat(store, meeting, party, Role.COHOST, now)
        except Conflict as clash:
            if clash.code != "double_booked":
                raise
            left_out.append(f"{party.name} (“{clash.params.get('other', '')}”)"[:200])
            continue
        done.append(party.person_key)
    return left_out


async def _announce(store: Store, settings: Settings, booked: Booked, now: datetime) -> None:
    """Each one booked: a notification with their invite link, and a mail with the ICS; a
    founder left out: a notification that it was booked without them."""
    follow_up, meeting = booked.follow_up, booked.meeting
    for party in (follow_up.investor, *follow_up.founders):
        if party.person_key not in booked.invites:
            title = f"Follow-up booked without you (you are busy then): {meeting.title}"
            link = founder_link(settings, follow_up.follow_up_id, party.person_key)
            await _notify(store, follow_up, party.person_key, title, link, now)
            continue
        invite = booked.invites[party.person_key]
        link = invitations.invite_url(settings, invitations.sign_invite(settings, invite))
        title = f"Follow-up booked: {meeting.title}"
        await _notify(store, follow_up, party.person_key, title, link, now, start=meeting.start)
        if settings.email_enabled and party.email:
            mail = booked_mail(settings, follow_up, party, meeting, title=title, link=link, now=now)
            await Mailer(settings).send(mail)


async def _notify(
    store: Store,
    follow_up: FollowUp,
    to: str,
    title: str,
    link: str,
    now: datetime,
    *,
    start: datetime | None = None,
) -> None:
    await store.notifications.push(
        Notification(
            notification_id=secrets.token_hex(8), person_key=to,
            kind=NotificationKind.FOLLOW_UP, session_id=follow_up.session_id, title=title[:200],
            start=start or follow_up.times[0], created_at=now, link=link,
        )
    )  # fmt: skip
