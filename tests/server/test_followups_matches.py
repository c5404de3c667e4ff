"""A library match become a follow-up request in one step: staff, from a demand's matches,
ask the matched achievement's contact (by the e-mail in it) on the enterprise's behalf; the
holder picks a time and both are booked in the organization's follow-ups event (the
organization has no event yet: its times are in Asia/Shanghai)."""

from datetime import timedelta

from rooms.agenda import PersonType, person_key
from server import followups
from server.settings import Settings
from server.store import Store
from tests.server.fixtures_login import sign_in_staff
from tests.server.test_followups import NOW, local
from tests.server.test_libraries_pages import add, form

HOLDER = person_key(PersonType.GUEST, "zhou@lab.example.org")
ENTERPRISE = person_key(PersonType.GUEST, "li@battery.example.com")


async def test_a_match_becomes_a_follow_up_in_one_step(
    client,
    store: Store,
    settings: Settings,  # type: ignore[no-untyped-def]
) -> None:
    staff = await sign_in_staff(client, store, email="staff@example.org")
    org_id = staff.org.org_id
    demand = await add(store, org_id, "demand", title="电池回收", enterprise="宁远电池",
                       contact="李工 Li, li@Battery.example.com, 138 0000 0000")  # fmt: skip
    achievement = await add(
        store, org_id, "achievement", title="锂电池回收工艺", holder="某大学实验室",
        contact="周老师 zhou@lab.example.org",
    )  # fmt: skip
    at = NOW + timedelta(days=2)
    sent = await staff.call(
        "POST", f"/console/demands/{demand.demand_id}/follow-ups",
        data=form(staff, achievement_id=achievement.achievement_id, time=local(at),
                  minutes="30", message="面谈"),
    )  # fmt: skip
    (request,) = await store.follow_ups.of_person(HOLDER)
    booked = await followups.pick_time(
        store, settings, follow_up_id=request.follow_up_id, start=request.times[0], now=NOW
    )
    event = await store.agenda.get_event(booked.meeting.event_id)
    assert sent.status == 200 and "zhou@lab.example.org" in await sent.text()
    assert (request.investor.person_key, request.demand_id, request.achievement_id) == (
        ENTERPRISE, demand.demand_id, achievement.achievement_id,
    )  # fmt: skip
    assert event is not None and (str(event.visibility), event.org_id) == ("unlisted", org_id)
    assert len(await store.agenda.sessions_of_person(ENTERPRISE)) == 1


async def test_a_contact_without_an_e_mail_address_is_refused_by_name(
    client,
    store: Store,  # type: ignore[no-untyped-def]
) -> None:
    staff = await sign_in_staff(client, store, email="staff@example.org")
    org_id = staff.org.org_id
    demand = await add(store, org_id, "demand", title="电池回收", contact="li@battery.example.com")
    achievement = await add(store, org_id, "achievement", title="锂电池回收工艺",
                            contact="电话 010-1234")  # fmt: skip
    sent = await staff.call(
        "POST", f"/console/demands/{demand.demand_id}/follow-ups",
        data=form(staff, achievement_id=achievement.achievement_id,
                  time=local(NOW + timedelta(days=2))),
    )  # fmt: skip
    assert sent.status == 400 and "锂电池回收工艺" in await sent.text()
    assert await store.follow_ups.of_person(ENTERPRISE) == []
