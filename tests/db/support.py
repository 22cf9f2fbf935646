"""Helpers shared by the schema tests: the CLI as an operator runs it, raw SQL, and databases
filled the way a real one is (Prisma's baseline, one row in every table)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner, Result

from equinet.cli import app as cli_app
from equinet.db.engine import engine_for
from equinet.db.targets import asyncpg_connect
from equinet.db.urls import DatabaseTarget
from equinet.models import BASELINE_TABLES
from equinet.settings import get_settings
from tests import factories
from tests.conftest import url_of

PRISMA_INIT = Path(__file__).resolve().parents[1] / "fixtures" / "prisma_0_init.sql"


def _invoke(args: tuple[str, ...], env: dict[str, str | None]) -> Result:
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli_app, list(args), env=env)
    finally:
        get_settings.cache_clear()


async def run_cli(
    target: DatabaseTarget | None, *args: str, env: str = "test", **extra: str | None
) -> Result:
    """`equinet <args>` against `target` with EQUINET_ENV=`env`, as a shell would run it.

    The commands call asyncio.run(), so they run in a worker thread, off the test's loop.
    `extra` sets more environment variables (SECRET_KEY="...", REDIS_URL=None to unset).
    """
    variables: dict[str, str | None] = {
        "EQUINET_ENV": env,
        "DATABASE_URL": url_of(target) if target else None,
        "DIRECT_DATABASE_URL": None,
    }
    variables.update({name.upper(): value for name, value in extra.items()})
    return await asyncio.to_thread(_invoke, args, variables)


async def sql(target: DatabaseTarget, statements: str) -> None:
    """Run one or more SQL statements (simple query protocol) as the owner."""
    connection = await asyncpg_connect(target)
    try:
        await connection.execute(statements)
    finally:
        await connection.close()


async def fetch(target: DatabaseTarget, query: str, *args: Any) -> list[Any]:
    connection = await asyncpg_connect(target)
    try:
        return list(await connection.fetch(query, *args))
    finally:
        await connection.close()


async def value(target: DatabaseTarget, query: str, *args: Any) -> Any:
    connection = await asyncpg_connect(target)
    try:
        return await connection.fetchval(query, *args)
    finally:
        await connection.close()


async def public_tables(target: DatabaseTarget) -> set[str]:
    rows = await fetch(target, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {row["tablename"] for row in rows}


async def row_counts(
    target: DatabaseTarget, tables: tuple[str, ...] = BASELINE_TABLES
) -> dict[str, int]:
    connection = await asyncpg_connect(target)
    try:
        return {t: await connection.fetchval(f'SELECT count(*) FROM "{t}"') for t in tables}
    finally:
        await connection.close()


# Prisma's bookkeeping table, as `prisma migrate deploy` creates it.
PRISMA_MIGRATIONS = """
CREATE TABLE "_prisma_migrations" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
);
INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count)
VALUES
  ('8d1f0c5e-0000-4000-8000-000000000001', repeat('a', 64), now(), '0_init', 1),
  ('8d1f0c5e-0000-4000-8000-000000000002', repeat('b', 64), now(),
   '20260204120000_enable_rls', 1);
"""

# A few rows as the original app wrote them (ids are Prisma's uuid()).
PRISMA_DEMO_ROWS = """
INSERT INTO "User" (id, email, "passwordHash", "userType", "firstName", "lastName",
                    "emailVerified", "updatedAt")
VALUES ('11111111-1111-4111-8111-111111111111', 'erik@hovslagare-uppsala.se', '$2b$10$hash',
        'provider', 'Erik', 'Eriksson', true, '2026-01-10 08:00:00'),
       ('22222222-2222-4222-8222-222222222222', 'kund@test.se', '$2b$10$hash', 'customer',
        'Test', 'Kund', true, '2026-01-10 08:00:00');
INSERT INTO "Provider" (id, "userId", "businessName", city, "updatedAt")
VALUES ('33333333-3333-4333-8333-333333333333', '11111111-1111-4111-8111-111111111111',
        'Hovslagare Eriksson', 'Uppsala', '2026-01-10 08:00:00');
INSERT INTO "Service" (id, "providerId", name, price, "durationMinutes")
VALUES ('44444444-4444-4444-8444-444444444444', '33333333-3333-4333-8333-333333333333',
        'Skoning', 1800, 90);
INSERT INTO "Booking" (id, "customerId", "providerId", "serviceId", "bookingDate", "startTime",
                       "endTime", status, "horseName", "updatedAt")
VALUES ('55555555-5555-4555-8555-555555555555', '22222222-2222-4222-8222-222222222222',
        '33333333-3333-4333-8333-333333333333', '44444444-4444-4444-8444-444444444444',
        '2026-02-03 00:00:00', '10:00', '11:30', 'confirmed', 'Blixten', '2026-01-10 08:00:00');
"""


def rls_statements(tables: tuple[str, ...] = BASELINE_TABLES) -> str:
    """Prisma's `20260204120000_enable_rls` migration: one statement per table."""
    return "\n".join(f'ALTER TABLE "{t}" ENABLE ROW LEVEL SECURITY;' for t in tables)


async def create_prisma_database(target: DatabaseTarget, *, rls: bool, demo: bool) -> None:
    """Make `target` what the original Equinet's migrations left behind."""
    script = PRISMA_INIT.read_text(encoding="utf-8")
    if rls:
        script += "\n" + rls_statements()
    script += PRISMA_MIGRATIONS
    if demo:
        script += PRISMA_DEMO_ROWS
    await sql(target, script)


async def one_of_everything(target: DatabaseTarget) -> dict[str, str]:
    """Insert one row into each of the 21 baseline tables (through the factories), committed;
    returns the ids by table."""
    engine = engine_for(target, "equinet-tests")
    try:
        async with AsyncSession(engine, expire_on_commit=False) as db, db.begin():
            customer = await factories.customer(db)
            provider = await factories.provider(db)
            horse = await factories.horse(db, owner=customer)
            booking = await factories.booking(db, by=customer, at=provider, horse_id=horse.id)
            verification = await factories.provider_verification(db, of=provider)
            route_order = await factories.route_order(db, by=customer)
            group = await factories.group_booking_request(db, by=customer)
            stop = await factories.route_stop(db, order=route_order)  # makes the Route too
            rows: list[Any] = [
                customer,
                provider,
                horse,
                booking,
                verification,
                route_order,
                group,
                stop,
                await factories.availability(db, of=provider),
                await factories.availability_exception(db, of=provider),
                await factories.horse_passport_token(db, of=horse),
                await factories.upload(db, verification_id=verification.id),
                await factories.fortnox_connection(db, of=provider),
                await factories.payment(db, for_booking=booking),
                await factories.notification(db, to=customer),
                await factories.email_verification_token(db, of=customer),
                await factories.review(db, for_booking=booking),
                await factories.horse_note(db, of=horse),
                await factories.group_booking_participant(db, of=group, who=customer),
            ]
            ids = {type(row).__tablename__: row.id for row in rows}
            ids["Service"] = booking.service_id
            ids["Route"] = stop.route_id
        return ids
    finally:
        await engine.dispose()
