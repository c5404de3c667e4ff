"""Demo data on first start."""

from server.settings import Settings
from server.store import Store


async def seed_demo(store: Store, settings: Settings) -> None:
    pass
