"""Row-level security (A7): an API role such as Supabase's `anon`, granted everything on every
table, still reads and writes nothing; the application (the owner) is unaffected."""

from __future__ import annotations

import asyncpg
import pytest

from equinet.db.targets import asyncpg_connect
from equinet.db.urls import DatabaseTarget
from equinet.models import BASELINE_TABLES
from equinet.ops import database
from tests.conftest import make_settings
from tests.db.support import one_of_everything, run_cli, sql

pytestmark = pytest.mark.schema

# How Supabase sets up `anon`. Roles belong to the cluster, so it may exist already.
CREATE_ANON = """
DO $$
BEGIN
    CREATE ROLE anon NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;
GRANT USAGE ON SCHEMA public TO anon;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO anon;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO anon;
"""


async def test_anon_role_reads_and_writes_nothing_in_any_table(migrated: DatabaseTarget) -> None:
    await database.seed(migrated, make_settings(migrated))
    await one_of_everything(migrated)
    await sql(migrated, CREATE_ANON)
    connection = await asyncpg_connect(migrated)
    try:
        tables = [
            row["tablename"]
            for row in await connection.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        assert {*BASELINE_TABLES, "alembic_version", "EnvironmentStamp"} <= set(tables)
        owner_counts = {t: await connection.fetchval(f'SELECT count(*) FROM "{t}"') for t in tables}
        # The application's role (owner) sees the seeded rows: there is something to hide.
        demo = await connection.fetchval(
            'SELECT count(*) FROM "Provider" WHERE "businessName" = ANY($1::text[])',
            ["Hovslagare Eriksson", "Västkustens Hästvård", "Test Stall AB"],
        )
        assert demo == 3
        assert (
            await connection.fetchval(
                """SELECT count(*) FROM "User" WHERE email = 'kund@test.se'"""
            )
            == 1
        )
        for table in (*BASELINE_TABLES, "alembic_version", "EnvironmentStamp"):
            assert owner_counts[table] > 0, table

        for table in tables:
            first_column = await connection.fetchval(
                # The first column that can be written (the queue's ids are identity columns).
                "SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 "
                "AND NOT attisdropped AND attidentity = '' AND attgenerated = '' "
                "ORDER BY attnum LIMIT 1",
                f'public."{table}"',
            )
            async with connection.transaction():
                await connection.execute("SET LOCAL ROLE anon")
                assert await connection.fetchval(f'SELECT count(*) FROM "{table}"') == 0, table
                updated = await connection.execute(
                    f'UPDATE "{table}" SET "{first_column}" = "{first_column}"'
                )
                assert updated == "UPDATE 0", table
                assert await connection.execute(f'DELETE FROM "{table}"') == "DELETE 0", table
                with pytest.raises(
                    asyncpg.InsufficientPrivilegeError,
                    match=f'new row violates row-level security policy for table "{table}"',
                ):
                    async with connection.transaction():
                        await connection.execute(f'INSERT INTO "{table}" DEFAULT VALUES')

        # Nothing anon did reached the data.
        after = {t: await connection.fetchval(f'SELECT count(*) FROM "{t}"') for t in tables}
        assert after == owner_counts
    finally:
        await connection.close()


async def test_rls_check_passes_on_a_migrated_database(migrated: DatabaseTarget) -> None:
    result = await run_cli(migrated, "db", "rls-check")
    assert result.exit_code == 0, result.output
    assert "row-level security is enabled on every table" in result.stdout


async def test_rls_check_fails_naming_a_table_without_rls(migrated: DatabaseTarget) -> None:
    await sql(migrated, 'ALTER TABLE "Review" DISABLE ROW LEVEL SECURITY')
    result = await run_cli(migrated, "db", "rls-check")
    assert result.exit_code == 1, result.output
    assert "Review" in result.stderr
    assert "Booking" not in result.output
