"""Data the browser tests arrange through the factories (run on the live app's loop)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from equinet.models import Provider, Service, User
from tests import factories

PASSWORD = "Glittrande-Sadelgjord-4711"


@dataclass
class Stable:
    provider_user: User
    provider: Provider
    service: Service


async def stable(
    db: AsyncSession, *, name: str = "Hovslageri Hanna", opens: str = "08:00", closes: str = "18:00"
) -> Stable:
    """A verified provider open every day, with one 60-minute service."""
    owner = await factories.user(db, user_type="provider", first_name="Hanna", last_name="Hov")
    provider = await factories.provider(
        db, owner, business_name=name, city="Uppsala", is_verified=True
    )
    for weekday in range(7):
        await factories.availability(
            db, provider, day_of_week=weekday, start_time=opens, end_time=closes
        )
    service = await factories.service(
        db, provider, name="Skoning", price=850.0, duration_minutes=60
    )
    return Stable(owner, provider, service)


async def customer(db: AsyncSession, first_name: str = "Klara") -> User:
    return await factories.customer(db, first_name=first_name, last_name="Kund", password=PASSWORD)
