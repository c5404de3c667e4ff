"""Schedule in Redis."""

from server.store.connection import Redis


class Schedule:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
