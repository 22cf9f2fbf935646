"""Unknown query parameters are refused (422), not silently ignored.

A misspelt filter (`?stauts=pending`) would otherwise return an unfiltered list that looks
right. One app-wide dependency compares the request's query keys with the parameters the
matched route declares (its own and its dependencies'), plus the few every route accepts.
Only API routes: pages are for browsers, and read the fields of their own forms.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from equinet.kit.errors import UnknownQueryParameter
from equinet.kit.i18n import gettext
from equinet.kit.validation import MESSAGES

# Read by middleware before any route: the language (`?lang=en`).
ALWAYS_ALLOWED = frozenset({"lang"})


def _query_keys(dependant: Dependant) -> set[str]:
    keys = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        keys |= _query_keys(sub)
    return keys


def declared_query_parameters(route: APIRoute) -> frozenset[str]:
    """The query keys `route` reads (computed once per route)."""
    known: frozenset[str] | None = getattr(route, "_equinet_query_keys", None)
    if known is None:
        known = frozenset(_query_keys(route.dependant)) | ALWAYS_ALLOWED
        route._equinet_query_keys = known  # type: ignore[attr-defined]
    return known


async def reject_unknown_query_parameters(request: Request) -> None:
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    # Pages read their own forms' fields; a browser's link may carry more (tracking tags).
    if not request.url.path.startswith("/api/"):
        return
    allowed = declared_query_parameters(route)
    unknown = sorted({key for key in request.query_params if key not in allowed})
    if unknown:
        raise UnknownQueryParameter(
            details=[
                {
                    "field": key,
                    "message": gettext(MESSAGES["unknown_query_parameter"]),
                    "type": "unknown_query_parameter",
                }
                for key in unknown
            ]
        )
