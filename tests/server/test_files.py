"""The file store on real Redis and a real data folder, through a real aiohttp app: uploads
stream in as multipart POSTs, files go out with range requests."""

import asyncio
import hashlib
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import BodyPartReader, web

from rooms.errors import DomainError
from rooms.files import MIB, FilePurpose, MediaType, StoredFile
from server.files import (
    content_disposition,
    delete_file,
    file_path,
    file_response,
    files_of,
    find_file,
    save_upload,
)
from server.store import Store
from tests.fixtures_files import make_pdf

NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
BOUNDARY = "----WebKitFormBoundary7MA4YWxkTrZu0gW"
ENDED = web.AppKey("upload_ended", asyncio.Event)


def _stored_json(stored: StoredFile) -> dict[str, object]:
    return {"file_id": stored.file_id, "name": stored.name, "size": stored.size}


def files_app(store: Store, root: Path) -> web.Application:
    """Uploads into scope s1 of org o1 for account a1 (``?purpose=``, default material);
    downloads for org o1 only (``?attachment=1`` to download)."""

    async def upload(request: web.Request) -> web.Response:
        try:
            reader = await request.multipart()
            part = await reader.next()
            assert isinstance(part, BodyPartReader)
            stored = await save_upload(
                store, root, part,
                org_id="o1", scope_id="s1", created_by="a1", now=NOW,
                purpose=FilePurpose(request.query.get("purpose", "material")),
            )  # fmt: skip
        except DomainError as refused:
            return web.json_response({"code": refused.code}, status=400)
        finally:
            request.app[ENDED].set()
        return web.json_response(_stored_json(stored))

    async def download(request: web.Request) -> web.StreamResponse:
        async def of_org_o1(stored: StoredFile) -> bool:
            return stored.org_id == "o1"

        try:
            return await file_response(
                store, root, request.match_info["file_id"], may_read=of_org_o1,
                attachment=request.query.get("attachment") == "1",
            )  # fmt: skip
        except DomainError as refused:
            return web.json_response({"code": refused.code}, status=404)

    app = web.Application()
    app[ENDED] = asyncio.Event()
    app.router.add_post("/upload", upload)
    app.router.add_get("/files/{file_id}", download)
    return app


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "files"


@pytest.fixture
async def files(aiohttp_client, store: Store, root: Path) -> AsyncIterator[object]:
    yield await aiohttp_client(files_app(store, root))


def browser_form(data: bytes, name: str, content_type: str) -> tuple[bytes, str]:
    """A multipart body as a browser sends it (the HTML standard's rules): the file's name
    in UTF-8, with a quote and line breaks escaped as %22, %0D, %0A."""
    escaped = name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
    head = (
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{escaped}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    )
    body = head.encode() + data + f"\r\n--{BOUNDARY}--\r\n".encode()
    return body, f"multipart/form-data; boundary={BOUNDARY}"


async def upload(
    client, data: bytes, *, name: str = "Plan.pdf", content_type: str = "application/pdf",
    purpose: str = "material",
):  # fmt: skip
    body, form_type = browser_form(data, name, content_type)
    response = await client.post(
        f"/upload?purpose={purpose}", data=io.BytesIO(body), headers={"Content-Type": form_type}
    )
    return response.status, await response.json()


def files_on_disk(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


async def left_in_redis(store: Store) -> list[str]:
    return sorted(await store.redis.keys("{files}:*"))  # keys.stored_file, keys.scope_files


# uploading


async def test_save_upload_stores_the_bytes_and_their_record(
    files, store: Store, root: Path
) -> None:
    pdf = make_pdf(pages=3)

    status, body = await upload(files, pdf, name="../项目 申报书.pdf")

    stored = await find_file(store, body["file_id"])
    assert status == 200
    assert stored == StoredFile(
        file_id=body["file_id"], org_id="o1", scope_id="s1", purpose=FilePurpose.MATERIAL,
        name="项目 申报书.pdf", media_type=MediaType.PDF, size=len(pdf),
        sha256=hashlib.sha256(pdf).hexdigest(), created_at=NOW, created_by="a1",
    )  # fmt: skip
    assert file_path(root, stored.file_id).read_bytes() == pdf
    assert files_on_disk(root) == [file_path(root, stored.file_id)]


async def test_save_upload_streams_a_file_of_many_chunks(files, store: Store, root: Path) -> None:
    image = PNG * 3000  # about 3 MiB: many chunks of the stream

    status, body = await upload(files, image, name="photo.png", content_type="image/png")

    stored = await find_file(store, body["file_id"])
    assert status == 200
    assert (stored.media_type, stored.size) == (MediaType.PNG, len(image))
    assert stored.sha256 == hashlib.sha256(image).hexdigest()
    assert file_path(root, body["file_id"]).read_bytes() == image


async def test_save_upload_takes_the_kind_from_the_bytes_not_the_name(files, store: Store) -> None:
    status, body = await upload(files, PNG, name="scan.pdf", content_type="application/pdf")

    stored = await find_file(store, body["file_id"])
    assert status == 200
    assert (stored.media_type, stored.name) == (MediaType.PNG, "scan.pdf")


async def test_save_upload_takes_a_file_shorter_than_a_chunk_of_sniffing(
    files, store: Store
) -> None:
    status, body = await upload(files, b"%PDF-", name="tiny.pdf")

    assert status == 200
    assert body["size"] == 5


@pytest.mark.parametrize(
    ("data", "name", "purpose", "code"),
    [
        (b"<!DOCTYPE html><script>alert(1)</script>" * 10, "report.pdf", "material", "file_type"),
        (b"", "empty.pdf", "material", "file_empty"),
        (PNG, "contract.png", "agreement", "file_type"),
        (b"%PDF-1.7\n" + bytes(50 * MIB), "huge.pdf", "material", "file_too_large"),
    ],
    ids=["html-named-pdf", "empty", "image-as-agreement", "over-50-mib"],
)
async def test_save_upload_refuses_and_leaves_nothing(
    files, store: Store, root: Path, data: bytes, name: str, purpose: str, code: str
):
    status, body = await upload(files, data, name=name, purpose=purpose)

    assert (status, body) == (400, {"code": code})
    assert files_on_disk(root) == []
    assert await left_in_redis(store) == []


async def test_save_upload_leaves_nothing_when_the_client_goes_away(
    files, store: Store, root: Path
) -> None:
    reader, writer = await asyncio.open_connection(files.host, files.port)
    head = (
        "POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10000000\r\n"
        "Content-Type: multipart/form-data; boundary=b0undary\r\n\r\n--b0undary\r\n"
        'Content-Disposition: form-data; name="file"; filename="cut.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    )
    writer.write(head.encode() + b"%PDF-1.7\n" + bytes(1_000_000))
    await writer.drain()
    await asyncio.sleep(0.2)  # the server has written some of it
    partial = files_on_disk(root)

    writer.close()
    await asyncio.wait_for(files.app[ENDED].wait(), 5)

    assert [path.parent.name for path in partial] == ["partial"]
    assert files_on_disk(root) == []
    assert await left_in_redis(store) == []


# serving


async def test_file_response_serves_the_whole_file_with_its_headers(files, store: Store) -> None:
    pdf = make_pdf()
    _, body = await upload(files, pdf, name='第一轮 "终稿".pdf')

    response = await files.get(f"/files/{body['file_id']}")

    assert response.status == 200
    assert await response.read() == pdf
    assert {name: response.headers[name] for name in (
        "Content-Type", "Content-Disposition", "X-Content-Type-Options", "Cache-Control",
        "Accept-Ranges",
    )} == {
        "Content-Type": "application/pdf",
        "Content-Disposition": "inline; filename=\"___ ____.pdf\"; filename*=UTF-8''"
        "%E7%AC%AC%E4%B8%80%E8%BD%AE%20%22%E7%BB%88%E7%A8%BF%22.pdf",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-cache",
        "Accept-Ranges": "bytes",
    }  # fmt: skip


async def test_file_response_answers_a_range_request_with_206(files, store: Store) -> None:
    image = PNG * 100
    _, body = await upload(files, image, name="p.png", content_type="image/png")

    response = await files.get(f"/files/{body['file_id']}", headers={"Range": "bytes=1000-1999"})

    assert response.status == 206
    assert await response.read() == image[1000:2000]
    assert response.headers["Content-Range"] == f"bytes 1000-1999/{len(image)}"
    assert response.headers["Content-Type"] == "image/png"


async def test_file_response_serves_an_attachment(files, store: Store) -> None:
    _, body = await upload(files, make_pdf(), name="plan.pdf")

    response = await files.get(f"/files/{body['file_id']}?attachment=1")

    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"plan.pdf\"; filename*=UTF-8''plan.pdf"
    )


@pytest.mark.parametrize(
    "file_id", ["0" * 32, "A" * 32, "0" * 33, "not-a-file-id", "..%2F..%2Fetc%2Fpasswd"]
)
async def test_file_response_finds_no_unknown_file(files, file_id: str) -> None:
    response = await files.get(f"/files/{file_id}")

    assert (response.status, await response.json()) == (404, {"code": "file_not_found"})


async def test_file_response_hides_a_file_the_check_refuses(
    files, store: Store, root: Path
) -> None:
    _, body = await upload(files, make_pdf())
    stored = await find_file(store, body["file_id"])
    await store.files.add(StoredFile(**{**_fields(stored), "org_id": "o2"}))

    response = await files.get(f"/files/{body['file_id']}")

    assert (response.status, await response.json()) == (404, {"code": "file_not_found"})


def _fields(stored: StoredFile | None) -> dict[str, object]:
    assert stored is not None
    return {name: getattr(stored, name) for name in StoredFile.__dataclass_fields__}


# listing and deleting


async def test_files_of_lists_a_scope_oldest_first_by_purpose(files, store: Store) -> None:
    _, first = await upload(files, make_pdf(), name="a.pdf")
    _, second = await upload(files, PNG, name="b.png", content_type="image/png", purpose="slides")
    _, third = await upload(files, make_pdf(), name="c.pdf")
    for file_id, minute in ((first["file_id"], 1), (second["file_id"], 2), (third["file_id"], 3)):
        stored = await find_file(store, file_id)
        moved = NOW.replace(minute=minute)
        await store.files.add(StoredFile(**{**_fields(stored), "created_at": moved}))

    every = await files_of(store, "s1")
    materials = await files_of(store, "s1", purpose=FilePurpose.MATERIAL)

    assert [f.name for f in every] == ["a.pdf", "b.png", "c.pdf"]
    assert [f.name for f in materials] == ["a.pdf", "c.pdf"]
    assert await files_of(store, "s2") == []


async def test_delete_file_removes_the_record_and_the_bytes(
    files, store: Store, root: Path
) -> None:
    _, kept = await upload(files, make_pdf(), name="kept.pdf")
    _, gone = await upload(files, make_pdf(pages=2), name="gone.pdf")
    stored = await find_file(store, gone["file_id"])
    assert stored is not None

    await delete_file(store, root, stored)

    assert await find_file(store, gone["file_id"]) is None
    assert [f.name for f in await files_of(store, "s1")] == ["kept.pdf"]
    assert files_on_disk(root) == [file_path(root, kept["file_id"])]
    assert (await files.get(f"/files/{gone['file_id']}")).status == 404


# names


@pytest.mark.parametrize(
    ("name", "attachment", "expected"),
    [
        ("plan.pdf", False, "inline; filename=\"plan.pdf\"; filename*=UTF-8''plan.pdf"),
        ("a b;c.pdf", True, "attachment; filename=\"a b;c.pdf\"; filename*=UTF-8''a%20b%3Bc.pdf"),
        ('q"\\%.pdf', False, "inline; filename=\"q___.pdf\"; filename*=UTF-8''q%22%5C%25.pdf"),
        ("报告.pdf", False, "inline; filename=\"__.pdf\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf"),
    ],
)
def test_content_disposition_names_the_file_for_old_and_new_clients(
    name: str, attachment: bool, expected: str
) -> None:
    assert content_disposition(name, attachment=attachment) == expected
