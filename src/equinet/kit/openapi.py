"""The OpenAPI document: error responses every route shares, and the two security schemes.

Each route declares its own domain errors (`responses=errors(...)`); the errors any route can
give (422 malformed request, 503/504 database, 429 when a limiter guards it, 401/403 when it
needs a login) are added here so no route can forget them. API clients authenticate with
`Authorization: Bearer <token>` (bearerAuth), browsers with the session cookie (cookieAuth).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from equinet.kit.errors import (
    DatabaseBusy,
    DatabaseTimeout,
    DatabaseUnavailable,
    EquinetError,
    ValidationFailed,
    errors,
)
from equinet.kit.rate_limit import RateLimited
from equinet.kit.rate_limit_routes import LIMITED_ROUTES

SECURITY_SCHEMES = ("bearerAuth", "cookieAuth")


def _merge(route: APIRoute, kinds: list[type[EquinetError]]) -> None:
    for status, spec in errors(*kinds).items():
        existing = route.responses.get(status)
        if existing is None:
            route.responses[status] = dict(spec)
        elif spec["description"] not in existing.get("description", ""):
            existing["description"] = f"{existing.get('description', '')}; {spec['description']}"
            existing.setdefault("model", spec["model"])


def declare_shared_errors(
    routers: list[APIRouter],
    *,
    needs_login: Callable[[Any], bool],
    login_errors: tuple[type[EquinetError], ...],
) -> None:
    """Adds the errors every route shares to each route's `responses` (before inclusion)."""
    for route in (route for router in routers for route in router.routes):
        if not isinstance(route, APIRoute):
            continue
        kinds: list[type[EquinetError]] = [
            ValidationFailed,
            DatabaseBusy,
            DatabaseUnavailable,
            DatabaseTimeout,
        ]
        if any((method, route.path) in LIMITED_ROUTES for method in route.methods or ()):
            kinds.append(RateLimited)
        if needs_login(route.dependant):
            kinds.extend(login_errors)
            route.openapi_extra = {
                **(route.openapi_extra or {}),
                "security": [{name: []} for name in SECURITY_SCHEMES],
            }
        _merge(route, kinds)


def install_openapi(app: FastAPI, *, cookie_name: str) -> None:
    """`app.openapi()` with the bearer and cookie security schemes declared."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        components = schema.setdefault("components", {})
        components["securitySchemes"] = {
            "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "description": "The `token` of POST /api/auth/login, as `Authorization: Bearer`",
            },
            "cookieAuth": {
                "type": "apiKey",
                "in": "cookie",
                "name": cookie_name,
                "description": "The HttpOnly session cookie set by POST /api/auth/login",
            },
        }
        # Every error answer is the one error body, also where a route described it in words.
        error_body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    if status.startswith(("4", "5")) and "content" not in response:
                        response["content"] = error_body
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
