"""A roadshow's interest strings on the room page (rendered with
``server.pages.room.UI_STRINGS`` into the page's hidden list, read by
web/static/js/room/strings.js; {name}-style placeholders are filled in by the scripts)."""

INTEREST_STRINGS: dict[str, str] = {
    "interest_mark": "Interested",
    "interest_note": "Private note (only you see it)",
    "interest_save": "Save note",
    "interest_saved": "Saved.",
    "interest_follow_up": "Request a follow-up meeting",
    "interest_count": "{n} interested",
}
