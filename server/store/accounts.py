"""Accounts in Redis."""

from server.store.connection import Redis


class Accounts:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
