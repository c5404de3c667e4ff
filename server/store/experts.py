"""Experts in Redis."""

from server.store.connection import Redis


class Experts:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
