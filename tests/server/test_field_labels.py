"""A refused form names a field by that form's own label (server/field_labels.py): checked
against every form of the templates, and through a page in Chinese."""

import re
from pathlib import Path

import pytest

from server.field_labels import FIELD_LABELS, FORM_LABELS, label_of
from tests.server.pages_world import sign_in, staff_of_new_org
from tests.server.test_console_pages import post_form

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"
FORM = re.compile(r'<form\b[^>]*\baction="([^"]*)"[^>]*>(.*?)</form>', re.DOTALL)
LABEL = re.compile(r"<label\b([^>]*)>(.*?)</label>", re.DOTALL)
# forms whose fields come from an included part: the part, and the form's address
PARTS = {
    "console/_fields.html": "/console/events/new",
    "libraries/_form_common.html": "/console/demands/new",
}
NAMED = set(FIELD_LABELS) | {field for _, labels in FORM_LABELS for field in labels}


def address(action: str) -> str:
    """The path a form posts to: `{{ base }}` is a session's console page, `{{ 'a' if x else
    'b' }}` the new one's ('b'), any other expression a single segment."""
    literals = re.findall(r"'(/[^']*)'", action)
    if literals:
        return literals[-1]
    action = action.replace("{{ base }}", "/console/sessions/x")
    return re.sub(r"\{\{.*?\}\}", "x", action).split("#")[0].split("?")[0]


def labelled(html: str) -> dict[str, str]:
    """A form's fields and the labels it shows them with (a label around its input, or one
    pointing at it with ``for``)."""
    found: dict[str, str] = {}
    for attrs, inner in LABEL.findall(html):
        text = re.search(r'_\("([^"]+)"\)', inner)
        name = re.search(r'name="([a-z_]+)"', inner)
        target = re.search(r'for="([^"]+)"', attrs)
        if name is None and target is not None:
            name = re.search(rf'id="{re.escape(target[1])}"[^>]*name="([a-z_]+)"', html)
        if text and name:
            found[name[1]] = text[1]
    return found


def forms() -> list[tuple[str, str, str, str]]:
    """(template, address, field, label) of every labelled field a validator may name."""
    rows = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        template = path.relative_to(TEMPLATES).as_posix()
        text = path.read_text()
        pairs = [(address(a), body) for a, body in FORM.findall(text)]
        if template in PARTS:
            pairs.append((PARTS[template], text))
        for where, body in pairs:
            for field, label in labelled(body).items():
                if field in NAMED and where.startswith("/console"):
                    rows.append((template, where, field, label))
    return rows


def test_the_console_has_labelled_forms_to_check() -> None:
    assert len(forms()) > 15


@pytest.mark.parametrize(("template", "where", "field", "label"), forms())
def test_a_fields_message_label_is_its_forms_label(template, where, field, label) -> None:  # type: ignore[no-untyped-def]
    assert label_of(where, field) == label


async def test_an_experts_too_long_title_is_named_as_its_form_names_it(client, store) -> None:
    staff = await staff_of_new_org(store, email="host@example.org", name="Hu Host")
    await sign_in(client, staff)
    client.session.cookie_jar.update_cookies({"lang": "zh_CN"})
    form = {"name": "李雷", "title": "x" * 101, "email": "li@example.org"}

    response = await post_form(client, "/console/experts/new", "/console/experts/new", form)

    assert response.status == 400
    assert "职称（如：教授）" in await response.text()
