"""The English names pages show for kinds, roles, states and visibilities; templates pass
them through _() (their Chinese is in web/translations/zh_CN/LC_MESSAGES/pages.po).
"""

from rooms.agenda import Visibility
from rooms.invites import InviteStatus
from rooms.lifecycle import State
from rooms.roles import Kind, Role

KINDS: dict[str, str] = {
    Kind.MEETING: "Meeting",
    Kind.CLASS: "Class",
    Kind.REVIEW: "Review",
    Kind.ROADSHOW: "Roadshow",
    Kind.SIGNING: "Signing",
}

ROLES: dict[str, str] = {
    Role.HOST: "Host",
    Role.COHOST: "Co-host",
    Role.PRESENTER: "Presenter",
    Role.REVIEWER: "Reviewer",
    Role.ATTENDEE: "Attendee",
    Role.OBSERVER: "Observer",
    Role.SIGNER: "Signer",
    Role.WITNESS: "Witness",
}

STATES: dict[str, str] = {
    State.SCHEDULED: "Scheduled",
    State.OPEN: "Open",
    State.LIVE: "Live",
    State.ENDED: "Ended",
    State.CANCELLED: "Cancelled",
}

VISIBILITIES: dict[str, str] = {
    Visibility.PUBLIC: "Public",
    Visibility.UNLISTED: "Unlisted",
}

INVITE_STATUSES: dict[str, str] = {
    InviteStatus.ACTIVE: "Active",
    InviteStatus.EXPIRED: "Expired",
    InviteStatus.REVOKED: "Revoked",
    InviteStatus.USED: "Used",
}

# Zones offered in the event form; any other IANA name can be typed in.
COMMON_ZONES = (
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Asia/Singapore",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Moscow",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Australia/Sydney",
    "Pacific/Auckland",
    "UTC",
)


def size_label(size: int) -> str:
    """A file's size as people read it: 930 B, 12 KB, 3.4 MB (units alike in every language)."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


FOLLOW_UP_STATES = {  # rooms.followups.FollowUpState
    "open": "Waiting for an answer",
    "booked": "Booked",
    "declined": "Declined",
}
