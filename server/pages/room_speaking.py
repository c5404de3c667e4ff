"""The invitations to speak's strings on the room page of a session that has them (rendered
with ``server.pages.room.UI_STRINGS`` into the page's hidden list, read by
web/static/js/room/strings.js; {name}-style placeholders are filled in by the scripts)."""

SPEAKING_STRINGS: dict[str, str] = {
    "invite_to_speak": "Invite to speak",
    "invite_with_video": "Invite with video",
    "withdraw_invite": "Withdraw invitation",
    "take_back": "Take back",
    "invited_badge": "Invited to speak",
    "speaking_badge": "Speaking",
    "speak_invite": "{name} invites you to speak.",
    "speak_invite_video": "{name} invites you to speak, with your camera.",
    "you_may_speak": "You have the floor: you may speak now.",
    "floor_ended": "You no longer have the floor.",
    "invite_accepted": "{name} accepted the invitation to speak.",
    "invite_declined": "{name} declined the invitation to speak.",
}
