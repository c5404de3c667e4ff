"""Preparing a review in headless Chromium: items dragged into a new order (saved through the
REST API; a stale order is refused, said and reloaded), and a material uploaded from the
item's form (streamed with the CSRF header) then opened in the viewer."""

from datetime import UTC, datetime

import pytest
from playwright.async_api import Page, expect

from server import reviews
from tests.fixtures_files import make_pdf
from tests.server.fixtures_login import create_staff
from tests.server.pages_world import make_event, make_session

NOW = datetime(2030, 4, 1, tzinfo=UTC)


@pytest.fixture
async def review(live_server):  # type: ignore[no-untyped-def]
    store = live_server.store
    _org, host = await create_staff(store, email="host@example.org", name="Hu Host")
    event = await make_event(store, host)
    session = await make_session(
        store, event, title="Panel", start="2030-05-01T09:00", end="2030-05-01T12:00", kind="review"
    )
    for title in ("Alpha", "Beta", "Gamma"):
        await reviews.add_item(store, session=session, fields={"title_en": title}, now=NOW)
    return session


async def titles(page: Page) -> list[str]:
    return await page.locator("ol[data-reorder] li .name").all_inner_texts()


async def test_dragging_an_item_saves_the_new_order(new_page, sign_in, live_server, review) -> None:
    page = await new_page()
    await sign_in(page, email="host@example.org")
    await page.goto(f"/console/sessions/{review.session_id}#items")

    await page.drag_and_drop("li.item:has-text('Gamma')", "li.item:has-text('Alpha')")

    await expect(page.locator(".reorder-status")).to_have_text("The order was saved.")
    assert await titles(page) == ["Gamma", "Alpha", "Beta"]
    items = await live_server.store.review.items(review.session_id)
    assert [item.title_en for item in items] == ["Gamma", "Alpha", "Beta"]


async def test_a_stale_order_is_refused_said_and_reloaded(
    new_page, sign_in, live_server, review
) -> None:
    page = await new_page(lang="zh_CN")
    await sign_in(page, email="host@example.org")
    await page.goto(f"/console/sessions/{review.session_id}#items")
    store = live_server.store
    await reviews.add_item(store, session=review, fields={"title_en": "Delta"}, now=NOW)

    async with page.expect_navigation(timeout=10_000):
        await page.drag_and_drop("li.item:has-text('Gamma')", "li.item:has-text('Alpha')")
        await expect(page.locator(".reorder-status")).to_have_text(
            "评审项目已被他人修改（新增、删除或调整顺序），请刷新后重试。"
        )

    assert await titles(page) == ["Alpha", "Beta", "Gamma", "Delta"]
    items = await store.review.items(review.session_id)
    assert [item.title_en for item in items] == ["Alpha", "Beta", "Gamma", "Delta"]


async def test_a_material_is_uploaded_and_opened_in_the_viewer(
    new_page, sign_in, live_server, review, tmp_path
) -> None:
    pdf = tmp_path / "proposal.pdf"
    pdf.write_bytes(make_pdf(2))
    page = await new_page()
    await sign_in(page, email="host@example.org")
    await page.goto(f"/console/sessions/{review.session_id}#items")
    form = page.locator("li.item:has-text('Beta') form[data-upload]")

    await form.locator("input[type=file]").set_input_files(str(pdf))
    async with page.expect_navigation():
        await form.locator("button[type=submit]").click()
    await expect(page.locator(".flash.success")).to_have_text("The material was uploaded.")
    await page.click("li.item:has-text('Beta') .materials a:has-text('proposal.pdf')")

    await expect(page.locator("#viewer-count")).to_have_text("2")
