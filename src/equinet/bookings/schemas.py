"""Request bodies of the booking routes, validated strictly, and their responses."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from equinet.kit.api_model import ApiModel
from equinet.kit.money import Money

TIME_PATTERN = re.compile(r"^([0-1][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$")
MANUAL_TIME_PATTERN = re.compile(r"^([0-1][0-9]|2[0-3]):[0-5][0-9]$")
PHONE_PATTERN = re.compile(r"^(\+46|0)\d[\d\s-]{5,15}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DATE_PREFIX = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(T.*)?$")

BookingStatus = Literal["pending", "confirmed", "cancelled", "completed"]


def parse_booking_date(value: object) -> date:
    """`YYYY-MM-DD` or an ISO string starting `YYYY-MM-DDT`; the calendar date is what counts."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError("Ogiltigt datum, förväntat YYYY-MM-DD")
    match = DATE_PREFIX.match(value.strip())
    if match is None:
        raise ValueError("Ogiltigt datum, förväntat YYYY-MM-DD")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ValueError("Ogiltigt datum, förväntat YYYY-MM-DD") from None


def normalise_time(value: object, pattern: re.Pattern[str] = TIME_PATTERN) -> str:
    if not isinstance(value, str) or not pattern.match(value):
        raise ValueError("Ogiltig tid, förväntat HH:MM")
    return value[:5]


def _uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError):
        raise ValueError("Ogiltigt id (förväntat uuid)") from None


class CreateBookingIn(ApiModel):
    model_config = ConfigDict(extra="forbid")

    provider_id: str = Field(alias="providerId")
    service_id: str = Field(alias="serviceId")
    booking_date: date = Field(alias="bookingDate")
    start_time: str = Field(alias="startTime")
    end_time: str | None = Field(None, alias="endTime")
    horse_id: str | None = Field(None, alias="horseId")
    horse_name: str | None = Field(None, alias="horseName", max_length=100)
    horse_info: str | None = Field(None, alias="horseInfo", max_length=500)
    customer_notes: str | None = Field(None, alias="customerNotes", max_length=1000)
    route_order_id: str | None = Field(None, alias="routeOrderId")

    _ids = field_validator("provider_id", "service_id")(_uuid)

    @field_validator("horse_id", "route_order_id")
    @classmethod
    def _optional_uuid(cls, value: str | None) -> str | None:
        return None if value is None else _uuid(value)

    @field_validator("booking_date", mode="before")
    @classmethod
    def _date(cls, value: object) -> date:
        return parse_booking_date(value)

    @field_validator("start_time", mode="before")
    @classmethod
    def _start(cls, value: object) -> str:
        return normalise_time(value)

    @field_validator("end_time", mode="before")
    @classmethod
    def _end(cls, value: object) -> str | None:
        return None if value is None else normalise_time(value)


class ManualBookingIn(ApiModel):
    """The original's manual booking, with the date validated."""

    model_config = ConfigDict(extra="ignore")

    service_id: str = Field(alias="serviceId")
    booking_date: date = Field(alias="bookingDate")
    start_time: str = Field(alias="startTime")
    end_time: str | None = Field(None, alias="endTime")
    customer_id: str | None = Field(None, alias="customerId")
    customer_name: str | None = Field(None, alias="customerName", min_length=2, max_length=100)
    customer_phone: str | None = Field(None, alias="customerPhone", max_length=20)
    customer_email: str | None = Field(None, alias="customerEmail", max_length=254)
    horse_id: str | None = Field(None, alias="horseId")
    horse_name: str | None = Field(None, alias="horseName", max_length=100)
    horse_info: str | None = Field(None, alias="horseInfo", max_length=500)
    customer_notes: str | None = Field(None, alias="customerNotes", max_length=500)

    _ids = field_validator("service_id")(_uuid)

    @field_validator("customer_id", "horse_id")
    @classmethod
    def _optional_uuid(cls, value: str | None) -> str | None:
        return None if value is None else _uuid(value)

    @field_validator("booking_date", mode="before")
    @classmethod
    def _date(cls, value: object) -> date:
        return parse_booking_date(value)

    @field_validator("start_time", "end_time", mode="before")
    @classmethod
    def _time(cls, value: object) -> str | None:
        return None if value is None else normalise_time(value, MANUAL_TIME_PATTERN)

    @field_validator("customer_name", "customer_phone", mode="before")
    @classmethod
    def _trim(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    @field_validator("customer_phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is not None and not PHONE_PATTERN.match(value):
            raise ValueError("Ogiltigt telefonnummerformat")
        return value

    @field_validator("customer_email", mode="before")
    @classmethod
    def _email(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        value = value.strip().lower()
        if not EMAIL_PATTERN.match(value):
            raise ValueError("Ogiltig e-postadress")
        return value

    @model_validator(mode="after")
    def _someone(self) -> ManualBookingIn:
        if not self.customer_id and not self.customer_name:
            raise ValueError("Ange antingen kund-ID eller kundnamn")
        return self


class UpdateBookingIn(ApiModel):
    model_config = ConfigDict(extra="forbid")

    status: BookingStatus
    cancellation_message: str | None = Field(None, alias="cancellationMessage", max_length=500)


# --- Response bodies (what /docs shows; the views in bookings/views.py build them) ----------


class PersonName(ApiModel):
    first_name: str
    last_name: str


class BookingCustomerOut(PersonName):
    email: str
    phone: str | None


class UpdatedBookingCustomerOut(PersonName):
    email: str


class BookingServiceOut(ApiModel):
    """The service as it is now; `priceAtBooking` on the booking is what the customer pays."""

    name: str
    price: Money
    duration_minutes: int


class BookingProviderOut(ApiModel):
    business_name: str
    user: PersonName


class BookingHorseOut(ApiModel):
    id: str
    name: str
    breed: str | None
    gender: str | None


class BookingPaymentOut(ApiModel):
    id: str
    status: str
    amount: Money
    currency: str
    paid_at: str | None
    invoice_number: str | None
    # Only the customer's view carries the receipt link.
    invoice_url: str | None = None


class BookingReviewOut(ApiModel):
    id: str
    rating: int
    comment: str | None
    reply: str | None
    replied_at: str | None


class BookingOut(ApiModel):
    """What every view of a booking has. Times are Europe/Stockholm wall-clock "HH:MM"."""

    id: str
    customer_id: str
    provider_id: str
    service_id: str
    booking_date: date
    start_time: str
    end_time: str
    status: BookingStatus
    price_at_booking: Money
    horse_id: str | None
    horse_name: str | None
    horse_info: str | None
    customer_notes: str | None
    cancellation_message: str | None
    created_at: str
    updated_at: str


class ProviderBookingOut(BookingOut):
    """A booking in the provider's list."""

    is_manual_booking: bool
    created_by_provider_id: str | None
    customer: BookingCustomerOut
    service: BookingServiceOut
    horse: BookingHorseOut | None
    payment: BookingPaymentOut | None


class CustomerBookingOut(BookingOut):
    """A booking in the customer's list."""

    provider: BookingProviderOut
    service: BookingServiceOut
    horse: BookingHorseOut | None
    payment: BookingPaymentOut | None
    review: BookingReviewOut | None


class CreatedBookingOut(BookingOut):
    is_manual_booking: bool
    created_by_provider_id: str | None
    route_order_id: str | None
    travel_time_minutes: int | None
    customer: BookingCustomerOut
    service: BookingServiceOut
    provider: BookingProviderOut
    horse: BookingHorseOut | None


class UpdatedBookingOut(BookingOut):
    customer: UpdatedBookingCustomerOut
    service: BookingServiceOut
    provider: BookingProviderOut


class BookingDeleted(ApiModel):
    message: str


class CustomerSearchHit(ApiModel):
    id: str
    first_name: str
    last_name: str
    email: str
    phone: str | None


class CustomerHorseOut(ApiModel):
    id: str
    name: str
    breed: str | None
    birth_year: int | None
    gender: str | None
