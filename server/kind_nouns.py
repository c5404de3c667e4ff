"""A session kind's own noun (会议, 课堂, 评审, 路演, 签约) where the kind is known: 日程 is the
generic agenda item, and a room, its invite, its errors and its e-mails name what it is.

A request or a room that knows its session's kind gives it to ``in_kind``; the Chinese
catalogs keep one word (日程) and the noun replaces it there. English keeps "session".
"""

from rooms.roles import Kind

KIND_NOUNS: dict[Kind, tuple[str, str]] = {
    Kind.MEETING: ("meeting", "会议"),
    Kind.CLASS: ("class", "课堂"),
    Kind.REVIEW: ("review", "评审"),
    Kind.ROADSHOW: ("roadshow", "路演"),
    Kind.SIGNING: ("signing", "签约"),
}
GENERIC_ZH = "日程"


def in_kind(text: str, *, lang: str, kind: Kind | None) -> str:
    """``text`` (already translated into ``lang``) naming the session by its kind's noun."""
    if kind is None or not lang.startswith("zh"):
        return text
    return text.replace(GENERIC_ZH, KIND_NOUNS[kind][1])
