"""A signing ceremony over real sockets and a real Redis: the host fixes the document and
calls each signer in order, the called signer confirms, consents and signs, everyone sees the
moment, the witness attests, the host closes; out of turn, a wrong name, a second signature,
an audience member's signature, an oversized or fake signature are refused with the log
unchanged; a signer who drops out comes back and continues; each entry's address and browser
come from the connection, never from the payload."""

import base64
import hashlib
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from rooms.agenda import PersonType, RosterEntry, person_key
from rooms.agreement import PNG_MAGIC, SIGNATURE_BYTES_MAX, Agreement, Party, Witness
from rooms.roles import Role
from rooms.signing_log import verify
from server import agenda
from server.files import files_root
from server.signing import set_document_bytes
from tests.server.fixtures_login import create_staff
from tests.server.realtime.room_world import Peer, Room, World, utcnow
from tests.server.signing_world import agreement_pdf as agreement_document
from tests.server.signing_world import signature_png

SHA = "0123456789abcdef" * 4
PNG_DATA = "data:image/png;base64,"
SIGNATURE = "data:image/png;base64," + base64.b64encode(signature_png(1)).decode()
OVER_CAP = (
    "data:image/png;base64," + base64.b64encode(PNG_MAGIC + bytes(SIGNATURE_BYTES_MAX - 7)).decode()
)  # one byte over, yet short enough for the payload's shape
BROWSER = {"User-Agent": "Mozilla/5.0 (ceremony test)", "X-Forwarded-For": "203.0.113.9"}
PEOPLE = {  # who: (role, name, email)
    "zhang": (Role.SIGNER, "张伟", "zhang@a.org"),
    "chen": (Role.SIGNER, "Chen Jing", "chen@b.org"),
    "liu": (Role.WITNESS, "Liu Yang", "liu@w.org"),
    "li": (Role.ATTENDEE, "Li Lei", "li@x.org"),
}


def agreement_of(room: Room) -> Agreement:
    return Agreement(
        session_id=room.session_id, title="合作协议", file_id="f1", file_name="a.pdf",
        sha256=SHA, pages=2,
        parties=(
            Party("p1", "Society A", "guest:zhang@a.org", "张伟", "理事长"),
            Party("p2", "Society B", "guest:chen@b.org", "Chen Jing", "Secretary-General"),
        ),
        witnesses=(Witness("guest:liu@w.org", "Liu Yang"),),
    )  # fmt: skip


class Ceremony:
    def __init__(self, world: World, room: Room, *, sha: str = SHA) -> None:
        self.world, self.room, self.sha = world, room, sha
        self.peers: dict[str, Peer] = {}

    async def enter(self, who: str) -> Peer:
        if who == "host":
            cookie = await self.world.sign_in(self.room.owner)
            peer = await self.world.enter(self.room, cookie=cookie, headers=BROWSER)
        else:
            role, name, email = PEOPLE[who]
            invite = await self.world.invite(self.room, role, name, email=email)
            peer = await self.world.enter(self.room, invite=invite, headers=BROWSER)
        self.peers[who] = peer
        return peer

    async def do(self, who: str, event: str, payload: dict[str, Any] | None = None) -> Any:
        answer = await self.peers[who].call(event, payload or {})
        assert "error" not in answer, answer
        return answer

    async def refused(self, who: str, event: str, payload: dict[str, Any] | None = None) -> str:
        answer = await self.peers[who].call(event, payload or {})
        return str(answer["error"]["code"])

    async def signs(self, who: str, party_id: str) -> None:
        name = PEOPLE[who][1]
        await self.do("host", "call_signer", {"party_id": party_id})
        await self.do(who, "confirm_identity", {"typed_name": name})
        await self.do(who, "give_consent", {"sha256": self.sha, "typed_name": name})
        await self.do(who, "sign_agreement", {"signature": SIGNATURE})

    async def log(self) -> list[Any]:
        return await self.world.store.signings.log(self.room.session_id)


async def opened(world: World, document: bytes | None = None) -> Ceremony:
    """A signing room with everyone in it and its document fixed: a made-up one, or this
    document, stored."""
    room = await world.session(kind="signing", lobby=False)
    agreement = agreement_of(room)
    if document is not None:
        stored = await set_document_bytes(
            world.store, files_root(world.settings), room.session, document, name="a.pdf",
            created_by="staff", now=datetime.now(UTC),
        )  # fmt: skip
        agreement = replace(agreement, file_id=stored.file_id, sha256=stored.sha256)
    await world.store.signings.put_agreement(agreement)
    ceremony = Ceremony(world, room, sha=agreement.sha256)
    for who in ("host", "zhang", "chen", "liu", "li"):
        await ceremony.enter(who)
    await ceremony.do("host", "fix_agreement")
    return ceremony


@pytest.fixture
async def ceremony(rooms_world: World) -> Ceremony:
    return await opened(rooms_world)


async def test_two_parties_sign_in_order_and_everyone_sees_it(ceremony: Ceremony) -> None:
    await ceremony.signs("zhang", "p1")
    await ceremony.signs("chen", "p2")
    await ceremony.do("liu", "attest", {"typed_name": "liu yang"})
    closed = await ceremony.do("host", "close_ceremony")

    log = await ceremony.log()
    audience = ceremony.peers["li"]
    await audience.sync()
    moments = [s["moment"]["signer"] for s in audience.of("signing") if "moment" in s]
    last = audience.of("signing")[-1]["signing"]
    assert [str(e.step) for e in log] == ["document_fixed"] + (
        ["signer_called", "identity_confirmed", "consent_given", "signed"] * 2
    ) + ["witnessed", "ceremony_closed"]
    assert verify(log).ok
    assert closed == {"seq": 10, "hash": log[-1].hash, "step": "ceremony_closed"}
    assert moments == ["张伟", "Chen Jing"]
    assert (last["closed"], [p["state"] for p in last["parties"]]) == (True, ["signed", "signed"])
    assert last["parties"][0]["signature"] == SIGNATURE


async def test_the_log_keeps_the_connections_address_and_browser(ceremony: Ceremony) -> None:
    [entry] = await ceremony.log()
    assert (entry.ip, entry.user_agent) == ("127.0.0.1", "Mozilla/5.0 (ceremony test)")
    assert await ceremony.refused("host", "call_signer", {"party_id": "p1", "ip": "1.2.3.4"}) == (
        "invalid_payload"
    )


async def test_a_signer_out_of_turn_is_refused(ceremony: Ceremony) -> None:
    await ceremony.do("host", "call_signer", {"party_id": "p1"})

    code = await ceremony.refused("chen", "confirm_identity", {"typed_name": "Chen Jing"})

    assert code == "not_your_turn"
    assert len(await ceremony.log()) == 2
    assert await ceremony.refused("host", "call_signer", {"party_id": "p2"}) == "signer_called"


async def test_a_name_that_does_not_match_is_refused_in_the_signers_language(
    ceremony: Ceremony,
) -> None:
    await ceremony.do("host", "call_signer", {"party_id": "p1"})
    zhang = ceremony.peers["zhang"]
    zh = ceremony.world.peer(ceremony.room, auth={**zhang.auth, "lang": "zh"}, headers=BROWSER)
    await zh.connect()
    await zh.join()

    answer = await zh.call("confirm_identity", {"typed_name": "张 伟"})

    assert answer["error"]["code"] == "name_mismatch"
    assert answer["error"]["message"] == "您输入的姓名与协议上的姓名不一致。"
    assert len(await ceremony.log()) == 2


async def test_a_second_signature_is_refused(ceremony: Ceremony) -> None:
    await ceremony.signs("zhang", "p1")

    code = await ceremony.refused("zhang", "sign_agreement", {"signature": SIGNATURE})

    assert code == "already_signed"
    assert len(await ceremony.log()) == 5


async def test_the_audience_and_the_witness_cannot_sign(ceremony: Ceremony) -> None:
    await ceremony.do("host", "call_signer", {"party_id": "p1"})

    codes = [
        await ceremony.refused(who, "sign_agreement", {"signature": SIGNATURE})
        for who in ("li", "liu")
    ]

    assert codes == ["forbidden", "forbidden"]
    assert await ceremony.refused("li", "call_signer", {"party_id": "p1"}) == "forbidden"
    assert len(await ceremony.log()) == 2


@pytest.mark.parametrize(
    ("signature", "code"),
    [
        ("data:image/png;base64," + "A" * 70_000, "payload_too_large"),
        ("data:image/png;base64," + base64.b64encode(b"<svg/>").decode(), "bad_signature"),
        (PNG_DATA + base64.b64encode(PNG_MAGIC + b"junk").decode(), "bad_signature"),
        (OVER_CAP, "bad_signature"),
        (12, "invalid_payload"),
    ],
    ids=["too-large", "not-png", "png-that-does-not-decode", "png-over-cap", "not-text"],
)  # fmt: skip
async def test_a_signature_that_is_not_a_small_png_is_refused(
    ceremony: Ceremony, signature: Any, code: str
) -> None:
    await ceremony.do("host", "call_signer", {"party_id": "p1"})
    await ceremony.do("zhang", "confirm_identity", {"typed_name": "张伟"})
    await ceremony.do("zhang", "give_consent", {"sha256": SHA, "typed_name": "张伟"})

    assert await ceremony.refused("zhang", "sign_agreement", {"signature": signature}) == code
    assert len(await ceremony.log()) == 4


async def test_consent_after_close_is_refused(ceremony: Ceremony) -> None:
    await ceremony.signs("zhang", "p1")
    await ceremony.signs("chen", "p2")
    await ceremony.do("host", "close_ceremony")

    assert await ceremony.refused("liu", "attest", {"typed_name": "Liu Yang"}) == "ceremony_closed"
    assert await ceremony.refused(
        "zhang", "give_consent", {"sha256": SHA, "typed_name": "张伟"}
    ) == ("ceremony_closed")
    assert len(await ceremony.log()) == 10


async def test_a_signer_who_drops_out_comes_back_and_continues(ceremony: Ceremony) -> None:
    await ceremony.do("host", "call_signer", {"party_id": "p1"})
    await ceremony.do("zhang", "confirm_identity", {"typed_name": "张伟"})
    await ceremony.peers["zhang"].close()

    back = await ceremony.enter("zhang")
    [joined] = back.of("joined")
    await ceremony.do("zhang", "give_consent", {"sha256": SHA, "typed_name": "张伟"})
    await ceremony.do("zhang", "sign_agreement", {"signature": SIGNATURE})

    assert joined["signing_me"] == {
        "party_id": "p1", "witness": False, "by_account": False, "chair": False,
    }  # fmt: skip
    assert joined["signing"]["parties"][0]["state"] == "confirmed"
    assert [str(e.step) for e in await ceremony.log()][-1] == "signed"


async def test_the_host_turns_the_page_for_everyone(ceremony: Ceremony) -> None:
    await ceremony.peers["host"].send("agreement_page", {"page": 2})

    audience = ceremony.peers["li"]
    assert await audience.wait_for("agreement_page") == [{"page": 2}]
    assert await ceremony.world.store.signings.page(ceremony.room.session_id) == 2


async def test_a_closed_ceremony_gives_a_sealed_pdf_the_verification_page_knows(
    rooms_world: World,
) -> None:
    ceremony = await opened(rooms_world, document=agreement_document())
    await ceremony.signs("zhang", "p1")
    await ceremony.signs("chen", "p2")
    browser = await ceremony.world.browser()
    url = f"/sessions/{ceremony.room.session_id}/agreement/signed"

    early = await browser.get(url)
    await ceremony.do("host", "close_ceremony")
    signed = await browser.get(url)
    again = await browser.get(url)
    body = await signed.read()

    saved = await ceremony.world.store.signing_records.find(hashlib.sha256(body).hexdigest())
    assert early.status == 409
    assert (signed.status, body[:5]) == (200, b"%PDF-")
    assert await again.read() == body  # sealed once, then kept
    assert saved is not None and saved.record.signed
    assert [p.typed_name for p in saved.record.parties] == ["张伟", "Chen Jing"]
    assert saved.record.parties[0].signature_png.startswith(PNG_MAGIC)


async def test_a_signed_in_signer_needs_no_typed_name_to_confirm(rooms_world: World) -> None:
    world = rooms_world
    room = await world.session(kind="signing", lobby=False)
    _org, signer = await create_staff(world.store, email="wu@partner.org", name="Wu Min")
    key = person_key(PersonType.ACCOUNT, signer.account_id)
    entry = RosterEntry(key, Role.SIGNER, "Wu Min", signer.email)
    await agenda.add_to_roster(world.store, session=room.session, entry=entry, now=utcnow())
    party = Party("p1", "Partner Co.", key, "Wu Min", "")
    await world.store.signings.put_agreement(replace(agreement_of(room), parties=(party,)))
    ceremony = Ceremony(world, room)
    await ceremony.enter("host")
    ceremony.peers["wu"] = await world.enter(room, cookie=await world.sign_in(signer))
    await ceremony.do("host", "fix_agreement")
    await ceremony.do("host", "call_signer", {"party_id": "p1"})

    await ceremony.do("wu", "confirm_identity", {})

    [joined] = ceremony.peers["wu"].of("joined")
    entry_detail = (await ceremony.log())[-1].detail
    assert joined["signing_me"]["by_account"] is True
    assert entry_detail == {"party_id": "p1", "method": "account", "typed_name": ""}
