"""`make screenshots`: PNGs of the key pages at desktop and phone (360 px) width.

Starts the app on a scratch database with the demo data (as `make run` shows it), books one
visit for the demo customer through the booking flow, and writes docs/screenshots/<page>-
<desktop|phone>.png. Later areas (provider, admin) add their pages to `SHOTS`.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.db.base import utcnow
from equinet.kit.dates import booking_date_column, today_local
from equinet.models import Provider, Service, User
from equinet.verification import service as verification
from equinet.verification.schemas import ReviewIn
from tests import factories
from tests.web.live import LiveApp, chromium, chromium_missing, live_app
from tests.web.screenshots_pro import take_provider_and_admin

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WIDTHS = {"desktop": (1280, 900), "phone": (360, 780)}
DEMO_CUSTOMER = "kund@test.se"
DEMO_PROVIDER = "erik@hovslagare-uppsala.se"


def _after_13(minutes: int) -> str:
    return f"{13 + minutes // 60:02d}:{minutes % 60:02d}"


def _next_weekday(after: int) -> date:
    day = today_local() + timedelta(days=after)
    while day.weekday() >= 5:  # the demo providers are closed at weekends
        day += timedelta(days=1)
    return day


async def _demo(db: AsyncSession) -> tuple[User, Provider, Service]:
    customer = await db.scalar(select(User).where(User.email == DEMO_CUSTOMER))
    owner = await db.scalar(select(User).where(User.email == DEMO_PROVIDER))
    assert customer is not None and owner is not None, "the demo data is missing"
    provider = await db.scalar(select(Provider).where(Provider.user_id == owner.id))
    assert provider is not None
    service = await db.scalar(
        select(Service).where(Service.provider_id == provider.id).order_by(Service.name)
    )
    assert service is not None
    return customer, provider, service


async def _history(db: AsyncSession, customer: User, provider: Provider, service: Service) -> None:
    """A past visit, paid, reviewed and answered: what "my bookings" shows after a while."""
    visit = await factories.booking(
        db, by=customer, at=provider, for_service=service, status="completed",
        day=today_local() - timedelta(days=12), horse_name="Blansen",
    )  # fmt: skip
    await factories.payment(db, visit, amount=float(service.price), invoice_number="EQ-2026-0001")
    await factories.review(
        db, visit, customer_id=customer.id, provider_id=provider.id, rating=5,
        comment="Lugn och noggrann, Blansen gick fint direkt efteråt.",
        reply="Tack! Vi ses om sex veckor.", replied_at=utcnow(),
    )  # fmt: skip


@dataclass
class CareScene:
    """A horse with notes and a passport link, a pending verification and an admin."""

    horse_id: str
    passport_token: str
    admin: User
    provider_user: User


async def _care(db: AsyncSession, settings: Any, customer: User, provider: Provider) -> CareScene:
    horse = await factories.horse(
        db, customer, name="Stjärna", breed="Nordsvensk brukshäst", birth_year=2014,
        color="Brun", gender="mare", special_needs="Känslig i vänster framhov",
    )  # fmt: skip
    for days, category, title, content in (
        (3, "farrier", "Skodd runt om", "Nya skor fram, verkad bak."),
        (20, "veterinary", "Vaccination", "Influensa och stelkramp."),
        (34, "training", "Longering", "Lugn och fin i alla gångarter."),
        (60, "medication", "Avmaskning", None),
    ):
        when = booking_date_column(today_local() - timedelta(days=days))
        await factories.horse_note(
            db, horse, category=category, title=title, content=content, note_date=when
        )
    passport = await factories.horse_passport_token(db, horse)
    await factories.provider_verification(
        db, provider, type="certificate", title="Gesällbrev hovslagare",
        issuer="Hushållningssällskapet", year=2012,
    )  # fmt: skip
    admin = await factories.customer(db, first_name="Ada", last_name="Admin", is_admin=True)
    reviewed = await factories.provider_verification(
        db, provider, type="education", title="Hovslagarexamen", issuer="SLU", year=2010
    )
    await verification.review(
        db, settings, admin, reviewed.id, ReviewIn(action="approve"), ip_address="192.0.2.10"
    )
    owner = await db.get(User, provider.user_id)
    assert owner is not None
    return CareScene(horse.id, passport.token, admin, owner)


async def _book_once(page: Any, flow: str) -> None:
    await page.goto(flow)
    await page.locator(".slots a").first.click()
    await page.get_by_label("Hästens namn").fill("Blansen")
    await page.get_by_role("button", name="Bekräfta bokningen").click()
    await page.wait_for_url("**/my/bookings")


# Customers' orders around the demo provider in Uppsala (place, latitude, longitude).
ROUTE_ORDERS = (
    ("Stallvägen 5, Knivsta", 59.7256, 17.7875),
    ("Gårdsvägen 2, Storvreta", 59.9593, 17.7059),
    ("Hagtorpsvägen 9, Bålsta", 59.5671, 17.5278),
)


async def routes_and_groups(
    db: AsyncSession,
    settings: Any,
    customer: User,
    provider: Provider,
    invite_code: str = "HX7KQ2MP",
) -> dict[str, str]:
    """A planned route through three orders (the demo customer's first) and an open group
    visit at a stable: what the route and group visit pages show."""
    from equinet.accounts.dependencies import ProviderAccount
    from equinet.routes import planning, service
    from equinet.routes.schemas import AnnouncedStopIn, AnnouncementIn, RouteIn

    day = _next_weekday(2)
    orders = []
    for position, (address, lat, lng) in enumerate(ROUTE_ORDERS):
        by = customer if position == 0 else await factories.customer(db, first_name="Sara")
        orders.append(
            await factories.route_order(
                db, by, address=address, latitude=lat, longitude=lng, status="pending",
                contact_phone="070-555 01 0" + str(position), number_of_horses=position + 1,
                date_from=datetime(day.year, day.month, day.day),
                date_to=datetime(day.year, day.month, day.day) + timedelta(days=5),
            )
        )  # fmt: skip
    # One more, not yet planned, for the provider's "orders in my area".
    await factories.route_order(
        db, await factories.customer(db), address="Ridvägen 1, Sigtuna", latitude=59.6173,
        longitude=17.7236, status="pending", contact_phone="070-555 02 00",
        special_instructions="Två hästar behöver skor fram.", number_of_horses=2,
        date_from=datetime(day.year, day.month, day.day),
        date_to=datetime(day.year, day.month, day.day) + timedelta(days=7),
    )  # fmt: skip
    # A confirmed visit the day after at a known place: the route form offers it beside the orders.
    visit_day = day + timedelta(days=1)
    service_row = await db.scalar(select(Service).where(Service.provider_id == provider.id))
    assert service_row is not None
    visitor = await factories.customer(
        db, first_name="Maja", last_name="Berg", address="Björkvägen 3", city="Uppsala",
        latitude=59.8702, longitude=17.6110,
    )  # fmt: skip
    await factories.booking(
        db, by=visitor, at=provider, for_service=service_row, day=visit_day, status="confirmed",
        start_time="13:00", end_time=_after_13(service_row.duration_minutes), horse_name="Doris",
    )  # fmt: skip
    owner = await db.get(User, provider.user_id)
    assert owner is not None
    route = await planning.create_route(
        db, settings, ProviderAccount(owner, provider),
        RouteIn(route_name="Uppsalarundan", route_date=day, start_time="08:00",
                order_ids=[o.id for o in orders], optimise=True),
    )  # fmt: skip
    stops = [
        AnnouncedStopIn(location_name=name, address=address, latitude=lat, longitude=lng)
        for name, address, lat, lng in (
            ("Knivsta Ridklubb", "Ridvägen 8, Knivsta", 59.7256, 17.7875),
            ("Storvreta Gård", "Gårdsvägen 2, Storvreta", 59.9593, 17.7059),
        )
    ]
    announcement = await service.create_announcement(
        db, settings, owner, provider,
        AnnouncementIn(announcement_type="provider_announced", service_type="Skoning",
                       date_from=day, date_to=day + timedelta(days=2), stops=stops),
    )  # fmt: skip
    group = await factories.group_booking_request(
        db, customer, location_name="Knivsta Ridklubb", address="Ridvägen 8, Knivsta",
        latitude=59.7256, longitude=17.7875, status="open", invite_code=invite_code,
        max_participants=6,
    )  # fmt: skip
    await factories.group_booking_participant(db, group, customer, horse_name="Blansen")
    neighbour = await factories.customer(db, first_name="Nils")
    await factories.group_booking_participant(db, group, neighbour, horse_name="Pärla")
    return {
        "route": str(route["id"]), "group": group.id, "owner": owner.id,
        "announcement": str(announcement["id"]), "visitDay": visit_day.isoformat(),
    }  # fmt: skip


async def _route_shots(
    live: LiveApp, browser: Any, customer: User, provider: Provider
) -> list[Path]:
    made = live.run(lambda db: routes_and_groups(db, live.settings, customer, provider))
    owner = live.run(lambda db: db.get(User, made["owner"]))
    cookies = {"customer": live.session_cookie(customer), "provider": live.session_cookie(owner)}
    shots = [
        ("announcements", "/announcements", None),
        ("route-order-new", "/customer/route-orders/new", "customer"),
        ("my-route-orders", "/customer/route-orders", "customer"),
        ("group-visit", f"/customer/group-bookings/{made['group']}", "customer"),
        ("provider-route-orders", f"/provider/route-orders?day={made['visitDay']}", "provider"),
        ("route", f"/provider/routes/{made['route']}", "provider"),
        ("provider-group-match", f"/provider/group-bookings/{made['group']}", "provider"),
    ]
    written = []
    for label, (width, height) in WIDTHS.items():
        for name, path, who in shots:
            context = await browser.new_context(
                base_url=live.url, viewport={"width": width, "height": height}, locale="sv-SE"
            )
            if who is not None:
                await context.add_cookies([cookies[who]])
            page = await context.new_page()
            await page.goto(path)
            target = OUT / f"{name}-{label}.png"
            await page.screenshot(path=str(target), full_page=True)
            written.append(target)
            await context.close()
    return written


async def take(live: LiveApp, browser: Any) -> list[Path]:
    customer, provider, service = live.run(_demo)
    day = _next_weekday(2)
    flow = f"/providers/{provider.id}/book?service={service.id}&day={day}"
    live.run(lambda db: _history(db, customer, provider, service))
    care = live.run(lambda db: _care(db, live.settings, customer, provider))
    as_provider = live.session_cookie(care.provider_user)
    as_admin = live.session_cookie(care.admin)
    # (name, path, who): False anonymous, True the demo customer, or another user's cookie.
    shots: list[tuple[str, str, bool | dict[str, Any]]] = [
        ("home", "/", False),
        ("provider", f"/providers/{provider.id}", False),
        ("booking-flow", flow + "&start=10:00", True),
        ("my-bookings", "/my/bookings", True),
        ("my-horses", "/my/horses", True),
        ("horse", f"/my/horses/{care.horse_id}", True),
        ("passport", f"/passport/{care.passport_token}", False),
        ("my-data", "/my/data", True),
        ("verification", "/provider/verification", as_provider),
        ("admin-verifications", "/admin/verifications", as_admin),
        ("audit-log", "/admin/audit-log", as_admin),
    ]
    OUT.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    cookie = live.session_cookie(customer)
    booked = False
    for label, (width, height) in WIDTHS.items():
        for name, path, logged_in in shots:
            context = await browser.new_context(
                base_url=live.url, viewport={"width": width, "height": height}, locale="sv-SE"
            )
            if logged_in:
                await context.add_cookies([logged_in if isinstance(logged_in, dict) else cookie])
            page = await context.new_page()
            if name == "my-bookings" and not booked:
                await _book_once(page, flow.replace(str(day), str(_next_weekday(3))))
                booked = True
            await page.goto(path)
            target = OUT / f"{name}-{label}.png"
            await page.screenshot(path=str(target), full_page=True)
            written.append(target)
            await context.close()
    written += await _route_shots(live, browser, customer, provider)
    written += await take_provider_and_admin(live, browser, OUT, WIDTHS)
    return written


def main() -> int:
    missing = chromium_missing()
    if missing:
        print(missing, file=sys.stderr)
        return 1

    async def shoot(live: LiveApp) -> list[Path]:
        async with chromium() as browser:
            return await take(live, browser)

    with live_app(seed_demo=True) as live:
        for path in asyncio.run(shoot(live)):
            print(f"wrote {path.relative_to(OUT.parents[1])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
