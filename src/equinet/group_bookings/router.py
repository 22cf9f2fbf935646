"""`/api/group-bookings`: group visits at a stable, invite codes, participants, matching."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from equinet.accounts.dependencies import CurrentProvider, CurrentUser
from equinet.db.session import DbSession
from equinet.group_bookings import service
from equinet.group_bookings.schemas import GroupRequestIn, GroupUpdateIn, JoinIn, MatchIn
from equinet.kit.pagination import PageRequest, paged, paginated
from equinet.kit.rate_limit_routes import limit_route
from equinet.providers.service import provider_of_caller
from equinet.settings import settings_of

router = APIRouter(prefix="/api/group-bookings", tags=["group bookings"])

limit_route("POST", "/api/group-bookings", "booking")
limit_route("GET", "/api/group-bookings", "api")
limit_route("GET", "/api/group-bookings/available", "api")
limit_route("GET", "/api/group-bookings/{group_id}", "api")
limit_route("POST", "/api/group-bookings/join", "booking")
limit_route("POST", "/api/group-bookings/{group_id}/match", "booking")


GroupPage = Annotated[PageRequest, Depends(paginated(default=50, cap=100))]


@router.post("", status_code=201, summary="Open a group visit at a stable")
async def create_group(db: DbSession, user: CurrentUser, body: GroupRequestIn) -> dict[str, Any]:
    return await service.create_group(db, user, body)


@router.get("", summary="Group visits I take part in (not those I left)")
async def my_groups(
    request: Request, response: Response, db: DbSession, user: CurrentUser, page: GroupPage
) -> list[dict[str, Any]]:
    return paged(response, request, page, await service.my_groups(db, user, page))


@router.get("/available", summary="Open group visits in my area for my services")
async def available(
    request: Request, response: Response, db: DbSession, account: CurrentProvider, page: GroupPage
) -> list[dict[str, Any]]:
    return paged(
        response, request, page, await service.available_groups(db, account.provider, page)
    )


@router.post("/join", status_code=201, summary="Join a group visit with its invite code")
async def join(db: DbSession, user: CurrentUser, body: JoinIn) -> dict[str, Any]:
    return await service.join(db, user, body)


@router.get("/{group_id}", summary="A group visit I take part in, or one I may match")
async def group(db: DbSession, user: CurrentUser, group_id: str) -> dict[str, Any]:
    provider = await provider_of_caller(db, user)
    return await service.group_detail(db, user, provider, group_id)


@router.put("/{group_id}", summary="Change or cancel my group visit (its creator)")
async def update_group(
    db: DbSession, user: CurrentUser, group_id: str, body: GroupUpdateIn
) -> dict[str, Any]:
    return await service.update_group(db, user, group_id, body)


@router.delete(
    "/{group_id}/participants/{participant_id}", summary="Leave, or remove a participant"
)
async def remove_participant(
    db: DbSession, user: CurrentUser, group_id: str, participant_id: str
) -> dict[str, str]:
    return await service.remove_participant(db, user, group_id, participant_id)


@router.post("/{group_id}/match", summary="Book every participant, back to back, or nobody")
async def match(
    request: Request, db: DbSession, account: CurrentProvider, group_id: str, body: MatchIn
) -> dict[str, Any]:
    return await service.match(db, settings_of(request), account, group_id, body)
