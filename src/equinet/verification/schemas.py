"""Request and response shapes of verification requests, camelCase on the wire."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field

from equinet.accounts import sanitize
from equinet.kit.api_model import ApiModel
from equinet.kit.timestamps import UtcDateTime

VerificationType = Literal["education", "organization", "certificate", "experience", "license"]


def _line(value: str | None) -> str | None:
    return sanitize.one_line(value) or None if value is not None else None


def _text(value: str | None) -> str | None:
    return sanitize.multi_line(value) or None if value is not None else None


def _title(value: str) -> str:
    value = sanitize.one_line(value)
    if not value:
        raise ValueError("Får inte vara tomt")
    return value


Title = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_title)]
Issuer = Annotated[str | None, Field(max_length=200), AfterValidator(_line)]
Description = Annotated[str | None, Field(max_length=1000), AfterValidator(_text)]
Year = Annotated[int | None, Field(ge=1900, le=2100, strict=True)]


class StrictIn(ApiModel):
    model_config = ConfigDict(extra="forbid")


class VerificationIn(StrictIn):
    type: VerificationType
    title: Title
    description: Description = None
    issuer: Issuer = None
    year: Year = None


class VerificationUpdateIn(StrictIn):
    type: VerificationType | None = None
    title: Title | None = None
    description: Description = None
    issuer: Issuer = None
    year: Year = None


class ReviewIn(StrictIn):
    action: Literal["approve", "reject"]
    review_note: Annotated[str | None, Field(max_length=500), AfterValidator(_text)] = None


class ImageOut(ApiModel):
    id: str
    url: str
    mime_type: str
    original_name: str | None


class VerificationOut(ApiModel):
    id: str
    type: str
    title: str
    description: str | None
    issuer: str | None
    year: int | None
    status: str
    review_note: str | None
    reviewed_at: UtcDateTime | None
    created_at: UtcDateTime
    images: list[ImageOut]


class QueueProviderOut(ApiModel):
    id: str
    business_name: str


class QueuedVerificationOut(ApiModel):
    id: str
    type: str
    title: str
    description: str | None
    issuer: str | None
    year: int | None
    status: str
    created_at: UtcDateTime
    provider: QueueProviderOut
    images: list[ImageOut]


class PublicVerificationOut(ApiModel):
    """What anyone may see of an approved verification: no documents, no review notes."""

    id: str
    type: str
    title: str
    issuer: str | None
    year: int | None
    reviewed_at: UtcDateTime | None
