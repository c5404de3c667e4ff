"""Preparing a signing session's agreement (the console's page, the seed) and reading it.

Each change reads the agreement, changes it by the rules of ``rooms.agreement`` and keeps it
(``server/store/signing.py``: refused once the document is fixed); a live room shows the
change at once (the store tells its watchers). The document is a PDF upload
(``FilePurpose.AGREEMENT``: at most 50 MiB, sniffed, its SHA-256 taken as it streams in); an
encrypted PDF or one whose pages cannot be counted is deleted and refused.
"""

import asyncio
import base64
import io
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import partial
from pathlib import Path

from aiohttp import BodyPartReader
from PIL import Image

from rooms import ceremony as rules
from rooms.agenda import PersonType, Session, person_key
from rooms.agreement import (
    Agreement,
    check_document,
    check_people,
    check_title,
    make_party,
    make_witness,
    renumbered,
)
from rooms.ceremony import fold, record_of
from rooms.errors import Conflict, DomainError, NotFound
from rooms.files import FilePurpose, StoredFile
from rooms.roles import Kind
from rooms.signing_log import LogEntry
from server.files import delete_file, file_path, files_root, find_file, save_bytes, save_upload
from server.pdf_pages import count_pages
from server.reports import ReportFont
from server.settings import Settings
from server.signing_documents import seal_agreement
from server.signing_seal import Seal, sealable
from server.store import Store

NOT_SIGNING = "Only a signing session has an agreement."
PAD_MAX = 4000  # pixels across or down a drawn signature at most
UNREADABLE = "Only a PDF whose pages can be read can be signed."


def check_signing(session: Session) -> None:
    if session.kind is not Kind.SIGNING:
        raise DomainError(NOT_SIGNING, code="not_here")


async def agreement_of(store: Store, session: Session) -> Agreement:
    """The session's agreement as prepared so far (empty if nothing yet)."""
    check_signing(session)
    found = await store.signings.agreement(session.session_id)
    return found or Agreement(session_id=session.session_id)


async def _keep(store: Store, agreement: Agreement) -> Agreement:
    await store.signings.put_agreement(agreement)
    return agreement


async def _document(store: Store, root: Path, stored: StoredFile) -> int:
    """The pages of an uploaded agreement; an encrypted or unreadable PDF is deleted."""
    data = await asyncio.to_thread(file_path(root, stored.file_id).read_bytes)
    try:
        check_document(data)
        pages = await asyncio.to_thread(count_pages, data)
        if pages < 1 or not await asyncio.to_thread(sealable, data):
            raise DomainError(UNREADABLE, code="file_type")
    except DomainError:
        await delete_file(store, root, stored)
        raise
    return pages


async def set_document(
    store: Store,
    root: Path,
    session: Session,
    part: BodyPartReader,
    *,
    created_by: str,
    now: datetime,
) -> Agreement:
    agreement = await agreement_of(store, session)
    stored = await save_upload(
        store, root, part, org_id=session.org_id, scope_id=session.session_id,
        purpose=FilePurpose.AGREEMENT, created_by=created_by, now=now,
    )  # fmt: skip
    return await _with_file(store, root, agreement, stored)


async def set_document_bytes(
    store: Store, root: Path, session: Session, data: bytes, *, name: str, created_by: str,
    now: datetime,
) -> Agreement:  # fmt: skip
    """The same from bytes in hand (the seed)."""
    agreement = await agreement_of(store, session)
    stored = await save_bytes(
        store, root, data, name=name, org_id=session.org_id, scope_id=session.session_id,
        purpose=FilePurpose.AGREEMENT, created_by=created_by, now=now,
    )  # fmt: skip
    return await _with_file(store, root, agreement, stored)


async def _with_file(
    store: Store, root: Path, agreement: Agreement, stored: StoredFile
) -> Agreement:
    pages = await _document(store, root, stored)
    changed = replace(
        agreement, file_id=stored.file_id, file_name=stored.name, sha256=stored.sha256,
        pages=pages,
    )  # fmt: skip
    return await _keep(store, changed)


async def set_title(store: Store, session: Session, title: str) -> Agreement:
    agreement = await agreement_of(store, session)
    return await _keep(store, replace(agreement, title=check_title(title)))


async def add_party(
    store: Store,
    session: Session,
    *,
    organization: str,
    signer_key: str,
    signer_title: str,
) -> Agreement:
    """A party at the end of the signing order; its signer from the session's roster."""
    agreement = await agreement_of(store, session)
    signer = await store.agenda.roster_entry(session.session_id, signer_key)
    party = make_party(
        number=len(agreement.parties) + 1, organization=organization, signer=signer,
        title=signer_title,
    )  # fmt: skip
    parties = (*agreement.parties, party)
    check_people(parties, agreement.witnesses)
    return await _keep(store, replace(agreement, parties=parties))


def _party_index(agreement: Agreement, party_id: str) -> int:
    found = [p.party_id for p in agreement.parties]
    if party_id not in found:
        raise NotFound("This agreement has no such party.", code="no_party")
    return found.index(party_id)


async def remove_party(store: Store, session: Session, party_id: str) -> Agreement:
    agreement = await agreement_of(store, session)
    at = _party_index(agreement, party_id)
    parties = renumbered(agreement.parties[:at] + agreement.parties[at + 1 :])
    return await _keep(store, replace(agreement, parties=parties))


async def move_party_up(store: Store, session: Session, party_id: str) -> Agreement:
    """The party signs one place earlier."""
    agreement = await agreement_of(store, session)
    at = _party_index(agreement, party_id)
    if at == 0:
        return agreement
    parties = list(agreement.parties)
    parties[at - 1], parties[at] = parties[at], parties[at - 1]
    return await _keep(store, replace(agreement, parties=renumbered(parties)))


async def add_witness(store: Store, session: Session, witness_key: str) -> Agreement:
    agreement = await agreement_of(store, session)
    witness = make_witness(await store.agenda.roster_entry(session.session_id, witness_key))
    witnesses = (*agreement.witnesses, witness)
    check_people(agreement.parties, witnesses)
    return await _keep(store, replace(agreement, witnesses=witnesses))


async def remove_witness(store: Store, session: Session, witness_key: str) -> Agreement:
    agreement = await agreement_of(store, session)
    witnesses = tuple(w for w in agreement.witnesses if w.person_key != witness_key)
    return await _keep(store, replace(agreement, witnesses=witnesses))


async def fix_document(
    store: Store,
    session: Session,
    *,
    actor: dict[str, object],
    ip: str,
    user_agent: str,
    now: datetime,
) -> LogEntry:
    """The ceremony's first step, from the console: the agreement cannot change after it."""
    check_signing(session)
    change = partial(rules.propose_fix, actor=actor)
    entry = await store.signings.append(
        session.session_id, change, ip=ip, user_agent=user_agent, now=now
    )
    return entry


def staff_actor(name: str, account_id: str) -> dict[str, object]:
    return rules.actor_of(person_key(PersonType.ACCOUNT, account_id), name, "host")


def check_signature_image(png: bytes) -> None:
    """A drawn signature's PNG must decode (the signature page shows it): a file that only
    starts like a PNG is refused."""
    try:
        with Image.open(io.BytesIO(png)) as image:
            if image.format != "PNG" or image.width > PAD_MAX or image.height > PAD_MAX:
                raise ValueError(image.format)
            image.load()
    except (OSError, ValueError, Image.DecompressionBombError):
        raise DomainError("Draw your signature (a PNG image).", code="bad_signature") from None


async def signed_agreement(
    store: Store,
    settings: Settings,
    session: Session,
    *,
    seal: Seal,
    font: ReportFont,
    t: Callable[[str], str],
    lang: str,
    now: datetime,
) -> StoredFile:
    """The signed PDF of a closed ceremony: the document with its signature page, sealed
    (server/signing_documents.py, which also keeps its record for the verification page).
    Made at the first request after the close, then kept; Conflict before the close."""
    check_signing(session)
    sid, root = session.session_id, files_root(settings)
    kept = await store.signings.signed_file(sid)
    found = await find_file(store, kept) if kept else None
    if found is not None:
        return found
    agreement, log = await store.signings.agreement(sid), await store.signings.log(sid)
    if agreement is None or not fold(log).closed:
        raise Conflict("The ceremony is not closed yet.", code="not_closed")
    document = await asyncio.to_thread(file_path(root, agreement.file_id).read_bytes)
    signatures = {
        party_id: base64.b64decode(url.partition(",")[2])
        for party_id, url in (await store.signings.signatures(sid)).items()
    }
    record = record_of(agreement, log, signatures, zone=session.zone)
    signed = await seal_agreement(
        store, record, document=document, seal=seal, font=font, t=t, lang=lang,
        base_url=settings.base_url,
    )  # fmt: skip
    stored = await save_bytes(
        store, root, signed, name=f"{agreement.title} signed.pdf", org_id=session.org_id,
        scope_id=sid, purpose=FilePurpose.AGREEMENT, created_by="ceremony", now=now,
    )  # fmt: skip
    winner = await store.signings.keep_signed(sid, stored.file_id)
    if winner != stored.file_id:  # another request sealed it first: theirs is the one
        await delete_file(store, root, stored)
        return await find_file(store, winner) or stored
    return stored
