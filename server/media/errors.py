"""The media plane's errors: safe to show, translated at the edge like any DomainError."""

from rooms.errors import DomainError


class MediaError(DomainError):
    """A client's media request was refused (bad SDP, bad candidate, closed connection...)."""

    code = "media"
