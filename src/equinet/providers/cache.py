"""The provider listing cache (P3): public search results, invalidated on every write.

Listings are stored under a *generation*: invalidating bumps the generation, so every older
entry is unreachable at once (no SCAN over keys) and a reader that computed a page from data
older than the bump stores it under the old generation, where nobody looks. With Redis
(REDIS_URL) the generation and entries are shared by every worker; otherwise each process
keeps its own entries in memory. Redis errors fail open: the listing is read from the
database. Redis calls go through the app's circuit breaker (kit.redis_breaker), so a hung
Redis costs one short timeout and is reported once; an invalidation that could not reach
Redis is made on the next call that can.

Writers call `invalidate_provider_listings(db)` in their transaction; the bump runs after the
commit and is dropped on rollback.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import time
import weakref
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.db.session import after_commit
from equinet.kit.redis_breaker import RedisBreaker, RedisUnavailable

logger = logging.getLogger("equinet.providers.cache")

# Every listing cache alive in this process; invalidation reaches all of them (one app per
# process in production; several short-lived ones in tests).
_LIVE: weakref.WeakSet[ProviderListingCache] = weakref.WeakSet()
# The generation of a page computed while Redis was away: never stored.
UNAVAILABLE = "unavailable"


def _digest(value: Any) -> str:
    encoded = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()[:16]


class ProviderListingCache:
    """Cached public listings of one database (namespace), in Redis or in this process."""

    def __init__(
        self,
        *,
        redis: Redis | None,
        namespace: str,
        ttl_seconds: int,
        breaker: RedisBreaker | None = None,
    ) -> None:
        self.redis = redis
        self.ttl_seconds = ttl_seconds
        self.breaker = breaker or RedisBreaker(
            timeout_seconds=0.25, open_seconds=5.0, recovery_seconds=0.0
        )
        # Databases sharing a Redis (test runs, staging next to development) never mix.
        self.prefix = f"providers:{_digest(namespace)}"
        self._entries: dict[str, tuple[float, Any]] = {}
        self._generation = 0
        # A write's invalidation that Redis did not take; made before the next read.
        self._invalidation_pending = False
        _LIVE.add(self)

    @property
    def backend(self) -> str:
        return "redis" if self.redis is not None else "memory"

    async def _current_generation(self, redis: Redis) -> str:
        key = f"{self.prefix}:generation"
        if self._invalidation_pending:
            value: Any = await self.breaker.call(lambda: redis.incr(key))
            self._invalidation_pending = False
        else:
            value = await self.breaker.call(lambda: redis.get(key))
        return value.decode() if isinstance(value, bytes) else str(value or 0)

    async def get(self, kind: str, params: dict[str, Any]) -> Any | None:
        if self.ttl_seconds <= 0:
            return None
        redis = self.redis
        if redis is None:
            key = f"{self.prefix}:{self._generation}:{kind}:{_digest(params)}"
            entry = self._entries.get(key)
            if entry is None or entry[0] < time.monotonic():
                self._entries.pop(key, None)
                return None
            return entry[1]
        try:
            key = f"{self.prefix}:{await self._current_generation(redis)}:{kind}:{_digest(params)}"
            raw = await self.breaker.call(lambda: redis.get(key))
            return json.loads(raw) if raw is not None else None
        except RedisUnavailable:  # reported once per outage by the breaker
            return None
        except ValueError:  # a cache must never break the listing
            logger.warning("unreadable provider listing cache entry", exc_info=True)
            return None

    async def set(self, kind: str, params: dict[str, Any], value: Any, generation: str) -> None:
        """Store `value`, computed while `generation` was current (see `generation()`)."""
        if self.ttl_seconds <= 0 or generation == UNAVAILABLE:
            return
        key = f"{self.prefix}:{generation}:{kind}:{_digest(params)}"
        redis = self.redis
        if redis is None:
            self._entries[key] = (time.monotonic() + self.ttl_seconds, value)
            return
        encoded = json.dumps(value, default=str)
        with contextlib.suppress(RedisUnavailable):
            await self.breaker.call(lambda: redis.set(key, encoded, ex=self.ttl_seconds))

    async def generation(self) -> str:
        """The current generation; read it *before* querying what will be stored."""
        if self.redis is None:
            return str(self._generation)
        try:
            return await self._current_generation(self.redis)
        except RedisUnavailable:
            return UNAVAILABLE

    async def invalidate(self) -> None:
        redis = self.redis
        if redis is None:
            self._generation += 1
            self._entries.clear()
            return
        try:
            await self.breaker.call(lambda: redis.incr(f"{self.prefix}:generation"))
        except RedisUnavailable:
            self._invalidation_pending = True

    def close(self) -> None:
        _LIVE.discard(self)


async def invalidate_all_listings() -> None:
    """Drop every cached listing now (all caches of this process; Redis for all workers)."""
    for cache in list(_LIVE):
        await cache.invalidate()


def invalidate_provider_listings(db: AsyncSession) -> None:
    """After this transaction commits, drop the cached provider listings.

    Call it in every write that changes what a listing shows: profile, services, hours,
    exceptions, reviews, verification.
    """
    after_commit(db, invalidate_all_listings)
