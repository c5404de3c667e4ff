"""server.store.signing against a real Redis: the agreement editable until its document is
fixed; each step appended under one transaction, chained to the last, durably (WAITAOF on a
Redis 8, surviving a kill -9 of Redis); concurrent appends never fork the chain; a refused
step writes nothing; a signature lands with its step or not at all."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from functools import partial
from pathlib import Path

import pytest

from rooms import ceremony as rules
from rooms.agreement import PNG_MAGIC, Agreement, Witness
from rooms.errors import DomainError
from rooms.signing_log import CeremonyStep, verify
from server.store import Store, connect
from tests.rooms.test_signing import AGREEMENT, NOW, SHA
from tests.server.store.redis_servers import REDIS_6, REDIS_8, RedisServer

HOST = rules.actor_of("account:a1", "Wang Fang", "host")
ZHANG = rules.actor_of("guest:zhang@a.org", "Zhang Wei", "signer")
WHERE = {"ip": "198.51.100.7", "user_agent": "Mozilla/5.0 test"}


async def fixed(store: Store, agreement: Agreement = AGREEMENT) -> None:
    await store.signings.put_agreement(agreement)
    await store.signings.append("s1", partial(rules.propose_fix, actor=HOST), now=NOW, **WHERE)


async def until_consent(store: Store) -> None:
    await fixed(store)
    for change in (
        partial(rules.propose_call, party_id="p1", actor=HOST),
        partial(rules.propose_confirm, actor=ZHANG, typed_name="Zhang Wei"),
        partial(rules.propose_consent, actor=ZHANG, sha256=SHA, typed_name="Zhang Wei"),
    ):
        await store.signings.append("s1", change, now=NOW, **WHERE)


async def test_the_agreement_round_trips(store: Store) -> None:
    await store.signings.put_agreement(AGREEMENT)
    assert await store.signings.agreement("s1") == AGREEMENT


async def test_the_agreement_cannot_change_once_fixed(store: Store) -> None:
    await fixed(store)

    with pytest.raises(DomainError) as refused:
        await store.signings.put_agreement(AGREEMENT)

    assert refused.value.code == "already_fixed"


async def test_an_entry_holds_where_it_came_from_and_chains(store: Store) -> None:
    await until_consent(store)

    log = await store.signings.log("s1")

    assert [e.seq for e in log] == [0, 1, 2, 3]
    assert [e.prev_hash for e in log[1:]] == [e.hash for e in log[:-1]]
    assert {(e.ip, e.user_agent) for e in log} == {("198.51.100.7", "Mozilla/5.0 test")}
    assert verify(log).ok


async def test_a_refused_step_writes_nothing(store: Store) -> None:
    await fixed(store)
    wrong = partial(rules.propose_call, party_id="p2", actor=HOST)

    with pytest.raises(DomainError) as refused:
        await store.signings.append("s1", wrong, now=NOW, **WHERE)

    assert refused.value.code == "out_of_order"
    assert len(await store.signings.log("s1")) == 1


async def test_a_signature_lands_with_its_step(store: Store) -> None:
    await until_consent(store)
    png = PNG_MAGIC + b"drawn"
    sign = partial(rules.propose_sign, actor=ZHANG, signature_sha256="cd" * 32)

    entry = await store.signings.append("s1", sign, now=NOW, signature=png, **WHERE)

    assert entry.step is CeremonyStep.SIGNED
    assert list(await store.signings.signatures("s1")) == ["p1"]


async def test_a_second_signature_writes_nothing(store: Store) -> None:
    await until_consent(store)
    sign = partial(rules.propose_sign, actor=ZHANG, signature_sha256="cd" * 32)
    await store.signings.append("s1", sign, now=NOW, signature=PNG_MAGIC, **WHERE)

    with pytest.raises(DomainError) as refused:
        await store.signings.append("s1", sign, now=NOW, signature=PNG_MAGIC + b"2", **WHERE)

    assert refused.value.code == "already_signed"
    assert len(await store.signings.log("s1")) == 5


@pytest.fixture
async def others(redis_url: str) -> AsyncIterator[list[Store]]:
    """Eight more clients of the same Redis: eight web processes at once."""
    made = [Store(connect(redis_url)) for _ in range(8)]
    yield made
    for other in made:
        await other.close()


async def test_concurrent_appends_never_fork_the_chain(store: Store, others: list[Store]) -> None:
    await fixed(store)
    call = partial(rules.propose_call, party_id="p1", actor=HOST)

    outcomes = await asyncio.gather(
        *(s.signings.append("s1", call, now=NOW, **WHERE) for s in others),
        return_exceptions=True,
    )

    log = await store.signings.log("s1")
    refused = [o.code for o in outcomes if isinstance(o, DomainError)]
    assert [str(e.step) for e in log] == ["document_fixed", "signer_called"]
    assert refused == ["signer_called"] * 7
    assert verify(log).ok


async def test_concurrent_different_steps_all_chain(store: Store, others: list[Store]) -> None:
    """Every witness attesting at once: each lands once, one after the other."""
    witnesses = [rules.actor_of(f"guest:w{n}@x.org", f"W{n}", "witness") for n in range(8)]
    agreement = replace(
        AGREEMENT,
        parties=AGREEMENT.parties[:1],
        witnesses=tuple(Witness(str(w["person_key"]), str(w["name"])) for w in witnesses),
    )
    await until_consent_of(store, agreement)

    await asyncio.gather(*(
        s.signings.append("s1", partial(rules.propose_witness, actor=w, typed_name=str(w["name"])),
                          now=NOW, **WHERE)
        for s, w in zip(others, witnesses, strict=True)
    ))  # fmt: skip

    log = await store.signings.log("s1")
    assert [e.seq for e in log] == list(range(len(log)))
    assert sum(e.step is CeremonyStep.WITNESSED for e in log) == 8
    assert verify(log).ok


async def until_consent_of(store: Store, agreement: Agreement) -> None:
    await fixed(store, agreement)
    for change in (
        partial(rules.propose_call, party_id="p1", actor=HOST),
        partial(rules.propose_confirm, actor=ZHANG, typed_name="Zhang Wei"),
        partial(rules.propose_consent, actor=ZHANG, sha256=SHA, typed_name="Zhang Wei"),
        partial(rules.propose_sign, actor=ZHANG, signature_sha256="cd" * 32),
    ):
        await store.signings.append("s1", change, now=NOW, signature=PNG_MAGIC, **WHERE)


@pytest.mark.parametrize(
    ("binary", "fsync"),
    [(REDIS_6, "always"), (REDIS_8, "everysec")],
    ids=["redis-6.2-appendfsync-always", "redis-8-waitaof"],
)
async def test_acknowledged_steps_survive_a_kill_9_of_redis(
    tmp_path: Path, binary: str, fsync: str
) -> None:
    server = RedisServer(binary, tmp_path / "redis", "--appendonly", "yes", "--appendfsync", fsync)
    await server.start()
    try:
        store = Store(connect(server.url))
        await until_consent(store)
        acknowledged = [e.hash for e in await store.signings.log("s1")]
        waits = (await store.redis.info("commandstats")).get("cmdstat_waitaof", {}).get("calls")
        await store.close()
        await server.kill()
        await server.start()
        store = Store(connect(server.url))
        log = await store.signings.log("s1")
        await store.close()
    finally:
        await server.kill()

    assert [e.hash for e in log] == acknowledged
    assert verify(log).ok
    assert waits == (4 if binary == REDIS_8 else None)
