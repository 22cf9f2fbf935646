"""`equinet db seed --scale N`: the benchmark data set is realistic, consistent and reproducible.

One module-wide database seeded with 20 providers answers the read-only questions; the tests
that seed again (determinism, adding on top, refusals) use scratch databases of their own.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import date, timedelta

import asyncpg
import pytest
from rich.console import Console

from equinet.db.environment_stamp import DestructiveCommandRefused, EnvironmentMismatch
from equinet.db.targets import asyncpg_connect
from equinet.db.urls import DatabaseTarget
from equinet.ops.drift import check_drift
from equinet.ops.scale_seed import ScaleSeedResult, seed_scale
from equinet.settings import ConfigurationError
from tests.conftest import copy_of_template, make_settings

PROVIDERS = 20
TODAY = date(2026, 11, 25)


def quiet() -> Console:
    return Console(file=io.StringIO(), width=120)


async def seeded(
    target: DatabaseTarget, providers: int = PROVIDERS, **options: object
) -> ScaleSeedResult:
    return await seed_scale(
        target,
        make_settings(target),
        providers=providers,
        console=quiet(),
        today=TODAY,
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
async def scale_db(migrated_template: DatabaseTarget) -> AsyncIterator[DatabaseTarget]:
    async with copy_of_template(migrated_template, "scale") as target:
        await seeded(target)
        yield target


@pytest.fixture(scope="module")
async def db(scale_db: DatabaseTarget) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg_connect(scale_db)
    try:
        yield connection
    finally:
        await connection.close()


async def count(db: asyncpg.Connection, sql: str) -> int:
    return int(await db.fetchval(sql))


async def test_every_provider_gets_an_account_services_and_a_week_of_hours(
    db: asyncpg.Connection,
) -> None:
    assert await count(db, 'SELECT count(*) FROM "Provider"') == PROVIDERS
    assert (
        await count(
            db,
            'SELECT count(*) FROM "User" WHERE "userType" = \'provider\' '
            "AND email LIKE 'provider-0000__@scale.equinet.test' AND \"emailVerified\"",
        )
        == PROVIDERS
    )
    per_provider = await db.fetch(
        'SELECT p.id, count(DISTINCT s.id) AS services, count(DISTINCT a."dayOfWeek") AS days '
        'FROM "Provider" p JOIN "Service" s ON s."providerId" = p.id '
        'JOIN "Availability" a ON a."providerId" = p.id GROUP BY p.id'
    )
    assert len(per_provider) == PROVIDERS
    assert all(2 <= row["services"] <= 5 and row["days"] == 7 for row in per_provider)
    assert await count(db, 'SELECT count(*) FROM "Availability"') == PROVIDERS * 7
    areas = await db.fetchrow('SELECT min("serviceAreaKm"), max("serviceAreaKm") FROM "Provider"')
    assert areas[0] >= 20 and areas[1] <= 100


async def test_providers_and_customers_live_in_swedish_towns(db: asyncpg.Connection) -> None:
    outside = await count(
        db,
        'SELECT count(*) FROM "User" WHERE latitude NOT BETWEEN 55 AND 69 '
        "OR longitude NOT BETWEEN 10.5 AND 24.5 OR city IS NULL",
    )
    assert outside == 0


async def test_customers_have_one_to_three_horses(db: asyncpg.Connection) -> None:
    assert (
        await count(db, 'SELECT count(*) FROM "User" WHERE "userType" = \'customer\'')
        == 2 * PROVIDERS
    )
    horses = await db.fetch(
        'SELECT u.id, count(h.id) AS horses FROM "User" u '
        'LEFT JOIN "Horse" h ON h."ownerId" = u.id '
        "WHERE u.\"userType\" = 'customer' GROUP BY u.id"
    )
    assert all(1 <= row["horses"] <= 3 for row in horses)
    assert (
        await count(
            db, "SELECT count(*) FROM \"Horse\" WHERE gender NOT IN ('mare', 'gelding', 'stallion')"
        )
        == 0
    )


async def test_about_a_hundred_bookings_per_provider_in_every_status(
    db: asyncpg.Connection,
) -> None:
    bookings = await count(db, 'SELECT count(*) FROM "Booking"')
    assert PROVIDERS * 70 <= bookings <= PROVIDERS * 120
    statuses = {row["status"] for row in await db.fetch('SELECT DISTINCT status FROM "Booking"')}
    assert statuses == {"pending", "confirmed", "cancelled", "completed"}


async def test_bookings_span_the_past_and_the_coming_half_year(db: asyncpg.Connection) -> None:
    first, last = await db.fetchrow('SELECT min("bookingDate"), max("bookingDate") FROM "Booking"')
    assert TODAY - timedelta(days=182) <= first.date() < TODAY - timedelta(days=150)
    assert TODAY + timedelta(days=150) < last.date() <= TODAY + timedelta(days=182)
    assert (
        await count(
            db,
            'SELECT count(*) FROM "Booking" WHERE "bookingDate" <> date_trunc(\'day\', "bookingDate")',
        )
        == 0
    )
    # Nothing in the future is completed, nothing in the past still waits for an answer.
    assert (
        await count(
            db,
            f'SELECT count(*) FROM "Booking" WHERE ("bookingDate" >= \'{TODAY}\' AND status = '
            f"'completed') OR (\"bookingDate\" < '{TODAY}' AND status = 'pending')",
        )
        == 0
    )


async def test_no_provider_is_double_booked(db: asyncpg.Connection) -> None:
    overlapping = await count(
        db,
        'SELECT count(*) FROM "Booking" a JOIN "Booking" b ON a."providerId" = b."providerId" '
        'AND a."bookingDate" = b."bookingDate" AND a.id < b.id '
        'AND a."startTime" < b."endTime" AND b."startTime" < a."endTime" '
        "WHERE a.status IN ('pending', 'confirmed') AND b.status IN ('pending', 'confirmed')",
    )
    assert overlapping == 0
    same_slot = await count(
        db,
        'SELECT count(*) FROM (SELECT 1 FROM "Booking" GROUP BY "providerId", "bookingDate", '
        '"startTime", "endTime" HAVING count(*) > 1) AS twice',
    )
    assert same_slot == 0


async def test_bookings_are_for_the_providers_own_services_and_the_customers_own_horses(
    db: asyncpg.Connection,
) -> None:
    assert (
        await count(
            db,
            'SELECT count(*) FROM "Booking" b JOIN "Service" s ON s.id = b."serviceId" '
            'WHERE s."providerId" <> b."providerId"',
        )
        == 0
    )
    assert (
        await count(
            db,
            'SELECT count(*) FROM "Booking" b LEFT JOIN "Horse" h ON h.id = b."horseId" '
            'WHERE h.id IS NULL OR h."ownerId" <> b."customerId" OR h.name <> b."horseName"',
        )
        == 0
    )


async def test_bookings_fit_the_providers_opening_hours_and_the_service_duration(
    db: asyncpg.Connection,
) -> None:
    outside_hours = await count(
        db,
        'SELECT count(*) FROM "Booking" b LEFT JOIN "Availability" a '
        'ON a."providerId" = b."providerId" '
        'AND a."dayOfWeek" = extract(isodow FROM b."bookingDate") - 1 '
        'WHERE a.id IS NULL OR a."isClosed" OR b."startTime" < a."startTime" '
        'OR b."endTime" > a."endTime"',
    )
    assert outside_hours == 0
    wrong_length = await count(
        db,
        'SELECT count(*) FROM "Booking" b JOIN "Service" s ON s.id = b."serviceId" '
        'WHERE b."endTime"::time - b."startTime"::time <> make_interval(mins => s."durationMinutes")',
    )
    assert wrong_length == 0
    on_exception_days = await count(
        db,
        'SELECT count(*) FROM "Booking" b JOIN "AvailabilityException" e '
        'ON e."providerId" = b."providerId" AND e.date = b."bookingDate"::date',
    )
    assert on_exception_days == 0


async def test_completed_bookings_and_only_they_are_paid_at_the_service_price(
    db: asyncpg.Connection,
) -> None:
    assert (
        await count(
            db,
            'SELECT count(*) FROM "Payment" p JOIN "Booking" b ON b.id = p."bookingId" '
            'JOIN "Service" s ON s.id = b."serviceId" '
            "WHERE b.status <> 'completed' OR p.amount <> s.price OR p.status <> 'succeeded' "
            'OR p."paidAt" IS NULL',
        )
        == 0
    )
    assert (
        await count(
            db,
            'SELECT count(*) FROM "Booking" b LEFT JOIN "Payment" p ON p."bookingId" = b.id '
            "WHERE b.status = 'completed' AND p.id IS NULL",
        )
        == 0
    )
    assert (
        await count(
            db,
            'SELECT count(*) FROM "Payment" WHERE "invoiceNumber" !~ \'^INV-[0-9]{4}-[0-9]{6}$\'',
        )
        == 0
    )


async def test_the_invoice_counter_continues_after_the_seeded_invoices(
    db: asyncpg.Connection,
) -> None:
    behind = await count(
        db,
        'SELECT count(*) FROM (SELECT substring("invoiceNumber" FROM 5 FOR 4)::int AS year, '
        'max(substring("invoiceNumber" FROM 10)::int) AS last FROM "Payment" GROUP BY 1) p '
        'LEFT JOIN "InvoiceCounter" c ON c.year = p.year '
        'WHERE c.year IS NULL OR c."lastNumber" < p.last',
    )
    assert behind == 0


async def test_about_a_third_of_completed_bookings_are_reviewed(db: asyncpg.Connection) -> None:
    completed = await count(db, "SELECT count(*) FROM \"Booking\" WHERE status = 'completed'")
    reviews = await count(db, 'SELECT count(*) FROM "Review"')
    assert 0.2 * completed <= reviews <= 0.4 * completed
    assert (
        await count(
            db,
            'SELECT count(*) FROM "Review" r JOIN "Booking" b ON b.id = r."bookingId" '
            "WHERE b.status <> 'completed' OR r.rating NOT BETWEEN 1 AND 5 "
            'OR r."customerId" <> b."customerId" OR r."providerId" <> b."providerId"',
        )
        == 0
    )
    assert await count(db, 'SELECT count(*) FROM "Notification"') > 0


async def test_every_account_logs_in_with_the_demo_password(db: asyncpg.Connection) -> None:
    from equinet.kit.passwords import verify_password

    hashes = await db.fetch('SELECT DISTINCT "passwordHash" FROM "User"')
    assert len(hashes) == 1
    assert verify_password(hashes[0]["passwordHash"], "test123")


async def test_the_schema_has_no_drift_after_seeding(scale_db: DatabaseTarget) -> None:
    report = await check_drift(scale_db)
    assert report.problems == []


async def fingerprint(target: DatabaseTarget) -> str:
    connection = await asyncpg_connect(target)
    try:
        return str(
            await connection.fetchval(
                "SELECT md5(string_agg(b::text || p::text, ',' ORDER BY b.id)) "
                'FROM "Booking" b LEFT JOIN "Payment" p ON p."bookingId" = b.id'
            )
        )
    finally:
        await connection.close()


async def test_the_same_seed_gives_the_same_rows(
    scale_db: DatabaseTarget, migrated: DatabaseTarget
) -> None:
    await seeded(migrated)
    assert await fingerprint(migrated) == await fingerprint(scale_db)


async def test_another_seed_gives_other_rows(
    scale_db: DatabaseTarget, migrated: DatabaseTarget
) -> None:
    await seeded(migrated, seed=7)
    assert await fingerprint(migrated) != await fingerprint(scale_db)


async def test_seeding_again_adds_providers_without_collisions(migrated: DatabaseTarget) -> None:
    first = await seeded(migrated, providers=3)
    second = await seeded(migrated, providers=2)
    assert (first.first_provider, second.first_provider) == (1, 4)
    connection = await asyncpg_connect(migrated)
    try:
        emails = await connection.fetch(
            'SELECT email FROM "User" WHERE "userType" = \'provider\' ORDER BY email'
        )
        assert [row["email"] for row in emails] == [
            f"provider-{n:06d}@scale.equinet.test" for n in range(1, 6)
        ]
        assert await connection.fetchval('SELECT count(*) FROM "User"') == 15
        assert await connection.fetchval('SELECT count(*) FROM "Payment"') == (
            first.payments + second.payments
        )
    finally:
        await connection.close()


async def test_refuses_in_production(scratch: DatabaseTarget) -> None:
    with pytest.raises(DestructiveCommandRefused):
        await seed_scale(
            scratch,
            make_settings(scratch, equinet_env="production"),
            providers=1,
            console=quiet(),
        )


async def test_refuses_a_database_stamped_for_another_environment(migrated: DatabaseTarget) -> None:
    with pytest.raises(EnvironmentMismatch):
        await seed_scale(
            migrated,
            make_settings(migrated, equinet_env="development"),
            providers=1,
            console=quiet(),
        )
    connection = await asyncpg_connect(migrated)
    try:
        assert await connection.fetchval('SELECT count(*) FROM "User"') == 0
    finally:
        await connection.close()


async def test_refuses_a_database_without_the_schema(scratch: DatabaseTarget) -> None:
    with pytest.raises(ConfigurationError, match="equinet db migrate"):
        await seeded(scratch, providers=1)
