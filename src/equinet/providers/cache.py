"""The provider listing cache (P3): public search results, invalidated per provider.

A cached listing is the response body (bytes, served as they are) plus the ids of the
providers on it. A write to provider A changes what listings show in one of two ways:

- *content* (a review, a price, the next visit, verification): only the listings that show
  A change. Each provider has a set of the entries that show it; the write deletes them.
- *membership* (name, description, town, point, service area, a service's name, a new or
  gone provider): A may now match searches it did not match before. Every listing belongs
  to one *scope* - its town prefix (`city=upp` -> `city:upp`), else the grid cell of its
  point, else `all` - whose generation is stored with the entry; the write moves the
  generations of the scopes A could match before and after (every prefix of its old and new
  town, the cells within its reach of its old and new point, and `all`), so those entries
  are no longer read. Listings of other towns and areas stay cached.

Every piece of state is in Redis (REDIS_URL), so every worker sees every invalidation; a read
is one MGET round trip and a store or an invalidation one Lua script. A listing computed
from data older than a write is never stored: the reader takes the write sequence before it
queries, and the store script refuses when a provider on the page was written since (the
invalidation and the store are atomic in Redis, so one of them sees the other). Without Redis
the same structures live in the process (one worker).

Redis errors fail open (the listing is read from the database) through the app's circuit
breaker (kit.redis_breaker). An invalidation Redis did not take is retried in the background
and then drops every entry (an epoch bump); until it lands this process bypasses the cache.
The store and invalidation scripts build their keys inside Redis: a single Redis, not a
cluster.

Writers call `invalidate_provider_listings(db, provider_id, ...)` in their transaction; the
invalidation runs after the commit and is dropped on rollback.

With a read replica (DATABASE_REPLICA_URL) a reader can miss just after a write, query a replica
that has not replayed it yet and store the old page. Each invalidation is therefore repeated
REPLICA_LAG_ALLOWANCE_SECONDS later, which drops such a page and refuses any store begun before
it: a listing is stale for at most that long (while the replica lags less), not for the TTL.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import math
import time
import weakref
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.db.session import after_commit
from equinet.kit.geo import bounding_box
from equinet.kit.metrics import PROVIDER_CACHE_LOOKUPS
from equinet.kit.redis_breaker import RedisBreaker, RedisUnavailable

logger = logging.getLogger("equinet.providers.cache")

# Every listing cache alive in this process; invalidation reaches all of them (one app per
# process in production; several short-lived ones in tests).
_LIVE: weakref.WeakSet[ProviderListingCache] = weakref.WeakSet()

# Grid of the near-point scopes, in degrees (about 55 x 55 km in Sweden).
CELL_LATITUDE = 0.5
CELL_LONGITUDE = 1.0
# How far from its point a provider can be found (the search radius is at most 100 km).
MAX_REACH_KM = 100.0
DEFAULT_REACH_KM = 50.0
ALL = "all"
# The scope of the visiting-area listings, moved by every provider write (they follow the
# announced visits, which any exception write can add or remove).
VISITS = "visits"


def _digest(value: Any) -> str:
    encoded = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Place:
    """Where a provider can be found: its town and its point with its service area."""

    city: str | None
    latitude: float | None = None
    longitude: float | None = None
    service_area_km: float | None = None


def _cell(latitude: float, longitude: float) -> str:
    return f"cell:{math.floor(latitude / CELL_LATITUDE)}:{math.floor(longitude / CELL_LONGITUDE)}"


def listing_scope(city: str | None, near: tuple[float, float] | None) -> str:
    """The scope a listing query belongs to (its town prefix, else its point's cell)."""
    if city:
        return f"city:{city.lower()}"
    if near is not None:
        return _cell(*near)
    return ALL


def scopes_of(places: Iterable[Place]) -> set[str]:
    """Every scope whose listings a provider at one of `places` can be on."""
    scopes = {ALL}
    for place in places:
        if place.city:
            town = place.city.strip().lower()
            scopes.update(f"city:{town[:n]}" for n in range(1, len(town) + 1))
        if place.latitude is not None and place.longitude is not None:
            reach = min(place.service_area_km or DEFAULT_REACH_KM, MAX_REACH_KM)
            box = bounding_box(place.latitude, place.longitude, reach)
            lat_cells = range(
                math.floor(max(box.min_latitude, -90.0) / CELL_LATITUDE),
                math.floor(min(box.max_latitude, 90.0) / CELL_LATITUDE) + 1,
            )
            lng_cells = range(
                math.floor(max(box.min_longitude, -180.0) / CELL_LONGITUDE),
                math.floor(min(box.max_longitude, 180.0) / CELL_LONGITUDE) + 1,
            )
            scopes.update(f"cell:{a}:{b}" for a in lat_cells for b in lng_cells)
    return scopes


@dataclass(frozen=True)
class Lookup:
    """What a cache read found: the body on a hit, else the state to store a fresh one under."""

    body: bytes | None
    stamp: str | None  # epoch and scope generation at the read; None: do not store
    sequence: int


# ARGV: prefix, ttl, stamp, sequence at the read, body, provider ids...
_STORE = """
local p = ARGV[1]
local since = tonumber(ARGV[4])
for i = 6, #ARGV do
  local written = redis.call('GET', p .. ':w:' .. ARGV[i])
  if written and tonumber(written) > since then return 0 end
end
local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[1], ARGV[3] .. '|' .. ARGV[5], 'EX', ttl)
for i = 6, #ARGV do
  local deps = p .. ':dep:' .. ARGV[i]
  redis.call('SADD', deps, KEYS[1])
  redis.call('EXPIRE', deps, ttl)
end
return 1
"""

# ARGV: prefix, ttl, number of ids, provider ids..., scopes...
_INVALIDATE = """
local p = ARGV[1]
local ttl = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local seq = redis.call('INCR', p .. ':seq')
for i = 4, 3 + n do
  local id = ARGV[i]
  redis.call('SET', p .. ':w:' .. id, seq, 'EX', ttl)
  local deps = p .. ':dep:' .. id
  local entries = redis.call('SMEMBERS', deps)
  for _, key in ipairs(entries) do redis.call('DEL', key) end
  redis.call('DEL', deps)
end
for i = 4 + n, #ARGV do
  redis.call('SET', p .. ':g:' .. ARGV[i], seq, 'EX', ttl * 2)
end
return seq
"""


@dataclass
class _MemoryEntry:
    expires: float
    stamp: str
    body: bytes


class ProviderListingCache:
    """Cached public listings of one database (namespace), in Redis or in this process."""

    def __init__(
        self,
        *,
        redis: Redis | None,
        namespace: str,
        ttl_seconds: int,
        breaker: RedisBreaker | None = None,
        repeat_after_seconds: float = 0.0,
    ) -> None:
        self.redis = redis
        self.ttl_seconds = ttl_seconds
        # > 0 with a replica: every invalidation runs again this much later (see above).
        self.repeat_after_seconds = repeat_after_seconds
        self._repeats: set[asyncio.Task[None]] = set()
        # Write marks must outlive any read that began before the write.
        self._mark_seconds = max(ttl_seconds, 60)
        self.breaker = breaker or RedisBreaker(
            timeout_seconds=0.25, open_seconds=5.0, recovery_seconds=0.0
        )
        # Databases sharing a Redis (test runs, staging next to development) never mix.
        self.prefix = f"providers:{_digest(namespace)}"
        # An invalidation Redis did not take: retried until it lands; no cache use until then.
        self._pending: asyncio.Task[None] | None = None
        # The in-process backend (no Redis): the same structures as the Redis keys.
        self._entries: dict[str, _MemoryEntry] = {}
        self._deps: dict[str, set[str]] = {}
        self._written: dict[str, int] = {}
        self._generations: dict[str, int] = {}
        self._sequence = 0
        self._epoch = 0
        _LIVE.add(self)

    @property
    def backend(self) -> str:
        return "redis" if self.redis is not None else "memory"

    @property
    def enabled(self) -> bool:
        return self.ttl_seconds > 0

    def _key(self, kind: str, params: dict[str, Any]) -> str:
        return f"{self.prefix}:e:{kind}:{_digest(params)}"

    async def lookup(self, kind: str, params: dict[str, Any], scope: str) -> Lookup:
        """The cached body of this listing, or what `store` needs to cache a fresh one."""
        found = await self._lookup(self._key(kind, params), scope)
        PROVIDER_CACHE_LOOKUPS.labels(kind=kind, result="hit" if found.body else "miss").inc()
        return found

    async def _lookup(self, key: str, scope: str) -> Lookup:
        if self._pending is not None:
            return Lookup(None, None, 0)
        redis = self.redis
        if redis is None:
            stamp = f"{self._epoch}.{self._generations.get(scope, 0)}"
            entry = self._entries.get(key)
            if entry is not None and (entry.expires < time.monotonic() or entry.stamp != stamp):
                entry = None
            return Lookup(entry.body if entry else None, stamp, self._sequence)
        keys = [key, f"{self.prefix}:g:{scope}", f"{self.prefix}:epoch", f"{self.prefix}:seq"]
        try:
            raw, generation, epoch, sequence = await self.breaker.call(lambda: redis.mget(keys))
        except RedisUnavailable:  # reported once per outage by the breaker
            return Lookup(None, None, 0)
        stamp = f"{_text(epoch)}.{_text(generation)}"
        if raw is not None:
            value = raw if isinstance(raw, bytes) else str(raw).encode()
            stored, _, body = value.partition(b"|")
            if stored.decode() == stamp:
                return Lookup(body, stamp, 0)
        return Lookup(None, stamp, int(sequence or 0))

    async def store(
        self,
        kind: str,
        params: dict[str, Any],
        found: Lookup,
        body: bytes,
        provider_ids: Sequence[str],
    ) -> None:
        """Cache `body` (showing `provider_ids`), read after `found` missed."""
        if found.stamp is None or not self.enabled:
            return
        key = self._key(kind, params)
        redis = self.redis
        if redis is None:
            if any(self._written.get(i, 0) > found.sequence for i in provider_ids):
                return
            expires = time.monotonic() + self.ttl_seconds
            self._entries[key] = _MemoryEntry(expires, found.stamp, body)
            for provider_id in provider_ids:
                self._deps.setdefault(provider_id, set()).add(key)
            return
        argv: list[str | int | bytes] = [
            self.prefix, self.ttl_seconds, found.stamp, found.sequence, body, *provider_ids,
        ]  # fmt: skip
        with contextlib.suppress(RedisUnavailable):
            await self.breaker.call(lambda: redis.eval(_STORE, 1, key, *argv))

    async def invalidate(self, provider_ids: Sequence[str], scopes: Iterable[str] = ()) -> None:
        """Drop the listings showing these providers and move the generations of `scopes`."""
        chosen = sorted(set(scopes))
        await self._invalidate(provider_ids, chosen)
        self._repeat_later(lambda: self._invalidate(provider_ids, chosen))

    async def _invalidate(self, provider_ids: Sequence[str], chosen: list[str]) -> None:
        redis = self.redis
        if redis is None:
            self._sequence += 1
            for provider_id in provider_ids:
                self._written[provider_id] = self._sequence
                for key in self._deps.pop(provider_id, set()):
                    self._entries.pop(key, None)
            for scope in chosen:
                self._generations[scope] = self._sequence
            return
        argv: list[str | int] = [
            self.prefix, self._mark_seconds, len(provider_ids), *provider_ids, *chosen,
        ]  # fmt: skip
        try:
            await self.breaker.call(lambda: redis.eval(_INVALIDATE, 0, *argv))
        except RedisUnavailable:
            self._drop_everything_later()

    async def invalidate_all(self) -> None:
        """Drop every entry (all workers): a new epoch."""
        await self._invalidate_all()
        self._repeat_later(self._invalidate_all)

    async def _invalidate_all(self) -> None:
        redis = self.redis
        if redis is None:
            self._epoch += 1
            self._entries.clear()
            self._deps.clear()
            return
        try:
            await self.breaker.call(lambda: redis.incr(f"{self.prefix}:epoch"))
        except RedisUnavailable:
            self._drop_everything_later()

    def _repeat_later(self, invalidation: Callable[[], Awaitable[None]]) -> None:
        # Not a job: a lost repeat leaves a page stale until the TTL at worst, nothing more.
        if self.repeat_after_seconds <= 0:
            return

        async def repeat() -> None:
            await asyncio.sleep(self.repeat_after_seconds)
            await invalidation()

        task = asyncio.get_running_loop().create_task(repeat())
        self._repeats.add(task)
        task.add_done_callback(self._repeats.discard)

    def _drop_everything_later(self) -> None:
        if self._pending is None:
            self._pending = asyncio.get_running_loop().create_task(self._retry_drop())

    async def _retry_drop(self) -> None:
        redis = self.redis
        assert redis is not None
        while True:
            try:
                await self.breaker.call(lambda: redis.incr(f"{self.prefix}:epoch"))
            except RedisUnavailable:
                await asyncio.sleep(min(self.breaker.open_seconds, 1.0) / 2)
                continue
            self._pending = None
            return

    def close(self) -> None:
        for task in list(self._repeats):
            task.cancel()
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        _LIVE.discard(self)


def _text(value: Any) -> str:
    if value is None:
        return "0"
    return value.decode() if isinstance(value, bytes) else str(value)


async def invalidate_all_listings() -> None:
    """Drop every cached listing now (all caches of this process; Redis for all workers)."""
    for cache in list(_LIVE):
        await cache.invalidate_all()


def invalidate_provider_listings(db: AsyncSession, provider_id: str, *places: Place | None) -> None:
    """After this transaction commits, drop the cached listings that show this provider.

    Call it in every write that changes what a listing shows: reviews, prices, hours,
    exceptions, verification. When the provider may now match other searches (profile,
    service names, a new provider), pass the places it could be found at before and after
    the write: the listings of those towns and areas are dropped too.
    """
    known = [place for place in places if place is not None]
    scopes = (scopes_of(known) if places else set()) | {VISITS}

    async def invalidate() -> None:
        for cache in list(_LIVE):
            await cache.invalidate([provider_id], scopes)

    after_commit(db, invalidate)


def invalidate_every_listing(db: AsyncSession) -> None:
    """After this transaction commits, drop every cached listing (rare, wide changes)."""
    after_commit(db, invalidate_all_listings)


async def place_of(db: AsyncSession, provider_id: str) -> Place | None:
    """Where the provider can be found now (for a membership invalidation)."""
    from equinet.models import Provider

    row = (
        await db.execute(
            select(
                Provider.city, Provider.latitude, Provider.longitude, Provider.service_area_km
            ).where(Provider.id == provider_id)
        )
    ).first()
    return Place(*row) if row is not None else None
