"""Request and response shapes of the review routes, strict bodies."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from equinet.kit.api_model import ApiModel
from equinet.kit.timestamps import UtcDateTime


class CreateReviewIn(ApiModel):
    model_config = ConfigDict(extra="forbid")

    booking_id: str = Field(alias="bookingId", min_length=1, max_length=100)
    rating: int = Field(ge=1, le=5, strict=True)
    comment: str | None = Field(None, max_length=500)


class UpdateReviewIn(ApiModel):
    model_config = ConfigDict(extra="forbid")

    rating: int = Field(ge=1, le=5, strict=True)
    comment: str | None = Field(None, max_length=500)


class ReplyIn(ApiModel):
    model_config = ConfigDict(extra="forbid")

    reply: str = Field(min_length=1, max_length=500)


class ReviewOut(ApiModel):
    id: str
    rating: int
    comment: str | None
    booking_id: str
    customer_id: str
    provider_id: str
    reply: str | None
    replied_at: UtcDateTime | None
    created_at: UtcDateTime
    updated_at: UtcDateTime

    @classmethod
    def of(cls, row: Any) -> ReviewOut:
        return cls(
            id=row.id,
            rating=row.rating,
            comment=row.comment,
            booking_id=row.booking_id,
            customer_id=row.customer_id,
            provider_id=row.provider_id,
            reply=row.reply,
            replied_at=row.replied_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )
