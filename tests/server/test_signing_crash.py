"""`kill -9` of the web process between two signatures: every acknowledged step of the
ceremony is in the log after the restart, the chain verifies, and the second signer comes
back and finishes where the log left them.

Real parts: `python -m server` in a process of its own, the test's Redis, python-socketio
clients with invites. The first party signs; the second is called and confirms who they are;
their consent is sent and the process is killed at once (answered or not); it starts again
on the same Redis.
"""

import asyncio
import base64
import secrets
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import socketio

from rooms.agreement import Agreement, Party
from rooms.roles import Role
from rooms.signing_log import verify
from server.invitations import issue_invite, sign_invite
from server.settings import Settings
from server.store import Store
from tests.server.signing_world import signature_png
from tests.server.test_review_crash import WebProcess, crash_session, enter
from tests.server.test_show_crash import until

SHA = "ab" * 32
SIGNATURE = "data:image/png;base64," + base64.b64encode(signature_png(1)).decode()
SIGNERS = {"zhang": ("张伟", "zhang@a.org"), "chen": ("Chen Jing", "chen@b.org")}


async def prepare(store: Store, settings: Settings) -> tuple[str, dict[str, str]]:
    """A signing session open now, its agreement with two parties; the invite tokens."""
    now = datetime.now(UTC)
    session = await crash_session(store, kind="signing", title="Ceremony", minutes=5)
    parties = tuple(
        Party(f"p{n}", f"Society {n}", f"guest:{email}", name, "")
        for n, (name, email) in enumerate(SIGNERS.values(), start=1)
    )
    agreement = Agreement(session.session_id, "Agreement", "f1", "a.pdf", SHA, 1, parties)
    await store.signings.put_agreement(agreement)
    tokens = {}
    for who, role, name, email in [
        ("host", Role.HOST, "Chair", ""),
        *((who, Role.SIGNER, name, email) for who, (name, email) in SIGNERS.items()),
    ]:
        invite = await issue_invite(
            store, session=session, role=role, name=name, email=email, single_use=False,
            days=1, created_by="staff", now=now,
        )  # fmt: skip
        tokens[who] = sign_invite(settings, invite)
    return session.session_id, tokens


async def test_after_kill_9_between_two_signatures_every_acknowledged_step_is_kept(
    tmp_path: Path, settings: Settings, store: Store, redis_url: str
) -> None:
    secret = secrets.token_urlsafe(48)
    web = WebProcess(redis_url, secret, tmp_path)
    clients: list[socketio.AsyncClient] = []
    try:
        session_id, tokens = await prepare(store, replace(settings, secret_key=secret))
        acked = await crash_between_signatures(web, session_id, tokens, clients)
        log = await store.signings.log(session_id)
    finally:
        for client in clients:
            await client.disconnect()
        web.kill()

    assert verify(log).ok
    assert {(e.seq, e.hash) for e in log} >= set(acked)
    assert [str(e.step) for e in log][-2:] == ["consent_given", "signed"]
    assert sum(str(e.step) == "signed" for e in log) == 2


async def crash_between_signatures(
    web: WebProcess, session_id: str, tokens: dict[str, str], clients: list[socketio.AsyncClient]
) -> list[tuple[int, str]]:
    acked: list[tuple[int, str]] = []

    async def come(who: str) -> tuple[socketio.AsyncClient, list[Any]]:
        client, got = await enter(web.url, session_id, tokens[who])
        clients.append(client)
        await until(got, "joined")
        return client, got

    async def step(client: socketio.AsyncClient, event: str, payload: dict[str, Any]) -> None:
        answer = await client.call(event, payload, namespace="/room", timeout=10)
        assert "error" not in answer, answer
        acked.append((answer["seq"], answer["hash"]))

    web.start()
    (host, _), (zhang, _), (chen, _) = [await come(who) for who in ("host", "zhang", "chen")]
    await step(host, "fix_agreement", {})
    await step(host, "call_signer", {"party_id": "p1"})
    await step(zhang, "confirm_identity", {"typed_name": "张伟"})
    await step(zhang, "give_consent", {"sha256": SHA, "typed_name": "张伟"})
    await step(zhang, "sign_agreement", {"signature": SIGNATURE})
    await step(host, "call_signer", {"party_id": "p2"})
    await step(chen, "confirm_identity", {"typed_name": "Chen Jing"})

    consent = asyncio.ensure_future(
        chen.call("give_consent", {"sha256": SHA, "typed_name": "Chen Jing"}, namespace="/room",
                  timeout=5)
    )  # fmt: skip
    await asyncio.sleep(0)  # on its way
    web.kill()
    try:
        answer = await consent
        if isinstance(answer, dict) and "seq" in answer:
            acked.append((answer["seq"], answer["hash"]))
    except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError):
        pass  # never answered: it may or may not be in the log
    for client in clients:
        await client.disconnect()
    clients.clear()
    web.start()

    chen, got = await come("chen")
    [state] = [
        p["state"] for p in events_of(got, "joined")["signing"]["parties"] if p["party_id"] == "p2"
    ]
    if state == "confirmed":  # the consent was lost with the process: given again
        await step(chen, "give_consent", {"sha256": SHA, "typed_name": "Chen Jing"})
    await step(chen, "sign_agreement", {"signature": SIGNATURE})
    return acked


def events_of(got: list[Any], name: str) -> dict[str, Any]:
    return next(args[0] for event, args in got if event == name)
