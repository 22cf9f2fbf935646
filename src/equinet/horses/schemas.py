"""Request and response bodies of the horse routes, camelCase on the wire."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from equinet.bookings.schemas import parse_booking_date
from equinet.kit.api_model import ApiModel
from equinet.kit.dates import today_local
from equinet.kit.timestamps import UtcDateTime

HorseGender = Literal["mare", "gelding", "stallion"]
NoteCategory = Literal["veterinary", "farrier", "medication", "training", "other"]
NOTE_CATEGORIES: tuple[str, ...] = ("veterinary", "farrier", "medication", "training", "other")
# What a provider with a booking and a passport link may see; every other category is private.
SHARED_CATEGORIES: tuple[str, ...] = ("veterinary", "farrier", "medication")
# Categories of notes written by the original Equinet; readable and filterable, never shared.
LEGACY_CATEGORIES: tuple[str, ...] = ("general", "injury")
EARLIEST_BIRTH_YEAR = 1980

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Breed = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Color = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)]
SpecialNeeds = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Content = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


def _birth_year(value: int | None) -> int | None:
    if value is not None and not EARLIEST_BIRTH_YEAR <= value <= today_local().year:
        raise ValueError(f"Födelseår måste vara mellan {EARLIEST_BIRTH_YEAR} och i år")
    return value


def _note_day(value: object) -> date:
    day = parse_booking_date(value)
    if day > today_local():
        raise ValueError("Datumet kan inte vara i framtiden")
    return day


class _Strict(ApiModel):
    model_config = ConfigDict(extra="forbid")


class HorseIn(_Strict):
    name: Name
    breed: Breed | None = None
    birth_year: int | None = None
    color: Color | None = None
    gender: HorseGender | None = None
    special_needs: SpecialNeeds | None = None

    _year = field_validator("birth_year")(_birth_year)


class HorseUpdate(_Strict):
    """Only the fields sent change; every field but `name` may be set to null."""

    name: Name | None = None
    breed: Breed | None = None
    birth_year: int | None = None
    color: Color | None = None
    gender: HorseGender | None = None
    special_needs: SpecialNeeds | None = None

    _year = field_validator("birth_year")(_birth_year)

    @field_validator("name")
    @classmethod
    def _name_not_null(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("Namn får inte vara tomt")
        return value


class HorseOut(ApiModel):
    id: str
    owner_id: str
    name: str
    breed: str | None
    birth_year: int | None
    color: str | None
    gender: str | None
    special_needs: str | None
    photo_url: str | None
    is_active: bool
    created_at: UtcDateTime
    updated_at: UtcDateTime


class HorseBookingService(ApiModel):
    name: str


class HorseBookingProvider(ApiModel):
    business_name: str


class HorseBooking(ApiModel):
    id: str
    booking_date: date
    start_time: str
    end_time: str
    status: str
    customer_notes: str | None
    provider: HorseBookingProvider
    service: HorseBookingService


class HorseDetail(HorseOut):
    bookings: list[HorseBooking]


class NoteIn(ApiModel):
    category: NoteCategory
    title: Title
    content: Content | None = None
    note_date: date

    @field_validator("note_date", mode="before")
    @classmethod
    def _day(cls, value: object) -> date:
        return _note_day(value)


class NoteUpdate(_Strict):
    category: NoteCategory | None = None
    title: Title | None = None
    content: Content | None = None
    note_date: date | None = None

    @field_validator("note_date", mode="before")
    @classmethod
    def _day(cls, value: object) -> date:
        if value is None:
            raise ValueError("Datum får inte vara tomt")
        return _note_day(value)

    @field_validator("category", "title")
    @classmethod
    def _not_null(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("Fältet får inte vara tomt")
        return value


class NoteAuthor(ApiModel):
    first_name: str
    last_name: str


class NoteOut(ApiModel):
    id: str
    horse_id: str
    author_id: str
    category: str
    title: str
    content: str | None
    note_date: date
    created_at: UtcDateTime
    updated_at: UtcDateTime
    author: NoteAuthor


class BookingEvent(ApiModel):
    """A completed visit in a horse's timeline."""

    type: Literal["booking"] = "booking"
    id: str
    date: date
    title: str
    provider_name: str
    status: str
    # The customer's own note to the provider: shown to the owner only.
    notes: str | None = None


class NoteEvent(ApiModel):
    type: Literal["note"] = "note"
    id: str
    date: date
    title: str
    category: str
    content: str | None
    # Left out of the public passport, which carries no owner data.
    author_name: str | None = None


TimelineItem = Annotated[BookingEvent | NoteEvent, Field(discriminator="type")]


class Message(ApiModel):
    message: str


class PassportCreated(ApiModel):
    id: str
    token: str
    url: str
    expires_at: UtcDateTime


class PassportLink(ApiModel):
    id: str
    url: str
    created_at: UtcDateTime
    expires_at: UtcDateTime
    is_expired: bool


class PassportHorse(ApiModel):
    name: str
    breed: str | None
    birth_year: int | None
    age: int | None
    color: str | None
    gender: str | None
    special_needs: str | None


class PublicPassport(ApiModel):
    horse: PassportHorse
    timeline: list[TimelineItem]
    expires_at: UtcDateTime
