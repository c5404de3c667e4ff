"""server.store.owners against a real Redis: one owner per room, its lease, its fencing token."""

import asyncio
from datetime import timedelta

import pytest
from redis.exceptions import WatchError

from server.store import Store
from server.store.owners import Claim, Fenced

TTL = timedelta(seconds=5)
A, B = "127.0.0.1:8150", "127.0.0.1:8151"


async def test_the_first_claim_takes_a_free_room_with_token_1(store: Store) -> None:
    claim = await store.owners.claim("s1", A, ttl=TTL)

    assert (claim, await store.owners.holder("s1")) == (Claim(True, "", 1), f"{A} 1")


async def test_another_process_is_refused_while_the_lease_lives(store: Store) -> None:
    await store.owners.claim("s1", A, ttl=TTL)

    assert await store.owners.claim("s1", B, ttl=TTL) == Claim(False, A, 0)


async def test_an_expired_lease_is_taken_with_a_higher_token_naming_the_last_owner(
    store: Store,
) -> None:
    await store.owners.claim("s1", A, ttl=timedelta(milliseconds=50))
    await asyncio.sleep(0.1)

    claim = await store.owners.claim("s1", B, ttl=TTL)

    assert (claim, await store.owners.token("s1")) == (Claim(True, A, 2), 2)


async def test_a_restarted_process_takes_its_own_rooms_back_at_once_with_a_new_token(
    store: Store,
) -> None:
    await store.owners.claim("s1", A, ttl=TTL)

    assert await store.owners.claim("s1", A, ttl=TTL) == Claim(True, A, 2)


async def test_renewing_keeps_only_the_leases_still_held_under_their_token(store: Store) -> None:
    await store.owners.claim("s1", A, ttl=TTL)
    await store.owners.claim("s2", A, ttl=TTL)
    await store.owners.claim("s2", A, ttl=TTL)  # token 2: token 1 of s2 is stale

    kept = await store.owners.renew(A, [("s1", 1), ("s2", 1), ("s2", 2)], ttl=TTL)

    assert kept == [True, False, True]


async def test_a_lease_that_ran_out_unclaimed_is_renewed_by_its_token(store: Store) -> None:
    await store.owners.claim("s1", A, ttl=timedelta(milliseconds=50))
    await asyncio.sleep(0.1)

    kept = await store.owners.renew(A, [("s1", 1)], ttl=TTL)

    assert (kept, await store.owners.holder("s1")) == ([True], f"{A} 1")


async def test_release_frees_the_room_only_for_its_owner(store: Store) -> None:
    await store.owners.claim("s1", A, ttl=TTL)

    refused = await store.owners.release("s1", B, 1)
    released = await store.owners.release("s1", A, 1)

    assert (refused, released, await store.owners.holder("s1")) == (False, True, None)


async def test_a_fenced_write_goes_through_under_the_current_token(store: Store) -> None:
    await store.owners.claim("s1", A, ttl=TTL)

    async with store.redis.pipeline(transaction=True) as pipe:
        await store.owners.fence(pipe, "s1", 1)
        pipe.set("written", "yes")
        await pipe.execute()

    assert await store.redis.get("written") == "yes"


async def test_a_write_under_a_stale_token_is_refused_and_writes_nothing(store: Store) -> None:
    await store.owners.claim("s1", A, ttl=timedelta(milliseconds=50))
    await asyncio.sleep(0.1)
    await store.owners.claim("s1", B, ttl=TTL)

    with pytest.raises(Fenced):
        async with store.redis.pipeline(transaction=True) as pipe:
            await store.owners.fence(pipe, "s1", 1)
            pipe.set("written", "stale")
            await pipe.execute()

    assert await store.redis.get("written") is None


async def test_a_claim_between_the_check_and_the_exec_aborts_the_write(store: Store) -> None:
    await store.owners.claim("s1", A, ttl=timedelta(milliseconds=50))

    with pytest.raises(WatchError):
        async with store.redis.pipeline(transaction=True) as pipe:
            await store.owners.fence(pipe, "s1", 1)
            await asyncio.sleep(0.1)
            await store.owners.claim("s1", B, ttl=TTL)  # another process takes over
            pipe.set("written", "stale")
            await pipe.execute()

    assert await store.redis.get("written") is None
