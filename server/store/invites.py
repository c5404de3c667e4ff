"""Invites in Redis."""

from server.store.connection import Redis


class Invites:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
