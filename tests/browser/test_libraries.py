"""The demand and achievement libraries in headless Chromium, as a newcomer meets them after
``make run``: a visitor searches the public demands in Chinese and opens one (no contact
shown); the demo host opens the same demand in the console and finds the achievement that
fits it first among its matches, with the reasons."""

import re

from playwright.async_api import expect

from server.seed import HOST_EMAIL, credentials_file, seed_demo

BATTERY_DEMAND = "退役动力电池回收与梯次利用技术"
BATTERY_ACHIEVEMENT = "废旧锂电池正极材料直接再生技术"


async def test_a_demand_finds_its_achievement_in_the_browser(
    live_server, new_page, sign_in
) -> None:  # type: ignore[no-untyped-def]
    await seed_demo(live_server.store, live_server.settings)
    found = re.search(
        rf"{re.escape(HOST_EMAIL)} / (\S+)", credentials_file(live_server.settings).read_text()
    )
    assert found is not None
    visitor = await new_page("zh_CN")

    await visitor.goto("/")
    await visitor.click("text=企业技术需求")
    await visitor.fill("input[name=q]", "电池回收")
    await visitor.click("form.search button[type=submit]")
    await expect(visitor.locator(".listing h3").first).to_have_text(BATTERY_DEMAND)
    await visitor.click(f"text={BATTERY_DEMAND}")
    await expect(visitor.locator("dd.contact")).to_have_text("请通过学会工作人员联系。")

    host = await new_page("zh_CN")
    await sign_in(host, email=HOST_EMAIL, password=found.group(1))
    await host.goto("/console")
    await host.click("text=需求库")
    await host.click(f"text={BATTERY_DEMAND}")
    await host.click("a.button:has-text('匹配')")
    first = host.locator("#listing-matches ~ ol .match").first
    await expect(first.locator("h3")).to_have_text(BATTERY_ACHIEVEMENT)
    await expect(first).to_contain_text("共同学科： 材料科学与工程")
    await expect(first.locator(".tag", has_text="回收")).to_be_visible()
