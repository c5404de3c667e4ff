"""The demo's signing ceremony: an agreement in Chinese between two organizations, ready to
fix, its two signers and its witness with links that open the open signing session."""

import re
from datetime import UTC, datetime

from rooms.roles import Kind, Role
from server.invitations import open_invite
from server.seed import seed_demo


async def test_the_demo_signing_has_an_agreement_and_its_peoples_links(
    store, settings, capsys
) -> None:
    await seed_demo(store, settings)
    printed = capsys.readouterr().out
    tail = printed[printed.index("The signing ceremony") :].split("\n\n")[0]

    opened = [
        await open_invite(store, settings, token=token, now=datetime.now(UTC))
        for token in re.findall(r"/invite/(\S+)", tail)
    ]
    session = opened[0][1]
    agreement = await store.signings.agreement(session.session_id)

    assert [(invite.role, s.kind) for invite, s in opened] == [
        (Role.SIGNER, Kind.SIGNING), (Role.SIGNER, Kind.SIGNING), (Role.WITNESS, Kind.SIGNING),
    ]  # fmt: skip
    assert agreement is not None and agreement.ready
    assert [p.signer_name for p in agreement.parties] == ["张伟", "李娜"]
    assert len({p.organization for p in agreement.parties}) == 2
    assert [w.name for w in agreement.witnesses] == ["王律师 Lawyer Wang"]
    assert [p.signer_key for p in agreement.parties] == [i.person_key for i, _ in opened[:2]]
    assert await store.signings.log(session.session_id) == []
