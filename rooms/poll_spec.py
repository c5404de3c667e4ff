"""What a poll is: its question, kind, options, correct answers (a quiz), whether it is
anonymous and how long it runs; and how its ballots add up.

``poll_spec`` checks what a host sent (a bank's draft, or a poll launched ad hoc): any fault
raises a DomainError with an English template, and nothing changes. ``tally`` counts ballots
per option; ``quiz_scores`` gives each person their number of right answers across closed
quizzes. A rating's options are "1".."5" (a choice is the option's index).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from rooms.errors import DomainError

QUESTION_CHARS_MAX = 300
OPTION_CHARS_MAX = 200
OPTIONS_MAX = 10
SECONDS_MIN = 10
SECONDS_MAX = 3600
RATINGS = ("1", "2", "3", "4", "5")
NO_QUESTION = "The question must be text of 1 to {most} characters."
OPTION_TOO_LONG = "Each option must be text of 1 to {most} characters."


class PollKind(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    RATING = "rating"


@dataclass(frozen=True, slots=True)
class PollSpec:
    """A poll as prepared: in a session's bank, or sent by a host to launch at once."""

    question: str
    kind: PollKind
    options: tuple[str, ...]
    correct: tuple[int, ...] = ()  # option indexes; a quiz when not empty
    anonymous: bool = False
    seconds: int | None = None  # how long it stays open; None: until a host closes it

    @property
    def quiz(self) -> bool:
        return bool(self.correct)


@dataclass(frozen=True, slots=True)
class Ballot:
    """One person's vote (persisted); a new one replaces it until the poll closes."""

    poll_id: str
    person_key: str
    name: str
    choices: tuple[int, ...]
    at: datetime


def _text(value: object, *, most: int, template: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > most:
        raise DomainError(template, code="invalid_poll", most=most)
    return text


def _seconds(value: object) -> int | None:
    if value is None:
        return None
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or not SECONDS_MIN <= value <= SECONDS_MAX
    ):
        raise DomainError(
            "A deadline is {least} to {most} seconds away.",
            code="invalid_poll",
            least=SECONDS_MIN,
            most=SECONDS_MAX,
        )
    return value


def _options(kind: PollKind, value: object) -> tuple[str, ...]:
    if kind is PollKind.RATING:
        return RATINGS
    items = value if isinstance(value, list) else []
    if not 2 <= len(items) <= OPTIONS_MAX:
        raise DomainError("A poll has 2 to {most} options.", code="invalid_poll", most=OPTIONS_MAX)
    return tuple(_text(o, most=OPTION_CHARS_MAX, template=OPTION_TOO_LONG) for o in items)


def poll_spec(data: Mapping[str, object]) -> PollSpec:
    """A poll from what a host sent (a JSON object), checked."""
    question = _text(data.get("question"), most=QUESTION_CHARS_MAX, template=NO_QUESTION)
    try:
        kind = PollKind(str(data.get("kind")))
    except ValueError:
        raise DomainError(
            "A poll is single choice, multiple choice or a rating.", code="invalid_poll"
        ) from None
    options = _options(kind, data.get("options"))
    anonymous = data.get("anonymous", False)
    if not isinstance(anonymous, bool):
        raise DomainError("anonymous must be true or false.", code="invalid_poll")
    spec = PollSpec(
        question, kind, options, anonymous=anonymous, seconds=_seconds(data.get("seconds"))
    )
    correct = data.get("correct") or []
    if correct:
        return PollSpec(question, kind, options, _correct(spec, correct), anonymous, spec.seconds)
    return spec


def _correct(spec: PollSpec, value: object) -> tuple[int, ...]:
    if spec.kind is PollKind.RATING:
        raise DomainError("A rating has no correct answer.", code="invalid_poll")
    try:
        return check_choices(spec, value)
    except DomainError:
        raise DomainError(
            "The correct answers must be among the options (one for a single choice).",
            code="invalid_poll",
        ) from None


def _index(value: object, count: int) -> int | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value < count
    return value if ok and isinstance(value, int) else None


def check_choices(spec: PollSpec, value: object) -> tuple[int, ...]:
    """A vote's choices: option indexes, one for a single choice or a rating, one or more
    (each once) for a multiple choice."""
    items = value if isinstance(value, list) else []
    picked = [i for v in items if (i := _index(v, len(spec.options))) is not None]
    if not picked or len(picked) != len(items) or len(set(picked)) != len(picked):
        raise DomainError("Choose among the poll's options.", code="invalid_choice")
    if spec.kind is not PollKind.MULTIPLE and len(picked) != 1:
        raise DomainError("Choose one option.", code="invalid_choice")
    return tuple(sorted(picked))


def spec_fields(spec: PollSpec) -> dict[str, object]:
    return {
        "question": spec.question,
        "kind": str(spec.kind),
        "options": list(spec.options),
        "correct": list(spec.correct),
        "anonymous": spec.anonymous,
        "seconds": spec.seconds,
    }


def tally(spec: PollSpec, ballots: Iterable[Ballot]) -> dict[str, object]:
    """The votes per option (and, for a named poll, who chose each); a rating's average."""
    counts = [0] * len(spec.options)
    names: list[list[str]] = [[] for _ in spec.options]
    voters = 0
    for ballot in ballots:
        voters += 1
        for choice in ballot.choices:
            counts[choice] += 1
            names[choice].append(ballot.name)
    result: dict[str, object] = {"counts": counts, "voters": voters}
    if spec.kind is PollKind.RATING:
        total = sum((i + 1) * n for i, n in enumerate(counts))
        result["average"] = round(total / voters, 2) if voters else None
    if not spec.anonymous:
        result["names"] = [sorted(n) for n in names]
    return result


def quiz_scores(
    quizzes: Iterable[tuple[PollSpec, Iterable[Ballot]]],
) -> list[dict[str, object]]:
    """The leaderboard: each person's right answers across the quizzes (named ones only),
    most first, then by name."""
    scores: dict[str, tuple[str, int]] = {}
    for spec, ballots in quizzes:
        if spec.anonymous or not spec.quiz:
            continue
        for b in ballots:
            name, score = scores.get(b.person_key, (b.name, 0))
            scores[b.person_key] = (b.name, score + (b.choices == spec.correct))
    board = sorted(scores.values(), key=lambda s: (-s[1], s[0]))
    return [{"name": name, "score": score} for name, score in board]
