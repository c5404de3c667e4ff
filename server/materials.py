"""A review item's materials: stored files (server/files.py, purpose ``material``, scoped
to the session) linked to the item in its order (``store.review`` materials lists), and
who may read them.

Staff upload and remove them; the chair (host or co-host on the roster) and the session's
reviewers read them — a reviewer never those of an item they are conflicted on. In a
blind review a reviewer sees a material under a neutral name ("item-3-material-1.pdf"),
since an uploader's file name often carries the applicant's. Downloads (as opposed to
viewing in the browser) are for staff, and for the panel only where the chair allows them
(``ReviewSettings.downloads_allowed``).
"""

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import BodyPartReader

from rooms.agenda import Session
from rooms.errors import NotFound
from rooms.files import EXTENSIONS, FilePurpose, StoredFile
from rooms.items import Item, ReviewSettings
from rooms.review_book import material_name
from rooms.roles import Role
from server.files import delete_file, find_file, save_upload
from server.reviews import check_not_started, check_review, load_book, no_item, plan_changed
from server.store import Store

CHAIRS = (Role.HOST, Role.COHOST)


def no_material(file_id: str) -> NotFound:
    return NotFound("There is no such file.", code="file_not_found", file_id=file_id[:40])


async def upload_material(
    store: Store,
    root: Path,
    part: BodyPartReader,
    *,
    session: Session,
    item_id: str,
    created_by: str,
    now: datetime,
) -> StoredFile:
    """Store one uploaded file (a PDF or an image, sniffed, ≤ 50 MiB) as an item's
    material; a refused file leaves nothing behind."""
    check_review(session)
    if await store.review.item(session.session_id, item_id) is None:
        raise no_item(item_id)
    stored = await save_upload(
        store,
        root,
        part,
        org_id=session.org_id,
        scope_id=session.session_id,
        purpose=FilePurpose.MATERIAL,
        created_by=created_by,
        now=now,
    )
    try:
        await store.review.add_material(session.session_id, item_id, stored.file_id)
    except NotFound:  # the item was removed while its file came in
        await delete_file(store, root, stored)
        raise
    return stored


async def materials_of(store: Store, *, session: Session, item_id: str) -> list[StoredFile]:
    """An item's materials, in the order they were added."""
    found = []
    for file_id in await store.review.materials(session.session_id, item_id):
        stored = await find_file(store, file_id)
        if stored is not None and stored.scope_id == session.session_id:
            found.append(stored)
    return found


async def all_materials(store: Store, *, session: Session) -> dict[str, list[StoredFile]]:
    """Every item's materials, by item_id."""
    return {
        item.item_id: await materials_of(store, session=session, item_id=item.item_id)
        for item in await store.review.items(session.session_id)
    }


async def delete_material(
    store: Store, root: Path, *, session: Session, item_id: str, file_id: str
) -> None:
    """Unlink a material from its item and delete the file."""
    check_review(session)
    stored = await find_file(store, file_id)
    if stored is None or stored.scope_id != session.session_id:
        raise no_material(file_id)
    if not await store.review.remove_material(session.session_id, item_id, file_id):
        raise no_material(file_id)
    await delete_file(store, root, stored)


async def delete_item(store: Store, root: Path, *, session: Session, item_id: str) -> None:
    """Remove an item (refused once it has scores), then its materials' files."""
    check_review(session)
    await check_not_started(store, session, [item_id])
    files = await materials_of(store, session=session, item_id=item_id)
    await store.review.delete_item(session.session_id, item_id)
    await plan_changed(store, session, now=datetime.now(UTC))
    for stored in files:
        await delete_file(store, root, stored)


async def material_item(store: Store, *, session: Session, file_id: str) -> Item | None:
    """The item of the session a file is a material of, if any."""
    for item in await store.review.items(session.session_id):
        if file_id in await store.review.materials(session.session_id, item.item_id):
            return item
    return None


async def may_read_material(
    store: Store, *, session: Session, stored: StoredFile, person_key: str
) -> bool:
    """Whether a person on the session's roster may read this material: the chair (host,
    co-host) always; a reviewer unless conflicted on its item; nobody else."""
    if stored.scope_id != session.session_id or stored.purpose is not FilePurpose.MATERIAL:
        return False
    item = await material_item(store, session=session, file_id=stored.file_id)
    entry = await store.agenda.roster_entry(session.session_id, person_key)
    if item is None or entry is None:
        return False
    if entry.role in CHAIRS:
        return True
    if entry.role is not Role.REVIEWER:
        return False
    book = await load_book(store, session)
    standing = book.table.get(item.item_id, {}).get(person_key)
    return standing is None or not standing.conflicted


def shown_material(stored: StoredFile, *, blind: bool, position: int, number: int) -> StoredFile:
    """The material as a reviewer sees it: under a neutral name in a blind review."""
    if not blind:
        return stored
    name = material_name(f"file{EXTENSIONS[stored.media_type]}", position, number)
    return replace(stored, name=name)


async def reviewer_material(
    store: Store, *, person_key: str, file_id: str
) -> tuple[StoredFile, ReviewSettings]:
    """A material as a person on its session's roster may read it (under its blind name in
    a blind review), with the review's settings (may it be downloaded?); NotFound when
    there is no such material or they may not read it, alike."""
    stored = await find_file(store, file_id)
    session = await store.agenda.get_session(stored.scope_id) if stored else None
    if stored is None or session is None:
        raise no_material(file_id)
    if not await may_read_material(store, session=session, stored=stored, person_key=person_key):
        raise no_material(file_id)
    settings = await store.review.settings(session.session_id)
    order = await store.review.order(session.session_id)
    item = await material_item(store, session=session, file_id=file_id)
    assert item is not None  # may_read_material found it
    files = await store.review.materials(session.session_id, item.item_id)
    shown = shown_material(
        stored,
        blind=settings.blind,
        position=order.index(item.item_id) + 1,
        number=files.index(file_id) + 1,
    )
    return shown, settings


async def panel_materials(
    store: Store, *, session: Session, items: Iterable[Mapping[str, object]], blind: bool
) -> dict[str, list[StoredFile]]:
    """The materials of the items a reviewer sees (``server.reviews.reviewer_items``), by
    item_id, under their blind names in a blind review; none of a conflicted item."""
    found = {}
    for item in items:
        if item["conflicted"]:
            continue
        item_id, position = str(item["item_id"]), int(str(item["position"]))
        files = await materials_of(store, session=session, item_id=item_id)
        found[item_id] = [
            shown_material(stored, blind=blind, position=position, number=n)
            for n, stored in enumerate(files, start=1)
        ]
    return found
