"""A roadshow's judging strings on its room page, by key (rendered with
``server.pages.room.UI_STRINGS`` into the page's hidden list, read by
web/static/js/room/strings.js): what web/static/js/room/judging.js says itself, and what the
review's score form and results table (review-score.js, review-results.js) say there."""

from server.pages.room_review import REVIEW_STRINGS

_SHARED = (
    "your_scores_for", "scale", "choose", "saving", "saved", "scoring_closed", "results_for",
    "col_reviewer", "col_total", "col_recommendation", "col_comment", "row_mean", "missing",
    "outlier", "stat_mean", "stat_median", "stat_spread", "stat_stdev", "stat_submitted",
    "stat_missing", "recommendation_count", "no_recommendations", "submitted_of", "released",
    "results_of", "release", "show_results", "conflict_item", "offline", "timeout",
)  # fmt: skip

JUDGING_STRINGS: dict[str, str] = {
    "pitch_waiting": "Not started",
    "pitch_open": "Scoring open",
    "pitch_closed": "Scoring closed",
    "score_pitch": "Score",
    "close_scoring": "Close scoring",
    "col_rank": "Rank",
    "col_pitch": "Pitch",
    "col_mean": "Mean score",
    "col_scored": "Scores",
    "rank_tied": "{rank} (tied)",
}

# what the room page of a roadshow gets: the judging's own, and the review's it reuses
JUDGING_PAGE = {key: REVIEW_STRINGS[key] for key in _SHARED} | JUDGING_STRINGS
