"""Request and response shapes of the review routes (spec §2.8), strict bodies."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from equinet.kit.timestamps import UtcDateTime


class CreateReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    booking_id: str = Field(alias="bookingId", min_length=1, max_length=100)
    rating: int = Field(ge=1, le=5, strict=True)
    comment: str | None = Field(None, max_length=500)


class UpdateReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: int = Field(ge=1, le=5, strict=True)
    comment: str | None = Field(None, max_length=500)


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reply: str = Field(min_length=1, max_length=500)


class ReviewOut(BaseModel):
    id: str
    rating: int
    comment: str | None
    booking_id: str = Field(serialization_alias="bookingId")
    customer_id: str = Field(serialization_alias="customerId")
    provider_id: str = Field(serialization_alias="providerId")
    reply: str | None
    replied_at: UtcDateTime | None = Field(serialization_alias="repliedAt")
    created_at: UtcDateTime = Field(serialization_alias="createdAt")
    updated_at: UtcDateTime = Field(serialization_alias="updatedAt")

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
