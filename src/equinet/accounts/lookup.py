"""Who is calling, for middleware that runs before the endpoint (no request-scoped session).

The rate limiter keys per-user limits by user id and the maintenance gate lets admins through;
both need the session token resolved outside FastAPI's dependency system. They read through the
same sessionmaker the endpoints use, only read, and never touch the session's `lastSeenAt`. So
does the check that keeps an anonymous call with an unreadable body a 401 rather than a
validation error.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.types import Scope

from equinet.accounts import repository
from equinet.accounts.dependencies import Unauthorized, get_current_session, session_token
from equinet.accounts.sessions import hash_token
from equinet.db.base import utcnow
from equinet.kit.errors import EquinetError

# A token's user id is remembered this long for rate-limit keys (a revoked session may keep
# counting under its user for this long; authentication itself never uses this cache).
_CACHE_SECONDS = 30.0
_CACHE_MAX = 10_000


def app_sessionmaker(app: Any) -> async_sessionmaker[AsyncSession]:
    """The sessionmaker the endpoints use (the one the lifespan made)."""
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    return maker


async def _active_user(app: Any, token: str) -> tuple[str, bool] | None:
    """(user id, is admin) for a valid session token, else None."""
    settings = app.state.settings
    now = utcnow()
    idle_limit = now - timedelta(minutes=settings.session_idle_minutes)
    async with app_sessionmaker(app)() as db:
        found = await repository.session_user_id(db, hash_token(token), now, idle_limit)
        await db.rollback()
    return found


class UserIdCache:
    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, str | None]] = {}

    def get(self, token_hash: str) -> tuple[bool, str | None]:
        entry = self._entries.get(token_hash)
        if entry is None or entry[0] < time.monotonic():
            return False, None
        return True, entry[1]

    def put(self, token_hash: str, user_id: str | None) -> None:
        if len(self._entries) >= _CACHE_MAX:
            self._entries.clear()
        self._entries[token_hash] = (time.monotonic() + _CACHE_SECONDS, user_id)


async def rate_limit_user_id(scope: Scope) -> str | None:
    """The user id behind the request's session token (for per-user rate limits)."""
    request = Request(scope)
    token = session_token(request)
    if not token:
        return None
    app = scope["app"]
    cache: UserIdCache | None = getattr(app.state, "rate_limit_user_cache", None)
    if cache is None:
        cache = app.state.rate_limit_user_cache = UserIdCache()
    digest = hash_token(token)
    known, user_id = cache.get(digest)
    if known:
        return user_id
    found = await _active_user(app, token)
    user_id = found[0] if found else None
    cache.put(digest, user_id)
    return user_id


async def is_admin_request(request: Request) -> bool:
    """For the maintenance gate: does the request carry a valid session of an admin?"""
    token = session_token(request)
    if not token:
        return False
    found = await _active_user(request.app, token)
    return bool(found and found[1])


def needs_login(dependant: Any) -> bool:
    """Does a route (its dependant tree) require a logged-in session?"""
    return any(
        sub.call is get_current_session or needs_login(sub) for sub in dependant.dependencies
    )


async def missing_login(request: Request) -> EquinetError | None:
    """401 when the matched route needs a login and the request has none, else None.

    FastAPI decodes a JSON body before it resolves the route's dependencies, so without this
    an anonymous call with a malformed body would get a validation error instead of the 401
    every protected route owes an anonymous caller (the original checked auth first, too).
    """
    dependant = getattr(request.scope.get("route"), "dependant", None)
    if dependant is None or not needs_login(dependant):
        return None
    token = session_token(request)
    if token and await _active_user(request.app, token) is not None:
        return None
    return Unauthorized()
