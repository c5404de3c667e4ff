"""Signing records in Redis: each record's JSON (``keys.signing_record``; signature images
in base64), its log as a list of entries (``keys.signing_record_log``), and one index from
the document's SHA-256 and the signed PDF's to the agreement (``keys.SIGNING_RECORD_HASHES``).
Saving replaces a record whole, in one MULTI."""

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rooms.signing_log import LogEntry, from_json, to_json
from rooms.signing_record import PartyRecord, SigningRecord, WitnessRecord
from server.store import keys
from server.store.connection import Redis


@dataclass(frozen=True, slots=True)
class SavedRecord:
    """A record as kept, with the SHA-256 of the signed PDF it was sealed into."""

    record: SigningRecord
    signed_pdf_sha256: str
    head: str  # the log's head as sealed into the PDF
    unreadable: int | None = None  # the first log entry that is not a log entry (then cut)


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _read_time(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _party(p: PartyRecord) -> dict[str, Any]:
    return {
        "organization": p.organization,
        "signer_name": p.signer_name,
        "signer_title": p.signer_title,
        "typed_name": p.typed_name,
        "signature_png": base64.b64encode(p.signature_png).decode("ascii"),
        "signed_at": _time(p.signed_at),
    }


def _read_party(data: dict[str, Any]) -> PartyRecord:
    return PartyRecord(
        organization=data["organization"],
        signer_name=data["signer_name"],
        signer_title=data["signer_title"],
        typed_name=data["typed_name"],
        signature_png=base64.b64decode(data["signature_png"]),
        signed_at=_read_time(data["signed_at"]),
    )


def _witness(w: WitnessRecord) -> dict[str, Any]:
    return {"name": w.name, "organization": w.organization, "witnessed_at": _time(w.witnessed_at)}


def _read_witness(data: dict[str, Any]) -> WitnessRecord:
    return WitnessRecord(
        name=data["name"],
        organization=data["organization"],
        witnessed_at=_read_time(data["witnessed_at"]),
    )


def dump_record(record: SigningRecord, *, signed_pdf_sha256: str, head: str) -> str:
    return json.dumps(
        {
            "agreement_id": record.agreement_id,
            "title": record.title,
            "document_sha256": record.document_sha256,
            "parties": [_party(p) for p in record.parties],
            "witnesses": [_witness(w) for w in record.witnesses],
            "zone": record.zone,
            "signed_pdf_sha256": signed_pdf_sha256,
            "head": head,
        },
        ensure_ascii=False,
    )


class SigningRecords:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def save(self, record: SigningRecord, *, signed_pdf_sha256: str) -> None:
        """Keep the record (replacing one of the same agreement), found from now on by its
        document's SHA-256 and by ``signed_pdf_sha256``."""
        agreement_id = record.agreement_id
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(
                keys.signing_record(agreement_id),
                dump_record(record, signed_pdf_sha256=signed_pdf_sha256, head=record.head),
            )
            pipe.delete(keys.signing_record_log(agreement_id))
            if record.log:
                entries = [json.dumps(to_json(e), ensure_ascii=False) for e in record.log]
                pipe.rpush(keys.signing_record_log(agreement_id), *entries)
            pipe.hset(
                keys.SIGNING_RECORD_HASHES,
                mapping={record.document_sha256: agreement_id, signed_pdf_sha256: agreement_id},
            )
            await pipe.execute()

    async def count_check(self, address: str, *, window_seconds: int = 60) -> int:
        """Count a check on the public verification page from this address: how many it made
        in the window begun by its first."""
        key = keys.verify_checks(address)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(key, 0, ex=window_seconds, nx=True)  # EXPIRE NX needs Redis 7
            pipe.incr(key)
            _, count = await pipe.execute()
        return int(count)

    async def find(self, sha256: str) -> SavedRecord | None:
        """The record whose document or signed PDF has this SHA-256 (lower-case hex)."""
        agreement_id = await self.redis.hget(keys.SIGNING_RECORD_HASHES, sha256)
        return None if agreement_id is None else await self.get(agreement_id)

    async def get(self, agreement_id: str) -> SavedRecord | None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.get(keys.signing_record(agreement_id))
            pipe.lrange(keys.signing_record_log(agreement_id), 0, -1)
            text, log = await pipe.execute()
        if text is None:
            return None
        data = json.loads(text)
        entries, unreadable = _read_log(log)
        record = SigningRecord(
            agreement_id=data["agreement_id"],
            title=data["title"],
            document_sha256=data["document_sha256"],
            parties=tuple(_read_party(p) for p in data["parties"]),
            witnesses=tuple(_read_witness(w) for w in data["witnesses"]),
            log=entries,
            zone=data["zone"],
        )
        return SavedRecord(record, data["signed_pdf_sha256"], data["head"], unreadable)


def _read_log(texts: list[str]) -> tuple[tuple[LogEntry, ...], int | None]:
    """The entries up to the first one that does not read as an entry, and its place."""
    entries = []
    for place, text in enumerate(texts):
        try:
            entries.append(from_json(json.loads(text)))
        except (ValueError, TypeError, AttributeError):
            return tuple(entries), place
    return tuple(entries), None
