"""WebSessions in Redis."""

from server.store.connection import Redis


class WebSessions:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
