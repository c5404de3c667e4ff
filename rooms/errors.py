"""Errors the domain raises, safe to show to a user.

A message is a template with named ``{placeholders}`` and its parameters, so the edge can
translate the template (gettext) before filling it in: the domain stays free of I/O and
of any translation machinery.
"""


class DomainError(Exception):
    """A rule of the domain was broken by the request."""

    code = "invalid"

    def __init__(self, template: str, *, code: str | None = None, **params: object) -> None:
        super().__init__(template)
        self.template = template
        self.params = params
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return self.template.format(**self.params)

    def __str__(self) -> str:
        return self.message


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class Forbidden(DomainError):
    code = "forbidden"
