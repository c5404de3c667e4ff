"""A review panel in real browsers, run inside a network namespace (as netns_scenario.py):

    echo '{"redis_url": "unix:///…/redis.sock", "subnet": 43, "data_dir": "/tmp/…"}' \\
        | unshare --net python -m tests.browser.netns_review

The chair (signed-in staff) and reviewers A and B join with cameras; B is conflicted on item
2, whose applicant waits in the lobby with a camera on. Then:

1. item 1: the chair runs it to scoring; A and B score in their panels; the chair sees
   "2 of 2 submitted" and no values until closing, then the table;
2. item 2: B is moved out (the stepped-out screen) and B's remote videos stop receiving;
   the applicant is admitted and presents with video, which the chair and A decode;
3. deliberation moves the applicant out; A scores; the chair closes: B is back and decodes
   video again;
4. the chair opens the results page, and downloads the results PDF (saved for pdftotext).

It prints one JSON object (what each page saw, per step) as its last line of stdout;
tests/browser/test_review_media.py judges it.
"""

import asyncio
import socket
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web
from playwright.async_api import Browser

from rooms.roles import Role
from server.app import make_app
from server.invitations import issue_invite, sign_invite
from server.store import Store, connect
from tests.browser.media_checks import Person, decoding, until
from tests.browser.netns_scenario import Scenario, flowing, play
from tests.browser.test_review_room import A_MAIL, B_MAIL, CHAIR_EMAIL, open_review, room_path
from tests.server.fixtures_login import PASSWORD

APPLICANT = "zhang.wei@lab.cn"
QUIET = 3.0  # seconds over which a page's remote videos must decode nothing (or something)


class ReviewScenario(Scenario):
    async def in_world(self, redis_url: str) -> None:
        store = Store(connect(redis_url))
        await store.redis.flushdb()
        session = await open_review(store, conflicted=1, applicant=APPLICANT)
        self.session_id = session.session_id
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self.subnet.server_address, 0))
        settings = self.settings(sock.getsockname()[1], redis_url)
        tokens = {}
        for name, email, role in [("Reviewer A", A_MAIL, Role.REVIEWER),
                                  ("Reviewer B", B_MAIL, Role.REVIEWER),
                                  ("Zhang Wei", APPLICANT, Role.PRESENTER)]:  # fmt: skip
            invite = await issue_invite(
                store, session=session, role=role, name=name, email=email, single_use=False,
                days=1, created_by="test", now=datetime.now(UTC),
            )  # fmt: skip
            tokens[email] = sign_invite(settings, invite)
        self.tokens = tokens
        runner = web.AppRunner(make_app(settings), handle_signals=False)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        try:
            await self.drive(settings.base_url, room_path(session), "")
        finally:
            await runner.cleanup()
            await store.close()

    async def by_invite(self, browser: Browser, label: str, base_url: str, email: str) -> Person:
        person = await self.open_person(browser, label, base_url)
        await person.page.goto(f"/invite/{self.tokens[email]}")
        async with person.page.expect_navigation():
            await person.page.click("form.join button[type=submit]")
        return person

    async def enter(self, person: Person, path: str, *, room: bool = True) -> None:
        page = person.page
        await page.goto(path)
        await page.wait_for_selector("#preview:not([hidden])")
        await page.set_checked("#prejoin-camera", True)
        await page.set_checked("#prejoin-mic", True)
        await page.wait_for_selector("#preview-box:not(.off)")
        await page.click("#join-button")
        await page.wait_for_selector("#room:not([hidden])" if room else "#lobby:not([hidden])")

    async def quiet(self, person: Person) -> list[str]:
        """The remote videos that decoded frames over QUIET seconds."""
        first = await person.summary()
        await asyncio.sleep(QUIET)
        return flowing(first, await person.summary())

    async def next_phase(self, chair: Person, phase: str) -> None:
        await chair.page.click("#review-next")
        await chair.page.wait_for_function(
            "(p) => document.getElementById('review-item-phase').textContent === p", arg=phase
        )

    async def score(self, reviewer: Person, values: tuple[str, str]) -> str:
        page = reviewer.page
        await page.wait_for_selector("#score-form:not([hidden])")
        await page.fill("#score-c1", values[0])
        await page.fill("#score-c2", values[1])
        await page.select_option("#score-recommendation", "fund")
        await page.click("#score-submit")
        await page.wait_for_function(
            "() => document.getElementById('score-status').textContent.startsWith('Saved')"
        )
        return str(await page.text_content("#score-status"))

    async def steps(self, browser: Browser, base_url: str, path: str, token: str) -> None:
        self.mark("browser up")
        chair = await self.open_person(browser, "chair", base_url)
        await chair.page.goto("/login")
        await chair.page.fill("input[name=email]", CHAIR_EMAIL)
        await chair.page.fill("input[name=password]", PASSWORD)
        async with chair.page.expect_navigation():
            await chair.page.click("form[action='/login'] button[type=submit]")
        await self.enter(chair, path)
        a = await self.by_invite(browser, "a", base_url, A_MAIL)
        await self.enter(a, path)
        b = await self.by_invite(browser, "b", base_url, B_MAIL)
        await self.enter(b, path)
        panel = [chair, a, b]
        await self.all_decode(panel, 2)
        self.mark("panel decodes each other")
        applicant = await self.by_invite(browser, "applicant", base_url, APPLICANT)
        await self.enter(applicant, path, room=False)
        self.mark("applicant waits in the lobby")

        # item 1: scores sealed until close
        items = chair.page.locator("#review-items li")
        await items.nth(0).locator("[data-action=start]").click()
        for phase in ("Q&A", "Deliberation", "Scoring"):
            await self.next_phase(chair, phase)
        saved = [await self.score(a, ("4.5", "7.5")), await self.score(b, ("2", "3"))]
        await chair.page.wait_for_function(
            "() => document.getElementById('review-progress').textContent === '2 of 2 submitted'"
        )
        before_close = await chair.page.evaluate(SEEN_JS)
        await chair.page.click("#review-next")  # close scoring
        await chair.page.wait_for_selector("#review-results:not([hidden]) tbody tr td.total")
        totals = await chair.page.locator("#review-results tbody tr td.total").all_text_contents()
        self.result["item1"] = {"saved": saved, "before_close": before_close, "totals": totals}
        self.mark("item 1 closed")

        # item 2: B out (no video), the applicant in (presenting with video)
        await items.nth(1).locator("[data-action=start]").click()
        await b.page.wait_for_selector("#stepped-out:not([hidden])")
        await applicant.page.wait_for_selector("#room:not([hidden])")
        self.mark("item 2 started")

        async def applicant_seen() -> bool:
            counts = [len(decoding(await p.summary())) for p in (chair, a)]
            return all(count >= 2 for count in counts)  # each other + the applicant

        await until("the chair and A decode the applicant", applicant_seen)
        b_during = await self.quiet(b)
        self.result["item2"] = {
            "b_flowing": b_during,
            "b_screen": await b.page.text_content("#stepped-out-title"),
            "applicant_flowing": len(await self.quiet(applicant)),
        }
        self.mark("item 2 presenting")
        for phase in ("Q&A", "Deliberation"):
            await self.next_phase(chair, phase)
        await applicant.page.wait_for_selector("#stepped-out:not([hidden])")

        async def applicant_tile_gone() -> bool:
            return await chair.page.evaluate(TILES_JS) == 2  # the chair and A (B is out)

        try:
            await until("the applicant's tile leaves the chair's stage", applicant_tile_gone)
        finally:
            self.result["item2"]["chair_tiles_after_deliberation"] = await chair.page.evaluate(
                TILES_JS
            )
        await self.next_phase(chair, "Scoring")
        await self.score(a, ("3", "6"))
        await chair.page.click("#review-next")  # close: B comes back
        await b.page.wait_for_selector("#room:not([hidden])")

        async def b_decodes() -> bool:
            return len(decoding(await b.summary())) >= 2

        await until("B decodes the panel again", b_decodes)
        self.result["item2"]["b_after"] = len(await self.quiet(b))
        self.mark("item 2 closed, B back")

        # the results page and its PDF
        await chair.page.goto(f"/sessions/{self.session_id}/results")
        self.result["results_page"] = await chair.page.text_content("main")
        pdf = await chair.page.request.get(f"/sessions/{self.session_id}/results.pdf")
        pdf_path = Path(self.config["data_dir"]) / "results.pdf"
        pdf_path.write_bytes(await pdf.body())
        self.result["pdf"] = {"status": pdf.status, "path": str(pdf_path)}
        self.mark("results")


# how many camera tiles (people seen or heard, the page's own included) a page's stage has
TILES_JS = "() => document.querySelectorAll('#tiles .tile:not(.screen)').length"

# what the chair's page shows of scores before closing: the results table, any number
SEEN_JS = """() => ({
  results_visible: !document.getElementById("review-results").hidden,
  text: document.getElementById("review-panel").textContent,
})"""


async def main() -> None:
    await play(ReviewScenario)


if __name__ == "__main__":
    asyncio.run(main())
