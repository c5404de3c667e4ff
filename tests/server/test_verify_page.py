"""The public verification page, through the whole app: a genuine signed PDF shows its
record, a tampered one says so, a stored log edited, cut or reordered is reported broken at
the right entry, and bad input gets a clear, translated error. IP addresses and user agents
never show."""

import io
import json
import re
from dataclasses import replace

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient

from rooms.signing_log import entry_hash
from rooms.signing_record import SigningRecord
from server.appkeys import SEAL, SETTINGS
from server.i18n import load_catalogs
from server.pages.verify import CHECKS_PER_MINUTE
from server.reports import find_font
from server.signing_documents import seal_agreement
from server.signing_seal import sha256_hex
from server.store import Store, keys
from tests.server.pages_world import csrf_of
from tests.server.signing_world import agreement_pdf, signing_record, text_of

ZH = load_catalogs()["zh_CN"].gettext
PRIVATE = ("203.0.113.7", "SecretBrowser")
LOG_STATE = re.compile(
    r'class="flash error log-state" data-ok="no" data-seq="(\d+)" data-kind="(\w+)"'
)


@pytest.fixture(scope="module")
def document() -> bytes:
    return agreement_pdf()


@pytest.fixture(scope="module")
def record(document: bytes) -> SigningRecord:
    return signing_record(document)


@pytest.fixture
async def signed(client: TestClient, store: Store, record: SigningRecord, document: bytes) -> bytes:
    app = client.server.app
    return await seal_agreement(
        store, record, document=document, seal=app[SEAL], font=find_font(), t=ZH,
        lang="zh_CN", base_url=app[SETTINGS].base_url,
    )  # fmt: skip


async def token(client: TestClient) -> str:
    return csrf_of(await (await client.get("/verify")).text())


async def upload(client: TestClient, data: bytes, *, streamed: bool = True) -> tuple[int, str]:
    """POST the file as the page's script does (token in the header, body streamed), or as
    the bare form does (token in a field)."""
    csrf = await token(client)
    form = FormData()
    if not streamed:
        form.add_field("csrf_token", csrf)
    form.add_field("hash", "")
    form.add_field("file", io.BytesIO(data), filename="agreement.pdf")
    headers = {"X-CSRF-Token": csrf} if streamed else {}
    response = await client.post("/verify", data=form, headers=headers)
    return response.status, await response.text()


async def paste(client: TestClient, text: str) -> tuple[int, str]:
    form = {"csrf_token": await token(client), "hash": text}
    response = await client.post("/verify", data=form)
    return response.status, await response.text()


def no_private(html: str) -> bool:
    return not any(secret in html for secret in PRIVATE)


@pytest.mark.parametrize("streamed", [True, False])
async def test_a_genuine_signed_pdf_shows_its_record(
    client: TestClient, signed: bytes, record: SigningRecord, streamed: bool
) -> None:
    status, html = await upload(client, signed, streamed=streamed)

    assert status == 200
    assert "seal-intact" in html
    assert "This is the signed PDF of the agreement below." in html
    assert record.title in html and "华东材料学会" in html and "赵华, 副校长" in html
    assert "2026-12-05 10:04:00 (Asia/Shanghai)" in html
    assert "Signed by every party." in html
    assert 'data-ok="yes"' in html and "陈见证" in html
    assert sha256_hex(signed) in html
    assert no_private(html)


async def test_a_tampered_signed_pdf_is_reported_tampered(
    client: TestClient, signed: bytes, document: bytes, record: SigningRecord
) -> None:
    changed = bytearray(signed)
    at = changed.index(b"stream", len(document)) + 20  # the signature page's contents
    changed[at] ^= 0x01

    status, html = await upload(client, bytes(changed))

    assert status == 200
    assert "seal-tampered" in html and "Tampered: this PDF was altered after it was sealed." in html
    assert "This PDF was made from the signed PDF of the agreement below." in html
    assert record.title in html


async def test_a_pasted_document_hash_and_the_qr_link_show_the_record(
    client: TestClient, signed: bytes, record: SigningRecord
) -> None:
    status, pasted = await paste(client, f"  {record.document_sha256.upper()} ")
    linked = await client.get(f"/verify?hash={record.document_sha256}")
    html = await linked.text()

    assert (status, linked.status) == (200, 200)
    for page in (pasted, html):
        assert "This is the original document of the agreement below." in page
        assert 'data-ok="yes"' in page and "seal-" not in page and no_private(page)


async def test_an_unknown_hash_finds_no_record(client: TestClient, signed: bytes) -> None:
    status, html = await paste(client, "0" * 64)

    assert (status, "No signing record has this SHA-256." in html) == (200, True)


def _edit(entries: list[str]) -> list[str]:
    entry = json.loads(entries[4])
    entry["detail"]["typed_name"] = "王五"
    return [*entries[:4], json.dumps(entry, ensure_ascii=False), *entries[5:]]


EDITS = {
    "edited": (_edit, ("4", "edited")),
    "deleted": (lambda e: e[:3] + e[4:], ("3", "deleted")),
    "reordered": (lambda e: [*e[:2], e[5], *e[3:5], e[2], *e[6:]], ("2", "reordered")),
    "cut off": (lambda e: e[:-1], ("10", "deleted")),
}


@pytest.mark.parametrize("name", EDITS)
async def test_a_stored_log_changed_is_reported_broken_at_its_entry(
    client: TestClient, store: Store, signed: bytes, record: SigningRecord, name: str
) -> None:
    change, (seq, kind) = EDITS[name]
    log_key = keys.signing_record_log(record.agreement_id)
    entries = await store.redis.lrange(log_key, 0, -1)
    await store.redis.delete(log_key)
    await store.redis.rpush(log_key, *change(entries))

    status, html = await upload(client, signed)

    found = LOG_STATE.search(html)
    assert status == 200 and found is not None
    assert (found[1], found[2]) == (seq, kind)
    assert "seal-intact" in html  # the PDF itself is untouched
    assert no_private(html)


async def test_a_log_cut_off_in_the_store_shows_against_its_saved_head(
    client: TestClient, store: Store, signed: bytes, record: SigningRecord
) -> None:
    await store.redis.rpop(keys.signing_record_log(record.agreement_id))

    status, html = await paste(client, record.document_sha256)  # no PDF: the store's head

    found = LOG_STATE.search(html)
    assert status == 200 and found is not None and (found[1], found[2]) == ("9", "head")


async def test_the_page_speaks_chinese(client: TestClient, signed: bytes) -> None:
    client.session.cookie_jar.update_cookies({"lang": "zh_CN"})

    status, html = await upload(client, signed)

    assert status == 200
    assert "验证已签署的协议" in html
    assert "印章完好：此 PDF 与主办机构盖章时完全一致。" in html
    assert "签约日志完整：共 11 条记录，每条都与前一条相衔接。" in html
    assert "已签署" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04 not a pdf at all", "此文件不是 PDF。"),
        (b"%PDF-" + b"0" * (50 * 1024 * 1024), "文件超过 50 MiB。"),
    ],
    ids=["not a pdf", "oversize"],
)
async def test_a_bad_upload_gets_a_translated_error(
    client: TestClient, data: bytes, message: str
) -> None:
    client.session.cookie_jar.update_cookies({"lang": "zh_CN"})

    status, html = await upload(client, data)

    assert (status, message in html) == (400, True)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc123", "A SHA-256 is 64 hexadecimal digits (0-9, a-f)."),
        ("g" * 64, "A SHA-256 is 64 hexadecimal digits (0-9, a-f)."),
        ("", "Choose a PDF file or paste a SHA-256."),
    ],
)
async def test_a_bad_hash_gets_a_clear_error(client: TestClient, text: str, message: str) -> None:
    status, html = await paste(client, text)
    linked = await client.get("/verify", params={"hash": text or "x"})

    assert (status, message in html) == (400, True)
    assert linked.status == 400


async def test_a_form_without_its_token_is_refused(client: TestClient) -> None:
    response = await client.post("/verify", data={"hash": "0" * 64})

    assert response.status == 403


async def test_the_ceremony_certificate_downloads_from_the_record(
    client: TestClient, signed: bytes, record: SigningRecord
) -> None:
    client.session.cookie_jar.update_cookies({"lang": "zh_CN"})
    page = await (await client.get(f"/verify?hash={sha256_hex(signed)}")).text()
    link = re.search(r'href="(/verify/[0-9a-f]{64}/certificate\.pdf)"', page)
    assert link is not None

    response = await client.get(link[1])
    text = text_of(await response.read())

    assert (response.status, response.content_type) == (200, "application/pdf")
    assert "签约证书" in text and record.title in text and "203.0.113.7" not in text


async def test_no_certificate_without_a_record(client: TestClient) -> None:
    response = await client.get(f"/verify/{'0' * 64}/certificate.pdf")

    assert response.status == 404


async def test_a_log_rewritten_in_the_store_head_and_all_shows_against_the_signed_pdf(
    client: TestClient, store: Store, signed: bytes, record: SigningRecord
) -> None:
    rewritten = list(record.log)
    for at in range(4, len(rewritten)):
        entry = rewritten[at]
        if at == 4:
            entry = replace(entry, detail={**entry.detail, "typed_name": "王五"})
        entry = replace(entry, prev_hash=rewritten[at - 1].hash)
        rewritten[at] = replace(entry, hash=entry_hash(entry))
    forged = replace(record, log=tuple(rewritten))
    await store.signing_records.save(forged, signed_pdf_sha256=sha256_hex(signed))

    _, pasted = await paste(client, record.document_sha256)
    status, uploaded = await upload(client, signed)

    assert 'data-ok="yes"' in pasted  # the store agrees with itself...
    found = LOG_STATE.search(uploaded)  # ...not with the head the seal covers
    assert status == 200 and found is not None and (found[1], found[2]) == ("4", "edited")


async def test_checks_beyond_the_rate_are_refused_for_a_minute(client: TestClient) -> None:
    csrf = await token(client)
    statuses = [
        (await client.post("/verify", data={"csrf_token": csrf, "hash": "0" * 64})).status
        for _ in range(CHECKS_PER_MINUTE)
    ]

    refused = await client.post("/verify", data={"csrf_token": csrf, "hash": "0" * 64})

    assert statuses == [200] * CHECKS_PER_MINUTE
    assert refused.status == 429
    assert "Too many checks from your address: wait a minute and try again." in await refused.text()
