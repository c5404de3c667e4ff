"""A roadshow judge's score is answered only once on disk: the judging's records, written as
the room's line writes a durable turn, wait for the AOF's fsync (WAITAOF) and survive a
``kill -9`` of Redis; a judging loaded back from them is where it was (the judge's revision
counted, the closed pitch still closed)."""

from rooms.errors import DomainError
from rooms.judging import Judging
from rooms.outbox import Keep
from rooms.room import Room
from server.store import Store
from tests.rooms.test_judging import BOOK, judging, score
from tests.rooms.test_judging import room as roadshow_room  # noqa: F401 (a fixture)
from tests.rooms.test_room import NOW
from tests.server.store.redis_servers import REDIS_8
from tests.server.store.test_durable import Servers, servers, store_at  # noqa: F401

SESSION = "s-roadshow"


async def keep(store: Store, effects: list[object]) -> None:
    """Write the effects' records as the room's line does (server/realtime/line.py): a turn
    with a durable record is committed durably, any other in one MULTI."""
    kept = [e for e in effects if isinstance(e, Keep)]
    if any(k.durable for k in kept):
        async with store.durable.pipeline() as pipe:
            for k in kept:
                store.queue_kept(pipe, SESSION, k.record)
            await store.durable.commit(pipe)
        return
    async with store.redis.pipeline(transaction=True) as pipe:
        for k in kept:
            store.queue_kept(pipe, SESSION, k.record)
        await pipe.execute()


async def test_a_judges_scores_wait_for_the_disk_and_survive_a_kill_9(
    servers: Servers,  # noqa: F811
    roadshow_room: Room,  # noqa: F811
) -> None:
    server = servers(REDIS_8, "--appendonly", "yes", "--appendfsync", "everysec")
    await server.start()
    async with store_at(server.url) as store:
        assert (await store.durable.probe()).promise is True
        await keep(store, score(roadshow_room, "s-a")[1])
        await keep(store, score(roadshow_room, "s-a", values={"c1": 5, "c2": 10})[1])
        await keep(store, score(roadshow_room, "s-b")[1])
        await keep(store, judging(roadshow_room).close_pitch_scoring("s-owner", "i1", now=NOW))
        stats = await store.redis.info("commandstats")
        await server.kill()
    assert stats["cmdstat_waitaof"]["calls"] == 3  # one per score, none for the closing

    await server.start()  # on the same folder: it reads its AOF back
    async with store_at(server.url) as store:
        runs, scored = await store.panel.runs(SESSION), await store.panel.scored(SESSION)
        cards = await store.panel.cards(SESSION, "i1")
    assert scored == {"i1": {"guest:a@vc.cn": 2, "guest:b@vc.cn": 1}}
    assert sorted((c.reviewer_key, c.values["c1"]) for c in cards) == [
        ("guest:a@vc.cn", 5.0), ("guest:b@vc.cn", 4.0),
    ]  # fmt: skip

    again = roadshow_room.part(Judging)
    again.load(BOOK, runs=runs, scored=scored)
    assert again.state("i1") == "closed"
    try:
        score(roadshow_room, "s-a")
    except DomainError as refused:
        assert refused.code == "scoring_closed"
    else:
        raise AssertionError("a closed pitch took a score")
