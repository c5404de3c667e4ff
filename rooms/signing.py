"""A signing session's ceremony: its room's workflow (``rooms.workflow``).

The agreement's document is on the stage for everyone, page-synced: the host (``chair``)
turns its pages (``StagePage``, kept with the change on the room's line, like slides). The
ceremony itself follows the signing log, never the room's memory: each step the host, a
signer or a witness takes is checked here against the ceremony as the room last read it
(``rooms.ceremony``) and handed to the store as a ``Change``; the store checks it again
against the log as Redis has it under its transaction, appends it durably, and the room
reloads the log (``reload``) and shows everyone the new state — a signature as a "moment",
with a short countdown before the signed state shows. A signer who drops out finds the
ceremony where the log left it when they come back.
"""

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from rooms import ceremony as rules
from rooms.agreement import Agreement, signature_png
from rooms.ceremony import Ceremony, PartyState, Proposal, fold, next_party
from rooms.errors import DomainError, NotFound
from rooms.outbox import Effect, Group, Keep, Send
from rooms.presence import Participant
from rooms.roles import Capability
from rooms.signing_log import CeremonyStep, LogEntry
from rooms.workflow import Core, Workflow

C = Capability
COUNTDOWN_SECONDS = 3  # the moment's countdown before everyone sees "signed"
Change = Callable[[Agreement, Ceremony], Proposal]
NO_AGREEMENT = "This session has no agreement to sign yet."


@dataclass(frozen=True, slots=True)
class StagePage:
    """The agreement's page everyone sees (kept on the room's line)."""

    session_id: str
    page: int = 1


class Signing(Workflow):
    name = "signing"

    def __init__(self, room: Core) -> None:
        super().__init__(room)
        self.agreement: Agreement | None = None
        self.entries: tuple[LogEntry, ...] = ()
        self.ceremony = Ceremony()
        self.signatures: dict[str, str] = {}  # party_id -> the drawn signature (data URL)
        self.page = 1

    def load(
        self,
        agreement: Agreement | None,
        entries: Sequence[LogEntry],
        *,
        signatures: Mapping[str, str],
        page: int = 1,
    ) -> None:
        """The agreement and its log as the store has them."""
        self.agreement = agreement
        self.entries = tuple(entries)
        self.ceremony = fold(self.entries)
        self.signatures = dict(signatures)
        self.page = page

    def reload(
        self,
        agreement: Agreement | None,
        entries: Sequence[LogEntry],
        *,
        signatures: Mapping[str, str],
    ) -> list[Effect]:
        """The log grew (or the staff changed the agreement): everyone sees the new state; a
        log shorter than the room's (two reloads finishing out of order) is ignored."""
        if len(entries) < len(self.entries):
            return []
        if agreement == self.agreement and len(entries) == len(self.entries):
            return []
        new = tuple(entries)[len(self.entries) :]
        self.load(agreement, entries, signatures=signatures, page=self.page)
        moment = next((e for e in reversed(new) if e.step is CeremonyStep.SIGNED), None)
        return self.news(moment)

    # what everyone is shown

    def _agreement(self) -> Agreement:
        if self.agreement is None:
            raise NotFound(NO_AGREEMENT, code="no_agreement")
        return self.agreement

    def view(self) -> dict[str, object] | None:
        agreement, ceremony = self.agreement, self.ceremony
        if agreement is None:
            return None
        due = next_party(agreement, ceremony)
        return {
            "title": agreement.title,
            "file_id": agreement.file_id,
            "file_name": agreement.file_name,
            "sha256": agreement.sha256,
            "pages": agreement.pages,
            "page": self.page,
            "fixed": ceremony.fixed,
            "closed": ceremony.closed,
            "called": ceremony.called,
            "next": due.party_id if due else None,
            "head": ceremony.head,
            "signed_url": f"/sessions/{agreement.session_id}/agreement/signed"
            if ceremony.closed
            else None,
            "steps": ceremony.seq + 1,
            "parties": [
                {
                    "party_id": p.party_id,
                    "organization": p.organization,
                    "signer": p.signer_name,
                    "signer_title": p.signer_title,
                    "state": str(ceremony.state_of(p.party_id)),
                    "signed_at": ceremony.signed_at.get(p.party_id),
                    "signature": self.signatures.get(p.party_id),
                }
                for p in agreement.parties
            ],  # fmt: skip
            "witnesses": [
                {"name": w.name, "attested_at": ceremony.witnessed.get(w.person_key)}
                for w in agreement.witnesses
            ],
        }

    def news(self, moment: LogEntry | None = None) -> list[Effect]:
        payload: dict[str, object] = {"signing": self.view()}
        if moment is not None:
            payload["moment"] = {
                "party_id": moment.detail.get("party_id"),
                "organization": moment.detail.get("organization"),
                "signer": moment.detail.get("signer"),
                "at": moment.at,
                "countdown": COUNTDOWN_SECONDS,
            }
        return [Send("signing", payload, group=Group.ROOM), Send("signing", payload, Group.LOBBY)]

    def mine(self, p: Participant) -> dict[str, object]:
        """This person's part in the ceremony: the party they sign for, whether they witness,
        and whether their account is their identity (else they type their name)."""
        agreement = self.agreement
        party = agreement.party_of(p.key) if agreement else None
        witness = agreement.witness_of(p.key) if agreement else None
        return {
            "party_id": party.party_id if party else None,
            "witness": witness is not None,
            "by_account": p.key.startswith(rules.ACCOUNT_PREFIX),
            "chair": C.CHAIR in self.room.caps(p),
        }

    def snapshot(self, p: Participant, *, now: datetime) -> dict[str, object]:
        return {"signing": self.view(), "signing_me": self.mine(p)}

    # the stage

    def agreement_page(self, sid: str, page: int) -> list[Effect]:
        self.room.require(sid, C.CHAIR)
        agreement = self._agreement()
        if not 1 <= page <= max(agreement.pages, 1):
            raise DomainError(
                "There is no page {page}: this document has {pages} pages.",
                code="out_of_range",
                page=page,
                pages=agreement.pages,
            )
        if page == self.page:
            return []
        self.page = page
        shown = {"page": page}
        return [
            Keep(StagePage(agreement.session_id, page)),
            Send("agreement_page", shown, Group.ROOM),
        ]

    # steps: checked here, again by the store (``server/store/signing.py``)

    def _actor(self, sid: str, capability: Capability) -> dict[str, object]:
        p = self.room.require(sid, capability)
        return rules.actor_of(p.key, p.person.name, str(p.role))

    def _checked(self, change: Change) -> Change:
        change(self._agreement(), self.ceremony)  # refuses now what the log refuses
        return change

    def fix_agreement(self, sid: str) -> Change:
        actor = self._actor(sid, C.CHAIR)
        return self._checked(partial(rules.propose_fix, actor=actor))

    def call_signer(self, sid: str, party_id: str) -> Change:
        actor = self._actor(sid, C.CHAIR)
        return self._checked(partial(rules.propose_call, party_id=party_id, actor=actor))

    def confirm_identity(self, sid: str, typed_name: str) -> Change:
        actor = self._actor(sid, C.SIGN)
        return self._checked(partial(rules.propose_confirm, actor=actor, typed_name=typed_name))

    def give_consent(self, sid: str, sha256: str, typed_name: str) -> Change:
        actor = self._actor(sid, C.SIGN)
        return self._checked(
            partial(rules.propose_consent, actor=actor, sha256=sha256, typed_name=typed_name)
        )

    def sign_agreement(self, sid: str, signature: str) -> tuple[Change, bytes]:
        """The change, and the drawn signature's PNG (checked: a PNG, not too large)."""
        actor = self._actor(sid, C.SIGN)
        png = signature_png(signature)
        digest = hashlib.sha256(png).hexdigest()
        change = partial(rules.propose_sign, actor=actor, signature_sha256=digest)
        return self._checked(change), png

    def attest(self, sid: str, typed_name: str) -> Change:
        actor = self._actor(sid, C.WITNESS)
        return self._checked(partial(rules.propose_witness, actor=actor, typed_name=typed_name))

    def close_ceremony(self, sid: str) -> Change:
        actor = self._actor(sid, C.CHAIR)
        return self._checked(partial(rules.propose_close, actor=actor))

    def state_of(self, party_id: str) -> PartyState:
        return self.ceremony.state_of(party_id)
