"""The Q&A panel's strings on the room page of a session with questions (rendered with
``server.pages.room.UI_STRINGS`` into the page's hidden list, read by
web/static/js/room/strings.js; {name}-style placeholders are filled in by the scripts)."""

QUESTION_STRINGS: dict[str, str] = {
    "qa_anonymous": "Anonymous",
    "qa_state_pending": "Awaiting approval",
    "qa_state_visible": "Visible",
    "qa_state_answering": "Being answered",
    "qa_state_answered": "Answered",
    "qa_state_dismissed": "Dismissed",
    "qa_pinned": "Pinned",
    "qa_yours": "Yours",
    "qa_votes": "Votes: {votes}",
    "qa_upvote": "Upvote",
    "qa_upvoted": "Upvoted",
    "qa_approve": "Approve",
    "qa_answer": "Answer now",
    "qa_answered": "Mark answered",
    "qa_reopen": "Back to open",
    "qa_dismiss": "Dismiss",
    "qa_pin": "Pin",
    "qa_unpin": "Unpin",
    "qa_sent": "Your question was sent.",
    "qa_sent_pending": "Your question was sent; a host will approve it.",
    "qa_pitch_current": "The pitch on stage",
    "qa_pitch_all": "All pitches",
    "qa_no_pitch": "Between pitches",
}
