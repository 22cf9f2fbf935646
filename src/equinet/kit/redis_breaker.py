"""The circuit breaker in front of Redis: a hung or dead Redis costs one short timeout, then
nothing, and is reported once per outage.

Every cache and rate-limit call goes through `RedisBreaker.call`, bounded by
REDIS_TIMEOUT_SECONDS. A failure opens the breaker for RATE_LIMIT_REDIS_PROBE_SECONDS: callers
get `RedisUnavailable` at once, without touching the network. Then one caller probes; the
others keep getting `RedisUnavailable` until the probe answers. The outage, which began with
one WARNING, ends with a second one only after Redis has answered for REDIS_RECOVERY_SECONDS
without a failure; until then `in_outage` stays true, so the rate limiter keeps its
per-process counts going beside Redis's and a flapping Redis never hands out fresh budgets.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from equinet.settings import Settings

logger = logging.getLogger("equinet.redis")

T = TypeVar("T")


class RedisUnavailable(Exception):
    """Redis failed just now, or recently enough that it is not being asked."""


class RedisBreaker:
    def __init__(
        self,
        *,
        timeout_seconds: float,
        open_seconds: float,
        recovery_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.timeout_seconds = timeout_seconds
        self.open_seconds = open_seconds
        self.recovery_seconds = recovery_seconds
        self._clock = clock
        self._open_until = 0.0
        self._probing = False
        self._outage_started: float | None = None
        self._healthy_since: float | None = None
        self.failures = 0  # calls that failed or were refused while open (for tests, metrics)

    @classmethod
    def from_settings(cls, settings: Settings) -> RedisBreaker:
        return cls(
            timeout_seconds=settings.redis_timeout_seconds,
            open_seconds=settings.rate_limit_redis_probe_seconds,
            recovery_seconds=settings.redis_recovery_seconds,
        )

    @property
    def is_open(self) -> bool:
        """True while Redis is not being asked (a recent failure, or a probe under way)."""
        return self._clock() < self._open_until or self._probing

    @property
    def in_outage(self) -> bool:
        """From the first failure until Redis has answered for the whole recovery time."""
        return self._outage_started is not None

    def _admit(self) -> bool:
        now = self._clock()
        if now < self._open_until or self._probing:
            return False
        if self._open_until:  # the open time is over: this caller is the one probe
            self._probing = True
        return True

    def _failed(self, error: BaseException) -> None:
        now = self._clock()
        self._open_until = now + self.open_seconds
        self._healthy_since = None
        if self._outage_started is None:
            self._outage_started = now
            logger.warning(
                "Redis unreachable (%s: %s); rate limits count per process and caches are "
                "bypassed until it answers again",
                type(error).__name__,
                str(error) or "no answer",
            )

    def _succeeded(self) -> None:
        now = self._clock()
        self._open_until = 0.0
        if self._outage_started is None:
            return
        if self._healthy_since is None:
            self._healthy_since = now
        if now - self._healthy_since >= self.recovery_seconds:
            logger.warning(
                "Redis answers again; rate limits are shared again (outage of %.0f s)",
                now - self._outage_started,
            )
            self._outage_started = None
            self._healthy_since = None

    async def call(self, operation: Callable[[], Awaitable[T]]) -> T:
        """Run one Redis operation under the timeout; RedisUnavailable when it cannot."""
        if not self._admit():
            self.failures += 1
            raise RedisUnavailable("circuit open")
        try:
            async with asyncio.timeout(self.timeout_seconds):
                result = await operation()
        except Exception as error:
            self.failures += 1
            self._failed(error)
            raise RedisUnavailable(str(error)) from error
        finally:
            self._probing = False
        self._succeeded()
        return result


def redis_client_options(settings: Settings) -> dict[str, Any]:
    """Connection options for every Redis client of the app: short timeouts, no retries (the
    breaker decides when to try again)."""
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    return {
        "socket_connect_timeout": settings.redis_timeout_seconds,
        "socket_timeout": settings.redis_timeout_seconds,
        "retry": Retry(NoBackoff(), 0),
    }
