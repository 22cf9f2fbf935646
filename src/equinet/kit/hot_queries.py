"""The registry of the app's hot queries: the read statements `equinet db explain` examines.

A domain registers the SQL its repository runs on a hot path, with a function that picks
realistic parameter values from the data at hand (a provider with many bookings, a busy day),
so the index advisor plans the statement the way production would.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

# EXPLAIN ANALYZE executes the statement: only plain reads may be registered.
_READ_ONLY = re.compile(r"^\s*(?:--[^\n]*\n\s*)*(SELECT|WITH)\b", re.IGNORECASE)
_WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE|TRUNCATE|FOR\s+UPDATE)\b", re.IGNORECASE)


@dataclass(frozen=True)
class HotQuery:
    """One statement on a hot path, named `domain.what` (e.g. `bookings.for_customer`)."""

    name: str
    description: str
    sql: str  # SQLAlchemy text() with :named parameters
    parameters: Callable[[AsyncConnection], Awaitable[dict[str, Any]]]


_REGISTRY: dict[str, HotQuery] = {}


def register(query: HotQuery) -> None:
    """Add (or replace, by name) a hot query; refuses anything that could write."""
    if not _READ_ONLY.match(query.sql) or _WRITES.search(query.sql):
        raise ValueError(
            f"hot query {query.name!r} must be a read-only SELECT (EXPLAIN ANALYZE executes it)"
        )
    _REGISTRY[query.name] = query


def registered() -> list[HotQuery]:
    """Every registered hot query, in registration order."""
    return list(_REGISTRY.values())
