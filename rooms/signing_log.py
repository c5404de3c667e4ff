"""The signing log: a signing ceremony's append-only, hash-chained record of its steps.

Each ``LogEntry`` holds the SHA-256 of the entry before it (``prev_hash``, 64 zeros for the
first) and its own ``hash`` over a canonical JSON of every other field, so an entry edited,
deleted, inserted or moved anywhere breaks the chain where it happened (``verify``). The
last entry's hash, the log's **head**, is sealed into the signed PDF; given it, ``verify``
also catches entries cut off the end. ``public_view`` is what anyone may see: every field
but the IP address and the user agent.
"""

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

GENESIS = "0" * 64
PRIVATE_FIELDS = ("ip", "user_agent")


class CeremonyStep(StrEnum):
    DOCUMENT_FIXED = "document_fixed"
    SIGNER_CALLED = "signer_called"
    IDENTITY_CONFIRMED = "identity_confirmed"
    CONSENT_GIVEN = "consent_given"
    SIGNED = "signed"
    WITNESSED = "witnessed"
    CEREMONY_CLOSED = "ceremony_closed"


class Break(StrEnum):
    """What is wrong where a log stops verifying."""

    EDITED = "edited"  # the entry's fields do not hash to its hash
    DELETED = "deleted"  # an entry's number is missing
    INSERTED = "inserted"  # an entry's number comes twice
    REORDERED = "reordered"  # every number is there, out of order
    BROKEN_LINK = "broken_link"  # the entry does not point at the one before it
    HEAD = "head"  # the log does not end at the head its record sealed


@dataclass(frozen=True, slots=True)
class LogEntry:
    seq: int
    at: str  # UTC, ISO 8601
    step: CeremonyStep
    actor: dict[str, object]  # person key, name, role
    detail: dict[str, object]  # party index, typed name, SHA-256 of signature and document…
    ip: str
    user_agent: str
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class Problem:
    seq: int  # the position in the log where it stops verifying
    kind: Break


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    head: str  # the last entry's hash (GENESIS for an empty log)
    problem: Problem | None = None


def canonical(fields: Mapping[str, object]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def entry_hash(entry: LogEntry) -> str:
    """The SHA-256 of the entry's every field but its hash."""
    fields = to_json(entry)
    del fields["hash"]
    return hashlib.sha256(canonical(fields)).hexdigest()


def next_entry(
    prev: LogEntry | None,
    *,
    step: CeremonyStep,
    actor: Mapping[str, object],
    detail: Mapping[str, object],
    ip: str,
    user_agent: str,
    at: datetime,
) -> LogEntry:
    """The entry that follows ``prev`` (the first one when ``prev`` is None); ``at`` aware."""
    if at.tzinfo is None:
        raise ValueError("a log entry's time must be aware")
    unsealed = LogEntry(
        seq=0 if prev is None else prev.seq + 1,
        at=at.astimezone(UTC).isoformat(),
        step=CeremonyStep(step),
        actor=dict(actor),
        detail=dict(detail),
        ip=ip,
        user_agent=user_agent,
        prev_hash=GENESIS if prev is None else prev.hash,
        hash="",
    )
    return _with_hash(unsealed)


def _with_hash(entry: LogEntry) -> LogEntry:
    return LogEntry(**{**_fields(entry), "hash": entry_hash(entry)})  # type: ignore[arg-type]


def _fields(entry: LogEntry) -> dict[str, object]:
    return {name: getattr(entry, name) for name in LogEntry.__slots__}


def to_json(entry: LogEntry) -> dict[str, object]:
    """The entry as a JSON-ready dict (for the store)."""
    fields = _fields(entry)
    fields["step"] = str(entry.step)
    fields["actor"] = dict(entry.actor)
    fields["detail"] = dict(entry.detail)
    return fields


def from_json(data: Mapping[str, object]) -> LogEntry:
    """An entry as ``to_json`` gave it; ValueError when a field is missing or of a wrong type."""
    kinds: dict[str, type] = {
        "seq": int,
        "at": str,
        "step": str,
        "actor": dict,
        "detail": dict,
        "ip": str,
        "user_agent": str,
        "prev_hash": str,
        "hash": str,
    }
    for name, kind in kinds.items():
        value = data.get(name)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ValueError(f"log entry field {name!r} is missing or not a {kind.__name__}")
    fields = {name: data[name] for name in kinds}
    fields["step"] = CeremonyStep(str(data["step"]))
    return LogEntry(**fields)  # type: ignore[arg-type]


def verify(entries: Sequence[LogEntry], *, head: str | None = None) -> Verdict:
    """Whether the log is whole: every entry hashes to its hash, is numbered by its place and
    points at the one before it (and, given the sealed ``head``, the last one is that head).
    The first problem found says where and what."""
    prev_hash = GENESIS
    for position, entry in enumerate(entries):
        kind = _break_at(entries, position, prev_hash)
        if kind is not None:
            return Verdict(ok=False, head=_last_hash(entries), problem=Problem(position, kind))
        prev_hash = entry.hash
    if head is not None and head != prev_hash:
        problem = Problem(max(len(entries) - 1, 0), Break.HEAD)
        return Verdict(ok=False, head=prev_hash, problem=problem)
    return Verdict(ok=True, head=prev_hash)


def against(entries: Sequence[LogEntry], sealed: Sequence[str]) -> Verdict:
    """The log verified, then held to the hashes of its entries as they were sealed: a log
    rewritten from some entry on, every hash recomputed, differs from there."""
    own = verify(entries)
    if not own.ok:
        return own
    for position, (entry, kept) in enumerate(zip(entries, sealed, strict=False)):
        if entry.hash != kept:
            return Verdict(ok=False, head=own.head, problem=Problem(position, Break.EDITED))
    if len(entries) != len(sealed):
        kind = Break.DELETED if len(entries) < len(sealed) else Break.INSERTED
        problem = Problem(min(len(entries), len(sealed)), kind)
        return Verdict(ok=False, head=own.head, problem=problem)
    return own


def _last_hash(entries: Sequence[LogEntry]) -> str:
    return entries[-1].hash if entries else GENESIS


def _break_at(entries: Sequence[LogEntry], position: int, prev_hash: str) -> Break | None:
    entry = entries[position]
    if entry.hash != entry_hash(entry):
        return Break.EDITED
    if entry.seq != position:
        return _misnumbered(entries, position)
    if entry.prev_hash != prev_hash:
        return Break.BROKEN_LINK
    return None


def _misnumbered(entries: Sequence[LogEntry], position: int) -> Break:
    """Why the entry at ``position`` has another number (every one before it has its own)."""
    seqs = [e.seq for e in entries]
    if seqs[position] < position:
        return Break.INSERTED  # a number already seen
    if sorted(seqs) == list(range(len(seqs))):
        return Break.REORDERED
    if position not in seqs[position:]:
        return Break.DELETED
    return Break.INSERTED


def public_view(entries: Sequence[LogEntry]) -> list[dict[str, object]]:
    """The log as anyone may see it: no IP addresses, no user agents."""
    view = []
    for entry in entries:
        fields = to_json(entry)
        for name in PRIVATE_FIELDS:
            del fields[name]
        view.append(fields)
    return view
