"""The nine rate limiters (design document S4), their storage, and the middleware that applies
them before a request body is read.

Counting uses the `limits` library's moving window (exact: every hit is a timestamp, a request
is refused when the last window already holds `amount` of them). Counts live in Redis when
REDIS_URL is set, so every worker and every host shares them; without Redis (a single
development process) they live in the process. When Redis stops answering, no request fails:
the circuit breaker (kit.redis_breaker) warns once, the limiter counts per process, and keeps
doing so for a while after Redis is back.

The budget is always checked before the body is read; what spends it is the limiter's
`spends`: every request, only successes (a booking made, not a rejected try), or only
failures (a wrong password).

Which routes are guarded is declared by each router with `limit_route` (kit.rate_limit_routes);
the middleware finds the request's route template the way the router will, then checks each
of its limiters with the key it should have: the client IP (kit.client_ip, X-Forwarded-For only
from TRUSTED_PROXIES), or the user id for per-user limiters when a session token resolves.
The login limiter is checked here per IP, and again per e-mail by the login handler itself.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import fastapi.routing
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from starlette.responses import JSONResponse
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from equinet.kit.client_ip import client_ip
from equinet.kit.errors import EquinetError, error_body
from equinet.kit.metrics import RATE_LIMIT_REJECTIONS as _REJECTIONS
from equinet.kit.rate_limit_routes import LIMITED_ROUTES
from equinet.kit.redis_breaker import RedisBreaker, RedisUnavailable, redis_client_options
from equinet.settings import Settings

logger = logging.getLogger("equinet.rate_limit")

# A user id for the request (from its session token), or None when it has no valid session.
UserResolver = Callable[[Scope], Awaitable[str | None]]


def _iter_routes(routes: Any) -> Any:
    """Routes in routing order. FastAPI >= 0.16x keeps included routers as branches, which
    `iter_route_contexts` walks; older versions have a flat list."""
    walk = getattr(fastapi.routing, "iter_route_contexts", None)
    return walk(routes) if walk is not None else routes


@dataclass(frozen=True)
class LimiterSpec:
    name: str
    limit: str  # production numbers, `limits` notation
    message: str
    details: str | None = None  # "{amount}" is replaced by the limit in force
    per_user: bool = False  # keyed by user id when the request has a session, else by IP
    # What uses up the budget: every request, only successes (2xx: a booking made, an account
    # created), or only failures (4xx: a wrong password). Always checked before the body.
    spends: str = "always"


ALWAYS, ON_SUCCESS, ON_FAILURE = "always", "success", "failure"


def spends_on(spends: str, status: int) -> bool:
    if spends == ON_SUCCESS:
        return 200 <= status < 300
    if spends == ON_FAILURE:  # the client's failure; a 429 or a 5xx is no attempt of theirs
        return 400 <= status < 500 and status != 429
    return False


LIMITERS: dict[str, LimiterSpec] = {
    spec.name: spec
    for spec in (
        LimiterSpec(
            "login",
            "5/15 minutes",
            "För många inloggningsförsök. Försök igen om 15 minuter.",
            spends=ON_FAILURE,
        ),
        LimiterSpec(
            "registration",
            "3/hour",
            "För många registreringsförsök. Försök igen om en timme.",
            spends=ON_SUCCESS,
        ),
        LimiterSpec(
            "api", "100/minute", "För många förfrågningar. Försök igen om en minut.", per_user=True
        ),
        LimiterSpec(
            "booking",
            "10/hour",
            "För många bokningar",
            "Du kan göra max {amount} bokningar per timme. Försök igen senare.",
            per_user=True,
            spends=ON_SUCCESS,
        ),
        LimiterSpec(
            "passwordReset",
            "3/hour",
            "För många försök att återställa lösenord. Försök igen om en timme.",
            spends=ON_SUCCESS,
        ),
        LimiterSpec(
            "profileUpdate",
            "20/hour",
            "För många ändringar. Vänta en stund innan du gör fler ändringar.",
            per_user=True,
            spends=ON_SUCCESS,
        ),
        LimiterSpec(
            "serviceCreate",
            "10/hour",
            "För många tjänster skapade",
            "Du kan skapa max {amount} tjänster per timme. Försök igen senare.",
            per_user=True,
            spends=ON_SUCCESS,
        ),
        LimiterSpec(
            "geocode", "30/minute", "För många geocoding-förfrågningar. Försök igen om en minut."
        ),
        LimiterSpec(
            "resendVerification",
            "3/15 minutes",
            "För många försök. Vänta 15 minuter innan du försöker igen.",
        ),
    )
}
# The login limiter's per-IP variant (the per-e-mail one is LIMITERS["login"] itself).
LOGIN_PER_IP = "loginIp"


def scaled(item: RateLimitItem, factor: float) -> RateLimitItem:
    amount = max(1, math.floor(item.amount * factor))
    return type(item)(amount, item.multiples)


def limit_items(settings: Settings) -> dict[str, RateLimitItem]:
    """Every limiter's limit in force: RATE_LIMITS override, else production x multiplier."""
    unknown = set(settings.rate_limits) - set(LIMITERS) - {LOGIN_PER_IP}
    if unknown:
        raise ValueError(f"RATE_LIMITS names unknown limiters: {', '.join(sorted(unknown))}")
    items: dict[str, RateLimitItem] = {}
    for name, spec in LIMITERS.items():
        override = settings.rate_limits.get(name)
        items[name] = (
            parse(override) if override else scaled(parse(spec.limit), settings.rate_limit_scale)
        )
    login_ip = settings.rate_limits.get(LOGIN_PER_IP)
    items[LOGIN_PER_IP] = (
        parse(login_ip) if login_ip else scaled(items["login"], settings.rate_limit_login_ip_factor)
    )
    return items


@dataclass(frozen=True)
class Rejection:
    limiter: str
    retry_after: int
    message: str
    details: str | None

    def response(self) -> JSONResponse:
        return JSONResponse(
            error_body(self.message, RateLimited.code, self.details),
            status_code=429,
            headers={"Retry-After": str(self.retry_after)},
        )


class RateLimited(EquinetError):
    status_code = 429
    code = "RATE_LIMITED"
    message = "För många förfrågningar. Försök igen om en minut."

    @classmethod
    def of(cls, rejection: Rejection) -> RateLimited:
        return cls(
            rejection.message,
            details=rejection.details,
            headers={"Retry-After": str(rejection.retry_after)},
        )


class RateLimiter:
    """Counts hits per (limiter, key) in Redis, or in the process while Redis is away.

    Redis calls go through the circuit breaker (kit.redis_breaker). From the first failure
    until Redis has answered for REDIS_RECOVERY_SECONDS, every count is also kept in this
    process, and a request is refused when either count is spent.
    """

    def __init__(self, settings: Settings, breaker: RedisBreaker | None = None) -> None:
        self.enabled = settings.rate_limit_enabled
        self.items = limit_items(settings)
        self.prefix = settings.rate_limit_key_prefix
        self.breaker = breaker or RedisBreaker.from_settings(settings)
        self._memory = MovingWindowRateLimiter(MemoryStorage())
        self._pool: Any = None
        self._redis: MovingWindowRateLimiter | None = None
        if settings.redis_url:
            from redis.asyncio import ConnectionPool

            # Fail fast and without retries: a dead Redis must cost a request milliseconds.
            self._pool = ConnectionPool.from_url(
                settings.redis_url, **redis_client_options(settings)
            )
            storage = RedisStorage(
                "async+" + settings.redis_url,
                implementation="redispy",
                connection_pool=self._pool,
            )
            self._redis = MovingWindowRateLimiter(storage)

    @property
    def uses_redis(self) -> bool:
        """True while counts go to Redis (False without REDIS_URL and while it is not asked)."""
        return self._redis is not None and not self.breaker.is_open

    @property
    def counts_per_process(self) -> bool:
        """True without Redis, and during an outage until Redis has been back for a while."""
        return self._redis is None or self.breaker.in_outage

    async def _call(
        self, operation: Callable[[MovingWindowRateLimiter], Awaitable[float | None]]
    ) -> float | None:
        """Run `operation` on Redis, and on this process's counts when those are in force;
        the latest reset time of any refusal, or None."""
        results: list[float | None] = []
        redis_answered = False
        redis = self._redis
        if redis is not None:
            try:
                results.append(await self.breaker.call(lambda: operation(redis)))
                redis_answered = True
            except RedisUnavailable:
                pass
        if not redis_answered or self.breaker.in_outage:
            results.append(await operation(self._memory))
        refusals = [result for result in results if result is not None]
        return max(refusals) if refusals else None

    def _rejection(self, limiter: str, reset_time: float) -> Rejection:
        item = self.items[limiter]
        spec = LIMITERS["login" if limiter == LOGIN_PER_IP else limiter]
        _REJECTIONS.labels(limiter=spec.name).inc()
        return Rejection(
            limiter=spec.name,
            retry_after=max(1, math.ceil(reset_time - time.time())),
            message=spec.message,
            details=spec.details.format(amount=item.amount) if spec.details else None,
        )

    async def hit(self, limiter: str, key: str) -> Rejection | None:
        """Count one request; a Rejection when the limit was already reached."""
        if not self.enabled:
            return None
        item = self.items[limiter]
        identifiers = (self.prefix, limiter, key)

        async def attempt(strategy: MovingWindowRateLimiter) -> float | None:
            if await strategy.hit(item, *identifiers):
                return None
            return (await strategy.get_window_stats(item, *identifiers)).reset_time

        reset_time = await self._call(attempt)
        return None if reset_time is None else self._rejection(limiter, reset_time)

    async def test(self, limiter: str, key: str) -> Rejection | None:
        """A Rejection when the budget is already spent; counts nothing."""
        if not self.enabled:
            return None
        item = self.items[limiter]
        identifiers = (self.prefix, limiter, key)

        async def probe(strategy: MovingWindowRateLimiter) -> float | None:
            if await strategy.test(item, *identifiers):
                return None
            return (await strategy.get_window_stats(item, *identifiers)).reset_time

        reset_time = await self._call(probe)
        return None if reset_time is None else self._rejection(limiter, reset_time)

    async def spend(self, limiter: str, key: str) -> None:
        """Count one use that already happened (a success, or a failed login)."""
        if not self.enabled:
            return
        item = self.items[limiter]
        identifiers = (self.prefix, limiter, key)

        async def count(strategy: MovingWindowRateLimiter) -> float | None:
            await strategy.hit(item, *identifiers)
            return None

        await self._call(count)

    async def check(self, limiter: str, key: str) -> None:
        """`hit`, raising RateLimited (429) when refused; for checks inside a handler."""
        rejection = await self.hit(limiter, key)
        if rejection is not None:
            raise RateLimited.of(rejection)

    async def refuse_if_spent(self, limiter: str, key: str) -> None:
        """`test`, raising RateLimited (429) when the budget is spent; counts nothing."""
        rejection = await self.test(limiter, key)
        if rejection is not None:
            raise RateLimited.of(rejection)

    async def reset(self, limiter: str, key: str) -> None:
        item = self.items[limiter]

        async def clear(strategy: MovingWindowRateLimiter) -> float | None:
            await strategy.clear(item, self.prefix, limiter, key)
            return None

        await self._call(clear)
        await clear(self._memory)  # an earlier outage's count must not outlive a success

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()


def rate_limiter_of(app: Any) -> RateLimiter:
    """The app's limiter (made by the lifespan; made here on first use without one)."""
    limiter: RateLimiter | None = getattr(app.state, "rate_limiter", None)
    if limiter is None:
        limiter = RateLimiter(app.state.settings)
        app.state.rate_limiter = limiter
    return limiter


@dataclass(frozen=True)
class MatchedRoute:
    """Put in `scope["route"]` when a middleware answers before routing, so that request
    metrics label a 429 (or CSRF 403) with its route template rather than as unmatched."""

    path: str


def mark_route(app: Any, scope: Scope) -> None:
    if "route" not in scope:
        template = route_template(app, scope)
        if template is not None:
            scope["route"] = MatchedRoute(template)


@dataclass(frozen=True)
class _RoutePattern:
    template: str
    regex: re.Pattern[str]
    methods: frozenset[str]


def _route_patterns(app: Any) -> list[_RoutePattern]:
    """Every HTTP route of the app in routing order, with its full template compiled."""
    patterns: list[_RoutePattern] = []
    for route in _iter_routes(app.router.routes):
        path = getattr(route, "path", None)
        methods = getattr(route, "methods", None)
        if not path or not methods:
            continue  # mounts and websockets: no limits are declared for them
        regex, _, _ = compile_path(path)
        patterns.append(_RoutePattern(path, regex, frozenset(methods)))
    return patterns


def _cached_patterns(app: Any) -> list[_RoutePattern]:
    # Routes are fixed once the app serves; rebuilt only if the top-level list changes.
    signature = len(app.router.routes)
    cached = getattr(app.state, "rate_limit_route_patterns", None)
    if cached is None or cached[0] != signature:
        cached = (signature, _route_patterns(app))
        app.state.rate_limit_route_patterns = cached
    patterns: list[_RoutePattern] = cached[1]
    return patterns


def route_template(app: Any, scope: Scope) -> str | None:
    """The template of the route that will answer (first match of path and method, as the
    router does), without running the router."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :] or "/"
    method = scope["method"]
    for pattern in _cached_patterns(app):
        if pattern.regex.match(path) and (
            method in pattern.methods or (method == "HEAD" and "GET" in pattern.methods)
        ):
            return pattern.template
    return None


class RateLimitMiddleware:
    """Applies LIMITED_ROUTES before the endpoint (and before the body is parsed)."""

    def __init__(
        self, app: ASGIApp, settings: Settings, resolve_user: UserResolver | None = None
    ) -> None:
        self.app = app
        self.settings = settings
        self.resolve_user = resolve_user

    def _limiters_for(self, scope: Scope) -> tuple[str, ...]:
        if not LIMITED_ROUTES:
            return ()
        template = route_template(scope["app"], scope)
        if template is None:
            return ()
        method = scope["method"]
        found = LIMITED_ROUTES.get((method, template))
        if found is None and method == "HEAD":
            found = LIMITED_ROUTES.get(("GET", template))
        return found or ()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.settings.rate_limit_enabled:
            await self.app(scope, receive, send)
            return
        limiters = self._limiters_for(scope)
        if not limiters:
            await self.app(scope, receive, send)
            return
        limiter = rate_limiter_of(scope["app"])
        ip = client_ip(scope, self.settings.trusted_proxies)
        user_id: str | None = None
        # Budgets spent by the outcome: (limiter, key, what spends), settled at the answer.
        deferred: list[tuple[str, str, str]] = []
        for name in limiters:
            spec = LIMITERS.get(name)
            if spec is None:
                logger.error("route %s uses unknown rate limiter %r", scope["path"], name)
                continue
            key = f"ip:{ip}"
            if spec.per_user and self.resolve_user is not None:
                user_id = user_id or await self.resolve_user(scope)
                if user_id:
                    key = f"user:{user_id}"
            counter = LOGIN_PER_IP if name == "login" else name
            if spec.spends == ALWAYS:
                rejection = await limiter.hit(counter, key)
            else:
                rejection = await limiter.test(counter, key)
                deferred.append((counter, key, spec.spends))
            if rejection is not None:
                mark_route(scope["app"], scope)
                await rejection.response()(scope, receive, send)
                return
        if not deferred:
            await self.app(scope, receive, send)
            return

        async def spend_then_send(message: Message) -> None:
            # Spent before the answer leaves, so a client never sees it ahead of the count.
            if message["type"] == "http.response.start":
                for counter, key, spends in deferred:
                    if spends_on(spends, message["status"]):
                        await limiter.spend(counter, key)
            await send(message)

        await self.app(scope, receive, spend_then_send)
