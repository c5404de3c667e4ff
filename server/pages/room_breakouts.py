"""The strings of the room page's breakout groups panel (web/static/js/room/breakouts.js) and
of the chat while in a group, by key."""

BREAKOUT_STRINGS: dict[str, str] = {
    "breakout_main_room": "Main room",
    "breakout_group": "Group {group}",
    "breakout_you_are_in": "You are in group {group}",
    "breakout_you_visit": "You are visiting group {group}",
    "breakout_in_main": "You are in the main room",
    "breakout_ends_in": "Groups close in {time}",
    "breakout_broadcast_from": "{name} to all groups: {text}",
    "breakout_opened": "You are now in group {group}.",
    "breakout_returned": "Everyone is back in the main room.",
    "breakout_join": "Join group {group}",
    "breakout_visit": "Visit group {group}",
    "breakout_leave_visit": "Back to the main room",
    "breakout_sent": "Sent to every group.",
    "breakout_members": "{count} in it",
    "breakout_chat_title": "Chat · Group {group}",
    "breakout_chat_everyone": "My group (group {group})",
    "to_group": "Group chat",
}
