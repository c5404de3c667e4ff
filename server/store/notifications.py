"""Notifications in Redis."""

from server.store.connection import Redis


class Notifications:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
