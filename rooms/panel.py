"""The live review panel: a review room's workflow (``rooms.workflow``).

(Being written: the phase machine of each item, conflicted reviewers moved out and back,
sealed scores, results released to the panel.)
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from rooms.conflicts import ConflictNote, Standing
from rooms.items import Item, ReviewSettings
from rooms.rubric import Rubric


@dataclass(frozen=True, slots=True)
class ReviewBook:
    """What a review room is prepared with: its items in order, rubric, settings, the
    reviewers on its roster and every reviewer's standing on every item."""

    items: tuple[Item, ...] = ()
    rubric: Rubric | None = None
    settings: ReviewSettings = field(default_factory=ReviewSettings)
    reviewers: tuple[str, ...] = ()  # person keys of the roster's reviewers
    table: Mapping[str, Mapping[str, Standing]] = field(default_factory=dict)
    notes: tuple[ConflictNote, ...] = ()
