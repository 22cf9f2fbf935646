"""Verification routes of a provider (their own requests) and the public list of a
provider's approved verifications."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from equinet.accounts.dependencies import CurrentProvider
from equinet.db.session import DbSession
from equinet.kit.pagination import PageRequest, page_headers, paginated
from equinet.kit.rate_limit_routes import limit_route
from equinet.uploads.router import object_store_of
from equinet.verification import service
from equinet.verification.schemas import (
    PublicVerificationOut,
    VerificationIn,
    VerificationOut,
    VerificationUpdateIn,
)

router = APIRouter(tags=["verification"])

limit_route("GET", "/api/verification-requests", "api")
limit_route("POST", "/api/verification-requests", "profileUpdate")
limit_route("PUT", "/api/verification-requests/{verification_id}", "profileUpdate")
limit_route("DELETE", "/api/verification-requests/{verification_id}", "profileUpdate")
limit_route("GET", "/api/providers/{provider_id}/verifications", "api")

VerificationPage = Annotated[PageRequest, Depends(paginated(default=50, cap=100))]
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Missing or not yours"}}


@router.get(
    "/api/verification-requests",
    response_model=list[VerificationOut],
    summary="My verification requests, newest first, with their documents",
)
async def list_mine(
    request: Request,
    response: Response,
    account: CurrentProvider,
    db: DbSession,
    page: VerificationPage,
) -> list[VerificationOut]:
    verifications, has_more = await service.list_own(db, account.provider, page)
    page_headers(response, request, page, has_more)
    return verifications


@router.post(
    "/api/verification-requests",
    status_code=201,
    response_model=VerificationOut,
    summary="Submit a verification request (documents follow via POST /api/upload)",
    responses={400: {"description": "Five requests are already pending"}},
)
async def submit(body: VerificationIn, account: CurrentProvider, db: DbSession) -> VerificationOut:
    return await service.create(db, account.provider, body)


@router.put(
    "/api/verification-requests/{verification_id}",
    response_model=VerificationOut,
    summary="Edit my request (a rejected one goes back to the queue)",
    responses={400: {"description": "Approved requests cannot be edited"}, **_NOT_FOUND},
)
async def edit(
    verification_id: str, body: VerificationUpdateIn, account: CurrentProvider, db: DbSession
) -> VerificationOut:
    return await service.update(db, account.provider, verification_id, body)


@router.delete(
    "/api/verification-requests/{verification_id}",
    status_code=204,
    summary="Withdraw my request and its documents",
    responses={400: {"description": "Approved requests cannot be deleted"}, **_NOT_FOUND},
)
async def withdraw(
    verification_id: str, request: Request, account: CurrentProvider, db: DbSession
) -> Response:
    await service.delete(db, object_store_of(request), account.provider, verification_id)
    return Response(status_code=204)


@router.get(
    "/api/providers/{provider_id}/verifications",
    response_model=list[PublicVerificationOut],
    summary="A provider's approved verifications (public; never pending or rejected ones)",
)
async def public_list(
    request: Request, response: Response, provider_id: str, db: DbSession, page: VerificationPage
) -> list[PublicVerificationOut]:
    verifications, has_more = await service.public_list(db, provider_id, page)
    page_headers(response, request, page, has_more)
    return verifications
