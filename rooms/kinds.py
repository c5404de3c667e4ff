"""What a session kind adds to the common room: its rules, and its workflows.

One place answers "how does a review differ from a meeting?" beside the capability table
(``rooms.roles``): who may walk in from a public event's page without an invite, whether new
sessions have a lobby, and which workflows (``rooms.workflow``) run in the kind's rooms
beside the lobby and the hand queue that every room runs. The session-kind issues (review
items and scores, class slides and polls, the roadshow's run of show, the signing log) add
their workflows here.
"""

from dataclasses import dataclass

from rooms.breakouts import Breakouts
from rooms.interest import Interests
from rooms.judging import Judging
from rooms.panel import Panel
from rooms.polls import Polls
from rooms.questions import Questions
from rooms.roadshow import RunOfShow
from rooms.roles import Kind, Role
from rooms.signing import Signing
from rooms.slides import Slides
from rooms.speaking import Speaking
from rooms.workflow import Workflow


@dataclass(frozen=True, slots=True)
class KindRules:
    guest_role: Role | None  # what a visitor of a public event joins as; None: invited only
    lobby_by_default: bool  # new sessions of the kind wait in a lobby unless staff say not
    workflows: tuple[type[Workflow], ...] = ()  # beside the lobby and the hand queue


RULES: dict[Kind, KindRules] = {
    Kind.MEETING: KindRules(
        guest_role=Role.ATTENDEE,
        lobby_by_default=True,
        workflows=(Slides, Polls, Questions, Speaking, Breakouts),
    ),
    # a class's audience are listeners (rooms.roles): they come straight in to listen and
    # speak when a host gives them the floor (rooms.speaking)
    Kind.CLASS: KindRules(
        guest_role=Role.ATTENDEE,
        lobby_by_default=False,
        workflows=(Slides, Polls, Questions, Speaking, Breakouts),
    ),
    # a review is confidential: only the people invited or rostered
    Kind.REVIEW: KindRules(guest_role=None, lobby_by_default=True, workflows=(Panel,)),
    Kind.ROADSHOW: KindRules(
        guest_role=Role.ATTENDEE,
        lobby_by_default=True,
        workflows=(RunOfShow, Judging, Slides, Polls, Questions, Speaking, Interests),
    ),
    Kind.SIGNING: KindRules(
        guest_role=Role.ATTENDEE, lobby_by_default=True, workflows=(Signing, Speaking)
    ),
}


def rules_of(kind: Kind) -> KindRules:
    return RULES[kind]


def has_items(kind: Kind) -> bool:
    """Whether the kind's sessions work through items (``rooms.items``): a review's projects,
    a roadshow's pitch slots."""
    return kind in (Kind.REVIEW, Kind.ROADSHOW)


def has_questions(kind: Kind) -> bool:
    """Whether the kind's rooms run the moderated Q&A (``rooms.questions``)."""
    return Questions in rules_of(kind).workflows


def guest_role(kind: Kind, *, public: bool) -> Role | None:
    """The role of someone with no account and no invite, if the session takes them: only
    public events' sessions, of a kind that takes walk-in guests."""
    return rules_of(kind).guest_role if public else None
