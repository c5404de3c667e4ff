"""`kill -9` of the web process mid-pitch: the show carries on where it was.

Real parts: `python -m server` in a process of its own with its scheduler running, the test's
Redis, python-socketio clients with invites. Founder 1 is on stage, founder 2 waits in the
lobby; the process is killed and started again on the same Redis: founder 1 is still on
stage with the same end, founder 2 still waits with the same start, and the next hand-over
comes on time from the restarted process's scheduler.
"""

import asyncio
import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import socketio

from rooms.roles import Role
from rooms.run_of_show import EntryKind, Show, ShowEntry
from server import reviews
from server.invitations import issue_invite, sign_invite
from server.settings import Settings
from server.store import Store
from tests.server.test_review_crash import WebProcess, crash_session, enter

F1, F2 = "f1@startup.cn", "f2@lab.cn"
LATE = 1.5  # seconds a hand-over may come after its time on a busy machine


async def prepare(store: Store, settings: Settings) -> tuple[str, dict[str, str]]:
    """A roadshow (not yet started) with two 1-minute pitches; the invite tokens."""
    now = datetime.now(UTC)
    session = await crash_session(store, kind="roadshow", title="Pitches", minutes=10)
    for n, email in ((1, F1), (2, F2)):
        fields = {
            "title_en": f"Pitch {n}", "applicant_name": f"Founder {n}", "applicant_email": email,
            "present_minutes": 1, "qa_minutes": 0,
        }  # fmt: skip
        await reviews.add_item(store, session=session, fields=fields, now=now)
    tokens = {}
    for key, role, name, email in [
        ("chair", Role.HOST, "Chair", ""),
        ("audience", Role.ATTENDEE, "Investor", ""),
        (F1, Role.PRESENTER, "Founder 1", F1),
        (F2, Role.PRESENTER, "Founder 2", F2),
    ]:
        invite = await issue_invite(
            store, session=session, role=role, name=name, email=email, single_use=False,
            days=1, created_by="staff", now=now,
        )  # fmt: skip
        tokens[key] = sign_invite(settings, invite)
    return session.session_id, tokens


def events(got: list[Any], name: str) -> list[dict[str, Any]]:
    return [args[0] for event, args in got if event == name]


async def until(got: list[Any], name: str, seconds: float = 10) -> dict[str, Any]:
    async def wait() -> dict[str, Any]:
        while not events(got, name):
            await asyncio.sleep(0.02)
        return events(got, name)[0]

    return await asyncio.wait_for(wait(), seconds)


async def test_after_kill_9_of_the_web_process_the_show_carries_on_where_it_was(
    tmp_path: Path, settings: Settings, store: Store, redis_url: str
) -> None:
    secret = secrets.token_urlsafe(48)
    web = WebProcess(redis_url, secret, tmp_path)
    web.env |= {"RUN_SCHEDULER": "yes", "SCHEDULER_INTERVAL": "0.1"}
    clients: list[socketio.AsyncClient] = []
    try:
        session_id, tokens = await prepare(store, replace(settings, secret_key=secret))
        await crash_mid_pitch(store, web, session_id, tokens, clients)
    finally:
        for client in clients:
            await client.disconnect()
        web.kill()


async def crash_mid_pitch(
    store: Store,
    web: WebProcess,
    session_id: str,
    tokens: dict[str, str],
    clients: list[socketio.AsyncClient],
) -> None:
    async def come(who: str) -> list[Any]:
        client, got = await enter(web.url, session_id, tokens[who])
        clients.append(client)
        return got

    web.start()
    chair = await come("chair")
    await until(chair, "joined")
    [i1, i2] = [i.item_id for i in await store.review.items(session_id)]
    f2 = await come(F2)
    waiting = await until(f2, "stepped_out")
    assert (waiting["reason"], waiting["slot_id"]) == ("pitch_waiting", i2)
    answer = await clients[0].call("start_show", {}, namespace="/room", timeout=5)
    assert not (isinstance(answer, dict) and "error" in answer), answer
    f1 = await come(F1)
    before = (await until(f1, "joined"))["show"]
    assert before["stage"]["key"] == f"{i1}:pitch"
    assert before["on_stage"] == [events(f1, "joined")[0]["you"]["participant_id"]]
    starts = datetime.fromisoformat(before["stage"]["ends"])  # founder 2's pitch: right after

    web.kill()
    for client in clients:
        await client.disconnect()
    clients.clear()
    web.start()

    audience = await come("audience")
    view = (await until(audience, "joined"))["show"]
    assert (view["stage"], view["next"]["key"]) == (before["stage"], f"{i2}:pitch")
    f1 = await come(F1)
    me = (await until(f1, "joined"))["you"]["participant_id"]

    async def shown_on_stage() -> None:  # founder 1 back: the stage layout shows them
        while not any(v["on_stage"] == [me] for v in events(audience, "show")):
            await asyncio.sleep(0.02)

    await asyncio.wait_for(shown_on_stage(), 5)
    assert "error" not in ((await clients[-1].call("set_mic", {"on": True}, namespace="/room",
                                                     timeout=5)) or {})  # fmt: skip
    f2 = await come(F2)
    waiting = await until(f2, "stepped_out")
    assert (waiting["slot_id"], waiting["starts_at"]) == (i2, starts.isoformat())

    # founder 1's pitch is cut two seconds from now: the restarted scheduler hands over then
    session = await store.agenda.get_session(session_id)
    cut_at = datetime.now(UTC) + timedelta(seconds=2)

    def cut(show: Show, now: datetime) -> list[ShowEntry]:
        return [ShowEntry(EntryKind.CUT, cut_at, stage=f"{i1}:pitch", actor="test")]

    await store.shows.act(session, cut, now=datetime.now(UTC))
    await until(f2, "joined", seconds=2 + LATE + 2)
    show = await store.shows.show(session)
    handed = [e for e in show.log if e.kind is EntryKind.HANDOVER]
    assert [e.stage for e in handed] == [f"{i1}:pitch", f"{i2}:pitch"]
    assert 0 <= (handed[-1].at - cut_at).total_seconds() <= LATE, handed[-1]
    refused = await clients[-2].call("set_mic", {"on": True}, namespace="/room", timeout=5)
    assert refused["error"]["code"] == "forbidden"  # founder 1: the stage was taken back
