"""The console, the public pages, an invite's pages, the login page and the error pages
measured in real Chromium, in each language: axe-core (npm, pinned in package.json) finds no
serious or critical WCAG 2.1 A/AA violation (text contrast included), and at a phone's
375 × 812 and a laptop's 1280 × 800 no element sticks out of the window sideways and no
control in the window lies under another element. The header's
notification badge is measured too: its text contrast at least 4.5:1, a pill, not a column.

One browser and one live server per language; each page is loaded once, checked by axe at
the phone's size, then measured at both sizes. The room's screens are measured by
test_room_app.py.
"""

from datetime import UTC, datetime

import pytest
from playwright.async_api import Page

from rooms.agenda import PersonType, person_key
from rooms.notifications import Notification, NotificationKind
from rooms.roles import Role
from server.invitations import issue_invite, sign_invite
from tests.browser.axe import AXE_SOURCE
from tests.browser.test_room_app import LAPTOP, PHONE
from tests.server.pages_world import (
    PASSWORD,
    make_event,
    make_session,
    put_on_roster,
    staff_of_new_org,
)

HOST_EMAIL = "measured.host@example.org"

# the visible elements that reach past the window's left or right edge, unless a scrolling
# or clipping box holds them (a wide table in its .table-wrap)
OFF_SCREEN_JS = """() => {
  const width = document.documentElement.clientWidth;
  const held = (node) => {
    for (let box = node.parentElement; box && box !== document.body; box = box.parentElement) {
      if (getComputedStyle(box).overflowX !== "visible") return true;
    }
    return false;
  };
  const off = [];
  for (const node of document.body.querySelectorAll("*")) {
    if (!node.checkVisibility() || node.closest(".visually-hidden")) continue;
    const rect = node.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) continue;
    if ((rect.right > width + 1 || rect.left < -1) && !held(node)) {
      off.push(`${node.tagName.toLowerCase()}.${node.className} ${Math.round(rect.right)}`);
    }
  }
  // a control in the window with something else over its centre (its own label is itself)
  const covered = [];
  const name = (node) => `${node.tagName.toLowerCase()}.${node.className}`;
  for (const node of document.body.querySelectorAll("a, button, input, select, textarea")) {
    if (!node.checkVisibility({ opacityProperty: true })) continue;
    if (node.closest(".visually-hidden")) continue;
    const rect = node.getBoundingClientRect();
    const x = rect.left + rect.width / 2, y = rect.top + rect.height / 2;
    if (rect.width === 0 || x < 0 || y < 0 || x > width || y > innerHeight) continue;
    const top = document.elementFromPoint(x, y);
    if (!top || node === top || node.contains(top) || top.contains(node)) continue;
    if (!top.closest("label")?.contains(node)) covered.push(`${name(node)} under ${name(top)}`);
  }
  return { off: off.slice(0, 5), covered: covered.slice(0, 5),
           scroll: document.documentElement.scrollWidth - width };
}"""

# axe-core's serious and critical WCAG 2.1 A/AA violations (contrast included), violations only
AXE_JS = """async () => {
  const result = await axe.run(document, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    resultTypes: ["violations"],
  });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
}"""

BADGE_JS = """() => {
  const badge = document.querySelector(".notifications-badge");
  const rect = badge.getBoundingClientRect();
  const style = getComputedStyle(badge);
  return { color: style.color, background: style.backgroundColor, height: rect.height,
           width: rect.width };
}"""


async def world(store, settings) -> tuple[dict[str, str], dict[str, str]]:  # type: ignore[no-untyped-def]
    """The pages to measure, by name, signed out and signed in: an event with a meeting and
    a review, a host with a notification, an expert in the pool, an invite to the meeting."""
    host = await staff_of_new_org(store, email=HOST_EMAIL)
    event = await make_event(store, host)
    meeting = await make_session(
        store, event, title="Opening", start="2030-05-01T09:00", end="2030-05-01T10:00"
    )
    review = await make_session(
        store, event, title="Panel", kind="review", start="2030-05-01T10:30",
        end="2030-05-01T12:00",
    )  # fmt: skip
    await put_on_roster(store, meeting, name="Li Lei", role=Role.PRESENTER)
    await put_on_roster(store, review, name="Wang Fang", role=Role.REVIEWER)
    fields = {"name": "Zhao Min", "email": "zhao@example.org", "affiliation": "Tsinghua"}
    await store.experts.create(org_id=host.org_id, fields=fields, now=datetime.now(UTC))
    await store.notifications.push(
        Notification(
            notification_id="n1",
            person_key=person_key(PersonType.ACCOUNT, host.account_id),
            kind=NotificationKind.REMINDER,
            session_id=meeting.session_id,
            title=meeting.title,
            start=meeting.start,
            created_at=datetime.now(UTC),
        )
    )
    invite = await issue_invite(
        store, session=meeting, role=Role.ATTENDEE, name="Li Lei", email="li@example.org",
        single_use=False, days=7, created_by=host.account_id, now=datetime.now(UTC),
    )  # fmt: skip
    public = {
        "invite": f"/invite/{sign_invite(settings, invite)}",  # a phone link's first page
        "refused invite": "/invite/no-such-token",
        "login": "/login",
        "home": "/",
        "event": f"/events/{event.event_id}",
        "session": f"/sessions/{meeting.session_id}",
        "review": f"/sessions/{review.session_id}",
        "not found": "/no/such/page",
    }
    console = {
        "console event": f"/console/events/{event.event_id}",
        "console session": f"/console/sessions/{meeting.session_id}",
        "console review": f"/console/sessions/{review.session_id}",
        "new event": "/console/events/new",
        "experts": "/console/experts",
        "console 404": "/console/sessions/nosuchsession",
        "console": "/console",  # last: the header's badge is measured there
    }
    return public, console


async def measure(page: Page, path: str) -> list[str]:
    """What is wrong with the page at path: axe's findings, elements off-screen."""
    await page.set_viewport_size(PHONE)
    await page.goto(path)
    await page.evaluate(AXE_SOURCE)  # through DevTools: the page's CSP stays as it is
    found = [f"{path}: {v}" for v in await page.evaluate(AXE_JS)]
    for size in (PHONE, LAPTOP):
        await page.set_viewport_size(size)
        layout = await page.evaluate(OFF_SCREEN_JS)
        if layout["off"] or layout["covered"] or layout["scroll"] > 0:
            found.append(f"{path} at {size['width']}: off-screen {layout}")
    return found


def luminance(css: str) -> float:
    channels = [int(part) / 255 for part in css[css.index("(") + 1 : -1].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
async def test_pages_pass_axe_and_fit_the_window(live_server, new_page, sign_in, lang) -> None:
    public, console = await world(live_server.store, live_server.settings)
    visitor = await new_page(lang=lang)
    found = [problem for path in public.values() for problem in await measure(visitor, path)]
    await sign_in(visitor, email=HOST_EMAIL, password=PASSWORD)
    for path in console.values():
        found += await measure(visitor, path)

    assert found == []
    badge = await visitor.evaluate(BADGE_JS)
    assert contrast(badge["color"], badge["background"]) >= 4.5
    assert badge["height"] <= 28 and badge["width"] <= 2 * badge["height"]
