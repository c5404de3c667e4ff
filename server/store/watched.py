"""Who in this process hears of a store's changes: the live rooms, so that a change written
outside a room (a console page, the REST API) reaches a room that is open here at once.

A store that others follow is ``Watched``: it keeps the watchers and tells each one the
session whose records changed, after they are written."""

from collections.abc import Awaitable, Callable

Watcher = Callable[[str], Awaitable[None]]


class Watched:
    def __init__(self) -> None:
        self._watchers: list[Watcher] = []

    def watch(self, watcher: Watcher) -> None:
        self._watchers.append(watcher)

    def unwatch(self, watcher: Watcher) -> None:
        if watcher in self._watchers:
            self._watchers.remove(watcher)

    async def changed(self, session_id: str) -> None:
        """Tell each watcher that this session's records changed."""
        for watcher in list(self._watchers):
            await watcher(session_id)
