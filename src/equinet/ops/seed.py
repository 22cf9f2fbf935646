"""The original's demo data: five providers with services and hours, one customer."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.db.base import Base, utcnow
from equinet.kit.passwords import hash_password
from equinet.models import Availability, Provider, Service, User

DEMO_PASSWORD = "test123"
KEPT_TABLES = {"EnvironmentStamp", "alembic_version"}


@dataclass(frozen=True)
class DemoProvider:
    email: str
    first_name: str
    last_name: str
    phone: str
    business_name: str
    description: str
    address: str
    postal_code: str
    city: str
    latitude: float
    longitude: float
    service_area_km: float
    services: tuple[tuple[str, int, int], ...]  # name, price in whole kronor, minutes


DEMO_PROVIDERS = (
    DemoProvider(
        "erik@hovslagare-uppsala.se", "Erik", "Eriksson", "070-123 45 67", "Hovslagare Eriksson",
        "Erfaren hovslagare med över 15 år i branschen. Specialiserad på sportshästar.",
        "Stallvägen 12", "75320", "Uppsala", 59.8586, 17.6389, 50,
        (("Skoning", 1800, 90), ("Verkning", 800, 45), ("Akutbesök", 2500, 60)),
    ),
    DemoProvider(
        "anna@hastvard-goteborg.se", "Anna", "Johansson", "073-234 56 78", "Västkustens Hästvård",
        "Veterinär och hästterapeut. Hembesök i hela Göteborgsområdet.",
        "Hästgatan 5", "41708", "Göteborg", 57.7089, 11.9746, 60,
        (("Veterinärbesök", 1500, 60), ("Hästmassage", 900, 45), ("Tandkontroll", 1200, 40)),
    ),
    DemoProvider(
        "lars@ridskola-malmo.se", "Lars", "Svensson", "076-345 67 89", "Skånes Ridskola",
        "Ridlärare med inriktning på dressyr och hoppning, för nybörjare och tävlingsryttare.",
        "Ridvägen 8", "21432", "Malmö", 55.6050, 13.0038, 40,
        (("Ridlektion - Nybörjare", 600, 60), ("Dressyrträning", 900, 60), ("Hoppträning", 900, 60)),
    ),
    DemoProvider(
        "maria@hovservice-alingsas.se", "Maria", "Andersson", "070-456 78 90", "Alingsås Hovservice",
        "Hovslagare i Alingsås med omnejd. Barfotaverkning och skoning.",
        "Smedjegatan 3", "44130", "Alingsås", 57.9303, 12.5331, 45,
        (("Skoning", 1700, 90), ("Verkning", 750, 45)),
    ),
    DemoProvider(
        "karin@test-stall.se", "Karin", "Lindqvist", "072-567 89 01", "Test Stall AB",
        "Stall i centrala Stockholm med hovslagning, ridlektioner och stallplatser.",
        "Kungsgatan 42", "11135", "Stockholm", 59.3350, 18.0716, 30,
        (("Hovslagning", 1900, 90), ("Ridlektion", 700, 60), ("Stallhyra", 5000, 30)),
    ),
)  # fmt: skip

DEMO_CUSTOMER = {
    "email": "kund@test.se",
    "first_name": "Test",
    "last_name": "Kund",
    "phone": "070-111 22 33",
    "address": "Stallvägen 5",
    "city": "Göteborg",
    "latitude": 57.7089,
    "longitude": 11.9746,
}


@dataclass
class SeedResult:
    created: bool
    cleared_rows: int = 0
    users: int = 0
    providers: int = 0
    services: int = 0
    availability: int = 0


async def clear_all(session: AsyncSession) -> int:
    """Delete every row of every table, children before parents (the FK order of the models)."""
    removed = 0
    for table in reversed(Base.metadata.sorted_tables):
        if table.name in KEPT_TABLES:
            continue
        result = await session.execute(delete(table))
        removed += result.rowcount or 0  # type: ignore[attr-defined]
    return removed


async def seed_demo(session: AsyncSession, *, force: bool = False) -> SeedResult:
    """Create the demo data; a no-op when any provider exists, unless `force` clears first."""
    cleared = 0
    if force:
        cleared = await clear_all(session)
    elif await session.scalar(select(func.count()).select_from(Provider)):
        return SeedResult(created=False)
    password_hash = hash_password(DEMO_PASSWORD)
    now = utcnow()
    result = SeedResult(created=True, cleared_rows=cleared)
    for demo in DEMO_PROVIDERS:
        user = User(
            email=demo.email,
            password_hash=password_hash,
            user_type="provider",
            first_name=demo.first_name,
            last_name=demo.last_name,
            phone=demo.phone,
            email_verified=True,
            email_verified_at=now,
            city=demo.city,
            address=demo.address,
        )
        session.add(user)
        await session.flush()
        provider = Provider(
            user_id=user.id,
            business_name=demo.business_name,
            description=demo.description,
            address=demo.address,
            city=demo.city,
            postal_code=demo.postal_code,
            latitude=demo.latitude,
            longitude=demo.longitude,
            service_area_km=demo.service_area_km,
            is_active=True,
        )
        session.add(provider)
        await session.flush()
        for name, price, minutes in demo.services:
            session.add(
                Service(
                    provider_id=provider.id,
                    name=name,
                    price=Decimal(price),
                    duration_minutes=minutes,
                )
            )
            result.services += 1
        for day in range(7):
            weekend = day >= 5
            session.add(
                Availability(
                    provider_id=provider.id,
                    day_of_week=day,
                    start_time="00:00" if weekend else "09:00",
                    end_time="00:00" if weekend else "17:00",
                    is_closed=weekend,
                )
            )
            result.availability += 1
        result.users += 1
        result.providers += 1
    session.add(
        User(
            password_hash=password_hash,
            user_type="customer",
            email_verified=True,
            email_verified_at=now,
            **DEMO_CUSTOMER,
        )
    )
    result.users += 1
    await session.flush()
    return result
