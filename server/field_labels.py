"""The labels the pages' forms show for the fields that validation messages name: a refused
form's message names the field as the form does ("Description", 描述), never by its internal
name ("description"). The REST API keeps the field names (they are its documentation).
"""

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
    "organization": "Fund or enterprise",
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
}

FIELD_PARAMS = ("field",)  # the parameters of a DomainError that name a field
