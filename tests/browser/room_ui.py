"""Driving the room page as a person does: a side panel opens from its toolbar button (on a
phone, some buttons sit in the toolbar's "More" sheet), a person's actions from their menu."""

from playwright.async_api import Locator, Page, expect


async def open_panel(page: Page, name: str) -> None:
    """Open the side panel `name` (chat, people, hands, host, qa, polls, review, judging,
    interest, breakouts, help) unless it is open already."""
    panel = page.locator(f"#panel-{name}")
    if await panel.is_visible():
        return
    button = page.locator(f"#room-bar [data-opens={name}]")
    if not await button.is_visible() and await page.locator("#more-button").is_visible():
        await page.click("#more-button")
    await button.click()
    await expect(panel).to_be_visible()


async def open_person_menu(page: Page, row: Locator) -> None:
    """Open the menu of a person of the people panel (a moderator's actions on them)."""
    await open_panel(page, "people")
    if await row.locator(".person-menu-button").get_attribute("aria-expanded") != "true":
        await row.locator(".person-menu-button").click()


async def person_action(page: Page, row: Locator, action: str) -> None:
    """Click a moderator's action on a person of the people panel (its menu opened first)."""
    await open_person_menu(page, row)
    await row.locator(f"[data-action={action}]").click()
