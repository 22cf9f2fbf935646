"""Request and response bodies of the availability routes."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator, model_validator

from equinet.kit.api_model import ApiModel
from equinet.kit.dates import DATE_PATTERN, HHMM_PATTERN
from equinet.kit.timestamps import UtcDateTime

Hhmm = Annotated[str, StringConstraints(pattern=HHMM_PATTERN)]


class DayHours(ApiModel):
    day_of_week: int = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")
    start_time: Hhmm
    end_time: Hhmm
    is_closed: bool = False


class ScheduleIn(ApiModel):
    schedule: list[DayHours] = Field(max_length=7)


class WeeklyHoursOut(ApiModel):
    id: str
    provider_id: str
    day_of_week: int
    start_time: str
    end_time: str
    is_closed: bool
    is_active: bool
    created_at: UtcDateTime
    updated_at: UtcDateTime


def _trimmed_or_none(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


class ExceptionIn(ApiModel):
    date: Annotated[str, StringConstraints(pattern=DATE_PATTERN)]
    is_closed: bool = True
    start_time: Hhmm | None = None
    end_time: Hhmm | None = None
    reason: str | None = None
    location: str | None = None
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)

    @field_validator("reason", "location", mode="before")
    @classmethod
    def _trim(cls, value: object) -> object:
        return _trimmed_or_none(value) if isinstance(value, str) else value

    @field_validator("reason")
    @classmethod
    def _reason_length(cls, value: str | None) -> str | None:
        if value is not None and len(value) > 200:
            raise ValueError("reason får vara högst 200 tecken")
        return value

    @field_validator("location")
    @classmethod
    def _location_length(cls, value: str | None) -> str | None:
        if value is not None and len(value) > 100:
            raise ValueError("location får vara högst 100 tecken")
        return value

    @model_validator(mode="after")
    def _coordinates_come_in_pairs(self) -> ExceptionIn:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("latitude och longitude anges tillsammans")
        return self


class ExceptionOut(ApiModel):
    id: str
    provider_id: str
    date: date
    is_closed: bool
    start_time: str | None
    end_time: str | None
    reason: str | None
    location: str | None
    latitude: float | None
    longitude: float | None
    created_at: UtcDateTime
    updated_at: UtcDateTime


class ExceptionDeleted(ApiModel):
    message: str = "Exception deleted"
    date: date


class SlotOut(ApiModel):
    start_time: str
    end_time: str
    is_available: bool
    # "past", "notice" (inside the minimum notice), "booked", "travel-time" or "dst-gap" (a
    # time the clock skips); null if free.
    unavailable_reason: str | None


class BookedSlotOut(ApiModel):
    start_time: str
    end_time: str
    service_name: str


class DayAvailabilityOut(ApiModel):
    date: date
    day_of_week: int
    is_closed: bool
    opening_time: str | None
    closing_time: str | None
    slots: list[SlotOut]
    booked_slots: list[BookedSlotOut]
