"""Helpers of the horse tests: an owner with a horse, and a provider who visited it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from equinet.kit.dates import booking_date_column, today_local
from equinet.models import Horse, User
from equinet.settings import Settings
from tests import factories
from tests.bookings.support import Shop, auth, make_shop


def past_day(days: int = 10) -> date:
    return today_local() - timedelta(days=days)


@dataclass
class Stable:
    owner: User
    horse: Horse
    shop: Shop
    as_owner: dict[str, str]
    as_provider: dict[str, str]


async def make_stable(db: AsyncSession, settings: Settings) -> Stable:
    """An owner's horse with one note per category, and a provider with a completed visit."""
    owner = await factories.customer(db, first_name="Olga", last_name="Ägare")
    horse = await factories.horse(db, owner, name="Stjärna", birth_year=2016)
    for days, category in enumerate(
        ("veterinary", "farrier", "medication", "training", "other", "injury"), start=1
    ):
        await factories.horse_note(
            db,
            horse,
            category=category,
            title=f"Anteckning {category}",
            content=f"Innehåll {category}",
            note_date=booking_date_column(past_day(days)),
        )
    shop = await make_shop(db)
    await factories.booking(
        db, by=owner, at=shop.provider, for_service=shop.service, day=past_day(3),
        status="completed", horse_id=horse.id, customer_notes="Portkod 1234",
    )  # fmt: skip
    return Stable(
        owner=owner,
        horse=horse,
        shop=shop,
        as_owner=await auth(db, owner, settings),
        as_provider=await auth(db, shop.provider_user, settings),
    )
