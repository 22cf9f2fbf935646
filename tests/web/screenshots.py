"""`make screenshots`: PNGs of the key pages at desktop and phone (360 px) width.

Starts the app on a scratch database with the demo data (as `make run` shows it), books one
visit for the demo customer through the booking flow, and writes docs/screenshots/<page>-
<desktop|phone>.png. Later areas (provider, admin) add their pages to `SHOTS`.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.db.base import utcnow
from equinet.kit.dates import today_local
from equinet.models import Provider, Service, User
from tests import factories
from tests.web.live import LiveApp, chromium, chromium_missing, live_app
from tests.web.screenshots_pro import take_provider_and_admin

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WIDTHS = {"desktop": (1280, 900), "phone": (360, 780)}
DEMO_CUSTOMER = "kund@test.se"
DEMO_PROVIDER = "erik@hovslagare-uppsala.se"


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


async def _book_once(page: Any, flow: str) -> None:
    await page.goto(flow)
    await page.locator(".slots a").first.click()
    await page.get_by_label("Hästens namn").fill("Blansen")
    await page.get_by_role("button", name="Bekräfta bokningen").click()
    await page.wait_for_url("**/my/bookings")


async def take(live: LiveApp, browser: Any) -> list[Path]:
    customer, provider, service = live.run(_demo)
    day = _next_weekday(2)
    flow = f"/providers/{provider.id}/book?service={service.id}&day={day}"
    live.run(lambda db: _history(db, customer, provider, service))
    shots: list[tuple[str, str, bool]] = [
        ("home", "/", False),
        ("provider", f"/providers/{provider.id}", False),
        ("booking-flow", flow + "&start=10:00", True),
        ("my-bookings", "/my/bookings", True),
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
                await context.add_cookies([cookie])
            page = await context.new_page()
            if name == "my-bookings" and not booked:
                await _book_once(page, flow.replace(str(day), str(_next_weekday(3))))
                booked = True
            await page.goto(path)
            target = OUT / f"{name}-{label}.png"
            await page.screenshot(path=str(target), full_page=True)
            written.append(target)
            await context.close()
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
