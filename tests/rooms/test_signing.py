"""rooms.signing, rooms.ceremony, rooms.agreement: a signing ceremony's steps and rules, with
the log kept the way the store keeps it (each accepted step chained to the last)."""

import base64
from dataclasses import replace
from datetime import timedelta

import pytest

from rooms.agenda import RosterEntry
from rooms.agreement import (
    PNG_MAGIC,
    SIGNATURE_BYTES_MAX,
    Agreement,
    check_document,
    make_party,
    make_witness,
    same_name,
    signature_png,
)
from rooms.ceremony import PartyState, fold, record_of
from rooms.kinds import rules_of
from rooms.outbox import Group, Keep, RoomFlags, Send
from rooms.presence import Person
from rooms.roles import Kind, Role
from rooms.room import ChatLimit, Room
from rooms.signing import Change, Signing, StagePage
from rooms.signing_log import CeremonyStep, LogEntry, next_entry, verify
from tests.fixtures_files import make_pdf
from tests.rooms.test_room import LI, NOW, OWNER, SESSION, codes, events

ZHANG = Person("guest:zhang@a.org", "p-zhang", "Zhang Wei", Role.SIGNER)
CHEN = Person("account:b2", "p-chen", "Chen Jing", Role.SIGNER)
LIU = Person("guest:liu@w.org", "p-liu", "Liu Yang", Role.WITNESS)
SHA = "ab" * 32
SIGNATURE = "data:image/png;base64," + base64.b64encode(PNG_MAGIC + b"drawn").decode()
AGREEMENT = Agreement(
    session_id="s1", title="Cooperation agreement", file_id="f1", file_name="a.pdf",
    sha256=SHA, pages=3,
    parties=(
        make_party(number=1, organization="Society A", title="President",
                   signer=RosterEntry(ZHANG.person_key, Role.SIGNER, "Zhang Wei")),
        make_party(number=2, organization="Society B", title="Secretary-General",
                   signer=RosterEntry(CHEN.person_key, Role.SIGNER, "Chen Jing")),
    ),
    witnesses=(make_witness(RosterEntry(LIU.person_key, Role.WITNESS, "Liu Yang")),),
)  # fmt: skip


class Ceremony:
    """A signing room and its log, kept as the store keeps it."""

    def __init__(self, agreement: Agreement = AGREEMENT) -> None:
        session = replace(SESSION, kind=Kind.SIGNING, lobby=False)
        self.room = Room(session=session, flags=RoomFlags(), chat_limit=ChatLimit(5, 1.0))
        self.agreement = agreement
        self.entries: list[LogEntry] = []
        self.signing = self.room.part(Signing)
        self.signing.load(agreement, [], signatures={})
        for sid, person in [("s-owner", OWNER), ("s-zhang", ZHANG), ("s-chen", CHEN),
                            ("s-liu", LIU), ("s-li", LI)]:  # fmt: skip
            self.room.join(sid, person, now=NOW)

    def append(self, change: Change) -> list:  # type: ignore[type-arg]
        proposal = change(self.agreement, fold(self.entries))
        at = NOW + timedelta(seconds=len(self.entries))
        self.entries.append(
            next_entry(
                self.entries[-1] if self.entries else None,
                step=proposal.step,
                actor=proposal.actor,
                detail=proposal.detail,
                ip="198.51.100.7",
                user_agent="test",
                at=at,
            )  # fmt: skip
        )
        return self.signing.reload(self.agreement, self.entries, signatures={})

    def signs(self, sid: str, name: str, *, confirm_as: str | None = None) -> None:
        confirm = name if confirm_as is None else confirm_as
        self.append(self.signing.confirm_identity(sid, confirm))
        self.append(self.signing.give_consent(sid, SHA, name))
        self.append(self.signing.sign_agreement(sid, SIGNATURE)[0])


def fixed() -> Ceremony:
    ceremony = Ceremony()
    ceremony.append(ceremony.signing.fix_agreement("s-owner"))
    return ceremony


def test_signing_rooms_run_the_ceremony() -> None:
    assert Signing in rules_of(Kind.SIGNING).workflows


def test_the_whole_ceremony_lands_in_a_chain_that_verifies() -> None:
    ceremony = fixed()
    signing = ceremony.signing

    ceremony.append(signing.call_signer("s-owner", "p1"))
    ceremony.signs("s-zhang", "zhang  WEI ")
    ceremony.append(signing.call_signer("s-owner", "p2"))
    ceremony.signs("s-chen", "Chen Jing", confirm_as="")  # signed in: their account says who
    ceremony.append(signing.attest("s-liu", "Liu Yang"))
    ceremony.append(signing.close_ceremony("s-owner"))

    steps = [str(e.step) for e in ceremony.entries]
    assert steps == ["document_fixed"] + (
        ["signer_called", "identity_confirmed", "consent_given", "signed"] * 2
    ) + ["witnessed", "ceremony_closed"]
    assert verify(ceremony.entries).ok
    assert signing.ceremony.closed
    assert [p["state"] for p in signing.view()["parties"]] == ["signed", "signed"]  # type: ignore[index]


def test_a_signature_is_broadcast_as_a_moment_with_a_countdown() -> None:
    ceremony = fixed()
    ceremony.append(ceremony.signing.call_signer("s-owner", "p1"))
    ceremony.append(ceremony.signing.confirm_identity("s-zhang", "Zhang Wei"))
    ceremony.append(ceremony.signing.give_consent("s-zhang", SHA, "Zhang Wei"))

    effects = ceremony.append(ceremony.signing.sign_agreement("s-zhang", SIGNATURE)[0])

    sent = events(effects, "signing")
    assert [s.group for s in sent] == [Group.ROOM, Group.LOBBY]
    assert sent[0].payload["moment"] == {
        "party_id": "p1", "organization": "Society A", "signer": "Zhang Wei",
        "at": ceremony.entries[-1].at, "countdown": 3,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("sid", "code"),
    [("s-chen", "not_your_turn"), ("s-liu", "forbidden"), ("s-li", "forbidden")],
)
def test_only_the_called_signer_may_confirm(sid: str, code: str) -> None:
    ceremony = fixed()
    ceremony.append(ceremony.signing.call_signer("s-owner", "p1"))

    assert codes(lambda: ceremony.signing.confirm_identity(sid, "Chen Jing")) == code
    assert len(ceremony.entries) == 2


def test_signers_are_called_in_the_agreements_order() -> None:
    ceremony = fixed()
    assert codes(lambda: ceremony.signing.call_signer("s-owner", "p2")) == "out_of_order"
    ceremony.append(ceremony.signing.call_signer("s-owner", "p1"))
    assert codes(lambda: ceremony.signing.call_signer("s-owner", "p1")) == "signer_called"


def test_an_invited_signer_must_type_the_name_on_the_agreement() -> None:
    ceremony = fixed()
    ceremony.append(ceremony.signing.call_signer("s-owner", "p1"))

    assert (
        codes(lambda: ceremony.signing.confirm_identity("s-zhang", "Zhang Wu")) == "name_mismatch"
    )
    assert ceremony.signing.state_of("p1") is PartyState.CALLED


def test_consent_needs_the_documents_hash_and_the_name() -> None:
    ceremony = fixed()
    ceremony.append(ceremony.signing.call_signer("s-owner", "p1"))
    ceremony.append(ceremony.signing.confirm_identity("s-zhang", "Zhang Wei"))
    signing = ceremony.signing

    assert codes(lambda: signing.give_consent("s-zhang", "cd" * 32, "Zhang Wei")) == "wrong_hash"
    assert codes(lambda: signing.give_consent("s-zhang", SHA, "Zhang")) == "name_mismatch"
    assert codes(lambda: signing.sign_agreement("s-zhang", SIGNATURE)) == "out_of_step"


def test_a_second_signature_is_refused() -> None:
    ceremony = fixed()
    ceremony.append(ceremony.signing.call_signer("s-owner", "p1"))
    ceremony.signs("s-zhang", "Zhang Wei")

    assert codes(lambda: ceremony.signing.sign_agreement("s-zhang", SIGNATURE)) == "already_signed"


def test_witnesses_attest_only_after_every_party_signed() -> None:
    ceremony = fixed()
    assert codes(lambda: ceremony.signing.attest("s-liu", "Liu Yang")) == "not_signed"
    assert codes(lambda: ceremony.signing.close_ceremony("s-owner")) == "not_signed"


def test_nothing_is_taken_after_the_ceremony_closes() -> None:
    ceremony = fixed()
    for party, sid, name in [("p1", "s-zhang", "Zhang Wei"), ("p2", "s-chen", "Chen Jing")]:
        ceremony.append(ceremony.signing.call_signer("s-owner", party))
        ceremony.signs(sid, name)
    ceremony.append(ceremony.signing.close_ceremony("s-owner"))

    assert codes(lambda: ceremony.signing.attest("s-liu", "Liu Yang")) == "ceremony_closed"
    assert codes(lambda: ceremony.signing.close_ceremony("s-owner")) == "ceremony_closed"


def test_nothing_but_the_fixing_before_the_document_is_fixed() -> None:
    ceremony = Ceremony()
    assert codes(lambda: ceremony.signing.call_signer("s-owner", "p1")) == "not_fixed"
    ceremony.append(ceremony.signing.fix_agreement("s-owner"))
    assert codes(lambda: ceremony.signing.fix_agreement("s-owner")) == "already_fixed"


def test_an_agreement_without_a_document_cannot_be_fixed() -> None:
    ceremony = Ceremony(replace(AGREEMENT, file_id="", sha256=""))
    assert codes(lambda: ceremony.signing.fix_agreement("s-owner")) == "not_ready"


def test_a_signer_coming_back_finds_their_step() -> None:
    ceremony = fixed()
    ceremony.append(ceremony.signing.call_signer("s-owner", "p1"))
    ceremony.append(ceremony.signing.confirm_identity("s-zhang", "Zhang Wei"))
    ceremony.room.leave("s-zhang", now=NOW)

    ceremony.room.join("s-zhang-2", ZHANG, now=NOW)

    assert ceremony.signing.mine(ceremony.room.people.of_sid("s-zhang-2")) == {  # type: ignore[arg-type]
        "party_id": "p1", "witness": False, "by_account": False, "chair": False,
    }  # fmt: skip
    assert ceremony.signing.view()["parties"][0]["state"] == "confirmed"  # type: ignore[index]
    ceremony.append(ceremony.signing.give_consent("s-zhang-2", SHA, "Zhang Wei"))


def test_the_host_turns_the_documents_page_for_everyone() -> None:
    signing = fixed().signing
    assert signing.agreement_page("s-owner", 2) == [
        Keep(StagePage("s1", 2)),
        Send("agreement_page", {"page": 2}, Group.ROOM),
    ]
    assert codes(lambda: signing.agreement_page("s-owner", 4)) == "out_of_range"
    assert codes(lambda: signing.agreement_page("s-zhang", 1)) == "forbidden"


def test_an_older_log_than_the_rooms_is_ignored() -> None:
    ceremony = fixed()
    ceremony.append(ceremony.signing.call_signer("s-owner", "p1"))
    assert ceremony.signing.reload(AGREEMENT, ceremony.entries[:1], signatures={}) == []


@pytest.mark.parametrize(
    ("typed", "on_agreement", "same"),
    [
        ("Zhang Wei", "Zhang Wei", True),
        ("  zhang   wei ", "Zhang Wei", True),
        ("张伟", "张伟", True),
        ("张 伟", "张伟", False),
        ("ＺＨＡＮＧ Wei", "Zhang Wei", True),  # full-width letters
        ("", "", False),
        ("Zhang", "Zhang Wei", False),
    ],
)
def test_same_name(typed: str, on_agreement: str, same: bool) -> None:
    assert same_name(typed, on_agreement) is same


@pytest.mark.parametrize(
    "data_url",
    [
        "data:image/jpeg;base64," + base64.b64encode(b"\xff\xd8\xff").decode(),
        "data:image/png;base64,not base64!",
        "data:image/png;base64," + base64.b64encode(b"GIF89a").decode(),
        "data:image/png;base64,"
        + base64.b64encode(PNG_MAGIC + bytes(SIGNATURE_BYTES_MAX)).decode(),
    ],
)
def test_a_signature_must_be_a_small_png(data_url: str) -> None:
    assert codes(lambda: signature_png(data_url)) == "bad_signature"


def test_a_signature_png_is_taken() -> None:
    assert signature_png(SIGNATURE) == PNG_MAGIC + b"drawn"


def test_an_encrypted_pdf_is_refused() -> None:
    pdf = make_pdf(pages=1).replace(b"trailer\n<<", b"trailer\n<< /Encrypt 9 0 R")
    assert b"/Encrypt" in pdf
    assert codes(lambda: check_document(pdf)) == "pdf_encrypted"
    check_document(make_pdf(pages=1))


def test_a_party_needs_a_signer_from_the_roster() -> None:
    attendee = RosterEntry("guest:x@y.org", Role.ATTENDEE, "X")
    assert codes(lambda: make_party(number=1, organization="A", signer=attendee, title="")) == (
        "not_signer"
    )
    assert codes(lambda: make_witness(None)) == "not_witness"


def test_the_record_holds_what_each_party_typed_and_when_they_signed() -> None:
    ceremony = fixed()
    for party_id, sid, name in [("p1", "s-zhang", "zhang wei"), ("p2", "s-chen", "Chen Jing")]:
        ceremony.append(ceremony.signing.call_signer("s-owner", party_id))
        ceremony.signs(sid, name)
    ceremony.append(ceremony.signing.attest("s-liu", "Liu Yang"))
    ceremony.append(ceremony.signing.close_ceremony("s-owner"))

    record = record_of(AGREEMENT, ceremony.entries, {"p1": PNG_MAGIC}, zone="Asia/Shanghai")

    signed_at = [e.at for e in ceremony.entries if e.step is CeremonyStep.SIGNED]
    assert [p.typed_name for p in record.parties] == ["zhang wei", "Chen Jing"]
    assert [p.signed_at.isoformat() for p in record.parties if p.signed_at] == signed_at
    assert [p.signature_png for p in record.parties] == [PNG_MAGIC, b""]
    assert record.witnesses[0].witnessed_at is not None
    assert (record.signed, record.head, record.agreement_id) == (
        True, ceremony.entries[-1].hash, "s1",
    )  # fmt: skip
