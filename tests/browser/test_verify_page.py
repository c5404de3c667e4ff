"""The public verification page in headless Chromium, as a third party meets it: they
upload the signed PDF (the page's script streams it with its CSRF token in a header), see
the seal intact and the record; a tampered copy says so; a hash pasted finds the record."""

from datetime import UTC, datetime
from pathlib import Path

from playwright.async_api import expect

from server.i18n import load_catalogs
from server.reports import find_font
from server.signing_documents import seal_agreement
from server.signing_seal import load_seal
from tests.browser.conftest import LiveServer, NewPage
from tests.server.signing_world import agreement_pdf, signing_record

ZH = load_catalogs()["zh_CN"].gettext


async def test_a_third_party_verifies_the_signed_pdf(
    live_server: LiveServer, new_page: NewPage, tmp_path: Path
) -> None:
    document = agreement_pdf()
    record = signing_record(document)
    seal = load_seal(live_server.settings, now=datetime.now(UTC))  # the app's, made at start
    signed = await seal_agreement(
        live_server.store, record, document=document, seal=seal, font=find_font(), t=ZH,
        lang="zh_CN", base_url=live_server.base_url,
    )  # fmt: skip
    genuine, tampered = tmp_path / "协议.pdf", tmp_path / "tampered.pdf"
    genuine.write_bytes(signed)
    changed = bytearray(signed)
    changed[changed.index(b"stream", len(document)) + 20] ^= 0x01
    tampered.write_bytes(bytes(changed))
    page = await new_page(lang="zh_CN")

    await page.goto("/verify")
    await page.set_input_files("input[name=file]", genuine)
    async with page.expect_request(lambda r: r.method == "POST") as sent:
        await page.get_by_role("button", name="验证").click()

    assert "x-csrf-token" in (await sent.value).headers  # streamed by the page's script

    await expect(page.locator(".seal-intact")).to_have_text(
        "印章完好：此 PDF 与主办机构盖章时完全一致。"
    )
    await expect(page.locator(".agreement-title")).to_have_text(record.title)
    await expect(page.locator(".log-state")).to_have_attribute("data-ok", "yes")
    await expect(page.locator("table.parties tbody tr")).to_have_count(2)

    await page.set_input_files("input[name=file]", tampered)
    await page.get_by_role("button", name="验证").click()

    await expect(page.locator(".seal-tampered")).to_have_text("已被篡改：此 PDF 在盖章后被修改过。")

    await page.fill("input[name=hash]", record.document_sha256)
    await page.set_input_files("input[name=file]", [])
    await page.get_by_role("button", name="验证").click()

    await expect(page.locator(".match")).to_have_text("这是下列协议的原始文件。")
    await expect(page.locator(".seal-state")).to_have_count(0)
