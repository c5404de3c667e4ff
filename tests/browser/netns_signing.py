"""A signing ceremony in real browsers with media, inside a network namespace (as
netns_scenario.py):

    echo '{"redis_url": "unix:///…/redis.sock", "subnet": 46, "data_dir": "/tmp/…"}' \\
        | unshare --net python -m tests.browser.netns_signing

An open signing session whose agreement is ready (tests/browser/test_signing_room.py
``prepared``): the host (signed-in staff) joins with camera and microphone, the ceremony
broadcast; two signers and a witness join by their invites, and an audience member as a guest.
Then:

1. the audience decodes the host's video and has the agreement on its stage;
2. the host fixes the document and calls 张伟, who confirms, consents and draws a signature:
   the audience sees the moment and the party signed;
3. the host calls Chen Jing, who confirms, drops out (reloads the page), comes back and
   signs: the audience sees the second party signed;
4. the witness attests, the host closes the ceremony: the audience has the signed PDF's link,
   and the log in Redis verifies.

It prints one JSON object (what each page saw, per step) as its last line of stdout;
tests/browser/test_signing_media.py judges it.
"""

import asyncio
import socket
from types import SimpleNamespace

from aiohttp import web
from playwright.async_api import Browser, expect

from rooms.signing_log import verify
from server.app import make_app
from server.store import Store, connect
from tests.browser.media_checks import SETUP_TIMEOUT, Person, decoding, until
from tests.browser.netns_scenario import Scenario, play
from tests.browser.test_room import room_path
from tests.browser.test_signing_room import confirms, party, prepared, signs


class SigningScenario(Scenario):
    async def in_world(self, redis_url: str) -> None:
        self.store = store = Store(connect(redis_url))
        await store.redis.flushdb()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self.subnet.server_address, 0))
        settings = self.settings(sock.getsockname()[1], redis_url)
        self.session, self.tokens = await prepared(SimpleNamespace(store=store, settings=settings))
        runner = web.AppRunner(make_app(settings), handle_signals=False)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        try:
            await self.drive(settings.base_url, room_path(self.session), "")
        finally:
            await runner.cleanup()
            await store.close()

    async def invited(self, browser: Browser, label: str, name: str, base_url: str) -> Person:
        person = await self.open_person(browser, label, base_url)
        await person.page.goto(f"/invite/{self.tokens[name]}")
        async with person.page.expect_navigation():
            await person.page.click("form.join button[type=submit]")
        await self.join(person, room_path(self.session), name=None, camera=False, mic=False)
        return person

    async def steps(self, browser: Browser, base_url: str, path: str, token: str) -> None:
        expect.set_options(timeout=SETUP_TIMEOUT * 1000)
        self.mark("browser up")
        host = await self.open_person(browser, "host", base_url)
        await self.sign_in(host)
        await self.join(host, path, name=None, camera=True, mic=True)
        zhang = await self.invited(browser, "zhang", "张伟", base_url)
        chen = await self.invited(browser, "chen", "Chen Jing", base_url)
        liu = await self.invited(browser, "liu", "Liu Yang", base_url)
        audience = await self.open_person(browser, "audience", base_url)
        await self.join(audience, path, name="Li Lei", camera=False, mic=False)

        async def audience_sees_host() -> bool:
            return len(decoding(await audience.summary())) >= 1

        await until("the audience decodes the host", audience_sees_host)
        await expect(audience.page.locator("#signing-page canvas")).to_have_count(1)
        self.result["before"] = {
            "decoding": len(decoding(await audience.summary())),
            "title": await audience.page.locator("#signing-title").text_content(),
        }
        self.mark("everyone in, the audience sees the host and the agreement")

        await host.page.click("#signing-fix")
        await host.page.click("#signing-call")
        await confirms(zhang.page, "张伟")
        self.result["out_of_turn_hidden"] = await chen.page.locator("#signing-identity").is_hidden()
        moment = audience.page.locator("#signing-moment")
        await signs(zhang.page, "张伟")
        await expect(audience.page.locator("#signing-moment-signed")).to_be_visible()
        self.result["moment"] = await moment.inner_text()
        await expect(party(audience.page, "p1")).to_have_attribute("data-state", "signed")
        await self.shoot(audience, "moment")
        self.mark("the first party signed, the audience saw it")

        await host.page.click("#signing-call")
        await confirms(chen.page, "chen jing")
        await chen.page.reload()  # dropped out in the middle of their turn
        await chen.page.click("#join-button")
        await expect(chen.page.locator("#signing-consent")).to_be_visible()
        await signs(chen.page, "Chen Jing")
        await expect(party(audience.page, "p2")).to_have_attribute("data-state", "signed")
        self.mark("the second party came back and signed")

        await expect(liu.page.locator("#signing-witness")).to_be_visible()
        await liu.page.fill("#signing-witness-name", "Liu Yang")
        await liu.page.click("#signing-witness button[type=submit]")
        witnesses = audience.page.locator("#signing-witnesses li")
        await expect(witnesses).to_have_attribute("data-attested", "yes")
        await host.page.click("#signing-close")
        await expect(audience.page.locator("#signing")).to_have_attribute("data-closed", "yes")
        self.result["states"] = [
            await party(audience.page, p).get_attribute("data-state") for p in ("p1", "p2")
        ]
        self.result["signed_link"] = await audience.page.locator("#signing-signed").get_attribute(
            "href"
        )
        await asyncio.sleep(1)
        self.result["after"] = {"decoding": len(decoding(await audience.summary()))}
        log = await self.store.signings.log(self.session.session_id)
        self.result["log"] = {"ok": verify(log).ok, "steps": [str(e.step) for e in log]}
        self.mark("witnessed and closed")


async def main() -> None:
    await play(SigningScenario)


if __name__ == "__main__":
    asyncio.run(main())
