"""rooms.room_chat: who may post what in a live room, and exactly who receives it."""

from dataclasses import replace

from rooms.outbox import Effect, Erase, Group, Post, Send
from tests.rooms.test_room import HAN, LI, NOW, OWNER, codes, make_room


def posted(effects: list[Effect]) -> Post:
    """The one Post a chat change returns."""
    assert len(effects) == 1 and isinstance(effects[0], Post)
    return effects[0]


def test_chat_off_silences_all_but_the_moderators() -> None:
    room = make_room(lobby=False)
    room.join("s-owner", OWNER, now=NOW)
    room.join("s-li", LI, now=NOW)
    room.controls.set_chat_enabled("s-owner", False)

    post = posted(room.chat.post("s-owner", text="hi", client_id="c1", to="room", now=NOW))

    assert post.message.sender_name == "Wang Fang"
    assert (
        codes(lambda: room.chat.post("s-li", text="hi", client_id="c2", to="room", now=NOW))
        == "chat_disabled"
    )


def test_chat_is_throttled_per_person_others_unaffected() -> None:
    room = make_room(lobby=False, burst=3)
    room.join("s-li", LI, now=NOW)
    room.join("s-han", HAN, now=NOW)
    for n in range(3):
        room.chat.post("s-li", text="x", client_id=f"c{n}", to="room", now=NOW)

    assert (
        codes(lambda: room.chat.post("s-li", text="x", client_id="c9", to="room", now=NOW))
        == "rate_limited"
    )
    han = posted(room.chat.post("s-han", text="x", client_id="c1", to="room", now=NOW))
    assert han.message.sender_id == "p-han"


def test_chat_reaches_exactly_who_may_see_it() -> None:
    room = make_room(lobby=False)
    room.join("s-owner", OWNER, now=NOW)
    room.join("s-li", LI, now=NOW)
    room.join("s-li-2", LI, now=NOW)
    room.join("s-han", HAN, now=NOW)
    public = posted(room.chat.post("s-li", text="a", client_id="c1", to="room", now=NOW))
    to_hosts = posted(room.chat.post("s-li", text="b", client_id="c2", to="hosts", now=NOW))
    private = posted(room.chat.post("s-li", text="c", client_id="c3", to="p-han", now=NOW))

    assert [(s.group, s.sids) for s in public.sends] == [(Group.ROOM, ())]
    assert [(s.group, s.sids) for s in to_hosts.sends] == [
        (Group.HOSTS, ()), (None, ("s-li", "s-li-2")),
    ]  # fmt: skip
    assert [(s.group, s.sids) for s in private.sends] == [(None, ("s-li", "s-li-2", "s-han"))]
    assert private.message.to_name == "Han Mei"


def test_a_private_message_to_nobody_present_is_not_found() -> None:
    room = make_room(lobby=False)
    room.join("s-li", LI, now=NOW)

    assert (
        codes(lambda: room.chat.post("s-li", text="x", client_id="c", to="p-gone", now=NOW))
        == "not_found"
    )


def test_deleting_needs_a_moderator_and_a_message_they_can_see() -> None:
    room = make_room(lobby=False)
    room.join("s-owner", OWNER, now=NOW)
    room.join("s-li", LI, now=NOW)
    room.join("s-han", HAN, now=NOW)
    post = posted(room.chat.post("s-li", text="x", client_id="c", to="p-han", now=NOW))
    private = replace(post.message, message_id="9-0")
    public = replace(private, to="room", message_id="8-0")

    assert room.chat.delete("s-owner", public) == [
        Erase(
            "8-0",
            by="p-owner",
            sends=(Send("chat_deleted", {"message_id": "8-0"}, group=Group.ROOM),),
        )
    ]
    assert codes(lambda: room.chat.delete("s-owner", private)) == "not_found"
    assert codes(lambda: room.chat.delete("s-owner", None)) == "not_found"
    assert codes(lambda: room.chat.delete("s-li", public)) == "forbidden"
