"""The service catalogue's rules: a provider manages only their own services; deleting keeps
the row (bookings reference it) and every change refreshes the public listings."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from equinet.catalog import repository
from equinet.catalog.schemas import ServiceIn, ServiceUpdate
from equinet.kit.errors import NotFound
from equinet.kit.pagination import PageRequest
from equinet.models import Service
from equinet.providers.cache import invalidate_provider_listings, place_of


class ServiceNotFound(NotFound):
    code = "SERVICE_NOT_FOUND"
    message = "Tjänsten hittades inte"


async def list_services(
    db: AsyncSession, provider_id: str, page: PageRequest
) -> tuple[list[Service], bool]:
    rows = await repository.services_of(db, provider_id, limit=page.fetch, offset=page.offset)
    return page.cut(rows)


async def create_service(db: AsyncSession, provider_id: str, data: ServiceIn) -> Service:
    service = await repository.add_service(db, provider_id, data.model_dump(by_alias=False))
    # Service names are searched: the provider may now match other searches.
    invalidate_provider_listings(db, provider_id, await place_of(db, provider_id))
    return service


async def replace_service(
    db: AsyncSession, provider_id: str, service_id: str, data: ServiceUpdate
) -> Service:
    values = data.model_dump(by_alias=False)
    if values["is_active"] is None:
        del values["is_active"]  # "isActive" left out keeps the current state
    service = await repository.update_owned_service(db, service_id, provider_id, values)
    if service is None:
        raise ServiceNotFound()
    # Service names are searched: the provider may now match other searches.
    invalidate_provider_listings(db, provider_id, await place_of(db, provider_id))
    return service


async def deactivate_service(db: AsyncSession, provider_id: str, service_id: str) -> None:
    """Soft delete: the service leaves listings and booking, its bookings keep their history."""
    service = await repository.update_owned_service(
        db, service_id, provider_id, {"is_active": False}
    )
    if service is None:
        raise ServiceNotFound()
    # Service names are searched: the provider may now match other searches.
    invalidate_provider_listings(db, provider_id, await place_of(db, provider_id))
