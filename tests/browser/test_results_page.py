"""A review's results in headless Chromium, as staff reach them: from the console's session
page to the results page in Chinese, the closed item's table with its missing reviewer, the
item still scoring without values, and the PDF report downloaded from its button."""

from playwright.async_api import expect

from tests.server.fixtures_login import create_staff
from tests.server.test_reports import poppler, squeezed
from tests.server.test_results_pages import CHIP, PRAISE, SEALED, prepared_review


async def test_staff_go_from_the_console_to_the_results_and_their_pdf(
    live_server, new_page, sign_in, tmp_path
) -> None:
    _, account = await create_staff(live_server.store, email="host@example.org", name="Hu Host")
    session = await prepared_review(live_server.store, account)
    page = await new_page(lang="zh_CN")
    await sign_in(page, email="host@example.org")

    await page.goto(f"/console/sessions/{session.session_id}")
    await page.get_by_role("link", name="评审结果与审计日志").click()
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="PDF 报告").click()
    download = await download_info.value
    await download.save_as(tmp_path / "results.pdf")

    await expect(page.locator("h1")).to_have_text("评审结果: 基金评审会")
    await expect(page.locator("#ranking tbody tr")).to_have_count(2)
    await expect(page.locator("#item-i1 tr.missing th")).to_have_text("Zhao Lei")
    await expect(page.locator("#item-i2")).to_contain_text("尚未结束评分：不显示分数。")
    assert SEALED not in await page.content()
    text = squeezed(poppler("pdftotext", "-enc", "UTF-8", str(tmp_path / "results.pdf"), "-"))
    assert (squeezed(CHIP) in text, squeezed(PRAISE) in text, SEALED in text) == (
        True,
        True,
        False,
    )
