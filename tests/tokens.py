"""Signed tokens made wrong on purpose."""


def tampered(token: str) -> str:
    """The token with one character of its signature changed, a character that carries six
    bits of it: the last character of a base64 signature carries only some bits, so
    changing it alone may decode to the very same signature (and the token stays good)."""
    changed = "A" if token[-6] != "A" else "B"
    return token[:-6] + changed + token[-5:]
