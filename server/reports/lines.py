"""Line breaking for Chinese and English together.

Chinese has no spaces between words: a line may break between any two CJK characters, but
not before closing punctuation (，。、》…) nor after opening punctuation (《（“…), the usual
rules of Chinese typesetting. Latin words break only at spaces, unless one is wider than the
whole line. The PDF library breaks only at spaces, so every line is made here.
"""

import re
from collections.abc import Callable

CJK = (
    "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u31ff\u3200-\u33ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff"
)
# what may not start a line, and what may not end one
CLOSING = "，。、；：！？）》」』】〉〕〗〙〛｝］．%‰”’…—·,.;:!?)]}"
OPENING = "（《「『【〈〔〖〘〚｛［“‘([{"

# one unbreakable piece: a CJK character or a run of anything else but spaces, with the
# opening punctuation before it, the closing punctuation after it, and the spaces after those
_OPEN, _CLOSE = re.escape(OPENING), re.escape(CLOSING)
PIECE = re.compile(rf"[{_OPEN}]*(?:[{CJK}]|[^\s{CJK}]+)[{_CLOSE}]*\s*")


def pieces(text: str) -> list[str]:
    """The unbreakable pieces of one line of text, leading spaces left out."""
    return PIECE.findall(text)


def break_lines(text: str, *, width: float, measure: Callable[[str], float]) -> list[str]:
    """The lines of text, each at most `width` wide as `measure` sees it; the text's own
    newlines are kept, spaces at the ends of lines are dropped."""
    return [line for paragraph in text.split("\n") for line in _fill(paragraph, width, measure)]


def _fill(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    lines, line = [], ""
    for piece in pieces(text):
        if line and measure((line + piece).rstrip()) > width:
            lines.append(line.rstrip())
            line = ""
        line += piece
        while len(line.rstrip()) > 1 and measure(line.rstrip()) > width:
            cut = _fitting(line, width, measure)
            lines.append(line[:cut])
            line = line[cut:]
    return [*lines, line.rstrip()]


def _fitting(text: str, width: float, measure: Callable[[str], float]) -> int:
    """How many characters of text fit in width: at least one."""
    count = 1
    while count < len(text) and measure(text[: count + 1]) <= width:
        count += 1
    return count
