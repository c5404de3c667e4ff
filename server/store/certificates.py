"""Certificates of attendance in Redis: each scope's threshold (``keys.certificate_threshold``),
each certificate (a hash of its JSON and its serial, ``keys.certificate``), and per scope the
certificate of each person (``keys.certificates_of``). Issuing is one script: a person gets
one certificate per scope, numbered from one counter, however many ask at once."""

from dataclasses import replace

from rooms.certificates import Certificate, Scope, certificate_number
from server.store import keys
from server.store.codec import dump, load
from server.store.connection import Redis

# KEYS: the scope's index, the serial counter, the new certificate's key
# ARGV: person key, new certificate id, its JSON -> the person's certificate id
_ISSUE = """
local known = redis.call('HGET', KEYS[1], ARGV[1])
if known then return known end
local serial = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[3], 'json', ARGV[3], 'serial', serial)
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return ARGV[2]
"""


class Certificates:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._issue = redis.register_script(_ISSUE)

    # thresholds

    async def set_threshold(self, scope: Scope, scope_id: str, minutes: int | None) -> None:
        key = keys.certificate_threshold(scope, scope_id)
        if minutes is None:
            await self.redis.delete(key)
        else:
            await self.redis.set(key, str(minutes))

    async def threshold(self, scope: Scope, scope_id: str) -> int | None:
        text = await self.redis.get(keys.certificate_threshold(scope, scope_id))
        return None if text is None else int(text)

    async def thresholds(self, scope: Scope, scope_ids: list[str]) -> dict[str, int | None]:
        if not scope_ids:
            return {}
        texts = await self.redis.mget([keys.certificate_threshold(scope, s) for s in scope_ids])
        return {s: None if t is None else int(t) for s, t in zip(scope_ids, texts, strict=True)}

    # certificates

    async def issue(self, certificate: Certificate) -> Certificate:
        """Keep a new certificate, unless the person has one of that scope: then that one."""
        c = certificate
        certificate_id = await self._issue(
            keys=[
                keys.certificates_of(c.scope, c.scope_id),
                keys.CERTIFICATE_SERIAL,
                keys.certificate(c.certificate_id),
            ],
            args=[c.person_key, c.certificate_id, dump(replace(c, number=""))],
        )
        found = await self.get(str(certificate_id))
        assert found is not None  # written in the same script
        return found

    async def get(self, certificate_id: str) -> Certificate | None:
        fields = await self.redis.hgetall(keys.certificate(certificate_id))
        if not fields:
            return None
        certificate = load(Certificate, fields["json"])
        year = certificate.issued_at.year
        return replace(
            certificate, number=certificate_number(year=year, serial=int(fields["serial"]))
        )

    async def of_scope(self, scope: Scope, scope_id: str) -> dict[str, str]:
        """Person key -> certificate id, for those issued one of that scope."""
        return dict(await self.redis.hgetall(keys.certificates_of(scope, scope_id)))
