"""The scheduler (placeholder)."""

from server.settings import Settings
from server.store import Store


class Scheduler:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass
