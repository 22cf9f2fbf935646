"""Request bodies of the group visit routes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from equinet.bookings.schemas import MANUAL_TIME_PATTERN, normalise_time, parse_booking_date
from equinet.kit.api_model import ApiModel
from equinet.routes.schemas import Latitude, Longitude

Text20 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
Text100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text500 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class _Horse(ApiModel):
    number_of_horses: int = Field(1, ge=1, le=10)
    horse_id: str | None = None
    horse_name: str | None = Field(None, max_length=100)
    horse_info: str | None = Field(None, max_length=500)


class GroupRequestIn(_Horse):
    service_type: Text100
    provider_id: str | None = None
    location_name: Text200
    address: Text500
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    date_from: date
    date_to: date
    notes: str | None = Field(None, max_length=1000)
    max_participants: int = Field(10, ge=2, le=20)
    join_deadline: datetime | None = None

    @field_validator("date_from", "date_to", mode="before")
    @classmethod
    def _date(cls, value: object) -> date:
        return parse_booking_date(value)


class GroupUpdateIn(ApiModel):
    notes: str | None = Field(None, max_length=1000)
    max_participants: int | None = Field(None, ge=2, le=20)
    join_deadline: datetime | None = None
    status: Literal["cancelled"] | None = None


class JoinIn(_Horse):
    invite_code: Text20
    notes: str | None = Field(None, max_length=500)


class MatchIn(ApiModel):
    service_id: Text100
    booking_date: date
    start_time: str

    @field_validator("booking_date", mode="before")
    @classmethod
    def _date(cls, value: object) -> date:
        return parse_booking_date(value)

    @field_validator("start_time", mode="before")
    @classmethod
    def _time(cls, value: object) -> str:
        return normalise_time(value, MANUAL_TIME_PATTERN)
