"""Every sentence the live room can say to a person has a Chinese translation."""

import ast
from pathlib import Path

import pytest

from rooms.roles import Role
from server.i18n import load_catalogs
from server.realtime import payloads
from tests.server.realtime.room_world import World

ROOT = Path(__file__).resolve().parents[3]
SOURCES = [
    "rooms/room.py", "rooms/room_chat.py", "rooms/host_controls.py", "rooms/chat.py",
    "rooms/lifecycle.py", "server/realtime/identity.py",
    "server/realtime/live.py", "server/realtime/namespace.py", "server/realtime/payloads.py",
    "server/realtime/export.py", "server/store/rooms.py",
]  # fmt: skip
RAISERS = {"DomainError", "Forbidden", "NotFound", "Conflict", "Text", "invalid"}


def templates() -> list[str]:
    found = [template for _, template in payloads._CHECKS.values()]
    for source in SOURCES:
        for node in ast.walk(ast.parse((ROOT / source).read_text())):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            first = node.args[0]
            if name in RAISERS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append(first.value)
    return sorted(set(found))


def test_the_room_has_sentences_to_translate() -> None:
    assert len(templates()) > 40


@pytest.mark.parametrize("template", templates())
def test_every_sentence_of_the_room_is_translated(template: str) -> None:
    assert load_catalogs()["zh_CN"].gettext(template) != template


async def test_errors_speak_the_participants_language(rooms_world: World) -> None:
    room = await rooms_world.session(lobby=False)
    token = await rooms_world.invite(room, Role.ATTENDEE, "李雷")
    peer = rooms_world.peer(auth={"session_id": room.session_id, "invite": token, "lang": "zh_CN"})
    await peer.connect()
    await peer.join()

    await peer.send("admit_all")

    assert peer.of("error") == [
        {"code": "forbidden", "message": "你的角色在此无法执行该操作。", "event": "admit_all"}
    ]


async def test_a_room_names_its_session_by_its_kind_in_chinese(rooms_world: World) -> None:
    room = await rooms_world.session(kind="class", lobby=False)
    host = await rooms_world.enter(room, invite=await rooms_world.invite(room, Role.HOST, "Hu"))
    token = await rooms_world.invite(room, Role.ATTENDEE, "李雷")
    auth = {"session_id": room.session_id, "invite": token, "lang": "zh_CN"}
    li = rooms_world.peer(auth=auth)
    await li.connect()
    await li.join()

    await host.emit("end_session", {})
    await li.gone()

    assert li.of("session_ended") == [{"message": "主持人已结束本课堂。"}]
    assert host.of("session_ended") == [{"message": "The host ended the session."}]
