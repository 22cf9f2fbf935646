"""`equinet db check` (M6): models, migrations and the live database agree, or every difference
is named and the command exits 1."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Table, Text

from equinet.db import migrations
from equinet.db.urls import DatabaseTarget
from equinet.models import Base
from equinet.ops import database
from tests.conftest import make_settings
from tests.db.support import run_cli, sql

pytestmark = pytest.mark.schema


async def test_fresh_database_has_no_drift(migrated: DatabaseTarget) -> None:
    result = await run_cli(migrated, "db", "check")
    assert result.exit_code == 0, result.output
    assert "no drift" in result.stdout


async def test_changes_made_by_hand_are_each_named(migrated: DatabaseTarget) -> None:
    await sql(
        migrated,
        """
        ALTER TABLE "Booking" DROP COLUMN "horseInfo";
        DROP INDEX "Booking_horseId_idx";
        ALTER TABLE "Booking" DROP CONSTRAINT "Booking_customerId_fkey";
        ALTER TABLE "Booking" ADD CONSTRAINT "Booking_customerId_fkey" FOREIGN KEY ("customerId")
            REFERENCES "User"(id) ON DELETE CASCADE ON UPDATE CASCADE;
        """,
    )
    result = await run_cli(migrated, "db", "check")
    assert result.exit_code == 1, result.output
    problems = result.stderr
    assert 'database vs migrations: "Booking": column "horseInfo" is missing' in problems
    assert 'database vs migrations: "Booking": index "Booking_horseId_idx" is missing' in problems
    assert 'constraint "Booking_customerId_fkey" is `FOREIGN KEY' in problems
    assert "ON DELETE CASCADE`, expected" in problems
    assert "drift found (3)" in problems


async def test_pending_migrations_are_reported(scratch: DatabaseTarget) -> None:
    await database.migrate(scratch, make_settings(scratch), "0002")
    result = await run_cli(scratch, "db", "check")
    assert result.exit_code == 1, result.output
    pending = ", ".join(migrations.revisions_between("0002"))
    assert f"pending migrations: {pending} (run `equinet db migrate`)" in result.stderr
    # The database itself is exactly what 0002 builds: nothing else is reported.
    assert "database vs migrations" not in result.stderr


async def test_a_model_without_a_migration_is_reported(migrated: DatabaseTarget) -> None:
    # A model someone added but never wrote a revision for.
    probe = Table("DriftProbe", Base.metadata, Column("id", Text, primary_key=True))
    try:
        result = await run_cli(migrated, "db", "check")
    finally:
        Base.metadata.remove(probe)
    assert result.exit_code == 1, result.output
    assert "models vs migrations: add table DriftProbe" in result.stderr
    # The live database is what the migrations build: only the model is out of line.
    assert "database vs migrations" not in result.stderr
