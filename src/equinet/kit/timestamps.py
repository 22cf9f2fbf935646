"""How stored UTC timestamps appear in JSON: ISO 8601 with milliseconds and a `Z`.

Columns are TIMESTAMP(3) WITHOUT TIME ZONE holding UTC (the Equinet schema), so a value read
back is naive; the `Z` tells clients it is UTC, as the original API's JSON dates did.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import PlainSerializer


def iso_utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="milliseconds") + "Z"


UtcDateTime = Annotated[datetime, PlainSerializer(iso_utc, return_type=str)]
