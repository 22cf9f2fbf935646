"""Helpers of the route-order and route tests: a provider in Uppsala and orders around it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from equinet.kit.dates import booking_date_column
from equinet.models import RouteOrder, User
from tests import factories
from tests.bookings.support import future_day

UPPSALA = (59.8586, 17.6389)


async def order_near(
    db: AsyncSession,
    customer: User | None = None,
    *,
    latitude: float = 59.90,
    longitude: float = 17.70,
    **overrides: Any,
) -> RouteOrder:
    customer = customer or await factories.customer(db)
    values: dict[str, Any] = {
        "latitude": latitude,
        "longitude": longitude,
        "status": "pending",
        "contact_phone": "070-1234567",
        "address": f"Stallgatan {latitude:.2f}, Uppsala",
        "date_from": booking_date_column(future_day(1)),
        "date_to": booking_date_column(future_day(20)),
    }
    values.update(overrides)
    return await factories.route_order(db, customer, **values)


def order_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "serviceType": "Skoning",
        "address": "Stallvägen 5, Uppsala",
        "latitude": 59.87,
        "longitude": 17.65,
        "numberOfHorses": 2,
        "dateFrom": future_day(2).isoformat(),
        "dateTo": future_day(9).isoformat(),
        "priority": "normal",
        "contactPhone": "070-7654321",
    }
    body.update(overrides)
    return body
