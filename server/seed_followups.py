"""The demo's follow-up request: the demo investor asks the first pitch's founder for a
meeting (tomorrow at 10:00 or 15:00 in the event's zone), so the founder can pick a time
from the printed link (or their notification on the roadshow's follow-ups page) right
after ``make run``; the investor can send more from the room's "Pitches" panel."""

from datetime import datetime, timedelta

from rooms.agenda import PersonType, Session, person_key
from rooms.timing import parse_zone, utc_to_local
from server import followups
from server.settings import Settings
from server.store import Store

INVESTOR_NAME, INVESTOR_EMAIL = "投资人 Demo Investor", "investor@example.org"


async def demo_follow_up(
    store: Store, settings: Settings, *, session: Session, now: datetime
) -> list[str]:
    """The request, and the lines the seed prints (none when the roadshow has no founder
    by e-mail)."""
    items = [i for i in await store.review.items(session.session_id) if i.applicant_email]
    if not items:
        return []
    tomorrow = utc_to_local(now, parse_zone(session.zone)).date() + timedelta(days=1)
    investor = followups.Party(
        person_key(PersonType.GUEST, INVESTOR_EMAIL), INVESTOR_NAME, INVESTOR_EMAIL
    )
    request = await followups.request_follow_up(
        store, settings, session=session, item_id=items[0].item_id, investor=investor, now=now,
        fields={"times": [f"{tomorrow}T10:00", f"{tomorrow}T15:00"], "minutes": 30,
                "message": "想进一步了解贵公司的融资计划。 We would like to hear about your round.",
                "share_contact": True},
    )  # fmt: skip
    link = followups.founder_link(settings, request.follow_up_id)
    return [
        f"    {items[0].applicant_name} picks a time for {INVESTOR_NAME}'s follow-up request"
        f" 选择后续会谈时间:\n              {link}",
        f"    everyone invited: {settings.base_url}/sessions/{session.session_id}/follow-ups",
    ]
