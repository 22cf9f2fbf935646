"""Request and response bodies of the provider routes.

Public shapes expose a provider user's first and last name only (the detail adds the phone);
never an e-mail address. The list omits address and postal code.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, HttpUrl, StringConstraints, field_validator, model_validator

from equinet.kit.api_model import ApiModel
from equinet.kit.money import Money
from equinet.kit.timestamps import UtcDateTime

Text100 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]


class PublicName(ApiModel):
    first_name: str
    last_name: str


class PublicContact(PublicName):
    phone: str | None


class ServiceBrief(ApiModel):
    id: str
    name: str
    price: Money


class NextVisit(ApiModel):
    date: date
    location: str


class ReviewStats(ApiModel):
    average_rating: float | None
    total_count: int


class ProviderListItem(ApiModel):
    id: str
    user_id: str
    business_name: str
    description: str | None
    city: str | None
    latitude: float | None
    longitude: float | None
    service_area_km: float | None
    profile_image_url: str | None
    is_active: bool
    is_verified: bool
    created_at: UtcDateTime
    updated_at: UtcDateTime
    services: list[ServiceBrief]
    user: PublicName
    next_visit: NextVisit | None
    review_stats: ReviewStats
    # Set when the search had a point: kilometres from it, rounded to 0.1.
    distance_km: float | None = None


class Pagination(ApiModel):
    total: int
    limit: int
    offset: int
    has_more: bool


class ProviderList(ApiModel):
    data: list[ProviderListItem]
    pagination: Pagination


class ServiceDetail(ServiceBrief):
    description: str | None
    duration_minutes: int


class WeeklyHours(ApiModel):
    id: str
    day_of_week: int
    start_time: str
    end_time: str
    is_closed: bool
    is_active: bool


class VerificationImage(ApiModel):
    id: str
    url: str


class PublicVerification(ApiModel):
    id: str
    type: str
    title: str
    description: str | None
    issuer: str | None
    year: int | None
    status: str
    images: list[VerificationImage]


class ProviderDetail(ApiModel):
    id: str
    user_id: str
    business_name: str
    description: str | None
    city: str | None
    address: str | None
    postal_code: str | None
    latitude: float | None
    longitude: float | None
    service_area_km: float | None
    profile_image_url: str | None
    is_active: bool
    is_verified: bool
    verified_at: UtcDateTime | None
    created_at: UtcDateTime
    updated_at: UtcDateTime
    services: list[ServiceDetail]
    availability: list[WeeklyHours]
    verifications: list[PublicVerification]
    user: PublicContact
    review_stats: ReviewStats


class ProviderUpdate(ApiModel):
    """PUT /api/providers/{id}: the fields given are changed, the others kept.

    Coordinates come with the address (the client geocodes, or picks a point on a map); an
    address change without them is refused rather than leave the old point behind.
    """

    business_name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
        | None
    ) = None
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    address: Text100 | None = None
    city: Text100 | None = None
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = (
        None
    )
    service_area_km: float | None = Field(None, gt=0, le=500)
    profile_image_url: HttpUrl | None = None
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)

    @field_validator("business_name")
    @classmethod
    def _business_name_cannot_be_removed(cls, value: str | None) -> str | None:
        # Leaving the field out keeps the name; an explicit null would empty a required column.
        if value is None:
            raise ValueError("Företagsnamn får inte vara tomt")
        return value

    @model_validator(mode="after")
    def _coordinates_come_in_pairs(self) -> ProviderUpdate:
        given = {"latitude", "longitude"} & self.model_fields_set
        if len(given) == 1 or (given and (self.latitude is None) != (self.longitude is None)):
            raise ValueError("latitude och longitude anges tillsammans")
        return self


class ProviderOwnView(ApiModel):
    """The owner's view of their row after an update (address and coordinates included)."""

    id: str
    user_id: str
    business_name: str
    description: str | None
    address: str | None
    city: str | None
    postal_code: str | None
    latitude: float | None
    longitude: float | None
    service_area_km: float | None
    profile_image_url: str | None
    is_active: bool
    is_verified: bool
    verified_at: UtcDateTime | None
    created_at: UtcDateTime
    updated_at: UtcDateTime


class ReviewBookingService(ApiModel):
    name: str


class ReviewBooking(ApiModel):
    service: ReviewBookingService


class PublicReview(ApiModel):
    id: str
    rating: int
    comment: str | None
    reply: str | None
    replied_at: UtcDateTime | None
    created_at: UtcDateTime
    customer: PublicName
    booking: ReviewBooking


class ProviderReviews(ApiModel):
    reviews: list[PublicReview]
    total_count: int
    average_rating: float | None
    page: int
    limit: int


class VisitingProvider(ApiModel):
    id: str
    business_name: str
    description: str | None
    city: str | None
    services: list[ServiceDetail]
    user: PublicName


class Visit(ApiModel):
    date: date
    location: str
    start_time: str | None
    end_time: str | None


class VisitingEntry(ApiModel):
    provider: VisitingProvider
    next_visit: Visit


class VisitingArea(ApiModel):
    data: list[VisitingEntry]
    searched_location: str
    total: int
