"""`make screenshots`, the provider's and the admin's pages: the demo provider's dashboard and
week calendar (with visits today arranged here) and the admin's system page, at desktop and
phone width. Called by tests/web/screenshots.py after its own pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.kit.dates import today_local
from equinet.models import Provider, Service, User
from tests import factories
from tests.web.live import LiveApp

DEMO_PROVIDER = "erik@hovslagare-uppsala.se"
DEMO_CUSTOMER = "kund@test.se"
ADMIN = "drift@equinet.test"


async def _arrange(db: AsyncSession) -> tuple[User, User]:
    owner = await db.scalar(select(User).where(User.email == DEMO_PROVIDER))
    customer = await db.scalar(select(User).where(User.email == DEMO_CUSTOMER))
    assert owner is not None and customer is not None, "the demo data is missing"
    provider = await db.scalar(select(Provider).where(Provider.user_id == owner.id))
    assert provider is not None
    service = await db.scalar(
        select(Service).where(Service.provider_id == provider.id).order_by(Service.name)
    )
    assert service is not None
    for start, end, horse in (("09:00", "10:00", "Blansen"), ("13:00", "14:00", "Stella")):
        await factories.booking(
            db, by=customer, at=provider, for_service=service, day=today_local(),
            start_time=start, end_time=end, status="confirmed", horse_name=horse,
        )  # fmt: skip
    admin = await db.scalar(select(User).where(User.email == ADMIN))
    if admin is None:
        admin = await factories.user(db, email=ADMIN, is_admin=True, first_name="Drift")
    return owner, admin


async def take_provider_and_admin(
    live: LiveApp, browser: Any, out: Path, widths: dict[str, tuple[int, int]]
) -> list[Path]:
    owner, admin = live.run(_arrange)
    shots = [
        ("provider-dashboard", "/provider", owner),
        ("provider-calendar", "/provider/calendar", owner),
        ("admin-system", "/admin/system", admin),
    ]
    written: list[Path] = []
    for label, (width, height) in widths.items():
        for name, path, user in shots:
            context = await browser.new_context(
                base_url=live.url, viewport={"width": width, "height": height}, locale="sv-SE"
            )
            await context.add_cookies([live.session_cookie(user)])
            page = await context.new_page()
            await page.goto(path)
            target = out / f"{name}-{label}.png"
            await page.screenshot(path=str(target), full_page=True)
            written.append(target)
            await context.close()
    return written
