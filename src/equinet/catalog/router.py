"""`/api/services`: the logged-in provider's own services."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from equinet.accounts.dependencies import CurrentProvider
from equinet.catalog import service
from equinet.catalog.schemas import ServiceDeleted, ServiceIn, ServiceOut, ServiceUpdate
from equinet.catalog.service import ServiceNotFound
from equinet.db.session import DbSession
from equinet.kit.errors import errors
from equinet.kit.pagination import PageRequest, page_headers, paginated
from equinet.kit.rate_limit_routes import limit_route

router = APIRouter(prefix="/api/services", tags=["services"])

limit_route("POST", "/api/services", "serviceCreate")

Page = Annotated[PageRequest, Depends(paginated(default=100, cap=100))]


@router.get("", summary="My services, active and inactive, newest first (paginated)")
async def list_services(
    request: Request, response: Response, account: CurrentProvider, db: DbSession, page: Page
) -> list[ServiceOut]:
    rows, has_more = await service.list_services(db, account.provider.id, page)
    page_headers(response, request, page, has_more)
    return [ServiceOut.model_validate(row) for row in rows]


@router.post("", status_code=status.HTTP_201_CREATED, summary="Add a service")
async def create_service(account: CurrentProvider, db: DbSession, body: ServiceIn) -> ServiceOut:
    created = await service.create_service(db, account.provider.id, body)
    return ServiceOut.model_validate(created)


@router.put(
    "/{service_id}", summary="Replace one of my services", responses=errors(ServiceNotFound)
)
async def replace_service(
    service_id: str, account: CurrentProvider, db: DbSession, body: ServiceUpdate
) -> ServiceOut:
    updated = await service.replace_service(db, account.provider.id, service_id, body)
    return ServiceOut.model_validate(updated)


@router.delete(
    "/{service_id}",
    summary="Withdraw one of my services (kept for its bookings)",
    responses=errors(ServiceNotFound),
)
async def delete_service(
    service_id: str, account: CurrentProvider, db: DbSession
) -> ServiceDeleted:
    await service.deactivate_service(db, account.provider.id, service_id)
    return ServiceDeleted()
