"""A listener invited to speak, in real browsers, inside a network namespace (as
netns_scenario.py):

    echo '{"redis_url": "unix:///…/redis.sock", "subnet": 44, "data_dir": "/tmp/…"}' \\
        | unshare --net python -m tests.browser.netns_speaking

A public class: the teacher (signed-in staff, its host) joins with camera and microphone;
a student (an anonymous guest, an attendee: a listener) joins with neither, and cannot turn
them on. Then:

1. the student raises a hand; the teacher invites them to speak with video from the roster;
2. the student's page prompts them; they accept: their hand is lowered, their microphone and
   camera come on by themselves, and the teacher decodes the student's video;
3. the teacher takes the floor back: the student's controls go, the teacher's page decodes
   nothing of them any more, and the student still decodes the teacher.

It prints one JSON object (what each page saw, per step) as its last line of stdout;
tests/browser/test_speaking_media.py judges it.
"""

import asyncio
import socket

from aiohttp import web
from playwright.async_api import Browser

from server.app import make_app
from server.store import Store, connect
from tests.browser.media_checks import Person, decoding, until
from tests.browser.netns_scenario import Scenario, flowing, play
from tests.browser.room_ui import open_panel, person_action
from tests.browser.test_room import open_meeting, room_path

QUIET = 2.0  # seconds over which a page's remote videos must decode nothing (or something)
STUDENT = "Li Lei"
BUTTONS_JS = """() => ({
  mic: !document.getElementById("mic-button").hidden,
  camera: !document.getElementById("cam-button").hidden,
  stop: !document.getElementById("stop-speaking").hidden,
})"""


class SpeakingScenario(Scenario):
    async def in_world(self, redis_url: str) -> None:
        store = Store(connect(redis_url))
        await store.redis.flushdb()
        session = await open_meeting(store, lobby=False, kind="class")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self.subnet.server_address, 0))
        settings = self.settings(sock.getsockname()[1], redis_url)
        runner = web.AppRunner(make_app(settings), handle_signals=False)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        try:
            await self.drive(settings.base_url, room_path(session), "")
        finally:
            await runner.cleanup()
            await store.close()

    async def quiet(self, person: Person) -> list[str]:
        """The remote videos that decoded frames over QUIET seconds."""
        first = await person.summary()
        await asyncio.sleep(QUIET)
        return flowing(first, await person.summary())

    async def steps(self, browser: Browser, base_url: str, path: str, token: str) -> None:
        self.mark("browser up")
        teacher = await self.open_person(browser, "teacher", base_url)
        await self.sign_in(teacher)
        await self.join(teacher, path, name=None, camera=True, mic=True)
        student = await self.open_person(browser, "student", base_url)
        await self.join(student, path, name=STUDENT, camera=False, mic=False)

        async def student_sees_teacher() -> bool:
            return len(decoding(await student.summary())) >= 1

        await until("the student decodes the teacher", student_sees_teacher)
        self.result["listening"] = {
            "buttons": await student.js(BUTTONS_JS),
            "teacher_decodes": len(decoding(await teacher.summary())),
        }
        self.mark("the student listens")

        # 1. a raised hand, an invitation with video
        await student.page.click("#hand-button")
        hand = teacher.page.locator("#hands-list li", has_text=STUDENT)
        await open_panel(teacher.page, "hands")
        await hand.locator("[data-action=invite-speak]").wait_for()
        entry = teacher.page.locator("#roster-list li.person", has_text=STUDENT)
        await person_action(teacher.page, entry, "invite-video")
        await student.page.wait_for_selector("#speak-prompt:not([hidden])")
        await entry.locator(".badge.invited").wait_for()
        self.result["prompt"] = await student.page.text_content("#speak-prompt-text")
        await self.shoot(student, "invited")
        self.mark("the student is invited")

        # 2. accepted: the student speaks and is seen
        await student.page.click("#speak-accept")
        await student.page.wait_for_selector("#stop-speaking:not([hidden])")
        await entry.locator(".badge.speaking").wait_for()

        async def teacher_sees_student() -> bool:
            return len(decoding(await teacher.summary())) >= 1

        await until("the teacher decodes the student", teacher_sees_student)
        await student.page.wait_for_selector("#cam-button[aria-pressed=true]")
        await student.page.wait_for_selector("#mic-button[aria-pressed=true]")
        self.result["speaking"] = {
            "buttons": await student.js(BUTTONS_JS),
            "hands": await teacher.page.locator("#hands-list li").count(),
            "teacher_flowing": len(await self.quiet(teacher)),
        }
        await self.shoot(teacher, "speaking")
        await self.shoot(student, "speaking")
        self.mark("the teacher sees the student")

        # 3. taken back
        await person_action(teacher.page, entry, "take-back")
        await student.page.wait_for_selector("#stop-speaking", state="hidden")
        await student.page.wait_for_selector("#mic-button", state="hidden")
        await asyncio.sleep(0.5)  # frames in flight
        self.result["taken_back"] = {
            "buttons": await student.js(BUTTONS_JS),
            "teacher_flowing": await self.quiet(teacher),
        }
        await until("the student decodes the teacher again", student_sees_teacher)
        self.result["taken_back"]["student_flowing"] = len(await self.quiet(student))
        self.mark("the floor is taken back")


async def main() -> None:
    await play(SpeakingScenario)


if __name__ == "__main__":
    asyncio.run(main())
