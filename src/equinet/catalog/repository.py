"""All SQL of the service catalogue; every write carries the owning provider in its WHERE."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.models import Service


async def services_of(
    db: AsyncSession, provider_id: str, *, limit: int, offset: int
) -> Sequence[Service]:
    """The provider's services, active or not, newest first (one page)."""
    result = await db.scalars(
        select(Service)
        .where(Service.provider_id == provider_id)
        .order_by(Service.created_at.desc(), Service.id)
        .limit(limit)
        .offset(offset)
    )
    return result.all()


async def add_service(db: AsyncSession, provider_id: str, values: dict[str, Any]) -> Service:
    service = Service(provider_id=provider_id, is_active=True, **values)
    db.add(service)
    await db.flush()
    return service


async def update_owned_service(
    db: AsyncSession, service_id: str, provider_id: str, values: dict[str, Any]
) -> Service | None:
    """UPDATE ... WHERE id AND providerId RETURNING: None when missing or someone else's."""
    result = await db.scalars(
        update(Service)
        .where(Service.id == service_id, Service.provider_id == provider_id)
        .values(**values)
        .returning(Service)
        .execution_options(populate_existing=True)
    )
    return result.first()
