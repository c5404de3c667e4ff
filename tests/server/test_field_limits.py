"""One length limit per field (rooms/limits.py): the console's forms show it as ``maxlength``,
the REST API's document as ``maxLength``, and the rules behind both refuse one more."""

from html.parser import HTMLParser
from typing import Any

import pytest

from rooms.limits import (
    CHAT_TEXT_MAX_BYTES,
    DESCRIPTION_MAX,
    EMAIL_MAX,
    NAME_MAX,
    PASSWORD_MAX,
    QUESTION_CHARS_MAX,
    TITLE_MAX,
    ZONE_MAX,
)
from server.api import _all_modules
from server.api.openapi import openapi_document
from tests.server.fixtures_login import Staff, sign_in_staff

DOCUMENT = openapi_document([route for module in _all_modules() for route in module.routes])
FORUM = {
    "title_zh": "材料论坛",
    "zone": "Asia/Shanghai",
    "start_date": "2030-05-01",
    "end_date": "2030-05-02",
    "visibility": "public",
}
OPENING = {"kind": "meeting", "title": "Opening", "start": "2030-05-01T09:30"}


class _MaxLengths(HTMLParser):
    """The maxlength of every input and textarea of a page, by field name."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, set[int]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        fields = dict(attrs)
        name, most = fields.get("name"), fields.get("maxlength")
        if tag in {"input", "textarea"} and name and most:
            self.found.setdefault(name, set()).add(int(most))


def max_lengths(html: str) -> dict[str, set[int]]:
    parser = _MaxLengths()
    parser.feed(html)
    return parser.found


def request_field(method: str, path: str, field: str) -> dict[str, Any]:
    """The JSON Schema the API document gives a field of a request body (a.b: nested)."""
    schema = DOCUMENT["paths"][path][method]["requestBody"]["content"]["application/json"]
    schema = schema["schema"]
    for name in field.split("."):
        schema = schema["properties"][name]
    return schema


@pytest.fixture
async def staff(client, store) -> Staff:
    return await sign_in_staff(client, store, email="host@example.org")


@pytest.fixture
async def pages(staff) -> dict[str, str]:
    """The HTML of every page with a form field that has a limit, by a short name."""
    event = await (await staff.call("POST", "/api/events", json=FORUM)).json()
    path = f"/api/events/{event['event_id']}/sessions"
    body = {**OPENING, "end": "2030-05-01T10:30"}
    session = await (await staff.call("POST", path, json=body)).json()
    paths = {
        "event": "/console/events/new",
        "session": f"/console/sessions/{session['session_id']}",
        "expert": "/console/experts/new",
        "room": f"/sessions/{session['session_id']}/room",
    }
    found = {name: await (await staff.client.get(path)).text() for name, path in paths.items()}
    await staff.call("POST", "/logout")
    return found | {"login": await (await staff.client.get("/login")).text()}


@pytest.mark.parametrize(
    ("page", "field", "limit"),
    [
        ("event", "title_zh", TITLE_MAX),
        ("event", "title_en", TITLE_MAX),
        ("event", "description", DESCRIPTION_MAX),
        ("event", "zone_other", ZONE_MAX),
        ("session", "title", TITLE_MAX),
        ("session", "description", DESCRIPTION_MAX),
        ("session", "name", NAME_MAX),  # a guest on the roster, an invitee
        ("session", "email", EMAIL_MAX),
        ("expert", "name", NAME_MAX),
        ("expert", "email", EMAIL_MAX),
        ("login", "email", EMAIL_MAX),
        ("login", "password", PASSWORD_MAX),
        ("room", "text", CHAT_TEXT_MAX_BYTES),
        ("room", "question", QUESTION_CHARS_MAX),
    ],
)
def test_console_forms_show_the_fields_limit(
    pages: dict[str, str], page: str, field: str, limit: int
) -> None:
    assert max_lengths(pages[page])[field] == {limit}


@pytest.mark.parametrize(
    ("method", "path", "field", "limit"),
    [
        ("post", "/api/events", "title_zh", TITLE_MAX),
        ("post", "/api/events", "title_en", TITLE_MAX),
        ("post", "/api/events", "description", DESCRIPTION_MAX),
        ("post", "/api/events/{event_id}/sessions", "title", TITLE_MAX),
        ("post", "/api/events/{event_id}/sessions", "description", DESCRIPTION_MAX),
        ("post", "/api/sessions/{session_id}/roster", "name", NAME_MAX),
        ("post", "/api/sessions/{session_id}/roster", "person.email", EMAIL_MAX),
        ("post", "/api/sessions/{session_id}/invites", "name", NAME_MAX),
        ("post", "/api/sessions/{session_id}/invites", "email", EMAIL_MAX),
        ("post", "/api/experts", "name", NAME_MAX),
        ("post", "/api/experts", "email", EMAIL_MAX),
    ],
)
def test_the_api_document_gives_the_fields_limit(
    method: str, path: str, field: str, limit: int
) -> None:
    assert request_field(method, path, field)["maxLength"] == limit
