"""Attention: whether a person in the room is looking at it, from their tabs' heartbeats.

The room page sends ``attention {visible}`` when its tab is shown or hidden and every
``BEAT_SECONDS`` while it is shown. ``Attention`` keeps, per person, which of their sockets
last said they were visible, and turns what it hears into attendance passages
(``rooms.attendance``): ``active`` while at least one tab is visible (at most one per person
every ``KEEP_EVERY`` seconds, however many tabs beat or however fast), ``idle`` when the last
visible tab is hidden or closed. Nothing a client says carries a time: the server's clock
counts, and ``rooms.attendance.totals`` never credits a beat with more than
``rooms.attendance.BEAT_GAP_MAX`` seconds.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rooms.attendance import Movement

BEAT_SECONDS = 30  # the page's heartbeat while visible
KEEP_EVERY = timedelta(seconds=15)  # a person's heartbeats are recorded at most this often


@dataclass(slots=True)
class _Looking:
    sids: set[str] = field(default_factory=set)  # the person's sockets now visible
    kept: datetime | None = None  # when their last ``active`` was recorded


class Attention:
    """Per person in the room: which tabs are visible, and the last beat recorded."""

    def __init__(self) -> None:
        self._people: dict[str, _Looking] = {}

    def heard(
        self, person_key: str, sid: str, *, visible: bool, since: datetime, now: datetime
    ) -> Movement | None:
        """A tab of the person (in the room since ``since``) says whether it is visible: the
        passage to record, if any."""
        looking = self._people.setdefault(person_key, _Looking())
        was = bool(looking.sids)
        if visible:
            looking.sids.add(sid)
        else:
            looking.sids.discard(sid)
        if not looking.sids:
            del self._people[person_key]
            return Movement.IDLE if was else None
        kept = looking.kept
        if was and kept is not None and kept >= since and now - kept < KEEP_EVERY:
            return None
        looking.kept = now
        return Movement.ACTIVE

    def forget(self, person_key: str) -> None:
        """The person left the room (their leave ends any run of beats)."""
        self._people.pop(person_key, None)

    def looking(self, person_key: str) -> bool:
        return person_key in self._people
