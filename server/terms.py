"""Text to search terms: jieba segments Chinese (its search mode, which also yields the
shorter words inside long ones: 锂电池 → 锂电, 电池, 锂电池), ``rooms.relevance.terms_of``
turns tokens into terms (English lower-cased, stemmed, stop words dropped).

jieba's dictionary loads once per process (about half a second) into jieba's own default
tokenizer: ``load_dictionary`` does it in a thread at start-up, so no request waits for it
on the event loop.
"""

import asyncio
import logging

import jieba

from rooms.relevance import terms_of

jieba.setLogLevel(logging.WARNING)


def text_tokens(text: str) -> list[str]:
    """jieba's tokens of a text (search mode), spaces and punctuation included."""
    return list(jieba.cut_for_search(text)) if text else []


def text_terms(text: str) -> list[str]:
    """The search terms of a text, in order, repeats kept."""
    return terms_of(text_tokens(text))


async def load_dictionary() -> None:
    """Load jieba's dictionary off the event loop (a no-op once loaded)."""
    await asyncio.to_thread(jieba.initialize)
