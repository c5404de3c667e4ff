"""Keys written before the hash tags get their new names once, at start-up
(server/store/key_names.py): values, TTLs and a stream's consumer group go along, a second
run changes nothing, and an install's embedded Redis under DATA_DIR keeps its data."""

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from server.app import make_app
from server.appkeys import STORE
from server.settings import Settings
from server.store import EmbeddedRedis, Store, connect, keys, rename_old_keys
from server.store.key_names import OLD_CONSTANTS, OLD_TEMPLATES, new_name

SAMPLE = {"<id>": "abc123", "<any>": "guest:li@example.org"}


def old_example(template: str) -> str:
    for part, value in SAMPLE.items():
        template = template.replace(part, value)
    return template


@pytest.mark.parametrize(("template", "new"), OLD_TEMPLATES)
def test_each_old_name_maps_to_a_tagged_name(template: str, new: Any) -> None:
    old = old_example(template)
    renamed = new_name(old)

    assert renamed is not None and "{" in renamed and renamed != old
    assert renamed.replace("{", "").replace("}", "").count("abc123") == old.count("abc123")


@pytest.mark.parametrize(
    "name",
    [
        "session:{abc}:chat",  # new already
        "{agenda}:session:abc",
        "web-session:xyz",  # kept its name
        "process:127.0.0.1:8080:rooms",
        "org:o1:rubric-templates",
        "session:abc:relay:x",  # not a name Yunhui wrote before
        "somebody-elses-key",
    ],
)
def test_a_name_that_is_new_kept_or_foreign_is_left_alone(name: str) -> None:
    assert new_name(name) is None


def test_a_session_key_is_told_from_its_room_keys() -> None:
    found = [new_name(k) for k in ("session:s1", "session:s1:chat", "session:s1:roster")]

    assert found == [keys.session("s1"), keys.room_chat("s1"), keys.roster("s1")]


async def test_old_keys_are_renamed_with_their_values_ttls_and_groups(store: Store) -> None:
    redis = store.redis
    await redis.set("session:s1", '{"session_id": "s1"}')
    await redis.hset("session:s1:roster", "account:a1", "{}")
    await redis.set("session:s1:chat-client:p1:c1", "1-1", ex=600)
    await redis.xadd("session:s1:chat", {"type": "message"})
    await redis.xgroup_create("jobs", "workers", id="0", mkstream=True)
    await redis.lpush("person:account:a1:notifications", "hello")
    await redis.set(keys.room_flags("s2"), "{}")  # written under its new name already

    renamed = await rename_old_keys(redis)

    assert renamed == 6
    assert sorted(await redis.keys("*")) == sorted(
        [
            keys.session("s1"),
            keys.roster("s1"),
            keys.room_chat_client("s1", "p1", "c1"),
            keys.room_chat("s1"),
            keys.JOBS,
            keys.notifications("account:a1"),
            keys.room_flags("s2"),
            keys.KEY_NAMES,
        ]
    )
    assert await redis.ttl(keys.room_chat_client("s1", "p1", "c1")) > 500
    assert [g["name"] for g in await redis.xinfo_groups(keys.JOBS)] == ["workers"]
    assert await redis.get(keys.session("s1")) == '{"session_id": "s1"}'


async def test_a_second_run_renames_nothing_and_a_clash_keeps_both(store: Store) -> None:
    redis = store.redis
    await redis.set("orgs-unrelated", "x")
    await redis.sadd("orgs", "o1")
    await redis.sadd(keys.ORGS, "o2")  # the new name is taken: the old key stays

    first = await rename_old_keys(redis)
    await redis.delete(keys.KEY_NAMES)
    again = await rename_old_keys(redis)

    assert (first, again) == (0, 0)
    assert (await redis.smembers("orgs"), await redis.smembers(keys.ORGS)) == ({"o1"}, {"o2"})


def test_every_directory_constant_has_its_old_name() -> None:
    tagged = {v for k, v in vars(keys).items() if k.isupper() and "{" in str(v)}

    assert tagged <= set(OLD_CONSTANTS.values())


async def test_an_installs_embedded_redis_keeps_its_data_under_the_new_names(
    aiohttp_client: Any, settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "redis"
    embedded = EmbeddedRedis(folder)
    await embedded.start()
    old = connect(embedded.url)
    await old.set("event:ev1", '{"event_id": "ev1"}')
    await old.zadd("event:ev1:agenda", {"s1": 1})
    await old.aclose()
    await embedded.stop()

    client = await aiohttp_client(make_app(replace(settings, redis_url=None, data_dir=tmp_path)))
    store = client.app[STORE]

    assert await store.redis.zrange(keys.agenda("ev1"), 0, -1) == ["s1"]
    assert await store.redis.get(keys.event("ev1")) == '{"event_id": "ev1"}'
    assert await store.redis.exists("event:ev1", "event:ev1:agenda") == 0
