"""A class whose students' media comes from an edge process, in real browsers, inside a
network namespace (as netns_class.py):

    echo '{"redis_url": "unix:///…/redis.sock", "subnet": 46, "data_dir": "/tmp/…"}' \\
        | unshare --net python -m tests.browser.netns_edge_class

The app runs with ``EDGE_PLACE_AFTER=1`` beside an edge process of its own
(tests/server/edge_child.py, its media on the namespace's server address, the same Redis).
The teacher (signed-in staff, its host) joins with camera and microphone: the room's first
media seat stays on the owner. Students Li Lei and Han Mei join by their invites as
listeners: their subscribe connections are placed on the edge, fed by a relay link. Each
student's page must decode the teacher's video and hear the teacher; then the teacher is
muted by the room (the host's own mute, decided on the owner): the students hear nothing
more while the video goes on. It prints one JSON object (where each seat is, what each
page received) as its last line of stdout; tests/browser/test_edge_class_media.py judges it.
"""

import asyncio
import socket
import sys
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from playwright.async_api import Browser

from rooms.roles import Role
from server.app import make_app
from server.audiences import EdgePeer
from server.invitations import issue_invite, sign_invite
from server.realtime.live import LIVE_ROOMS
from server.store import Store, connect
from tests.browser.media_checks import Person, until
from tests.browser.netns_class import STUDENTS, ClassScenario, heard
from tests.browser.netns_scenario import flowing, play
from tests.browser.test_room import room_path
from tests.browser.test_slides_room import open_class

QUIET = 2.0  # seconds over which a page's remote media must flow (or not)


class EdgeClassScenario(ClassScenario):
    async def in_world(self, redis_url: str) -> None:
        self.store = store = Store(connect(redis_url))
        await store.redis.flushdb()
        self.session = session = await open_class(store, recording_allowed=False)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self.subnet.server_address, 0))
        settings = replace(self.settings(sock.getsockname()[1], redis_url), edge_place_after=1)
        self.tokens = {}
        for label, name in list(STUDENTS.items())[:2]:
            invite = await issue_invite(
                store, session=session, role=Role.ATTENDEE, name=name,
                email=f"{label}@school.cn", single_use=False, days=1, created_by="test",
                now=datetime.now(UTC),
            )  # fmt: skip
            self.tokens[label] = sign_invite(settings, invite)
        edge = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.server.edge_child", "edge-0", redis_url,
            self.subnet.server_address, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        await edge.stdout.readline()  # type: ignore[union-attr]
        self.app = make_app(settings)
        runner = web.AppRunner(self.app, handle_signals=False)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        try:
            await self.drive(settings.base_url, room_path(session), "")
        finally:
            await runner.cleanup()
            edge.stdin.write(b"stop\n")  # type: ignore[union-attr]
            await edge.wait()
            await store.close()

    async def received(self, person: Person) -> dict[str, int]:
        first = await person.summary()
        await asyncio.sleep(QUIET)
        last = await person.summary()
        return {"videos": len(flowing(first, last)), "audios": len(heard(first, last))}

    async def steps(self, browser: Browser, base_url: str, path: str, token: str) -> None:
        live = self.app[LIVE_ROOMS]
        self.mark("browser up")
        await until("the edge is seen", lambda: self._edges(live))
        teacher = await self.open_person(browser, "teacher", base_url)
        await self.sign_in(teacher)
        await self.join(teacher, path, name=None, camera=True, mic=True)
        students = [await self.student(browser, label, base_url, path) for label in self.tokens]
        self.mark("teacher and two students in")
        for student in students:
            await until(
                f"{student.label} decodes the teacher",
                lambda s=student: self._receives(s),
            )
        self.mark("the students receive the teacher")
        seats = live.rooms[self.session.session_id].media.seats
        self.result["placed"] = sorted(
            s.peer.edge if isinstance(s.peer, EdgePeer) else "owner" for s in seats.values()
        )
        self.result["before_mute"] = {s.label: await self.received(s) for s in students}
        await teacher.page.click("#mic-button")
        await asyncio.sleep(0.5)
        self.result["after_mute"] = {s.label: await self.received(s) for s in students}
        self.mark("the teacher muted")

    @staticmethod
    async def _edges(live: Any) -> bool:
        return sorted(live.audiences.edges) == ["edge-0"]

    async def _receives(self, person: Person) -> bool:
        return (await self.received(person)) == {"videos": 1, "audios": 1}


async def main() -> None:
    await play(EdgeClassScenario)


if __name__ == "__main__":
    asyncio.run(main())
