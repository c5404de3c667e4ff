"""The labels the pages' forms show for the fields that validation messages name: a refused
form's message names the field as the form does ("Description", 描述), never by its internal
name ("description"). The REST API keeps the field names (they are its documentation).

A field's label is the same in every form (FIELD_LABELS) unless a form means something else
by a field of that name: then that form's own label (FORM_LABELS, by the form's address) —
an expert's or an investor's "title" is a job title (职称, 职务), an event's is a heading.
"""

import re

FIELD_LABELS: dict[str, str] = {
    "name": "Name",
    "email": "Email",
    "title": "Title",
    "title_zh": "Title (Chinese)",
    "title_en": "Title (English)",
    "description": "Description",
    "zone": "Time zone",
    "start_date": "First day",
    "end_date": "Last day",
    "visibility": "Visibility",
    "capacity": "Capacity",
    "lobby_minutes": "Lobby opens minutes before the start",
    "affiliation": "Affiliation",
    "tags": "Tags",
    "organization": "Organization",
    "industries": "Industries",
    "industry": "Industry",
    "contact": "Contact",
    "holder": "Holder (university, institute or team)",
    "patents": "Patents",
    "enterprise": "Enterprise",
    "notes": "Notes",
    "applicant_name": "Applicant",
    "applicant_email": "Applicant's email",
    "applicant_org": "Applicant's organization",
    "trl": "Maturity",
    "deadline": "Deadline",
    "contact_shared": "Also show the contact to (e-mail addresses, one a line)",
    "achievement_id": "Achievement (from the library)",
    "buffer_minutes": "Buffer after (minutes; blank: the show's)",
    "minutes": "Buffer between pitches (minutes)",
    "founders": "Founders (presenters on the roster)",
}

# (the address of the form, as a pattern) -> that form's labels where they differ
FORM_LABELS: tuple[tuple[re.Pattern[str], dict[str, str]], ...] = (
    (re.compile(r"/console/experts(/|$)"), {"title": "Title (e.g. Professor)"}),
    (
        re.compile(r"/console/investors(/|$)"),
        {"title": "Title (e.g. Partner)", "organization": "Fund or enterprise"},
    ),
    (re.compile(r"/console/sessions/[^/]+/invites$"), {"email": "Email (optional)"}),
    (re.compile(r"/console/\w+/[^/]+/follow-ups$"), {"minutes": "Length"}),
)

FIELD_PARAMS = ("field",)  # the parameters of a DomainError that name a field


def label_of(path: str, field: str) -> str | None:
    """The label the form at ``path`` shows for ``field`` (None: a field no form labels)."""
    for address, labels in FORM_LABELS:
        if address.match(path) and field in labels:
            return labels[field]
    return FIELD_LABELS.get(field)
