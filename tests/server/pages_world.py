"""The world the page tests run in: organizations with staff, events with sessions, rosters,
and a browser (the aiohttp test client) signed in through the real login form."""

import re
from datetime import UTC, datetime

from rooms.accounts import Account
from rooms.agenda import Event, PersonType, RosterEntry, Session, person_key
from rooms.roles import Role
from server import agenda
from server.accounts import create_org_with_admin
from server.store import Store

PASSWORD = "a long enough password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def now() -> datetime:
    return datetime.now(UTC)


async def staff_of_new_org(store: Store, *, email: str, name: str = "Hu Host") -> Account:
    _org, admin = await create_org_with_admin(
        store,
        name_zh="测试学会",
        name_en="Test Society",
        email=email,
        name=name,
        password=PASSWORD,
        now=now(),
    )
    return admin


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


async def sign_in(client, account: Account) -> None:  # type: ignore[no-untyped-def]
    page = await client.get("/login")
    form = {"email": account.email, "password": PASSWORD, "csrf_token": csrf_of(await page.text())}
    response = await client.post("/login", data=form, allow_redirects=False)
    assert response.status == 303


async def make_event(
    store: Store,
    account: Account,
    *,
    title_en: str = "Forum on Materials",
    title_zh: str = "材料论坛",
    zone: str = "Asia/Shanghai",
    visibility: str = "public",
    start_date: str = "2030-05-01",
    end_date: str = "2030-05-02",
) -> Event:
    fields = {
        "title_zh": title_zh,
        "title_en": title_en,
        "description": "Two days on new materials.",
        "zone": zone,
        "start_date": start_date,
        "end_date": end_date,
        "visibility": visibility,
    }
    return await agenda.create_event(
        store, org_id=account.org_id, organizer=account.account_id, fields=fields, now=now()
    )


async def make_session(
    store: Store, event: Event, *, title: str, start: str, end: str, kind: str = "meeting"
) -> Session:
    fields = {"kind": kind, "title": title, "description": "", "start": start, "end": end}
    return await agenda.create_session(store, event=event, fields=fields, now=now())


async def put_on_roster(
    store: Store, session: Session, *, name: str, role: Role, email: str = ""
) -> None:
    email = email or name.lower().replace(" ", ".") + "@example.org"
    key = person_key(PersonType.GUEST, email)
    entry = RosterEntry(person_key=key, role=role, name=name, email=email)
    await agenda.add_to_roster(store, session=session, entry=entry, now=now())
