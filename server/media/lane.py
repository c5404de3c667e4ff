"""A lane: an outlet's outgoing stream as the fan-out reads it (``Outlet``'s base class).

It holds the numbers of the stream (sequence and timestamp offsets, the last packet sent,
counts) and the 128-packet history NACKs are answered from. Built, it is the compiled
``server.media._fanout.Lane``, and ``fan_out`` forwards a source's packets to all its steady
outlets in one call, outside the interpreter (``server/media/_fanout.c``). Not built (no C
compiler where it was installed), it is the class below and ``fan_out`` is None: each
outlet sends for itself (``Outlet.send``), the same rules in Python.
"""

from collections.abc import Callable

HISTORY = 128  # as aiortc's sender; NACKs older than this go unanswered

Remembered = tuple[bytes, bytes]  # a packet sent: its header (before SRTP) and payload


class PythonLane:
    """The pure-Python lane: what the compiled one holds, without ``fan_out``."""

    __slots__ = (
        "pt", "waiting", "offset", "base", "ts_offset", "last_seq", "last_ts", "last_ntp",
        "packets", "octets", "_history",
    )  # fmt: skip

    def __init__(self) -> None:
        self._history: list[Remembered | None] = [None] * HISTORY

    def plug(self, wire: object, protect: int, context: int, fd: int, template: bytes,
             ext_length: int) -> None:  # fmt: skip
        """The compiled lane sends with these; this one leaves sending to its outlet."""

    def unplug(self) -> None:
        """Let go of what ``plug`` gave."""

    def remember(self, seq: int, item: Remembered) -> None:
        self._history[seq % HISTORY] = item

    def recall(self, seq: int) -> Remembered | None:
        return self._history[seq % HISTORY]


FanOut = Callable[[list, list, bytes, int], tuple[list, list]]

try:
    from server.media._fanout import Lane, fan_out  # type: ignore[import-not-found]
except ImportError:  # not built: forward in Python
    Lane = PythonLane
    fan_out: FanOut | None = None
