"""axe-core (npm, pinned in package.json) in a real page: its serious and critical WCAG 2.1
A/AA violations, text contrast included."""

from pathlib import Path

from playwright.async_api import Page

AXE_SOURCE = (
    Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
).read_text()
AXE_RUN_JS = """async () => {
  const result = await axe.run(document, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
  });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
}"""


async def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical WCAG A/AA violations on the page as it is now (the
    script is evaluated through the DevTools protocol: the page's CSP stays as it is)."""
    if not await page.evaluate("() => Boolean(window.axe)"):
        await page.evaluate(AXE_SOURCE)
    return await page.evaluate(AXE_RUN_JS)
