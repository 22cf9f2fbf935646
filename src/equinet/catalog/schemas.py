"""Request and response bodies of the service routes."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from equinet.kit.api_model import ApiModel
from equinet.kit.money import Money, PriceIn
from equinet.kit.timestamps import UtcDateTime

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class ServiceIn(ApiModel):
    """A whole service: POST creates it, PUT replaces it (name, price, duration required)."""

    name: Name
    description: str | None = Field(None, max_length=2000)
    price: PriceIn
    # A booking lasts at most 8 hours, so a longer service could never be booked.
    duration_minutes: int = Field(gt=0, le=480)
    recommended_interval_weeks: int | None = Field(None, ge=1, le=52)


class ServiceUpdate(ServiceIn):
    is_active: bool | None = None


class ServiceOut(ApiModel):
    id: str
    provider_id: str
    name: str
    description: str | None
    price: Money
    duration_minutes: int
    is_active: bool
    recommended_interval_weeks: int | None
    created_at: UtcDateTime


class ServiceDeleted(ApiModel):
    message: str = "Service deleted"
