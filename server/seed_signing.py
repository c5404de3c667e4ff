"""The demo's signing ceremony: a cooperation agreement between two organizations (a PDF in
Chinese and English made with the reports' builder), its two signers and a witness on the
session's roster, each with a personal invite link, and the agreement prepared in signing
order; the host fixes the document in the room (or on the console's agreement page) and runs
the ceremony. No agreement when no CJK font is installed (the PDF could not show Chinese)."""

import asyncio
import logging
from datetime import datetime

from rooms.agenda import PersonType, RosterEntry, Session, person_key
from rooms.roles import Role
from server import agenda, signing
from server.files import files_root
from server.invitations import invite_url, issue_invite, sign_invite
from server.reports import Heading, Paragraph, Report, find_font, render_pdf
from server.settings import Settings
from server.store import Store

log = logging.getLogger(__name__)

AGREEMENT_TITLE = "产学研合作协议 Industry–university cooperation agreement"
PARTIES = (  # organization, signer, signer's e-mail, signer's title
    ("北方材料科学学会 Northern Materials Society", "张伟", "zhang.wei@example.org",
     "理事长 President"),
    ("华东智能制造有限公司 East China Smart Manufacturing Co.", "李娜", "li.na@example.org",
     "总经理 General Manager"),
)  # fmt: skip
WITNESS = ("王律师 Lawyer Wang", "lawyer.wang@example.org")
DOCUMENT = Report(
    title="产学研合作协议 Cooperation agreement",
    subtitle="云签约示范文本 A demo agreement for the cloud signing ceremony",
    sections=(
        Heading("第一条 合作内容 Article 1: Scope"),
        Paragraph("双方在新材料与智能制造领域开展联合研发、人才培养与成果转化。\n"
                  "The parties cooperate on joint research, training and technology transfer "
                  "in new materials and smart manufacturing."),
        Heading("第二条 知识产权 Article 2: Intellectual property"),
        Paragraph("合作产生的知识产权由双方按贡献共有，具体比例另行约定。\n"
                  "Intellectual property arising from the cooperation is shared by contribution."),
        Heading("第三条 期限 Article 3: Term"),
        Paragraph("本协议自双方签署之日起生效，有效期三年。\n"
                  "This agreement takes effect when both parties have signed, for three years."),
    ),
)  # fmt: skip


async def demo_signing(
    store: Store, settings: Settings, session: Session, *, by: str, now: datetime
) -> list[str]:
    """Prepare the demo agreement; the lines the seed prints (its people's links)."""
    font = find_font(settings.report_font)
    if font.path is None:
        log.warning("the demo signing has no agreement: %s", font.missing_message())
        return []
    people = [(name, email, Role.SIGNER) for _org, name, email, _title in PARTIES]
    people.append((*WITNESS, Role.WITNESS))
    for name, email, role in people:
        entry = RosterEntry(person_key(PersonType.GUEST, email), role, name, email)
        await agenda.add_to_roster(store, session=session, entry=entry, now=now)
    pdf = await asyncio.to_thread(render_pdf, DOCUMENT, font=font)
    await signing.set_document_bytes(
        store, files_root(settings), session, pdf, name="产学研合作协议 Agreement.pdf",
        created_by=by, now=now,
    )  # fmt: skip
    await signing.set_title(store, session, AGREEMENT_TITLE)
    for organization, _name, email, title in PARTIES:
        await signing.add_party(
            store, session, organization=organization, signer_title=title,
            signer_key=person_key(PersonType.GUEST, email),
        )  # fmt: skip
    await signing.add_witness(store, session, person_key(PersonType.GUEST, WITNESS[1]))
    return [await _link(store, settings, session, name, email, role, by=by, now=now)
            for name, email, role in people]  # fmt: skip


async def _link(
    store: Store, settings: Settings, session: Session, name: str, email: str, role: Role, *,
    by: str, now: datetime,
) -> str:  # fmt: skip
    invite = await issue_invite(
        store, session=session, role=role, name=name, email=email, single_use=False, days=365,
        created_by=by, now=now,
    )  # fmt: skip
    url = invite_url(settings, sign_invite(settings, invite))
    return f"    {role:<9} {name} (types 输入: {name}):\n              {url}"
