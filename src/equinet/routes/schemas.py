"""Request bodies of the route-order, announcement, follow and route planning routes."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    field_validator,
    model_validator,
)

from equinet.bookings.schemas import parse_booking_date
from equinet.kit.api_model import ApiModel
from equinet.kit.dates import HHMM_PATTERN

Text1 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]

MAX_ROUTE_STOPS = 30


class _Dates(ApiModel):
    date_from: date
    date_to: date

    @field_validator("date_from", "date_to", mode="before")
    @classmethod
    def _date(cls, value: object) -> date:
        return parse_booking_date(value)


class _Point(ApiModel):
    latitude: Latitude | None = None
    longitude: Longitude | None = None

    @model_validator(mode="after")
    def _both_or_neither(self) -> Any:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("Ange både latitud och longitud, eller ingen av dem")
        return self


class CustomerOrderIn(_Dates, _Point):
    """A customer's flexible request: come some day between dateFrom and dateTo."""

    announcement_type: Literal["customer_initiated"] = "customer_initiated"
    service_type: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
    ]
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    number_of_horses: int = Field(1, ge=1, le=10)
    priority: Literal["normal", "urgent"] = "normal"
    special_instructions: str | None = Field(None, max_length=1000)
    contact_phone: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)
    ]


class AnnouncedStopIn(_Point):
    location_name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
    ]
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class AnnouncementIn(_Dates):
    """A provider advertises that they will be in an area (up to three stops) on some days."""

    announcement_type: Literal["provider_announced"]
    service_type: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
    ]
    stops: list[AnnouncedStopIn] = Field(min_length=1, max_length=3)
    special_instructions: str | None = Field(None, max_length=1000)


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("announcementType") or "customer_initiated")
    return str(getattr(value, "announcement_type", "customer_initiated"))


RouteOrderIn = Annotated[
    Annotated[CustomerOrderIn, Tag("customer_initiated")]
    | Annotated[AnnouncementIn, Tag("provider_announced")],
    Discriminator(_kind),
]


class CancelIn(ApiModel):
    status: Literal["cancelled"]


class FollowIn(_Point):
    provider_id: Text1
    radius_km: float = Field(50.0, gt=0, le=500)


class RouteIn(ApiModel):
    route_name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
    ]
    route_date: date
    start_time: Annotated[str, StringConstraints(pattern=HHMM_PATTERN)]
    order_ids: list[Text1] = Field(default_factory=list, max_length=MAX_ROUTE_STOPS)
    # Bookings of the day, visited at their fixed times.
    booking_ids: list[Text1] = Field(default_factory=list, max_length=MAX_ROUTE_STOPS)
    # False: drive the orders as listed, then the bookings; true: the shortest order found.
    optimise: bool = False

    @field_validator("route_date", mode="before")
    @classmethod
    def _date(cls, value: object) -> date:
        return parse_booking_date(value)

    @field_validator("order_ids", "booking_ids")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("Samma beställning får bara finnas en gång i rutten")
        return value

    @model_validator(mode="after")
    def _some_stops(self) -> RouteIn:
        count = len(self.order_ids) + len(self.booking_ids)
        if count == 0:
            raise ValueError("Välj minst en beställning eller bokning")
        if count > MAX_ROUTE_STOPS:
            raise ValueError(f"En rutt kan ha högst {MAX_ROUTE_STOPS} stopp")
        return self


StopStatus = Literal["pending", "on_the_way", "in_progress", "completed", "problem"]


class StopUpdateIn(ApiModel):
    status: StopStatus
    problem_note: str | None = Field(None, max_length=1000)
