"""`equinet db adopt` (M1): take over a database the original app's Prisma migrations made,
only when it is exactly the baseline, and change nothing when it is not."""

from __future__ import annotations

import pytest

from equinet.db import migrations
from equinet.db.urls import DatabaseTarget
from equinet.models import BASELINE_TABLES
from equinet.ops.drift import differences, snapshot_of
from tests.db.support import create_prisma_database, fetch, public_tables, run_cli, sql, value

pytestmark = pytest.mark.schema

DEMO_COUNTS = dict.fromkeys(BASELINE_TABLES, 0) | {
    "User": 2,
    "Provider": 1,
    "Service": 1,
    "Booking": 1,
}


async def _counts(target: DatabaseTarget) -> dict[str, int]:
    return {t: await value(target, f'SELECT count(*) FROM "{t}"') for t in BASELINE_TABLES}


async def _tables_without_rls(target: DatabaseTarget) -> list[str]:
    rows = await fetch(
        target,
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind = 'r' AND NOT c.relrowsecurity",
    )
    return [row["relname"] for row in rows]


async def _assert_adopted(target: DatabaseTarget) -> None:
    assert await value(target, "SELECT version_num FROM alembic_version") == (
        migrations.head_revision()
    )
    assert await value(target, 'SELECT environment FROM "EnvironmentStamp"') == "test"
    assert await _counts(target) == DEMO_COUNTS
    booking = (await fetch(target, 'SELECT * FROM "Booking"'))[0]
    assert (booking["horseName"], booking["status"], booking["startTime"]) == (
        "Blixten",
        "confirmed",
        "10:00",
    )
    assert await value(target, 'SELECT count(*) FROM "_prisma_migrations"') == 2
    assert await _tables_without_rls(target) == []
    rls = await run_cli(target, "db", "rls-check")
    assert rls.exit_code == 0, rls.output


async def test_prisma_database_with_rls_is_adopted_with_its_rows(scratch: DatabaseTarget) -> None:
    await create_prisma_database(scratch, rls=True, demo=True)
    result = await run_cli(scratch, "db", "adopt")
    assert result.exit_code == 0, result.output
    assert "baseline 0001 stamped" in result.stdout
    assert "environment test" in result.stdout
    await _assert_adopted(scratch)
    check = await run_cli(scratch, "db", "check")
    assert check.exit_code == 0, check.output


async def test_prisma_database_without_rls_is_adopted_and_gets_rls(
    scratch: DatabaseTarget,
) -> None:
    await create_prisma_database(scratch, rls=False, demo=True)
    assert "Review" in await _tables_without_rls(scratch)
    result = await run_cli(scratch, "db", "adopt")
    assert result.exit_code == 0, result.output
    await _assert_adopted(scratch)


async def test_database_that_differs_is_refused_and_left_untouched(
    scratch: DatabaseTarget,
) -> None:
    await create_prisma_database(scratch, rls=True, demo=True)
    await sql(
        scratch,
        """
        DROP INDEX "Booking_horseId_idx";
        ALTER TABLE "User" ADD COLUMN "nickname" TEXT;
        ALTER TABLE "Service" ALTER COLUMN "price" TYPE NUMERIC(10, 2);
        """,
    )
    before = await snapshot_of(scratch)
    tables_before = await public_tables(scratch)

    result = await run_cli(scratch, "db", "adopt")

    assert result.exit_code == 1, result.output
    listed = result.stderr
    assert "differs from the Equinet baseline in 3 place(s); nothing was changed" in listed
    assert '"Booking": index "Booking_horseId_idx" is missing' in listed
    assert '"User": unexpected column "nickname"' in listed
    assert '"Service": column "price" has type numeric(10,2), expected double precision' in listed
    assert await public_tables(scratch) == tables_before
    assert "alembic_version" not in tables_before
    assert "EnvironmentStamp" not in tables_before
    assert differences(await snapshot_of(scratch), before) == []
    assert await _counts(scratch) == DEMO_COUNTS


async def test_database_already_under_alembic_is_refused(migrated: DatabaseTarget) -> None:
    result = await run_cli(migrated, "db", "adopt")
    assert result.exit_code == 1, result.output
    assert "already managed by Alembic" in result.stderr
    assert "use `equinet db migrate` instead" in result.stderr
