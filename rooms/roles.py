"""Session kinds, roles and the capability table (default deny).

A role means something only within a session kind: a ``reviewer`` scores in a review panel,
judges in a roadshow, and does not exist in a class. ``capabilities(kind, role)`` is the one
place that answers "may this person do that here?".
"""

from enum import StrEnum


class Kind(StrEnum):
    MEETING = "meeting"
    CLASS = "class"
    REVIEW = "review"
    ROADSHOW = "roadshow"
    SIGNING = "signing"


class Role(StrEnum):
    HOST = "host"
    COHOST = "cohost"
    PRESENTER = "presenter"
    REVIEWER = "reviewer"
    ATTENDEE = "attendee"
    OBSERVER = "observer"
    SIGNER = "signer"
    WITNESS = "witness"


class Capability(StrEnum):
    JOIN = "join"
    BYPASS_LOBBY = "bypass_lobby"
    SEE_ROSTER = "see_roster"
    CHAT = "chat"
    CHAT_PRIVATE = "chat_private"
    RAISE_HAND = "raise_hand"
    REACT = "react"
    PUBLISH_AUDIO = "publish_audio"
    PUBLISH_VIDEO = "publish_video"
    PUBLISH_SCREEN = "publish_screen"
    ASK_QUESTION = "ask_question"
    MODERATE = "moderate"  # lobby admit/deny, mute, remove, lock, lower hands
    MANAGE_ROLES = "manage_roles"
    END_SESSION = "end_session"
    SCORE = "score"
    CHAIR = "chair"  # open and close review items, hand over the roadshow stage
    SIGN = "sign"
    WITNESS = "witness"
    MARK_INTEREST = "mark_interest"
    RUN_POLLS = "run_polls"  # launch, close and share polls and quizzes
    VOTE = "vote"  # answer polls and quizzes


C = Capability
_EVERYONE = frozenset({C.JOIN, C.SEE_ROSTER, C.REACT})
_SPEAKER = _EVERYONE | {C.CHAT, C.CHAT_PRIVATE, C.RAISE_HAND, C.PUBLISH_AUDIO, C.PUBLISH_VIDEO}
_PRESENTER = _SPEAKER | {C.PUBLISH_SCREEN, C.BYPASS_LOBBY}
_MODERATOR = _PRESENTER | {C.MODERATE, C.MANAGE_ROLES}
_HOST = _MODERATOR | {C.END_SESSION}
_LISTENER = _EVERYONE | {C.CHAT, C.CHAT_PRIVATE, C.RAISE_HAND, C.ASK_QUESTION}
_POLLS = frozenset({C.RUN_POLLS})  # in the kinds that run polls (rooms.kinds)
_VOTE = frozenset({C.VOTE})

# kind -> role -> capabilities. A role missing from a kind does not exist in that kind.
CAPABILITIES: dict[Kind, dict[Role, frozenset[Capability]]] = {
    Kind.MEETING: {
        Role.HOST: _HOST | _POLLS,
        Role.COHOST: _MODERATOR | _POLLS,
        Role.PRESENTER: _PRESENTER | _POLLS,
        Role.ATTENDEE: _SPEAKER | _VOTE | {C.ASK_QUESTION},
        Role.OBSERVER: _EVERYONE,
    },
    Kind.CLASS: {
        Role.HOST: _HOST | {C.CHAIR} | _POLLS,
        Role.COHOST: _MODERATOR | _POLLS,
        Role.PRESENTER: _PRESENTER | _POLLS,
        Role.ATTENDEE: _LISTENER | _VOTE,
        Role.OBSERVER: _EVERYONE,
    },
    Kind.REVIEW: {
        Role.HOST: _HOST | {C.CHAIR},
        Role.COHOST: _MODERATOR,
        Role.REVIEWER: _SPEAKER | {C.SCORE, C.BYPASS_LOBBY, C.PUBLISH_SCREEN},
        Role.PRESENTER: _PRESENTER - {C.BYPASS_LOBBY, C.SEE_ROSTER},
        Role.OBSERVER: _EVERYONE - {C.SEE_ROSTER},
    },
    Kind.ROADSHOW: {
        Role.HOST: _HOST | {C.CHAIR} | _POLLS,
        Role.COHOST: _MODERATOR | _POLLS,
        Role.PRESENTER: _PRESENTER | _POLLS,
        Role.REVIEWER: _SPEAKER
        | {C.SCORE, C.MARK_INTEREST, C.BYPASS_LOBBY, C.ASK_QUESTION}
        | _VOTE,
        Role.ATTENDEE: _LISTENER | {C.MARK_INTEREST} | _VOTE,
        Role.OBSERVER: _EVERYONE,
    },
    Kind.SIGNING: {
        Role.HOST: _HOST | {C.CHAIR},
        Role.COHOST: _MODERATOR,
        Role.SIGNER: _SPEAKER | {C.SIGN, C.BYPASS_LOBBY},
        Role.WITNESS: _SPEAKER | {C.WITNESS, C.BYPASS_LOBBY},
        Role.ATTENDEE: _LISTENER,
        Role.OBSERVER: _EVERYONE,
    },
}

# Roles whose holder must be present for the whole session: they cannot be double-booked.
BOOKED_ROLES = frozenset({Role.HOST, Role.COHOST, Role.PRESENTER, Role.REVIEWER, Role.SIGNER})


def roles_for(kind: Kind) -> tuple[Role, ...]:
    """The roles that exist in sessions of this kind, in table order."""
    return tuple(CAPABILITIES[kind])


def lobby_skippers(kind: Kind) -> tuple[Role, ...]:
    """The roles that enter a session of this kind without waiting in its lobby."""
    return tuple(r for r in roles_for(kind) if is_allowed(kind, r, Capability.BYPASS_LOBBY))


def capabilities(kind: Kind, role: Role) -> frozenset[Capability]:
    """What a role may do in a session of a kind; nothing if the role does not exist there."""
    return CAPABILITIES.get(kind, {}).get(role, frozenset())


def is_allowed(kind: Kind, role: Role, capability: Capability) -> bool:
    return capability in capabilities(kind, role)
