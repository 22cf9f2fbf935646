"""Pages and the API calls that answer the same question: a small realistic data set and the
pairs, shared by tests/web/test_page_queries.py (SQL statements) and bench/page_vs_api.py
(server time).

The API side of a pair is every API call a client would make to draw what the page shows:
the provider page also lists reviews, the booking flow shows a week of days, the dashboard
shows today's visits, the waiting requests and the onboarding checklist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.kit.dates import today_local
from equinet.models import Provider, Service, User
from equinet.ops.seed import DEMO_CUSTOMER, seed_demo
from tests import factories

# The booking flow draws this many days at once (bookings/pages.py, WEEK).
WEEK = 7


@dataclass
class Scene:
    provider: Provider
    owner: User
    service: Service
    customer: User
    city: str
    first_day: date  # the booking flow's first day (a weekday with open hours)


@dataclass
class Pair:
    name: str
    page: str
    api: list[str]
    who: str | None  # "customer", "provider" or None for a visitor


async def seed_scene(db: AsyncSession, *, customers: int = 8, per_customer: int = 6) -> Scene:
    """The demo data, then `customers` customers with `per_customer` bookings each at one
    provider (past ones completed, half of them reviewed; future ones pending or confirmed),
    two pending requests today, and notifications for the customer and the provider."""
    await seed_demo(db)
    provider = (await db.scalars(select(Provider).order_by(Provider.business_name).limit(1))).one()
    owner = await db.get(User, provider.user_id)
    assert owner is not None
    service = (
        await db.scalars(
            select(Service).where(Service.provider_id == provider.id).order_by(Service.name)
        )
    ).first()
    assert service is not None
    customer = (await db.scalars(select(User).where(User.email == DEMO_CUSTOMER["email"]))).one()
    people = [customer, *[await factories.customer(db) for _ in range(customers - 1)]]
    today = today_local()
    number = 0
    for who in people:
        for n in range(per_customer):
            offset = number - (customers * per_customer) // 2  # half past, half ahead
            number += 1
            status = "completed" if offset < 0 else ("pending" if n % 2 else "confirmed")
            visit = await factories.booking(
                db, by=who, at=provider, for_service=service,
                day=today + timedelta(days=offset), status=status,
            )  # fmt: skip
            if status == "completed" and n % 2 == 0:
                await factories.review(db, visit, rating=4 + n % 2, comment=f"Bra besök {number}")
    for start, end in (("13:00", "14:00"), ("15:00", "16:00")):
        await factories.booking(
            db, by=customer, at=provider, for_service=service, day=today,
            status="pending", start_time=start, end_time=end,
        )  # fmt: skip
    for n in range(30):
        for to in (customer, owner):
            await factories.notification(
                db, to, message=f"Bokning {n}", is_read=n % 3 == 0, link_url="/my/bookings"
            )
    first_day = today + timedelta(days=1)
    while first_day.weekday() >= 5:  # the demo providers are closed at weekends
        first_day += timedelta(days=1)
    await db.flush()
    return Scene(provider, owner, service, customer, provider.city or "", first_day)


def pairs(scene: Scene) -> list[Pair]:
    pid, sid, today = scene.provider.id, scene.service.id, today_local().isoformat()
    week = [(scene.first_day + timedelta(days=n)).isoformat() for n in range(WEEK)]
    return [
        Pair("home search", f"/?city={scene.city}", [f"/api/providers?city={scene.city}"], None),
        Pair(
            "provider page",
            f"/providers/{pid}",
            [f"/api/providers/{pid}", f"/api/providers/{pid}/reviews?limit=10"],
            None,
        ),
        Pair(
            "booking flow",
            f"/providers/{pid}/book?service={sid}&day={week[0]}",
            [
                f"/api/providers/{pid}",
                *[f"/api/providers/{pid}/availability?date={d}&serviceId={sid}" for d in week],
            ],
            None,
        ),
        Pair("my bookings", "/my/bookings", ["/api/bookings"], "customer"),
        Pair(
            "provider dashboard",
            "/provider",
            [
                f"/api/bookings?status=confirmed,completed,pending&from={today}&to={today}",
                f"/api/bookings?status=pending&from={today}",
                "/api/provider/onboarding-status",
            ],
            "provider",
        ),
        Pair("notifications", "/notifications", ["/api/notifications?limit=50"], "customer"),
    ]
