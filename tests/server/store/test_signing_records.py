"""Signing records in a real Redis: kept whole, found by the document's SHA-256 and by the
signed PDF's, their log read back entry by entry (an entry that no longer reads as one is
pointed at, not hidden)."""

import json
from dataclasses import replace

import pytest

from rooms.signing_record import SigningRecord
from server.store import Store, keys
from server.store.signing_records import SavedRecord
from tests.server.signing_world import agreement_pdf, signing_record

SIGNED = "ab" * 32


@pytest.fixture(scope="module")
def record() -> SigningRecord:
    return signing_record(agreement_pdf())


async def test_a_record_is_found_by_either_hash(store: Store, record: SigningRecord) -> None:
    await store.signing_records.save(record, signed_pdf_sha256=SIGNED)

    expected = SavedRecord(record, SIGNED, record.head)
    assert await store.signing_records.find(record.document_sha256) == expected
    assert await store.signing_records.find(SIGNED) == expected


async def test_an_unknown_hash_finds_nothing(store: Store, record: SigningRecord) -> None:
    await store.signing_records.save(record, signed_pdf_sha256=SIGNED)

    assert await store.signing_records.find("cd" * 32) is None


async def test_saving_again_replaces_the_record_and_its_log(
    store: Store, record: SigningRecord
) -> None:
    await store.signing_records.save(record, signed_pdf_sha256=SIGNED)
    shorter = replace(record, log=record.log[:3])

    await store.signing_records.save(shorter, signed_pdf_sha256=SIGNED)

    found = await store.signing_records.find(SIGNED)
    assert found == SavedRecord(shorter, SIGNED, shorter.head)


async def test_an_entry_that_no_longer_reads_is_pointed_at(
    store: Store, record: SigningRecord
) -> None:
    await store.signing_records.save(record, signed_pdf_sha256=SIGNED)
    await store.redis.lset(keys.signing_record_log(record.agreement_id), 4, json.dumps([1]))

    found = await store.signing_records.find(SIGNED)

    assert found is not None
    assert (found.unreadable, found.record.log) == (4, record.log[:4])
