"""Which routes the rate limiters guard, declared by each domain's router module.

The limiter middleware (equinet.kit.rate_limit) checks these before the request body is read.
`path` is the route's template as FastAPI knows it, e.g. "/api/bookings/{id}".
"""

from __future__ import annotations

LIMITED_ROUTES: dict[tuple[str, str], tuple[str, ...]] = {}


def limit_route(method: str, path: str, *limiters: str) -> None:
    """Guard `method path` with the named limiters (login, registration, api, booking, ...)."""
    LIMITED_ROUTES[(method.upper(), path)] = limiters
