"""The REST API of interest and follow-ups, with the people who use it: investors in by their
invite see and change only their own marks and notes and ask for a follow-up; the founder
sees the request addressed to them and picks a time (both booked, a clash named); staff see
the counts (not who, not the notes) and every follow-up of the roadshow; anyone else is
refused and nothing is written."""

from datetime import timedelta

from aiohttp.test_utils import TestClient

from rooms.agenda import Session
from rooms.roles import Role
from server.api.followups import MARKS_PER_MINUTE
from server.invitations import issue_invite, sign_invite
from server.settings import Settings
from server.store import Store
from tests.server.fixtures_login import csrf_token, sign_in
from tests.server.test_followups import FOUNDER_KEY, NOW, local, roadshow


class Browser:
    """Someone's own browser (cookie jar) with its CSRF token."""

    def __init__(self, client: TestClient, token: str) -> None:
        self.client, self.token = client, token

    async def call(self, method: str, path: str, **kwargs):  # type: ignore[no-untyped-def]
        return await self.client.request(
            method, path, headers={"X-CSRF-Token": self.token}, **kwargs
        )


async def invited(  # type: ignore[no-untyped-def]
    aiohttp_client, client, store: Store, settings: Settings, session: Session, *,
    role: Role, name: str, email: str,
) -> Browser:  # fmt: skip
    browser = await aiohttp_client(client.server)
    invite = await issue_invite(
        store, session=session, role=role, name=name, email=email, single_use=False, days=30,
        created_by="test", now=NOW,
    )  # fmt: skip
    token = await csrf_token(browser)
    accepted = await browser.post(
        f"/invite/{sign_invite(settings, invite)}/accept", data={"csrf_token": token},
        allow_redirects=False,
    )  # fmt: skip
    assert accepted.status in (302, 303), await accepted.text()
    return Browser(browser, token)


async def test_interest_is_each_investors_own_and_staff_see_only_the_counts(
    aiohttp_client, client, store: Store, settings: Settings
) -> None:
    session, item_id = await roadshow(store)
    people = (aiohttp_client, client, store, settings, session)
    vc = await invited(*people, role=Role.ATTENDEE, name="VC", email="vc@fund.cn")
    other = await invited(*people, role=Role.REVIEWER, name="Judge", email="judge@fund.cn")
    founder = await invited(*people, role=Role.PRESENTER, name="Liu Yang",
                            email="liu.yang@example.org")  # fmt: skip
    path = f"/api/sessions/{session.session_id}/interest"

    marked = await vc.call("PUT", f"{path}/{item_id}", json={"interested": True, "note": "强"})
    await other.call("PUT", f"{path}/{item_id}", json={"interested": True})
    refused = await founder.call("PUT", f"{path}/{item_id}", json={"interested": True})
    unknown = await vc.call("PUT", f"{path}/nope", json={"interested": True})
    anonymous = await client.get(path)

    assert marked.status == 200, await marked.text()
    assert (refused.status, (await refused.json())["error"]["code"]) == (403, "forbidden")
    assert (unknown.status, (await unknown.json())["error"]["code"]) == (404, "no_pitch")
    assert (anonymous.status, (await anonymous.json())["error"]["code"]) == (403, "not_invited")
    mine = await (await vc.call("GET", path)).json()
    assert [(m["item_id"], m["interested"], m["note"]) for m in mine["mine"]] == [
        (item_id, True, "强")
    ]
    assert mine["counts"] is None
    theirs = await (await other.call("GET", path)).json()
    assert [m["note"] for m in theirs["mine"]] == [""]  # their own only
    staff = Browser(client, await sign_in(client, email="host@example.org"))
    seen = await (await staff.call("GET", path)).json()
    assert seen == {"mine": [], "counts": {item_id: 2}}  # how many, not who nor the notes

    for _ in range(MARKS_PER_MINUTE):
        await other.call("PUT", f"{path}/{item_id}", json={"interested": False})
    fast = await other.call("PUT", f"{path}/{item_id}", json={"interested": True})
    assert (await fast.json())["error"]["code"] == "rate_limited"
    assert (await (await staff.call("GET", path)).json())["counts"] == {item_id: 1}


async def test_an_investor_asks_the_founder_picks_and_staff_see_the_roadshows_follow_ups(
    aiohttp_client, client, store: Store, settings: Settings
) -> None:
    session, item_id = await roadshow(store)
    people = (aiohttp_client, client, store, settings, session)
    vc = await invited(*people, role=Role.ATTENDEE, name="VC", email="vc@fund.cn")
    nosy = await invited(*people, role=Role.ATTENDEE, name="Nosy", email="nosy@fund.cn")
    founder = await invited(*people, role=Role.PRESENTER, name="Liu Yang",
                            email="liu.yang@example.org")  # fmt: skip
    path = f"/api/sessions/{session.session_id}/follow-ups"
    at = NOW + timedelta(days=1)
    body = {"item_id": item_id, "times": [local(at)], "minutes": 30, "share_contact": True}

    past = await vc.call("POST", path, json=body | {"times": [local(NOW - timedelta(days=1))]})
    assert (past.status, (await past.json())["error"]["code"]) == (400, "time_past")
    assert await store.follow_ups.of_session(session.session_id) == []  # nothing written
    by_founder = await founder.call("POST", path, json=body)
    assert by_founder.status == 403
    sent = await vc.call("POST", path, json=body)
    assert sent.status == 201, await sent.text()
    request = await sent.json()
    assert (request["yours"], request["founder"]["name"]) == ("sent", "Liu Yang")

    received = await (await founder.call("GET", path)).json()
    assert [(f["follow_up_id"], f["yours"], f["investor"]["email"]) for f in received] == [
        (request["follow_up_id"], "received", "vc@fund.cn")  # shared by the investor
    ]
    assert await (await nosy.call("GET", path)).json() == []  # not theirs
    one = f"/api/follow-ups/{request['follow_up_id']}"
    stolen = await nosy.call("POST", f"{one}/pick", json={"time": request["times"][0]})
    assert stolen.status == 404
    own = await vc.call("POST", f"{one}/decline")
    assert own.status == 403  # only the founder answers

    picked = await founder.call("POST", f"{one}/pick", json={"time": request["times"][0]})
    assert picked.status == 200, await picked.text()
    booked = await picked.json()
    assert booked["state"] == "booked" and booked["meeting_id"]
    (meeting,) = await store.agenda.sessions_of_person(FOUNDER_KEY)
    assert meeting.session_id == booked["meeting_id"]
    again = await founder.call("POST", f"{one}/decline")
    assert again.status == 409

    staff = Browser(client, await sign_in(client, email="host@example.org"))
    listed = await (await staff.call("GET", path)).json()
    assert [(f["follow_up_id"], f["yours"], f["state"]) for f in listed] == [
        (request["follow_up_id"], "staff", "booked")
    ]
