"""A roadshow's run of show strings on the room page (rendered with
``server.pages.room.UI_STRINGS`` into the page's hidden list, read by
web/static/js/room/strings.js; {name}-style placeholders are filled in by the scripts)."""

SHOW_STRINGS: dict[str, str] = {
    "show_phase_pitch": "Pitch",
    "show_phase_qa": "Q&A",
    "show_phase_buffer": "Break",
    "show_not_started": "The show has not started yet.",
    "show_starts_in": "The show starts in {time}.",
    "show_over": "The show is over. Thank you!",
    "show_time_left": "{time} left",
    "show_next": "Next: {title} ({founder})",
    "show_next_title": "Next: {title}",  # a pitch whose founder has no name on the item
    "show_one_minute": "One minute left for {title}.",
    "show_your_turn": "It is your turn: you are on stage.",
    "show_slot_line": "{title} — {founder}",
    "stepped_out_pitch_waiting": "Waiting for your pitch",
    "show_achievement": "The achievement",
    "pitch_starts_in": "Your pitch starts in {time}.",
}
