import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from rooms.errors import Conflict, DomainError, NotFound
from rooms.expert_csv import CsvError, format_csv
from server.store import Store, keys
from server.store.experts import ImportSummary

NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


async def add(store: Store, name: str, email: str, org_id: str = "org1", **fields: object):
    return await store.experts.create(
        org_id=org_id, fields={"name": name, "email": email, **fields}, now=NOW
    )


def names(experts) -> list[str]:
    return [e.name for e in experts]


async def test_create_then_get_returns_the_same_expert(store: Store) -> None:
    expert = await add(store, "Wang Li", "wang@example.org", disciplines=["0812"], tags=["AI"])

    assert await store.experts.get(expert.expert_id) == expert
    assert await store.experts.of_org("org1", expert.expert_id) == expert


async def test_of_org_hides_another_organizations_expert(store: Store) -> None:
    expert = await add(store, "Wang Li", "wang@example.org", org_id="org2")

    with pytest.raises(NotFound):
        await store.experts.of_org("org1", expert.expert_id)


async def test_create_refuses_an_email_taken_in_the_organization(store: Store) -> None:
    await add(store, "Wang Li", "wang@example.org")

    with pytest.raises(Conflict) as caught:
        await add(store, "Another Wang", "WANG@example.org")

    assert caught.value.code == "email_taken"
    assert await store.experts.count("org1") == 1


async def test_the_same_email_may_be_in_two_organizations(store: Store) -> None:
    await add(store, "Wang Li", "wang@example.org", org_id="org1")
    await add(store, "Wang Li", "wang@example.org", org_id="org2")

    assert (await store.experts.count("org1"), await store.experts.count("org2")) == (1, 1)


async def test_concurrent_creates_with_one_email_let_exactly_one_in(store: Store) -> None:
    results = await asyncio.gather(
        *(add(store, f"Wang {n}", "wang@example.org") for n in range(8)), return_exceptions=True
    )

    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(isinstance(r, Conflict) for r in results if isinstance(r, Exception))
    assert await store.experts.count("org1") == 1


async def test_create_refuses_a_conflict_with_an_unknown_expert(store: Store) -> None:
    with pytest.raises(DomainError) as caught:
        await add(store, "Wang Li", "wang@example.org", conflicts=["expert:nobody"])

    assert caught.value.code == "unknown_expert"
    assert await store.experts.count("org1") == 0


async def test_search_filters_by_discipline_affiliation_and_text_sorted_by_name(
    store: Store,
) -> None:
    await add(store, "Zhao Yun", "zhao@example.org", disciplines=["0812"], affiliation="Fudan")
    await add(store, "Li Na", "li@example.org", disciplines=["0812", "0701"], affiliation="PKU")
    await add(store, "Chen Jie", "chen@example.org", disciplines=["0701"], affiliation="pku")
    await add(store, "Other Org", "o@example.org", org_id="org2", disciplines=["0812"])

    search = store.experts.search
    assert names(await search("org1")) == ["Chen Jie", "Li Na", "Zhao Yun"]
    assert names(await search("org1", discipline="0812")) == ["Li Na", "Zhao Yun"]
    assert names(await search("org1", affiliation=" PKU ")) == ["Chen Jie", "Li Na"]
    assert names(await search("org1", discipline="0812", affiliation="pku")) == ["Li Na"]
    assert names(await search("org1", text="zhao")) == ["Zhao Yun"]
    assert names(await search("org1", discipline="0702")) == []


async def test_update_moves_the_expert_between_indexes(store: Store) -> None:
    expert = await add(
        store, "Li Na", "li@example.org", disciplines=["0812"], affiliation="PKU", tags=["AI"]
    )

    updated = await store.experts.update(
        "org1",
        expert.expert_id,
        fields={"disciplines": ["0701"], "affiliation": "Fudan", "email": "na@example.org"},
        now=LATER,
    )

    assert (updated.tags, updated.created_at, updated.updated_at) == (("AI",), NOW, LATER)
    assert names(await store.experts.search("org1", discipline="0812")) == []
    assert names(await store.experts.search("org1", discipline="0701")) == ["Li Na"]
    assert names(await store.experts.search("org1", affiliation="PKU")) == []
    assert names(await store.experts.search("org1", affiliation="Fudan")) == ["Li Na"]
    assert await store.experts.by_email("org1", "li@example.org") is None
    assert await store.experts.by_email("org1", "na@example.org") == updated
    assert await store.experts.disciplines_in_use("org1") == {"0701": 1}
    assert await store.experts.affiliations("org1") == ["Fudan"]


async def test_update_refuses_another_experts_email(store: Store) -> None:
    await add(store, "Li Na", "li@example.org")
    chen = await add(store, "Chen Jie", "chen@example.org")

    with pytest.raises(Conflict):
        await store.experts.update(
            "org1", chen.expert_id, fields={"email": "li@example.org"}, now=LATER
        )

    assert await store.experts.get(chen.expert_id) == chen


async def test_update_of_another_organizations_expert_is_not_found(store: Store) -> None:
    expert = await add(store, "Li Na", "li@example.org", org_id="org2")

    with pytest.raises(NotFound):
        await store.experts.update("org1", expert.expert_id, fields={"name": "X"}, now=LATER)


async def test_delete_removes_the_expert_and_every_index_entry(store: Store) -> None:
    keep = await add(store, "Chen Jie", "chen@example.org", disciplines=["0701"])
    gone = await add(
        store, "Li Na", "li@example.org", disciplines=["0701", "0812"], affiliation="PKU"
    )

    await store.experts.delete("org1", gone.expert_id)

    assert await store.experts.get(gone.expert_id) is None
    assert await store.experts.by_email("org1", "li@example.org") is None
    assert await store.experts.search("org1") == [keep]
    assert await store.experts.disciplines_in_use("org1") == {"0701": 1}
    assert await store.experts.affiliations("org1") == []
    assert await store.redis.exists(keys.experts_by_discipline("org1", "0812")) == 0


async def test_counts_of_disciplines_and_affiliations_follow_the_experts(store: Store) -> None:
    await add(store, "A", "a@example.org", disciplines=["0701"], affiliation="PKU")
    await add(store, "B", "b@example.org", disciplines=["0701", "0812"], affiliation="PKU")
    await add(store, "C", "c@example.org", affiliation="Fudan")

    assert await store.experts.disciplines_in_use("org1") == {"0701": 2, "0812": 1}
    assert await store.experts.affiliations("org1") == ["Fudan", "PKU"]


async def test_import_adds_new_experts_and_updates_known_emails(store: Store) -> None:
    known = await add(store, "Li Na", "li@example.org", title="Professor", tags=["AI"])
    data = (
        "name,email,disciplines\r\n"
        "Li Na (updated),LI@example.org,0812\r\n"
        "Chen Jie,chen@example.org,数学\r\n"
    ).encode()

    summary = await store.experts.import_csv("org1", data, now=LATER)

    assert summary == ImportSummary(created=1, updated=1)
    updated = await store.experts.get(known.expert_id)
    assert (updated.name, updated.title, updated.tags, updated.disciplines) == (
        "Li Na (updated)",
        "Professor",
        ("AI",),
        ("0812",),
    )
    assert names(await store.experts.search("org1", discipline="0701")) == ["Chen Jie"]


async def test_import_with_a_bad_row_imports_nothing(store: Store) -> None:
    known = await add(store, "Li Na", "li@example.org")
    data = (
        "name,email,conflicts\r\n"
        "Li Na (updated),li@example.org,\r\n"
        "Chen Jie,chen@example.org,expert:nobody\r\n"
        "Zhao Yun,zhao@example.org,expert:" + known.expert_id + "\r\n"
    ).encode()

    with pytest.raises(CsvError) as caught:
        await store.experts.import_csv("org1", data, now=LATER)

    assert [(row.line, row.error.message) for row in caught.value.rows] == [
        (3, "Conflict expert:nobody names no expert of this organization.")
    ]
    assert await store.experts.search("org1") == [known]


async def test_import_refuses_an_expert_who_conflicts_with_themselves(store: Store) -> None:
    known = await add(store, "Li Na", "li@example.org")
    data = f"name,email,conflicts\r\nLi Na,li@example.org,expert:{known.expert_id}\r\n"

    with pytest.raises(CsvError) as caught:
        await store.experts.import_csv("org1", data.encode(), now=LATER)

    assert [(row.line, row.error.code) for row in caught.value.rows] == [(2, "invalid_conflict")]


async def test_export_then_import_changes_nothing(store: Store) -> None:
    await add(store, "=cmd", "a@example.org", disciplines=["0701"], tags=["-x"], affiliation="PKU")
    await add(store, "Chen Jie", "chen@example.org", conflicts=["org:Fudan", "project:Moon"])
    before = await store.experts.search("org1")

    summary = await store.experts.import_csv(
        "org1", (await store.experts.export_csv("org1")).encode(), now=NOW
    )

    assert summary == ImportSummary(created=0, updated=2)
    assert await store.experts.search("org1") == before


async def test_export_is_sorted_by_name(store: Store) -> None:
    zhao = await add(store, "Zhao Yun", "zhao@example.org")
    chen = await add(store, "Chen Jie", "chen@example.org")

    assert await store.experts.export_csv("org1") == format_csv([chen, zhao])


async def test_import_of_many_rows_lands_in_one_piece(store: Store) -> None:
    rows = "".join(f"Expert {n:04},e{n}@example.org,0812;0701,Org {n % 7}\r\n" for n in range(1500))
    data = ("name,email,disciplines,affiliation\r\n" + rows).encode()

    summary = await store.experts.import_csv("org1", data, now=NOW)

    assert summary == ImportSummary(created=1500, updated=0)
    assert await store.experts.disciplines_in_use("org1") == {"0701": 1500, "0812": 1500}
    assert len(await store.experts.search("org1", affiliation="org 3")) == 214
