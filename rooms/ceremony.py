"""A signing ceremony's rules: which **ceremony step** may come next, and what the log says.

The signing log (``rooms.signing_log``) is the ceremony's system of record: its state
(``Ceremony``) is folded from the log's entries, never kept beside them, so a restart, a
second process or a reconnecting signer all read the same ceremony. A step is proposed as a
``Proposal`` (the step, who takes it, its detail) by a ``propose_*`` function that checks it
against the agreement and the ceremony as the log has it now; the store appends it only
after checking again under its transaction (``server/store/signing.py``). The steps:

document fixed (the host; the agreement cannot change from then on) → for each party in
order: signer called (the host) → identity confirmed (the called signer: their signed-in
account, or their invite and their full name typed as on the agreement) → consent given (the
agreement's SHA-256 acknowledged, the name typed again) → signed (a drawn signature) →
then each witness attests (witnessed) → ceremony closed (the host). What it leaves is its
record (``record_of``), from which the signed PDF is made.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from rooms.agreement import Agreement, Party, check_name
from rooms.errors import Conflict, DomainError, Forbidden
from rooms.signing_log import CeremonyStep, LogEntry
from rooms.signing_record import PartyRecord, SigningRecord, WitnessRecord

Step = CeremonyStep
ACCOUNT_PREFIX = "account:"
CLOSED = "The ceremony is closed."
NOT_FIXED = "The document is not fixed yet."


class PartyState(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    CONFIRMED = "confirmed"
    CONSENTED = "consented"
    SIGNED = "signed"


@dataclass(frozen=True, slots=True)
class Ceremony:
    """What the log says so far."""

    fixed: bool = False
    called: str | None = None  # the party called now (until they have signed)
    parties: Mapping[str, PartyState] = field(default_factory=dict)  # party_id -> state
    signed_at: Mapping[str, str] = field(default_factory=dict)  # party_id -> entry time
    witnessed: Mapping[str, str] = field(default_factory=dict)  # person key -> entry time
    closed: bool = False
    seq: int = -1  # the last entry's number
    head: str = ""  # the last entry's hash

    def state_of(self, party_id: str) -> PartyState:
        return self.parties.get(party_id, PartyState.WAITING)


@dataclass(frozen=True, slots=True)
class Proposal:
    """A step to append: who takes it, and its detail."""

    step: CeremonyStep
    actor: Mapping[str, object]
    detail: Mapping[str, object]


_AFTER = {  # a party's state after a step about them
    Step.SIGNER_CALLED: PartyState.CALLED,
    Step.IDENTITY_CONFIRMED: PartyState.CONFIRMED,
    Step.CONSENT_GIVEN: PartyState.CONSENTED,
    Step.SIGNED: PartyState.SIGNED,
}


def fold(entries: Sequence[LogEntry]) -> Ceremony:
    """The ceremony the log's entries describe."""
    fixed, closed, called = False, False, None
    parties: dict[str, PartyState] = {}
    signed_at: dict[str, str] = {}
    witnessed: dict[str, str] = {}
    for entry in entries:
        step, party_id = entry.step, str(entry.detail.get("party_id", ""))
        if step is Step.DOCUMENT_FIXED:
            fixed = True
        elif step in _AFTER:
            parties[party_id] = _AFTER[step]
            called = None if step is Step.SIGNED else party_id
            if step is Step.SIGNED:
                signed_at[party_id] = entry.at
        elif step is Step.WITNESSED:
            witnessed[str(entry.actor.get("person_key", ""))] = entry.at
        elif step is Step.CEREMONY_CLOSED:
            closed = True
    last = entries[-1] if entries else None
    return Ceremony(
        fixed=fixed, called=called, parties=parties, signed_at=signed_at, witnessed=witnessed,
        closed=closed, seq=last.seq if last else -1, head=last.hash if last else "",
    )  # fmt: skip


def actor_of(person_key: str, name: str, role: str) -> dict[str, object]:
    return {"person_key": person_key, "name": name, "role": role}


def _open(ceremony: Ceremony) -> None:
    if ceremony.closed:
        raise Conflict(CLOSED, code="ceremony_closed")
    if not ceremony.fixed:
        raise Conflict(NOT_FIXED, code="not_fixed")


def next_party(agreement: Agreement, ceremony: Ceremony) -> Party | None:
    """The first party, in signing order, who has not signed yet."""
    return next(
        (p for p in agreement.parties if ceremony.state_of(p.party_id) is not PartyState.SIGNED),
        None,
    )


def all_signed(agreement: Agreement, ceremony: Ceremony) -> bool:
    return bool(agreement.parties) and next_party(agreement, ceremony) is None


# the host's steps


def propose_fix(agreement: Agreement, ceremony: Ceremony, *, actor: dict[str, object]) -> Proposal:
    """Fix the document: the log starts with what is signed, by whom, in which order."""
    if ceremony.fixed:
        raise Conflict("The document is already fixed.", code="already_fixed")
    if not agreement.ready:
        raise DomainError(
            "The agreement needs a PDF, a title and at least one party first.",
            code="not_ready",
        )
    detail = {
        "title": agreement.title,
        "file_id": agreement.file_id,
        "sha256": agreement.sha256,
        "pages": agreement.pages,
        "parties": [
            {
                "party_id": p.party_id,
                "organization": p.organization,
                "signer": p.signer_name,
                "signer_key": p.signer_key,
                "signer_title": p.signer_title,
            }
            for p in agreement.parties
        ],  # fmt: skip
        "witnesses": [{"person_key": w.person_key, "name": w.name} for w in agreement.witnesses],
    }
    return Proposal(Step.DOCUMENT_FIXED, actor, detail)


def propose_call(
    agreement: Agreement, ceremony: Ceremony, party_id: str, *, actor: dict[str, object]
) -> Proposal:
    """Call the next signer, in the agreement's order."""
    _open(ceremony)
    party, due = agreement.party(party_id), next_party(agreement, ceremony)
    if party is None:
        raise DomainError("This agreement has no such party.", code="no_party")
    if ceremony.called is not None:
        raise Conflict("A signer is called already; wait until they have signed.",
                       code="signer_called")  # fmt: skip
    if due is None or due.party_id != party.party_id:
        raise Conflict("The parties sign in the agreement's order.", code="out_of_order")
    detail = {"party_id": party.party_id, "organization": party.organization,
              "signer": party.signer_name}  # fmt: skip
    return Proposal(Step.SIGNER_CALLED, actor, detail)


def propose_close(
    agreement: Agreement, ceremony: Ceremony, *, actor: dict[str, object]
) -> Proposal:
    _open(ceremony)
    if not all_signed(agreement, ceremony):
        raise Conflict("Every party must sign before the ceremony closes.", code="not_signed")
    detail = {"signed": len(agreement.parties), "witnessed": len(ceremony.witnessed)}
    return Proposal(Step.CEREMONY_CLOSED, actor, detail)


# the signer's steps: only the called signer, each step once, in order


def _turn(agreement: Agreement, ceremony: Ceremony, person_key: str, state: PartyState) -> Party:
    """The called party if this person signs for it and it is at ``state``."""
    _open(ceremony)
    party = agreement.party_of(person_key)
    if party is None:
        raise Forbidden("You are not a signer of this agreement.", code="not_signer")
    now = ceremony.state_of(party.party_id)
    if now is PartyState.SIGNED:
        raise Conflict("You have signed already.", code="already_signed")
    if ceremony.called != party.party_id:
        raise Conflict("It is not your turn to sign: wait until the host calls you.",
                       code="not_your_turn")  # fmt: skip
    if now is not state:
        raise Conflict("Take the ceremony's steps in order.", code="out_of_step")
    return party


def propose_confirm(
    agreement: Agreement, ceremony: Ceremony, *, actor: dict[str, object], typed_name: str
) -> Proposal:
    """The called signer says who they are: by their signed-in account, or by typing their
    full name as on the agreement."""
    key = str(actor["person_key"])
    party = _turn(agreement, ceremony, key, PartyState.CALLED)
    by_account = key.startswith(ACCOUNT_PREFIX)
    if not by_account:
        check_name(typed_name, party.signer_name)
    detail = {"party_id": party.party_id, "method": "account" if by_account else "typed_name",
              "typed_name": typed_name.strip()}  # fmt: skip
    return Proposal(Step.IDENTITY_CONFIRMED, actor, detail)


def propose_consent(
    agreement: Agreement,
    ceremony: Ceremony,
    *,
    actor: dict[str, object],
    sha256: str,
    typed_name: str,
) -> Proposal:
    """The called signer consents to the document whose SHA-256 they were shown."""
    party = _turn(agreement, ceremony, str(actor["person_key"]), PartyState.CONFIRMED)
    if sha256.lower() != agreement.sha256:
        raise DomainError("This is not the document's fingerprint (SHA-256).", code="wrong_hash")
    check_name(typed_name, party.signer_name)
    detail = {"party_id": party.party_id, "sha256": agreement.sha256,
              "typed_name": typed_name.strip()}  # fmt: skip
    return Proposal(Step.CONSENT_GIVEN, actor, detail)


def propose_sign(
    agreement: Agreement, ceremony: Ceremony, *, actor: dict[str, object], signature_sha256: str
) -> Proposal:
    """The called signer signs (their drawn signature is kept beside the log, its SHA-256
    in it)."""
    party = _turn(agreement, ceremony, str(actor["person_key"]), PartyState.CONSENTED)
    detail = {"party_id": party.party_id, "organization": party.organization,
              "signer": party.signer_name, "signature_sha256": signature_sha256,
              "sha256": agreement.sha256}  # fmt: skip
    return Proposal(Step.SIGNED, actor, detail)


def propose_witness(
    agreement: Agreement, ceremony: Ceremony, *, actor: dict[str, object], typed_name: str
) -> Proposal:
    """A witness attests, once every party has signed."""
    _open(ceremony)
    key = str(actor["person_key"])
    witness = agreement.witness_of(key)
    if witness is None:
        raise Forbidden("You are not a witness of this agreement.", code="not_witness")
    if key in ceremony.witnessed:
        raise Conflict("You have attested already.", code="already_witnessed")
    if not all_signed(agreement, ceremony):
        raise Conflict("Witnesses attest once every party has signed.", code="not_signed")
    if not key.startswith(ACCOUNT_PREFIX):
        check_name(typed_name, witness.name)
    detail = {"name": witness.name, "typed_name": typed_name.strip(), "sha256": agreement.sha256}
    return Proposal(Step.WITNESSED, actor, detail)


# what the ceremony leaves: its record (``rooms.signing_record``), for the signed PDF


def record_of(
    agreement: Agreement,
    entries: Sequence[LogEntry],
    signatures: Mapping[str, bytes],
    *,
    zone: str,
) -> SigningRecord:
    """The signing record of a ceremony: each party's typed name (as they consented), drawn
    signature and time of signing, each witness's time, and the whole log."""
    typed: dict[str, str] = {}
    signed: dict[str, datetime] = {}
    witnessed: dict[str, datetime] = {}
    for entry in entries:
        party_id = str(entry.detail.get("party_id", ""))
        if entry.step is Step.CONSENT_GIVEN:
            typed[party_id] = str(entry.detail.get("typed_name", ""))
        elif entry.step is Step.SIGNED:
            signed[party_id] = datetime.fromisoformat(entry.at)
        elif entry.step is Step.WITNESSED:
            witnessed[str(entry.actor.get("person_key", ""))] = datetime.fromisoformat(entry.at)
    parties = tuple(
        PartyRecord(
            organization=p.organization,
            signer_name=p.signer_name,
            signer_title=p.signer_title,
            typed_name=typed.get(p.party_id, ""),
            signature_png=signatures.get(p.party_id, b""),
            signed_at=signed.get(p.party_id),
        )  # fmt: skip
        for p in agreement.parties
    )
    witnesses = tuple(
        WitnessRecord(name=w.name, witnessed_at=witnessed.get(w.person_key))
        for w in agreement.witnesses
    )
    return SigningRecord(
        agreement_id=agreement.session_id, title=agreement.title,
        document_sha256=agreement.sha256, parties=parties, witnesses=witnesses,
        log=tuple(entries), zone=zone,
    )  # fmt: skip
