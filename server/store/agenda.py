"""Agenda in Redis."""

from server.store.connection import Redis


class Agenda:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
