"""The signing log's chain: an unedited log verifies; any entry edited, deleted, inserted or
moved is caught where it happened (Hypothesis over random logs and random edits)."""

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rooms.signing_log import (
    GENESIS,
    Break,
    CeremonyStep,
    LogEntry,
    Problem,
    Verdict,
    against,
    entry_hash,
    from_json,
    next_entry,
    public_view,
    to_json,
    verify,
)

START = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
names = st.text(alphabet="张王李赵签约协议abcXYZ ·-", min_size=1, max_size=12)
hexes = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)


@st.composite
def steps(draw: st.DrawFn) -> dict[str, object]:
    return {
        "step": draw(st.sampled_from(CeremonyStep)),
        "actor": {
            "person_key": "guest:" + draw(st.from_regex(r"[a-z]{1,6}@x\.cn", fullmatch=True)),
            "name": draw(names),
            "role": draw(st.sampled_from(["host", "signer", "witness"])),
        },
        "detail": draw(
            st.fixed_dictionaries(
                {},
                optional={"party": st.integers(0, 5), "typed_name": names, "document": hexes},
            )
        ),
        "ip": draw(st.ip_addresses().map(str)),
        "user_agent": draw(st.text(max_size=30)),
        "at": START + timedelta(seconds=draw(st.integers(0, 86_400))),
    }


def build(specs: list[dict[str, object]]) -> list[LogEntry]:
    entries: list[LogEntry] = []
    for spec in specs:
        entries.append(next_entry(entries[-1] if entries else None, **spec))  # type: ignore[arg-type]
    return entries


logs = st.lists(steps(), min_size=1, max_size=8).map(build)
longer_logs = st.lists(steps(), min_size=2, max_size=8).map(build)


def edited(entry: LogEntry, field: str) -> LogEntry:
    """The entry with one field changed, its hash left as it was."""
    flip = {"0": "1"}
    changes: dict[str, object] = {
        "seq": entry.seq + 1,
        "at": entry.at.replace("2026", "2025"),
        "step": next(s for s in CeremonyStep if s != entry.step),
        "actor": {**entry.actor, "name": f"{entry.actor['name']}改"},
        "detail": {**entry.detail, "typed_name": f"{entry.detail.get('typed_name', '')}改"},
        "ip": entry.ip + "0",
        "user_agent": entry.user_agent + "x",
        "prev_hash": flip.get(entry.prev_hash[0], "0") + entry.prev_hash[1:],
        "hash": flip.get(entry.hash[0], "0") + entry.hash[1:],
    }
    return replace(entry, **{field: changes[field]})


def rehashed(entry: LogEntry) -> LogEntry:
    return replace(entry, hash=entry_hash(entry))


def test_an_entry_follows_the_one_before_it() -> None:
    first = next_entry(
        None,
        step=CeremonyStep.DOCUMENT_FIXED,
        actor={"person_key": "account:1", "name": "王主持", "role": "host"},
        detail={"document": "ab" * 32},
        ip="10.0.0.1",
        user_agent="Chromium",
        at=datetime(2026, 12, 5, 10, 0, tzinfo=timezone(timedelta(hours=8))),
    )
    second = next_entry(
        first,
        step=CeremonyStep.SIGNER_CALLED,
        actor={"person_key": "account:1", "name": "王主持", "role": "host"},
        detail={"party": 0},
        ip="10.0.0.1",
        user_agent="Chromium",
        at=START,
    )

    assert (first.seq, first.prev_hash, first.at) == (0, GENESIS, "2026-12-05T02:00:00+00:00")
    assert (second.seq, second.prev_hash) == (1, first.hash)
    assert verify([first, second]) == Verdict(ok=True, head=second.hash)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError):
        next_entry(
            None,
            step=CeremonyStep.DOCUMENT_FIXED,
            actor={},
            detail={},
            ip="",
            user_agent="",
            at=datetime(2026, 12, 5, 10, 0),
        )


def test_an_empty_log_verifies_with_the_genesis_head() -> None:
    assert verify([]) == Verdict(ok=True, head=GENESIS)


@given(logs)
def test_an_unedited_log_verifies(entries: list[LogEntry]) -> None:
    assert verify(entries) == Verdict(ok=True, head=entries[-1].hash)
    assert verify(entries, head=entries[-1].hash).ok


@given(logs)
def test_an_entry_survives_json_storage(entries: list[LogEntry]) -> None:
    stored = [json.loads(json.dumps(to_json(e), ensure_ascii=False)) for e in entries]

    assert [from_json(d) for d in stored] == entries


@pytest.mark.parametrize("field", ["seq", "step", "actor", "at", "ip", "hash"])
def test_a_stored_entry_of_wrong_shape_is_refused(field: str) -> None:
    entry = to_json(
        next_entry(
            None,
            step=CeremonyStep.SIGNED,
            actor={"person_key": "account:1", "name": "李签", "role": "signer"},
            detail={"party": 0},
            ip="10.0.0.2",
            user_agent="Chromium",
            at=START,
        )
    )
    wrong = {**entry, field: True if field != "step" else "danced"}

    with pytest.raises(ValueError):
        from_json(wrong)


@given(logs)
def test_the_public_view_has_no_addresses_or_user_agents(entries: list[LogEntry]) -> None:
    view = public_view(entries)

    assert [sorted(v) for v in view] == [
        ["actor", "at", "detail", "hash", "prev_hash", "seq", "step"]
    ] * len(entries)


@given(logs, st.data(), st.sampled_from(sorted(LogEntry.__slots__)))
def test_an_edited_field_is_caught_at_its_entry(
    entries: list[LogEntry], data: st.DataObject, field: str
) -> None:
    at = data.draw(st.integers(0, len(entries) - 1))
    entries[at] = edited(entries[at], field)

    assert verify(entries).problem == Problem(at, Break.EDITED)


@given(logs, st.data(), st.sampled_from(["at", "step", "actor", "detail", "ip", "user_agent"]))
def test_an_edited_and_rehashed_entry_breaks_the_next_link_or_the_head(
    entries: list[LogEntry], data: st.DataObject, field: str
) -> None:
    head = entries[-1].hash
    at = data.draw(st.integers(0, len(entries) - 1))
    entries[at] = rehashed(edited(entries[at], field))

    verdict = verify(entries, head=head)

    if at == len(entries) - 1:
        assert verdict.problem == Problem(at, Break.HEAD)
    else:
        assert verdict.problem == Problem(at + 1, Break.BROKEN_LINK)


@given(longer_logs, st.data())
def test_a_deleted_entry_is_caught_where_it_was(
    entries: list[LogEntry], data: st.DataObject
) -> None:
    head = entries[-1].hash
    at = data.draw(st.integers(0, len(entries) - 1))
    del entries[at]

    verdict = verify(entries, head=head)

    if at == len(entries):  # the last one: only the sealed head tells
        assert verify(entries).ok
        assert verdict.problem == Problem(max(at - 1, 0), Break.HEAD)
    else:
        assert verdict.problem == Problem(at, Break.DELETED)


@given(logs, st.data(), steps())
def test_an_inserted_entry_is_caught(
    entries: list[LogEntry], data: st.DataObject, spec: dict[str, object]
) -> None:
    head = entries[-1].hash
    at = data.draw(st.integers(0, len(entries)))
    forged = data.draw(
        st.sampled_from(
            [
                next_entry(entries[at - 1] if at else None, **spec),  # type: ignore[arg-type]
                entries[data.draw(st.integers(0, len(entries) - 1))],  # a copy
            ]
        )
    )
    entries.insert(at, forged)

    verdict = verify(entries, head=head)

    assert not verdict.ok
    assert verdict.problem is not None
    assert verdict.problem.seq in (at, at + 1, len(entries) - 1)
    assert verdict.problem.kind in (Break.INSERTED, Break.HEAD, Break.BROKEN_LINK)


@given(longer_logs, st.data())
def test_swapped_entries_are_caught_as_reordered(
    entries: list[LogEntry], data: st.DataObject
) -> None:
    i, j = sorted(data.draw(st.sets(st.integers(0, len(entries) - 1), min_size=2, max_size=2)))
    entries[i], entries[j] = entries[j], entries[i]

    assert verify(entries, head=entries[-1].hash).problem == Problem(i, Break.REORDERED)


@given(longer_logs, st.data())
def test_a_moved_entry_is_caught_as_reordered(entries: list[LogEntry], data: st.DataObject) -> None:
    source, target = data.draw(
        st.lists(st.integers(0, len(entries) - 1), min_size=2, max_size=2, unique=True)
    )
    entries.insert(target, entries.pop(source))

    assert verify(entries).problem == Problem(min(source, target), Break.REORDERED)


@given(logs, st.data())
def test_any_edit_is_caught_given_the_head(entries: list[LogEntry], data: st.DataObject) -> None:
    head = entries[-1].hash
    original = list(entries)
    edit = data.draw(st.sampled_from(["field", "delete", "insert", "swap"]))
    at = data.draw(st.integers(0, len(entries) - 1))
    if edit == "field":
        entries[at] = edited(entries[at], data.draw(st.sampled_from(sorted(LogEntry.__slots__))))
    elif edit == "delete":
        del entries[at]
    elif edit == "insert":
        entries.insert(at, data.draw(st.sampled_from(original)))
    else:
        other = data.draw(st.integers(0, len(entries) - 1))
        entries[at], entries[other] = entries[other], entries[at]

    assert verify(entries, head=head).ok == (entries == original)


@given(longer_logs, st.data(), st.sampled_from(["at", "actor", "detail", "ip", "user_agent"]))
def test_a_log_rewritten_from_an_entry_on_differs_from_its_sealed_hashes_there(
    entries: list[LogEntry], data: st.DataObject, field: str
) -> None:
    sealed = [e.hash for e in entries]
    at = data.draw(st.integers(0, len(entries) - 1))
    entries[at] = edited(entries[at], field)
    for position in range(at, len(entries)):
        prev = entries[position - 1].hash if position else GENESIS
        entries[position] = rehashed(replace(entries[position], prev_hash=prev))

    assert verify(entries).ok  # it holds together...
    assert against(entries, sealed).problem == Problem(at, Break.EDITED)  # ...not with the seal


@given(longer_logs)
def test_a_log_cut_or_grown_differs_from_its_sealed_hashes_at_the_end(
    entries: list[LogEntry],
) -> None:
    sealed = [e.hash for e in entries]
    grown = [*entries, next_entry(entries[-1], **_any_step())]  # type: ignore[arg-type]

    assert against(entries, sealed) == verify(entries)
    assert against(entries[:-1], sealed).problem == Problem(len(entries) - 1, Break.DELETED)
    assert against(grown, sealed).problem == Problem(len(entries), Break.INSERTED)


def _any_step() -> dict[str, object]:
    return {
        "step": CeremonyStep.CEREMONY_CLOSED,
        "actor": {"person_key": "account:1", "name": "王主持", "role": "host"},
        "detail": {},
        "ip": "10.0.0.1",
        "user_agent": "Chromium",
        "at": START,
    }
