"""Review routes: customers write, edit and delete; the provider replies."""

from __future__ import annotations

from fastapi import APIRouter, Response

from equinet.accounts.dependencies import CurrentCustomer, CurrentProvider
from equinet.db.session import DbSession
from equinet.kit.errors import errors
from equinet.reviews import service
from equinet.reviews.schemas import CreateReviewIn, ReplyIn, ReviewOut, UpdateReviewIn
from equinet.reviews.service import (
    BookingNotCompleted,
    BookingNotFound,
    ReplyExists,
    ReviewExists,
    ReviewNotFound,
)

router = APIRouter(prefix="/api/reviews", tags=["reviews"])


@router.post(
    "",
    status_code=201,
    response_model=ReviewOut,
    response_model_by_alias=True,
    responses=errors(BookingNotFound, BookingNotCompleted, ReviewExists),
)
async def create_review(
    db: DbSession, customer: CurrentCustomer, body: CreateReviewIn
) -> ReviewOut:
    return ReviewOut.of(await service.create(db, customer, body))


@router.put(
    "/{review_id}",
    response_model=ReviewOut,
    response_model_by_alias=True,
    responses=errors(ReviewNotFound),
)
async def update_review(
    db: DbSession, customer: CurrentCustomer, review_id: str, body: UpdateReviewIn
) -> ReviewOut:
    return ReviewOut.of(await service.update(db, customer, review_id, body))


@router.delete(
    "/{review_id}", status_code=204, response_class=Response, responses=errors(ReviewNotFound)
)
async def delete_review(db: DbSession, customer: CurrentCustomer, review_id: str) -> Response:
    await service.delete(db, customer, review_id)
    return Response(status_code=204)


@router.post(
    "/{review_id}/reply",
    response_model=ReviewOut,
    response_model_by_alias=True,
    responses=errors(ReviewNotFound, ReplyExists),
)
async def reply_to_review(
    db: DbSession, account: CurrentProvider, review_id: str, body: ReplyIn
) -> ReviewOut:
    return ReviewOut.of(await service.reply(db, account.provider.id, review_id, body))


@router.delete(
    "/{review_id}/reply", status_code=204, response_class=Response, responses=errors(ReviewNotFound)
)
async def delete_reply(db: DbSession, account: CurrentProvider, review_id: str) -> Response:
    await service.delete_reply(db, account.provider.id, review_id)
    return Response(status_code=204)
