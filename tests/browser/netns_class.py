"""A whole class in real browsers, inside a network namespace (as netns_scenario.py):

    echo '{"redis_url": "unix:///…/redis.sock", "subnet": 45, "data_dir": "/tmp/…"}' \\
        | unshare --net python -m tests.browser.netns_class

A public class; the teacher (signed-in staff, its host) joins with camera and microphone;
students Li Lei and Han Mei join by their invites, as listeners (no camera, no microphone).
Then:

1. slides: the teacher uploads a three-page deck and turns to page 2; both students follow;
   Wang Fang joins late and opens at page 2; the teacher turns to page 3: everyone follows;
2. a poll that closes in 10 seconds: the three students vote;
3. meanwhile Q&A: Han asks, Li and Wang upvote, the teacher answers it (highlighted for
   all), then marks it answered;
4. the poll closes by itself; the teacher shares the results: they appear for the students;
5. the teacher invites Li to speak with video; Li accepts: the teacher, Han and Wang decode
   Li's video and hear Li's audio; the teacher takes the floor back: nothing of Li reaches
   them any more;
6. after the class: a certificate threshold of one active minute is set on the session, the
   teacher ends the class and downloads the Q&A (the answered question, its votes); Li
   opens their attendance page from their invite and downloads their certificate, in
   English and in Chinese (saved for pdftotext).

It prints one JSON object (what each page saw, per step) as its last line of stdout;
tests/browser/test_class_media.py judges it.
"""

import asyncio
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from playwright.async_api import Browser, Dialog, Page, expect

from rooms.attendance import totals
from rooms.certificates import Scope
from rooms.roles import Role
from server import certificates
from server.app import make_app
from server.invitations import issue_invite, sign_invite
from server.store import Store, connect
from tests.browser.media_checks import SETUP_TIMEOUT, Person, decoding, until
from tests.browser.netns_scenario import Scenario, flowing, play
from tests.browser.room_ui import open_panel, person_action
from tests.browser.test_polls_room import first_poll
from tests.browser.test_qa_room import item
from tests.browser.test_room import room_path
from tests.browser.test_slides_room import open_class, shows_page
from tests.fixtures_files import make_pdf

QUIET = 2.0  # seconds over which a page's remote media must flow (or not)
STUDENTS = {"li": "Li Lei", "han": "Han Mei", "wang": "Wang Fang"}
QUESTION = "Why is the sky blue?"
CERTIFICATE_SECONDS = 60  # Li's active time the one-minute threshold needs
POLL_CLOSES_MS = 25_000  # the poll's 10 seconds, and a margin


def heard(first: dict[str, Any], last: dict[str, Any]) -> list[str]:
    """The remote audio tracks that brought sound between two summaries: samples that
    were not concealment, and energy."""
    earlier = {audio["track"]: audio for audio in first["audios"]}
    found = []
    for audio in last["audios"]:
        start = earlier.get(audio["track"], {"samples": 0, "concealed": 0, "energy": 0})
        real = (audio["samples"] - audio["concealed"]) - (start["samples"] - start["concealed"])
        if real > 0 and audio["energy"] > start["energy"]:
            found.append(audio["track"])
    return found


async def accept(dialog: Dialog) -> None:
    await dialog.accept()


STAGE_LAYOUT = """() => {
  const stage = document.getElementById("stage");
  const slides = document.querySelector("#slides-page canvas").getBoundingClientRect();
  const camera = document.querySelector("#tiles figure.tile:not(.no-video) video");
  return {
    with_slides: stage.classList.contains("with-slides"),
    slides_width: slides.width,
    camera_width: camera === null ? 0 : camera.getBoundingClientRect().width,
    camera_playing: camera !== null && camera.videoWidth > 0,
  };
}"""


async def stage_layout(page: Page) -> dict[str, Any]:
    """How a student's stage shows the slides and the teacher's camera, once it plays."""
    await page.wait_for_function(
        "() => [...document.querySelectorAll('#tiles video')].some((v) => v.videoWidth > 0)",
        timeout=SETUP_TIMEOUT * 1000,
    )
    return dict(await page.evaluate(STAGE_LAYOUT))


class ClassScenario(Scenario):
    async def in_world(self, redis_url: str) -> None:
        self.store = store = Store(connect(redis_url))
        await store.redis.flushdb()
        self.session = session = await open_class(store, recording_allowed=True)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self.subnet.server_address, 0))
        settings = self.settings(sock.getsockname()[1], redis_url)
        self.tokens = {}
        for label, name in STUDENTS.items():
            invite = await issue_invite(
                store, session=session, role=Role.ATTENDEE, name=name,
                email=f"{label}@school.cn", single_use=False, days=1, created_by="test",
                now=datetime.now(UTC),
            )  # fmt: skip
            self.tokens[label] = sign_invite(settings, invite)
        runner = web.AppRunner(make_app(settings), handle_signals=False)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        try:
            await self.drive(settings.base_url, room_path(session), "")
        finally:
            await runner.cleanup()
            await store.close()

    async def record(self, teacher: Person, *, on: bool) -> None:
        """The teacher starts (stops) recording from the host controls; once stopped, the
        recording's record and folder go into the result for the test to read back."""
        await open_panel(teacher.page, "host")
        await teacher.page.click("#record-toggle")
        indicator = teacher.page.locator("#flag-recording")
        await (expect(indicator).to_be_visible() if on else expect(indicator).to_be_hidden())
        self.mark("recording" if on else "recording stopped")
        if on:
            return

        async def stopped() -> bool:
            found = await self.store.recordings.of_session(self.session.session_id)
            return len(found) == 1 and found[0].stopped_at is not None

        await until("the recording's record is kept", stopped)
        [record] = await self.store.recordings.of_session(self.session.session_id)
        self.result["recording"] = {
            "folder": str(Path(self.config["data_dir"]) / record.folder),
            "started_at": record.started_at,
            "stopped_at": record.stopped_at,
            "tracks": [
                {"name": t.name, "participant_id": t.participant_id, "kind": t.kind,
                 "started_ms": t.started_ms, "ended_ms": t.ended_ms, "frames": t.frames}
                for t in record.tracks
            ],
        }  # fmt: skip

    async def student(self, browser: Browser, label: str, base_url: str, path: str) -> Person:
        """A student opens their invite, then the room, and joins as a listener."""
        person = await self.open_person(browser, label, base_url)
        await person.page.goto(f"/invite/{self.tokens[label]}")
        async with person.page.expect_navigation():
            await person.page.click("form.join button[type=submit]")
        await self.join(person, path, name=None, camera=False, mic=False)
        return person

    async def flows(self, person: Person) -> dict[str, int]:
        """How many remote videos decode and remote audios sound over QUIET seconds."""
        first = await person.summary()
        await asyncio.sleep(QUIET)
        last = await person.summary()
        return {"videos": len(flowing(first, last)), "audios": len(heard(first, last))}

    async def steps(self, browser: Browser, base_url: str, path: str, token: str) -> None:
        expect.set_options(timeout=SETUP_TIMEOUT * 1000)
        self.mark("browser up")
        teacher = await self.open_person(browser, "teacher", base_url)
        await self.sign_in(teacher)
        await self.join(teacher, path, name=None, camera=True, mic=True)
        li = await self.student(browser, "li", base_url, path)
        han = await self.student(browser, "han", base_url, path)
        self.mark("teacher and two students in")
        await self.record(teacher, on=True)
        wang = await self.slides(browser, teacher, [li, han], base_url, path)
        students = [li, han, wang]
        await self.poll_and_questions(teacher, students)
        await self.speaking(teacher, li, [teacher, han, wang])
        await self.after_class(teacher, li)

    async def slides(
        self, browser: Browser, teacher: Person, students: list[Person], base_url: str, path: str
    ) -> Person:
        deck = Path(self.config["data_dir"]) / "week-1.pdf"
        deck.write_bytes(make_pdf(pages=3))
        await open_panel(teacher.page, "slides")
        await teacher.page.set_input_files("#slides-file", str(deck))
        await teacher.page.click("#slides-upload-button")
        for person in (teacher, *students):
            await shows_page(person.page, 1)
        await teacher.page.click("#slides-next")
        for person in (teacher, *students):
            await shows_page(person.page, 2)
        self.mark("the students follow the slides")
        wang = await self.student(browser, "wang", base_url, path)
        await shows_page(wang.page, 2)
        await teacher.page.click("#slides-next")
        seen = {}
        for person in (teacher, *students, wang):
            await shows_page(person.page, 3)
            seen[person.label] = await person.page.get_attribute("#slides-page", "data-page")
        self.result["slides"] = seen
        self.mark("the late joiner follows the slides")
        self.result["stage"] = {p.label: await stage_layout(p.page) for p in (*students, wang)}
        self.mark("the slides big, the teacher's camera small beside them")
        for person in (teacher, students[0]):
            await self.shoot(person, "slides")
        return wang

    async def poll_and_questions(self, teacher: Person, students: list[Person]) -> None:
        page = teacher.page
        await open_panel(page, "polls")
        await page.click("#poll-launch summary")
        await page.fill("#poll-question", "Which is a prime?")
        await page.fill("#poll-options", "4\n7\n9")
        await page.fill("#poll-seconds", "10")
        await page.click("#poll-launch-button")
        for person, choice in zip(students, ("7", "4", "7"), strict=True):
            poll = first_poll(person.page)
            await open_panel(person.page, "polls")
            await poll.get_by_label(choice).check()
            await poll.locator("button[type=submit]").click()
            await expect(poll.locator(".poll-status")).to_have_text("Your vote is in.")
        await expect(first_poll(page).locator(".poll-summary")).to_have_text("3 voted")
        self.mark("the students voted")

        li, han, wang = students
        await open_panel(han.page, "qa")
        await han.page.fill("#qa-text", QUESTION)
        await han.page.click("#qa-ask")
        for voter in (li, wang):
            await open_panel(voter.page, "qa")
            await item(voter.page).locator(".qa-upvote").click()
        await expect(item(page).locator(".qa-votes")).to_have_text("Votes: 2")
        await open_panel(page, "qa")
        await item(page).locator(".qa-answering").click()
        answering = {}
        for person in students:
            await expect(item(person.page)).to_have_class("qa-item answering")
            answering[person.label] = await item(person.page).get_attribute("class")
        await item(page).locator(".qa-answered").click()
        answered = {}
        for person in students:
            await expect(item(person.page)).to_have_class("qa-item answered")
            answered[person.label] = await item(person.page).locator(".qa-state").text_content()
        self.result["question"] = {"answering": answering, "answered": answered}
        self.mark("the question is answered")

        for person in (teacher, *students):
            state = first_poll(person.page).locator(".poll-state")
            await expect(state).to_have_text("Closed", timeout=POLL_CLOSES_MS)
        self.mark("the poll closed by itself")
        await open_panel(page, "polls")
        await first_poll(page).get_by_role("button", name="Share results").click()
        results = {}
        for person in students:
            counts = first_poll(person.page).locator(".poll-count")
            await expect(counts).to_have_text(["1", "2", "0"])
            results[person.label] = await counts.all_text_contents()
        self.result["poll"] = results
        self.mark("the results reach the students")

    async def speaking(self, teacher: Person, speaker: Person, others: list[Person]) -> None:
        listening = {person.label: await self.flows(person) for person in others}
        entry = teacher.page.locator("#roster-list li.person", has_text=STUDENTS[speaker.label])
        await person_action(teacher.page, entry, "invite-video")
        await speaker.page.wait_for_selector("#speak-prompt:not([hidden])")
        await speaker.page.click("#speak-accept")
        await speaker.page.wait_for_selector("#cam-button[aria-pressed=true]")
        await speaker.page.wait_for_selector("#mic-button[aria-pressed=true]")

        async def all_receive() -> bool:
            wanted = [1 if p is teacher else 2 for p in others]  # the teacher sees only Li
            counts = [len(decoding(await p.summary())) for p in others]
            return all(c >= w for c, w in zip(counts, wanted, strict=True))

        await until("the others decode the speaking student", all_receive)
        speaking = {person.label: await self.flows(person) for person in others}
        await self.shoot(others[1], "speaking")
        self.mark("the student is seen and heard")

        await person_action(teacher.page, entry, "take-back")
        await speaker.page.wait_for_selector("#mic-button", state="hidden")
        await asyncio.sleep(0.5)  # media in flight
        cut_off = {person.label: await self.flows(person) for person in others}
        self.result["speaking"] = {"before": listening, "during": speaking, "after": cut_off}
        self.mark("the student is cut off")

    async def after_class(self, teacher: Person, student: Person) -> None:
        async def active_enough() -> bool:
            passages = await self.store.attendance.passages(self.session.session_id)
            people = totals(passages, until=datetime.now(UTC))
            mine = [p for p in people if p.name == STUDENTS[student.label]]
            return bool(mine) and mine[0].active_seconds >= CERTIFICATE_SECONDS

        await until("Li has a minute of active time", active_enough, within=60)
        await certificates.set_threshold(
            self.store, scope=Scope.SESSION, scope_id=self.session.session_id, text="1"
        )
        await self.record(teacher, on=False)
        teacher.page.once("dialog", accept)
        await open_panel(teacher.page, "host")
        await teacher.page.click("#end-session")
        await student.page.wait_for_selector("#room", state="hidden")
        self.mark("the class ended")
        # the Q&A is archived with the class: its export, once the room is closed
        csv = await teacher.page.request.get(f"/sessions/{self.session.session_id}/questions.csv")
        self.result["questions_csv"] = {"status": csv.status, "text": await csv.text()}

        page = student.page
        await page.goto(f"/invite/{self.tokens[student.label]}/attendance")
        link = page.locator("#certificates a.certificate-link")
        self.result["attendance_page"] = {
            "links": await link.count(),
            "label": await link.first.text_content(),
        }
        href = str(await link.first.get_attribute("href"))
        pdfs = {}
        for lang, accept_language in (("en", "en-US"), ("zh", "zh-CN")):
            response = await page.request.get(href, headers={"Accept-Language": accept_language})
            pdf = Path(self.config["data_dir"]) / f"certificate-{lang}.pdf"
            pdf.write_bytes(await response.body())
            pdfs[lang] = {"status": response.status, "path": str(pdf)}
        self.result["certificate"] = pdfs
        issued = await self.store.certificates.of_scope(Scope.SESSION, self.session.session_id)
        found = [await self.store.certificates.get(i) for i in issued.values()]
        self.result["issued"] = [
            {"name": c.name, "minutes": c.active_time.minutes, "sessions": list(c.sessions)}
            for c in found
            if c
        ]
        self.mark("the certificate is downloaded")


async def main() -> None:
    await play(ClassScenario)


if __name__ == "__main__":
    asyncio.run(main())
